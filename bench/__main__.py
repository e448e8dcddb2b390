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
from dataclasses import dataclass, field
from pathlib import Path

from openturk.store.db import Database

from . import population, procfs, report
from .loadgen import Generator, make_generator
from .server import HOST, Server
from .signing import Presigner, Request, client, healthz

TARGETS = ("healthz", "GetQualificationType", "UpdateQualificationType", "ListQualificationTypes")
# Workers and their qualifications: measured on a smaller grid (--qual-grid) to keep the run short.
QUAL_TARGETS = ("GetQualificationScore", "Associate:same", "Associate:change", "ListWorkers:1k",
                "ListWorkers:1M")
ALL_TARGETS = TARGETS + QUAL_TARGETS
OPERATIONS = {"Associate:same": "AssociateQualificationWithWorker",
              "Associate:change": "AssociateQualificationWithWorker",
              "ListWorkers:1k": "ListWorkersWithQualificationType",
              "ListWorkers:1M": "ListWorkersWithQualificationType"}
HOLDERS = {"ListWorkers:1k": 1_000, "ListWorkers:1M": 1_000_000}
LIST_PAGE = 100
EXTRA_TYPES = 50
# Workers of the main type, granted through the API in setup(). Associate:same repeats one request for
# one worker, which then changes nothing. Associate:change sends IntegerValue 1 to each of 64 workers in
# turn, then 2 to each, and so on: two requests for the same worker are 64 apart in the sequence, more
# than the requests in flight, so the server sees each worker's requests in order and every request
# changes a score. (With a single worker alternating 1/2, concurrent requests overtake one another and
# about a quarter of them found the value already set: no-ops.)
SCORE_WORKER, SCORE = "ABENCHSCORE", 7
SAME_WORKER = "ABENCHSAME"
CHANGE_WORKERS = tuple(f"ABENCHCHG{i:02d}" for i in range(64))


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--duration", type=float, default=5.0, help="measured seconds per cell (default 5)")
    p.add_argument("--warmup", type=float, default=1.0, help="warm-up seconds per cell (default 1)")
    p.add_argument("--quick", action="store_true", help="1 s cells (a smoke run; numbers are noisier)")
    p.add_argument("--workers", default="1,2", help="server process counts (default 1,2)")
    p.add_argument("--clients", default="1,8,32", help="concurrent keep-alive clients (default 1,8,32)")
    p.add_argument("--targets", default=",".join(ALL_TARGETS), help=f"default {','.join(ALL_TARGETS)}")
    p.add_argument("--qual-grid", default="1x8,2x32",
                   help=f"PROCESSESxCLIENTS cells for {', '.join(QUAL_TARGETS)} (default 1x8,2x32), "
                        "or 'full' for the --workers x --clients grid; only process counts in --workers run")
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
    unknown = set(args.targets) - set(ALL_TARGETS)
    if unknown:
        p.error(f"unknown targets: {', '.join(sorted(unknown))}")
    if args.qual_grid == "full":
        args.qual_grid = [(w, c) for w in args.workers for c in args.clients]
    else:
        try:
            args.qual_grid = [tuple(int(n) for n in cell.split("x")) for cell in args.qual_grid.split(",")]
        except ValueError:
            p.error("--qual-grid: expected cells like 1x8,2x32, or 'full'")
    return args


def planned(args, workers: int, clients: int, target: str) -> bool:
    if target in QUAL_TARGETS:
        return (workers, clients) in args.qual_grid
    return clients in args.clients


@dataclass
class Fixture:
    """What setup() created on one server, and a connection to its database (for the population and to
    count the changes an Associate cell recorded)."""

    presigner: Presigner
    db: Database
    main: str                                   # the type read, updated and associated
    holder_types: dict[str, str] = field(default_factory=dict)   # ListWorkers target -> type id
    population: dict | None = None


def setup(server: Server, targets: set[str]) -> Fixture:
    """One type to read and update, and enough others that ListQualificationTypes returns a full page;
    workers holding the main type; and, for the ListWorkers targets, a type with 1,000 holders and one
    with 1,000,000 (created through the API, their holders inserted into the database directly)."""
    key, secret = server.credentials()
    mturk = client(server.endpoint, key, secret)
    created = mturk.create_qualification_type(
        Name="bench main", Keywords="bench,openturk", QualificationTypeStatus="Active",
        Description="The type that the benchmark reads and updates.")
    main = created["QualificationType"]["QualificationTypeId"]
    for i in range(EXTRA_TYPES):
        mturk.create_qualification_type(Name=f"bench extra {i:02d}", QualificationTypeStatus="Active",
                                        Description=f"Filler type {i} for ListQualificationTypes.")
    fixture = Fixture(Presigner(server.endpoint, key, secret), population.open_database(server.data_dir),
                      main)
    if targets & set(QUAL_TARGETS):
        for worker, value in ((SCORE_WORKER, SCORE), (SAME_WORKER, 1), *((w, 2) for w in CHANGE_WORKERS)):
            mturk.associate_qualification_with_worker(QualificationTypeId=main, WorkerId=worker,
                                                      IntegerValue=value, SendNotification=False)
    holders = {}
    for target in sorted(targets & set(HOLDERS)):
        n = HOLDERS[target]
        qtype = mturk.create_qualification_type(
            Name=f"bench holders {n}", QualificationTypeStatus="Active",
            Description=f"{n:,} workers hold this type (inserted into the database by the benchmark).")
        fixture.holder_types[target] = type_id = qtype["QualificationType"]["QualificationTypeId"]
        holders[type_id] = n
    if holders:
        # The server is up but idle: one write transaction, then a checkpoint (bench/population.py).
        fixture.population = population.populate(fixture.db, holders)
    return fixture


def signed(fx: Fixture, target: str) -> list[Request]:
    """The request(s) of a cell, freshly signed; several are sent in turn."""
    if target == "healthz":
        return [healthz(fx.presigner.host)]
    main = fx.main
    if target == "Associate:change":   # each worker to 1, then each to 2: every request changes a score
        return [fx.presigner.sign("AssociateQualificationWithWorker", QualificationTypeId=main,
                                  WorkerId=worker, IntegerValue=value, SendNotification=False)
                for value in (1, 2) for worker in CHANGE_WORKERS]
    params = {
        "GetQualificationType": {"QualificationTypeId": main},
        "UpdateQualificationType": {"QualificationTypeId": main, "Description": "Updated by the benchmark."},
        "ListQualificationTypes": {"MustBeRequestable": False, "MustBeOwnedByCaller": True, "MaxResults": 10},
        "GetQualificationScore": {"QualificationTypeId": main, "WorkerId": SCORE_WORKER},
        # The worker already holds value 1: the server finds nothing to change and records nothing.
        "Associate:same": {"QualificationTypeId": main, "WorkerId": SAME_WORKER, "IntegerValue": 1,
                           "SendNotification": False},
        # The first page, default Status (Granted).
        **{t: {"QualificationTypeId": fx.holder_types.get(t), "MaxResults": LIST_PAGE} for t in HOLDERS},
    }[target]
    return [fx.presigner.sign(OPERATIONS.get(target, target), **params)]


def check_answer(target: str, body: bytes) -> str | None:
    """None if a 200 answer has the content the cell expects."""
    if target == "healthz":
        return None
    answer = json.loads(body)
    if target == "ListQualificationTypes" and answer.get("NumResults") != 10:
        return f"expected a page of 10 types: {body[:300]!r}"
    if target in HOLDERS and (answer.get("NumResults") != LIST_PAGE or not answer.get("NextToken")):
        return f"expected a page of {LIST_PAGE} holders and a NextToken: {body[:300]!r}"
    if target == "GetQualificationScore" and answer.get("Qualification", {}).get("IntegerValue") != SCORE:
        return f"expected IntegerValue {SCORE}: {body[:300]!r}"
    return None


def probe(server: Server, requests: list[Request], target: str) -> str | None:
    """Send each request once; None if every answer is right, else what is wrong."""
    for request in requests:
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
        wrong = check_answer(target, body)
        if wrong:
            return wrong
    return None


def recorded_changes(fx: Fixture, target: str) -> int | None:
    """For the Associate targets: the score-history rows of their workers (one per recorded change)."""
    workers = {"Associate:same": (SAME_WORKER,), "Associate:change": CHANGE_WORKERS}.get(target)
    return None if workers is None else population.history_count(fx.db, fx.main, workers)


def measure(server: Server, gen: Generator, fx: Fixture, target: str, requests: list[Request], clients: int,
            args) -> dict:
    waited, background = procfs.wait_quiet(args.quiet_wait)
    gen.run(requests, clients, args.warmup)
    changes0 = recorded_changes(fx, target)
    cpu0, (busy0, t0) = server.cpu(), procfs.machine_busy()
    res = gen.run(requests, clients, args.duration)
    cpu1, (busy1, t1) = server.cpu(), procfs.machine_busy()
    changes1 = recorded_changes(fx, target)
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
        **({} if changes0 is None else {
            # Associate: how many requests were real writes (a change recorded in the score history).
            "changes_recorded": changes1 - changes0,
            "changes_per_request": (changes1 - changes0) / n if n else None}),
    }


def _busiest_share(server: Server, per_process: dict[int, float]) -> float | None:
    workers = [s for pid, s in per_process.items() if server.role(pid) == "worker"]
    return round(max(workers) / sum(workers), 3) if len(workers) > 1 and sum(workers) > 0 else None


def run_cell(server: Server, gen: Generator, fx: Fixture, clients: int, target: str, args) -> dict:
    cell = {"workers": server.workers, "clients": clients, "target": target,
            "operation": OPERATIONS.get(target, target)}
    if target in HOLDERS:
        cell["holders"] = HOLDERS[target]
    requests = signed(fx, target)  # a fresh signature for every cell
    cell["requests_rotated"] = len(requests)
    failure = probe(server, requests, target)
    if failure is None:
        try:
            cell.update(measure(server, gen, fx, target, requests, clients, args))
        except RuntimeError as exc:
            failure = str(exc)
    if server.proc.poll() is not None:
        raise RuntimeError(f"the server exited during the run:\n{server.log_tail()}")
    if failure is not None:
        cell["failure"] = failure
    return cell


def run_server(workers: int, args, cells: list[dict], logs: dict, populations: dict) -> dict:
    """Start a server with `workers` processes, measure every (clients, target) cell on it, stop it."""
    clients_here = sorted({*args.clients, *(c for w, c in args.qual_grid if w == workers)})
    plan = [(c, t) for c in clients_here for t in ALL_TARGETS
            if t in args.targets and planned(args, workers, c, t)]
    with Server(workers) as server:
        server.start()
        fx = setup(server, {t for _, t in plan})
        if fx.population:
            label = f"{workers} process(es)"
            populations[label] = fx.population
            print(report.population_line(label, fx.population), flush=True)
        gen = make_generator(args.generator, HOST, server.port)
        try:
            for clients, target in plan:
                cells.append(run_cell(server, gen, fx, clients, target, args))
                print(report.table(cells[-1:]).splitlines()[-1], flush=True)
            return {"name": gen.name, "version": gen.version}
        finally:
            gen.close()
            fx.db.dispose()
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
    populations: dict[str, dict] = {}
    print(report.table([]), flush=True)
    for workers in args.workers:
        generator = run_server(workers, args, cells, logs, populations)
    add_ratios(cells)
    targets = report.evaluate_targets(cells)
    reported = report.reported(cells)
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
            "qual_grid": [f"{w}x{c}" for w, c in args.qual_grid],
            "qual_targets": f"{', '.join(QUAL_TARGETS)}: only on the qual_grid (processes x clients)",
            "list_workers": f"ListWorkersWithQualificationType, first page, MaxResults {LIST_PAGE}, default "
                            f"Status (Granted), on a type with 1,000 and one with 1,000,000 holders",
            "associate": "SendNotification false (as Dallinger sends it); Associate:same repeats "
                         "IntegerValue 1 for a worker who holds 1 (nothing changes); Associate:change "
                         f"sends IntegerValue 1 to each of {len(CHANGE_WORKERS)} workers in turn, then 2 to "
                         "each, ... (changes_per_request: the share of requests that recorded a change)",
            "database": "SQLite, a fresh temporary data directory per server",
            "ratios": "cpu_ratio_to_healthz = server CPU per request / that of GET /healthz (same processes, "
                      "same clients); rps_ratio_to_healthz likewise for req/s"},
        "cells": cells,
        "targets": targets,
        "all_targets_pass": all(t["pass"] for t in targets),
        "reported": reported,
        "population": populations,
        "server_logs": logs,
        "wall_time_s": round(time.monotonic() - started, 1),
    }
    Path(args.output).write_text(json.dumps(out, indent=2) + "\n")
    print(f"\n{report.table(cells)}\n\n{report.targets_table(targets)}\n"
          f"{report.reported_table(reported)}\n")
    for label, pop in populations.items():
        print(report.population_line(label, pop))
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
