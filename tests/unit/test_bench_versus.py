"""The benchmark's comparison with moto: its ratios, and a load generator that reconnects when a server
closes every connection (moto's Werkzeug server answers `Connection: close`)."""

from __future__ import annotations

import asyncio

from bench import pyload, versus
from ..conftest import run_coroutine


def cell(target, rps, cpu, workers=1, clients=8, changes=None):
    out = {"target": target, "workers": workers, "clients": clients, "rps": rps, "cpu_us_per_req": cpu}
    return out if changes is None else {**out, "changes_per_request": changes}


def test_compare_divides_openturk_by_moto_at_one_process_and_eight_clients():
    ours = [cell("GetQualificationType", 8000, 125), cell("UpdateQualificationType", 4000, 200, changes=1.0),
            cell("GetQualificationType", 99999, 1, workers=2)]
    moto = [cell("GetItem", 500, 2000), cell("PutItem", 600, 1800)]
    reads, writes = versus.compare(ours, moto)
    assert (reads["what"], reads["rps_ratio"], reads["moto_cpu_per_openturk_cpu"], reads["pass"]) == \
        ("reads", 16.0, 16.0, True)
    assert (writes["what"], writes["rps_ratio"], writes["moto_cpu_per_openturk_cpu"], writes["pass"]) == \
        ("writes", 6.67, 9.0, False)         # below the target of 8


def test_writes_that_changed_nothing_do_not_count():
    ours = [cell("UpdateQualificationType", 9000, 100, changes=0.0002)]
    [_reads, writes] = versus.compare(ours, [cell("PutItem", 600, 1800)])
    assert writes["rps_ratio"] == 15.0 and not writes["pass"]


def test_compare_without_a_cell_is_not_measured_and_fails():
    reads, writes = versus.compare([], [cell("GetItem", 500, 2000)])
    assert reads["rps_ratio"] is None and not reads["pass"] and not writes["pass"]


def test_pyload_reconnects_to_a_server_that_closes_each_connection():
    async def scenario():
        served = 0

        async def handle(reader, writer):
            nonlocal served
            await reader.readuntil(b"\r\n\r\n")
            served += 1
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        result = await pyload.run([b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"], "127.0.0.1", port, 2, 0.3)
        server.close()
        return result, served

    result, served = run_coroutine(scenario())
    assert result["requests"] == served > 10        # many requests, one connection each
    assert result["errors"] == {"bad_status": 0, "socket": 0}
