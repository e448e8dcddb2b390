"""Slow and oversized clients against `openturk serve` (a subprocess, as deployed): the server keeps serving
others, and bounded timeouts close the slow connections (web/protocol.py, docs/reliability.md#limits).

One server for the module runs with short timeouts (read 1 s, keep-alive 1 s) so that the tests stay
fast."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from xml.etree import ElementTree

import pytest

from .conftest import ServerFactory, openturk

pytestmark = pytest.mark.slow

READ_TIMEOUT = 1
KEEP_ALIVE = 1
LIMITS = {"OPENTURK_READ_TIMEOUT_SECONDS": str(READ_TIMEOUT), "OPENTURK_KEEP_ALIVE_SECONDS": str(KEEP_ALIVE)}
TARGET = b"X-Amz-Target: MTurkRequesterServiceV20170117.GetAccountBalance\r\n"


@pytest.fixture(scope="module")
def slow_server(tmp_path_factory):
    base = tmp_path_factory.mktemp("slow")
    (base / "logs").mkdir()
    factory = ServerFactory(base / "logs")
    yield factory.start(data_dir=base / "data", env=LIMITS)
    factory.stop_all()


@pytest.fixture(scope="module")
def worker_token(slow_server) -> str:
    created = openturk("worker", "create", "--json", "--data-dir", str(slow_server.data_dir))
    assert created.returncode == 0, created.stderr
    return json.loads(created.stdout)["Token"]


def connect(server) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port))
    sock.settimeout(READ_TIMEOUT + 10)      # a server without the limits fails the test instead of hanging it
    return sock


def read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    out = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return out
        if not chunk:
            return out
        out += chunk


_clients: dict = {}


def served_meanwhile(server) -> float:
    """Seconds a well-behaved boto3 call takes (while the slow clients hold their connections)."""
    client = _clients.setdefault(server.endpoint, server.client())
    started = time.monotonic()
    assert client.get_account_balance()["AvailableBalance"]
    return time.monotonic() - started


def test_a_connection_that_sends_nothing_is_closed_after_the_keep_alive_time(slow_server):
    sock = connect(slow_server)
    started = time.monotonic()
    assert served_meanwhile(slow_server) < 1
    assert read_all(sock) == b""
    assert KEEP_ALIVE - 0.2 <= time.monotonic() - started < KEEP_ALIVE + 3


def test_headers_sent_one_byte_at_a_time_end_with_408_while_others_are_served(slow_server):
    sock = connect(slow_server)
    started = time.monotonic()
    stop = threading.Event()

    def drip():
        for byte in b"POST / HTTP/1.1\r\nHost: x\r\n" + TARGET + b"X-Padding: " + b"a" * 1000:
            if stop.is_set():
                return
            try:
                sock.send(bytes([byte]))
            except OSError:
                return
            time.sleep(0.05)
    dripping = threading.Thread(target=drip, daemon=True)
    dripping.start()
    try:
        time.sleep(0.3)
        assert served_meanwhile(slow_server) < 1
        answer = read_all(sock)
    finally:
        stop.set()
    assert answer.startswith(b"HTTP/1.1 408 Request Timeout\r\n"), answer
    assert READ_TIMEOUT - 0.2 <= time.monotonic() - started < READ_TIMEOUT + 3
    assert f"Request not received within {READ_TIMEOUT} seconds" in slow_server.stderr


STALLED = {
    "JSON API": b"POST / HTTP/1.1\r\nHost: x\r\n" + TARGET + b"Content-Type: application/x-amz-json-1.1\r\n",
    "legacy API": b"POST /onca/xml HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n",
    "worker API": b"POST /api/worker/v1/qualification-requests/X/answers HTTP/1.1\r\nHost: x\r\n"
                  b"Authorization: Bearer %(token)s\r\n",
    "page form": b"POST /worker/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n",
}


@pytest.mark.parametrize("front_end", list(STALLED))
@pytest.mark.parametrize("framing", ["Content-Length that lies", "chunked"])
def test_a_stalled_body_ends_with_408(slow_server, worker_token, front_end, framing):
    """The client announces more body than it sends, then waits: 408 after the read timeout, and the
    server answers others meanwhile and afterwards."""
    head = STALLED[front_end].replace(b"%(token)s", worker_token.encode())
    sock = connect(slow_server)
    started = time.monotonic()
    if framing == "chunked":
        sock.sendall(head + b"Transfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n")
    else:
        sock.sendall(head + b"Content-Length: 1000\r\n\r\nabcde")
    assert served_meanwhile(slow_server) < 1
    answer = read_all(sock)
    elapsed = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408 Request Timeout\r\n"), answer
    assert_front_end_shape(front_end, answer, "RequestTimeout", "The request was not received in time.")
    assert READ_TIMEOUT - 0.2 <= elapsed < READ_TIMEOUT + 3
    assert served_meanwhile(slow_server) < 1


def assert_front_end_shape(front_end: str, answer: bytes, code: str, message: str) -> None:
    """The answer is an error of the front end the request was for (web/early.py)."""
    head, _, body = answer.partition(b"\r\n\r\n")
    headers = {line.split(b":", 1)[0].lower(): line.split(b":", 1)[1].strip() for line in head.split(b"\r\n")[1:]}
    assert int(headers[b"content-length"]) == len(body)
    if front_end == "JSON API":            # what botocore parses into a ClientError
        assert headers[b"content-type"] == b"application/x-amz-json-1.1" and b"x-amzn-requestid" in headers
        error = json.loads(body)
        assert (error["__type"], error["TurkErrorCode"]) == ("RequestError", code)
        assert re.fullmatch(re.escape(message) + r" \(\d{13}\)", error["Message"])
    elif front_end == "legacy API":
        assert headers[b"content-type"].startswith(b"text/xml")
        root = ElementTree.fromstring(body)
        assert (root.findtext("Errors/Error/Code"), root.findtext("Errors/Error/Message")) == (code, message)
        assert root.findtext("RequestID")
    elif front_end == "worker API":
        assert headers[b"content-type"] == b"application/json"
        assert json.loads(body) == {"error": {"code": code, "message": message}}
    else:                                   # the web pages, /healthz
        assert headers[b"content-type"].startswith(b"text/plain") and body == message.encode()


def test_many_slow_connections_do_not_stop_the_server(slow_server):
    socks = [connect(slow_server) for _ in range(200)]
    for sock in socks[:100]:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n")       # half a head each
    for _ in range(5):
        assert served_meanwhile(slow_server) < 1
    for sock in socks:
        sock.close()


BIG_HEAD = {
    "JSON API": b"POST / HTTP/1.1\r\nHost: x\r\n" + TARGET,
    "legacy API": b"GET /?Service=AWSMechanicalTurkRequester&Operation=GetAccountBalance HTTP/1.1\r\nHost: x\r\n",
    "worker API": b"GET /api/worker/v1/qualifications HTTP/1.1\r\nHost: x\r\n",
    "other": b"GET /healthz HTTP/1.1\r\nHost: x\r\n",
}


@pytest.mark.parametrize("front_end", list(BIG_HEAD))
def test_a_request_head_over_128_kib_is_431(slow_server, front_end):
    sock = connect(slow_server)
    sock.sendall(BIG_HEAD[front_end] + b"X-Big: ")
    try:
        for _ in range(64):                                 # up to 4 MiB of one header, never finished
            sock.sendall(b"a" * 65536)
    except (BrokenPipeError, ConnectionResetError):
        pass                                                # the server stopped reading: what we want
    answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n"), answer[:200]
    assert_front_end_shape(front_end, answer, "RequestHeaderFieldsTooLarge", "The request line and headers are too large.")
    assert served_meanwhile(slow_server) < 1


def test_a_head_just_under_the_limit_is_served(slow_server):
    sock = connect(slow_server)
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 120_000 + b"\r\nConnection: close\r\n\r\n")
    assert read_all(sock).startswith(b"HTTP/1.1 200 OK\r\n")
