"""python -m bench [--duration S] [--quick] [--output PATH] [--workers 1,2] [--clients 1,8,32] ...

Exit status 0 when every cell was measured (whether or not the targets were met), 1 when a cell failed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import signal
import sys
import time
from pathlib import Path

from . import procfs, report
from .loadgen import Generator, make_generator
from .server import HOST, Server
from .signing import Presigner, Request, client, healthz

TARGETS = ("healthz", "GetQualificationType", "UpdateQualificationType", "ListQualificationTypes")
EXTRA_TYPES = 50


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--duration", type=float, default=5.0, help="measured seconds per cell (default 5)")
    p.add_argument("--warmup", type=float, default=1.0, help="warm-up seconds per cell (default 1)")
    p.add_argument("--quick", action="store_true", help="1 s cells (a smoke run; numbers are noisier)")
    p.add_argument("--workers", default="1,2", help="server process counts (default 1,2)")
    p.add_argument("--clients", default="1,8,32", help="concurrent keep-alive clients (default 1,8,32)")
    p.add_argument("--targets", default=",".join(TARGETS), help=f"default {','.join(TARGETS)}")
    p.add_argument("--generator", choices=["auto", "wrk", "python"], default="auto",
                   help="load generator: wrk if installed (auto), or the Python asyncio one")
    p.add_argument("--quiet-wait", type=float, default=5.0,
                   help="before each cell, wait up to this many seconds for other processes to go idle "
                        "(default 5)")
    p.add_argument("--output", default=str(report.ROOT / "bench-report.json"), help="JSON report path")
    args = p.parse_args(argv)
    if args.quick:
        args.duration, args.warmup = 1.0, 1.0
    args.workers = [int(x) for x in args.workers.split(",")]
    args.clients = [int(x) for x in args.clients.split(",")]
    args.targets = args.targets.split(",")
    unknown = set(args.targets) - set(TARGETS)
    if unknown:
        p.error(f"unknown targets: {', '.join(sorted(unknown))}")
    return args


def setup(server: Server) -> tuple[Presigner, str]:
    """One type to read and update, and enough others that ListQualificationTypes returns a full page."""
    key, secret = server.credentials()
    mturk = client(server.endpoint, key, secret)
    created = mturk.create_qualification_type(
        Name="bench main", Keywords="bench,openturk", QualificationTypeStatus="Active",
        Description="The type that the benchmark reads and updates.")
    for i in range(EXTRA_TYPES):
        mturk.create_qualification_type(Name=f"bench extra {i:02d}", QualificationTypeStatus="Active",
                                        Description=f"Filler type {i} for ListQualificationTypes.")
    return Presigner(server.endpoint, key, secret), created["QualificationType"]["QualificationTypeId"]


def signed(presigner: Presigner, target: str, qid: str) -> Request:
    if target == "healthz":
        return healthz(presigner.host)
    params = {
        "GetQualificationType": {"QualificationTypeId": qid},
        "UpdateQualificationType": {"QualificationTypeId": qid, "Description": "Updated by the benchmark."},
        "ListQualificationTypes": {"MustBeRequestable": False, "MustBeOwnedByCaller": True, "MaxResults": 10},
    }[target]
    return presigner.sign(target, **params)


def probe(server: Server, request: Request, target: str) -> str | None:
    """Send the request once; None if the answer is right, else what is wrong with it."""
    conn = http.client.HTTPConnection(HOST, server.port, timeout=10)
    try:
        conn.putrequest(request.method, request.path, skip_host=True, skip_accept_encoding=True)
        for k, v in request.headers:
            conn.putheader(k, v)
        conn.endheaders(request.body or None)
        resp = conn.getresponse()
        body = resp.read()
    except OSError as exc:
        return f"cannot reach the server: {exc}"
    finally:
        conn.close()
    if resp.status != 200:
        return f"HTTP {resp.status}: {body[:300]!r}"
    if target == "ListQualificationTypes" and json.loads(body).get("NumResults") != 10:
        return f"expected a page of 10 types: {body[:300]!r}"
    return None


def measure(server: Server, gen: Generator, request: Request, clients: int, args) -> dict:
    waited, background = procfs.wait_quiet(args.quiet_wait)
    gen.run(request, clients, args.warmup)
    cpu0, (busy0, t0) = server.cpu(), procfs.machine_busy()
    res = gen.run(request, clients, args.duration)
    cpu1, (busy1, t1) = server.cpu(), procfs.machine_busy()
    machine = (busy1 - busy0) / (t1 - t0)
    per_process = {pid: cpu1[pid] - cpu0.get(pid, 0.0) for pid in cpu1}
    server_cpu = sum(per_process.values())
    n, secs = res["requests"], res["duration_s"]
    errors = {k: v for k, v in res["errors"].items() if v}
    return {
        "requests": n, "duration_s": round(secs, 3), "rps": n / secs if secs else 0.0,
        "p50_ms": res["p50_ms"], "p90_ms": res["p90_ms"], "p99_ms": res["p99_ms"], "max_ms": res["max_ms"],
        "errors": errors, "errors_total": sum(errors.values()),
        "server_cpu_s": round(server_cpu, 3), "cpu_us_per_req": server_cpu / n * 1e6 if n else None,
        "server_cores": server_cpu / secs if secs else None,
        "server_cpu_by_process": [{"pid": pid, "role": server.role(pid), "cpu_s": round(s, 3)}
                                  for pid, s in sorted(per_process.items()) if s > 0],
        # How evenly the kernel spread the keep-alive connections over the worker processes (1.0: all on one).
        "busiest_worker_share": _busiest_share(server, per_process),
        "loadgen_cpu_s": round(res["cpu_s"], 3), "loadgen_cores": res["cpu_s"] / secs if secs else None,
        "loadgen_cpu_us_per_req": res["cpu_s"] / n * 1e6 if n else None,
        "machine_busy_cores": machine,
        # Whatever else ran on the machine meanwhile (other processes, this script): noise, if large.
        "other_cores": max(0.0, machine - (server_cpu + res["cpu_s"]) / (t1 - t0)),
        "background_cores_before": round(background, 3), "waited_for_quiet_s": round(waited, 2),
    }


def _busiest_share(server: Server, per_process: dict[int, float]) -> float | None:
    workers = [s for pid, s in per_process.items() if server.role(pid) == "worker"]
    return round(max(workers) / sum(workers), 3) if len(workers) > 1 and sum(workers) > 0 else None


def run_cell(server: Server, gen: Generator, presigner: Presigner, qid: str, clients: int, target: str,
             args) -> dict:
    cell = {"workers": server.workers, "clients": clients, "target": target}
    request = signed(presigner, target, qid)  # a fresh signature for every cell
    failure = probe(server, request, target)
    if failure is None:
        try:
            cell.update(measure(server, gen, request, clients, args))
        except RuntimeError as exc:
            failure = str(exc)
    if server.proc.poll() is not None:
        raise RuntimeError(f"the server exited during the run:\n{server.log_tail()}")
    if failure is not None:
        cell["failure"] = failure
    return cell


def run_server(workers: int, args, cells: list[dict], logs: dict) -> dict:
    """Start a server with `workers` processes, measure every (clients, target) cell on it, stop it."""
    with Server(workers) as server:
        server.start()
        presigner, qid = setup(server)
        gen = make_generator(args.generator, HOST, server.port)
        try:
            for clients in args.clients:
                for target in args.targets:
                    cells.append(run_cell(server, gen, presigner, qid, clients, target, args))
                    print(report.table(cells[-1:]).splitlines()[-1], flush=True)
            return {"name": gen.name, "version": gen.version}
        finally:
            gen.close()
            # Logged at --log-level warning, after the banner: anything here is worth a look.
            logs[f"{workers} process(es)"] = server.log_tail(40)


def _terminate(signum, _frame):
    raise SystemExit(128 + signum)  # unwinds through `with Server(...)`, which stops the server


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, _terminate)
    started = time.monotonic()
    cells: list[dict] = []
    generator: dict = {}
    logs: dict[str, str] = {}
    print(report.table([]), flush=True)
    for workers in args.workers:
        generator = run_server(workers, args, cells, logs)
    add_ratios(cells)
    targets = report.evaluate_targets(cells)
    out = {
        "machine": report.machine_info(),
        "load_generator": {
            **generator, "threads": 1, "connections": "one keep-alive connection per client",
            "errors": "bad_status: responses with status >= 400 (wrk) or != 200 (python); every cell's "
                      "request is first sent once and must answer exactly 200",
            "note": "one load-generator process on the same machine; its CPU is in each cell "
                    "(loadgen_cores, loadgen_cpu_us_per_req)"},
        "settings": {
            "duration_s": args.duration, "warmup_s": args.warmup, "quiet_wait_s": args.quiet_wait,
            "workers": args.workers, "clients": args.clients, "targets": args.targets,
            "database": "SQLite, a fresh temporary data directory per server",
            "ratios": "cpu_ratio_to_healthz = server CPU per request / that of GET /healthz (same processes, "
                      "same clients); rps_ratio_to_healthz likewise for req/s"},
        "cells": cells,
        "targets": targets,
        "all_targets_pass": all(t["pass"] for t in targets),
        "server_logs": logs,
        "wall_time_s": round(time.monotonic() - started, 1),
    }
    Path(args.output).write_text(json.dumps(out, indent=2) + "\n")
    print(f"\n{report.table(cells)}\n\n{report.targets_table(targets)}\n")
    print(f"load generator: {generator['name']} {generator['version']}; report written to {args.output}")
    noisy = [c for c in cells if c.get("other_cores", 0) > report.NOISE_CORES]
    if noisy:
        print(f"warning: in {len(noisy)} cells other processes used more than {report.NOISE_CORES} cores "
              "(other cores column): the machine was not quiet, those numbers are pessimistic")
    return 1 if any("failure" in c for c in cells) else 0


def add_ratios(cells: list[dict]) -> None:
    base = {(c["workers"], c["clients"]): c for c in cells if c["target"] == "healthz" and "rps" in c}
    for c in cells:
        b = base.get((c["workers"], c["clients"]))
        if "rps" in c and b is not None and b["rps"] and b["cpu_us_per_req"]:
            c["rps_ratio_to_healthz"] = c["rps"] / b["rps"]
            c["cpu_ratio_to_healthz"] = (c["cpu_us_per_req"] or 0) / b["cpu_us_per_req"]


if __name__ == "__main__":
    sys.exit(main())
