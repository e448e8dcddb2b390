"""Fallback load generator: N keep-alive connections in one asyncio (uvloop) process, raw sockets.

Each connection sends pre-built request bytes, reads one complete HTTP/1.1 response (by
Content-Length), records its latency and status, and sends again until the deadline. The requests file
holds one request or several (each as its length in decimal, a newline, then its bytes: `write_requests`);
several are handed out in turn, across all connections. A server that answers `Connection: close`
(moto's Werkzeug server does) is reconnected to for the next request, and the connect time is part of
that request's latency, as for any client of it. Any status other than OK_STATUS (default 200) is a
bad_status error.

    python -m bench.pyload REQUESTS_FILE HOST PORT CONNECTIONS SECONDS [OK_STATUS]   (prints a JSON summary)
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time
from pathlib import Path

CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.IGNORECASE)
CLOSE = re.compile(rb"\r\nconnection:\s*close", re.IGNORECASE)


class Rotation:
    """The next request to send, shared by all connections."""

    def __init__(self, raws: list[bytes]):
        self.raws, self.i = raws, -1

    def next(self) -> bytes:
        self.i = (self.i + 1) % len(self.raws)
        return self.raws[self.i]


class Connection(asyncio.Protocol):
    def __init__(self, raws: Rotation, deadline: int, latencies: list[int], statuses: dict[int, int], done,
                 connecting_since: int):
        self.raws, self.deadline, self.done = raws, deadline, done
        self.latencies, self.statuses = latencies, statuses
        self.buf = b""
        self.sent = connecting_since
        self.transport = None

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.transport.write(self.raws.next())      # its latency counts from the connect

    def _send(self) -> None:
        self.sent = time.perf_counter_ns()
        self.transport.write(self.raws.next())

    def data_received(self, data: bytes) -> None:
        self.buf += data
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return
        match = CONTENT_LENGTH.search(self.buf, 0, end + 2)
        total = end + 4 + (int(match.group(1)) if match else 0)
        if len(self.buf) < total:
            return
        now = time.perf_counter_ns()
        status = int(self.buf[9:12])
        self.statuses[status] = self.statuses.get(status, 0) + 1
        self.latencies.append(now - self.sent)
        closing = CLOSE.search(self.buf, 0, end + 2) is not None
        self.buf = self.buf[total:]
        if now < self.deadline and not closing:
            self._send()
        else:
            self.transport.close()

    def connection_lost(self, exc) -> None:
        if not self.done.done():
            self.done.set_result(exc)


def write_requests(path: Path, raws: list[bytes]) -> None:
    path.write_bytes(b"".join(b"%d\n%s" % (len(raw), raw) for raw in raws))


def read_requests(path: Path) -> list[bytes]:
    data, raws, at = path.read_bytes(), [], 0
    while at < len(data):
        end = data.index(b"\n", at)
        size = int(data[at:end])
        raws.append(data[end + 1:end + 1 + size])
        at = end + 1 + size
    return raws


async def run(raws: list[bytes], host: str, port: int, connections: int, seconds: float,
              ok_status: int = 200) -> dict:
    loop = asyncio.get_running_loop()
    latencies: list[int] = []
    statuses: dict[int, int] = {}
    start = time.perf_counter_ns()
    deadline = start + int(seconds * 1e9)
    rotation = Rotation(raws)

    async def client() -> int:
        """One client: a keep-alive connection, and a new one whenever the server closes it."""
        failures = 0
        while time.perf_counter_ns() < deadline:
            done = loop.create_future()
            since = time.perf_counter_ns()
            await loop.create_connection(
                lambda: Connection(rotation, deadline, latencies, statuses, done, since), host, port)
            if await done is not None:
                failures += 1
                break
        return failures

    errors = sum(await asyncio.wait_for(asyncio.gather(*(client() for _ in range(connections))), seconds + 30))
    elapsed = (time.perf_counter_ns() - start) / 1e9
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * p / 100))] / 1e6 if latencies else 0.0

    return {"requests": len(latencies), "duration_s": elapsed, "p50_ms": pct(50), "p90_ms": pct(90),
            "p99_ms": pct(99), "max_ms": latencies[-1] / 1e6 if latencies else 0.0,
            "errors": {"bad_status": sum(n for s, n in statuses.items() if s != ok_status), "socket": errors},
            "statuses": {str(k): v for k, v in statuses.items()}}


def main(argv: list[str]) -> None:
    path, host, port, connections, seconds, *ok_status = argv
    try:
        from uvloop import run as run_loop
    except ImportError:
        run_loop = asyncio.run
    result = run_loop(run(read_requests(Path(path)), host, int(port), int(connections), float(seconds),
                          *map(int, ok_status)))
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
