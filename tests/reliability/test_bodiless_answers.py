"""Why a server must write each response whole (web/protocol.py, WholeWrites): botocore reads answers with
urllib3's enforce_content_length off, so a "200 OK" head whose body never comes is, to boto3, a success
with nothing in it. The crash tests' client (load.Requester) counts such an answer as unanswered and the
tests require there are none."""

from __future__ import annotations

import socket
import threading

from .load import UNKNOWN, Requester, Stats

HEAD_ONLY = (b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 120\r\n"
             b"x-amzn-RequestId: 5cbe8a2a-9bd1-4a2e-8f25-1f5bf5d2f7a1\r\n\r\n")


def test_a_head_without_its_body_is_an_empty_success_to_boto3_and_unanswered_to_the_crash_tests():
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def answer_with_a_head_only():
        conn, _ = listener.accept()
        with conn:
            received = b""
            while b"\r\n\r\n" not in received:
                received += conn.recv(65536)
            head, _, body = received.partition(b"\r\n\r\n")
            length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length")))
            while len(body) < length:
                body += conn.recv(65536)
            conn.sendall(HEAD_ONLY)       # ... and the process dies before the body

    server = threading.Thread(target=answer_with_a_head_only, daemon=True)
    server.start()
    stats = Stats()
    requester = Requester(f"http://127.0.0.1:{port}", {"AccessKeyId": "AKIAEXAMPLE", "SecretAccessKey": "x"}, stats)
    outcome = requester("create_hit_with_hit_type", HITTypeId="3X", LifetimeInSeconds=60, Question="<q/>")
    server.join(10)
    listener.close()
    assert set(outcome.body) == {"ResponseMetadata"}       # boto3's "success": no HIT
    assert (outcome.kind, stats.bodiless) == (UNKNOWN, ["create_hit_with_hit_type"])
