"""A response leaves the server in one write (web/protocol.py, WholeWrites): a process killed mid-answer must
not leave a client a complete "200 OK" head without its body, which botocore (it does not check
Content-Length) would take for an empty success."""

from __future__ import annotations

import asyncio

import uvicorn
from uvicorn.server import ServerState

from openturk.web.asgi import send_bytes
from openturk.web.protocol import BoundedHttpToolsProtocol, WholeWrites

from ..conftest import run_coroutine

BODY = b'{"HIT": {"HITId": "3ABC"}}'


class Recorder(asyncio.Transport):
    """A transport that records what is written to it."""

    def __init__(self):
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data):
        self.writes.append(bytes(data))

    def is_closing(self):
        return self.closed

    def close(self):
        self.closed = True

    def abort(self):
        self.closed = True

    def get_extra_info(self, name, default=None):
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8080)}.get(name, default)

    def pause_reading(self):
        pass

    def resume_reading(self):
        pass

    def get_write_buffer_size(self):
        return 0


async def app(scope, receive, send):
    # openturk's own way of answering: the head, then the body, in two ASGI messages
    await send_bytes(send, 200, BODY, [(b"content-type", b"application/x-amz-json-1.1")])


async def serve(request: bytes) -> Recorder:
    config = uvicorn.Config(app, lifespan="off", http=BoundedHttpToolsProtocol)
    protocol = BoundedHttpToolsProtocol(config, ServerState(), {}, _loop=asyncio.get_running_loop())
    transport = Recorder()
    protocol.connection_made(transport)
    protocol.data_received(request)
    for _ in range(100):
        await asyncio.sleep(0.01)
        if transport.writes:
            break
    await asyncio.sleep(0.02)
    transport.closed_by_server = transport.closed
    protocol.connection_lost(None)
    return transport


def test_head_and_body_leave_in_one_write():
    transport = run_coroutine(serve(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"))
    [written] = transport.writes
    assert written.startswith(b"HTTP/1.1 200 OK\r\n") and written.endswith(b"\r\n\r\n" + BODY)
    assert b"content-length: %d\r\n" % len(BODY) in written
    assert not transport.closed_by_server         # keep-alive


def test_a_connection_closed_after_the_answer_gets_the_whole_answer_first():
    transport = run_coroutine(serve(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
    [written] = transport.writes
    assert written.endswith(BODY) and transport.closed_by_server


def test_writes_of_one_turn_go_together_and_an_abort_drops_them():
    async def scenario():
        loop = asyncio.get_running_loop()
        sent = WholeWrites(recorder := Recorder(), loop)
        sent.write(b"head ")
        sent.write(b"")
        sent.write(b"body")
        assert recorder.writes == [] and sent.get_write_buffer_size() == 9
        await asyncio.sleep(0)
        assert recorder.writes == [b"head body"]
        sent.write(b"lost")
        sent.abort()
        await asyncio.sleep(0)
        assert recorder.writes == [b"head body"] and recorder.closed
        assert sent.get_extra_info("peername") == ("127.0.0.1", 50000)      # the rest is the transport's
    run_coroutine(scenario())
