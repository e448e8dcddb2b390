"""python -m bench [--duration S] [--quick] [--output PATH] [--workers 1,2] [--clients 1,8,32] ...

Exit status 0 when every cell was measured (whether or not the targets were met), 1 when a cell failed.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from collections import Counter
from pathlib import Path

from openturk.clock import SystemClock
from openturk.service import create_requester
from openturk.store import db as store_db

from . import population, report, scale
from . import workers as worker_cells
from .cells import (CHANGE_WORKERS, EXTRA_TYPES, HIT_QUESTION, HIT_TARGETS, HOLDERS, LIST_PAGE, SAME_WORKER, SCORE,
                    SCORE_WORKER, SEARCH_TARGETS, WORKER_TARGETS, Fixture, run_cell)
from .loadgen import make_generator
from .postgres import SETTINGS as PG_SETTINGS
from .postgres import Postgres
from .scale import create_pg_database
from .server import HOST, Server
from .signing import Presigner, client

TARGETS = ("healthz", "GetQualificationType", "UpdateQualificationType", "ListQualificationTypes")
# Workers and their qualifications: measured on a smaller grid (--qual-grid) to keep the run short.
QUAL_TARGETS = ("GetQualificationScore", "Associate:same", "Associate:change", "ListWorkers:1k",
                "ListWorkers:1M")
# HITs and the worker API: on the same smaller grid.
GRID_TARGETS = QUAL_TARGETS + HIT_TARGETS + WORKER_TARGETS
ALL_TARGETS = TARGETS + GRID_TARGETS
DATABASES = ("sqlite", "postgresql")


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
                   help=f"PROCESSESxCLIENTS cells for {', '.join(GRID_TARGETS)} (default 1x8,2x32), "
                        "or 'full' for the --workers x --clients grid; only process counts in --workers run")
    p.add_argument("--generator", choices=["auto", "wrk", "python"], default="auto",
                   help="load generator: wrk if installed (auto), or the Python asyncio one")
    p.add_argument("--quiet-wait", type=float, default=5.0,
                   help="before each cell, wait up to this many seconds for other processes to go idle "
                        "(default 5)")
    p.add_argument("--versus", choices=["moto"],
                   help="also measure moto's server (DynamoDB GetItem, PutItem; the bench extra) in the same run "
                        "and report openturk / moto for reads and writes (needs the 1-process, 8-client "
                        "GetQualificationType and UpdateQualificationType cells)")
    p.add_argument("--database", default="sqlite",
                   help="sqlite, postgresql, or both (sqlite,postgresql): the servers' database. PostgreSQL is a "
                        "throwaway server started from the machine's binaries (bench/postgres.py); only the "
                        f"targets {', '.join(TARGETS)} run on it, and with both the report compares PostgreSQL's "
                        "server CPU per request with SQLite's (target <= 2x)")
    p.add_argument("--output", default=str(report.ROOT / "bench-report.json"), help="JSON report path")
    scale.add_arguments(p)
    args = p.parse_args(argv)
    args.scale = args.scale or args.scale_only
    if args.scale:
        scale.check_arguments(p, args)
    if args.quick:
        args.duration, args.warmup = 1.0, 1.0
    args.workers = [int(x) for x in args.workers.split(",")]
    args.clients = [int(x) for x in args.clients.split(",")]
    args.targets = args.targets.split(",")
    unknown = set(args.targets) - set(ALL_TARGETS)
    if unknown:
        p.error(f"unknown targets: {', '.join(sorted(unknown))}")
    args.database = args.database.split(",")
    if set(args.database) - set(DATABASES):
        p.error(f"--database: sqlite, postgresql or both, not {','.join(args.database)}")
    if "postgresql" in args.database and set(args.targets) - set(TARGETS):
        # The other targets' setup inserts rows into the SQLite file directly.
        p.error(f"--database postgresql: only the targets {', '.join(TARGETS)}")
    if args.qual_grid == "full":
        args.qual_grid = [(w, c) for w in args.workers for c in args.clients]
    else:
        try:
            args.qual_grid = [tuple(int(n) for n in cell.split("x")) for cell in args.qual_grid.split(",")]
        except ValueError:
            p.error("--qual-grid: expected cells like 1x8,2x32, or 'full'")
    return args


# A worker's search is a latency target: it is also measured with one client on one process (with 8 clients
# on one process its p50 is mostly the time spent waiting behind the 7 others).
LATENCY_CELL = (1, 1)


def planned(args, workers: int, clients: int, target: str) -> bool:
    if target in SEARCH_TARGETS and (workers, clients) == LATENCY_CELL:
        return True
    if target in GRID_TARGETS:
        return (workers, clients) in args.qual_grid
    return clients in args.clients


def setup(server: Server, planned_targets: list[str], args) -> Fixture:
    """One type to read and update, and enough others that ListQualificationTypes returns a full page;
    workers holding the main type; and, for the ListWorkers targets, a type with 1,000 holders and one
    with 1,000,000 (created through the API, their holders inserted into the database directly); for the
    worker API targets, workers, HITs and assignments enough for every planned cell (bench/workers.py)."""
    cells_of = Counter(planned_targets)
    targets = set(cells_of)
    key, secret = server.credentials()
    mturk = client(server.endpoint, key, secret)
    created = mturk.create_qualification_type(
        Name="bench main", Keywords="bench,openturk", QualificationTypeStatus="Active",
        Description="The type that the benchmark reads and updates.")
    main = created["QualificationType"]["QualificationTypeId"]
    for i in range(EXTRA_TYPES):
        mturk.create_qualification_type(Name=f"bench extra {i:02d}", QualificationTypeStatus="Active",
                                        Description=f"Filler type {i} for ListQualificationTypes.")
    fixture = Fixture(Presigner(server.endpoint, key, secret), population.open_database(server.data_dir,
                                                                                          server.database_url), main)
    if targets & {*HIT_TARGETS, *WORKER_TARGETS}:
        gate = setup_hits(server, fixture)
        if targets & set(WORKER_TARGETS):
            fixture.workers = worker_cells.setup(
                fixture.db, fixture.presigner.host, fixture.hit_requester, fixture.hit_type, gate, HIT_QUESTION,
                accept_cells=cells_of["accept"], submit_cells=cells_of["submit"],
                search=bool(targets & {"search", "search:query"}), args=args)
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


def setup_hits(server: Server, fx: Fixture) -> str:
    """A requester of the HIT cells' own (with enough balance for every HIT the cells create: each reserves
    $0.02), a HIT type with a requirement on a type of theirs (returned: the gate) and one on Locale, and one
    HIT to read. Its assignments last a day: the submit cells' were accepted in setup."""
    creds = create_requester(fx.db, "bench hits", SystemClock().epoch_ms(), balance="1000000.00")
    key, secret = creds["AccessKeyId"], creds["SecretAccessKey"]
    mturk = client(server.endpoint, key, secret)
    gate = mturk.create_qualification_type(Name="bench HIT gate", QualificationTypeStatus="Active",
                                           Description="The requirement on the benchmark's HITs.")
    gate_id = gate["QualificationType"]["QualificationTypeId"]
    hit_type = mturk.create_hit_type(
        Title="bench: label an image", Description="A HIT type for the benchmark.", Reward="0.01",
        Keywords="bench,image", AssignmentDurationInSeconds=86400, AutoApprovalDelayInSeconds=86400,
        QualificationRequirements=[
            {"QualificationTypeId": gate_id,
             "Comparator": "GreaterThanOrEqualTo", "IntegerValues": [50]},
            {"QualificationTypeId": "00000000000000000071", "Comparator": "In",
             "LocaleValues": [{"Country": "US"}, {"Country": "CA"}]}])["HITTypeId"]
    fx.hit_presigner = Presigner(server.endpoint, key, secret)
    fx.hit_requester = creds["RequesterId"]
    fx.hit_type = hit_type
    fx.hit = mturk.create_hit_with_hit_type(HITTypeId=hit_type, MaxAssignments=3, LifetimeInSeconds=7 * 86400,
                                            Question=HIT_QUESTION)["HIT"]["HITId"]
    return gate_id


def run_server(workers: int, args, cells: list[dict], logs: dict, populations: dict,
               database: tuple[str, str | None, int | None] = ("sqlite", None, None)) -> dict:
    """Start a server with `workers` processes, measure every (clients, target) cell on it, stop it.
    `database`: its kind, URL (None: the data directory's SQLite file) and server process id."""
    kind, database_url, database_pid = database
    clients_here = sorted({*args.clients, *(c for w, c in args.qual_grid if w == workers),
                           *((LATENCY_CELL[1],) if workers == LATENCY_CELL[0] else ())})
    plan = [(c, t) for c in clients_here for t in ALL_TARGETS
            if t in args.targets and planned(args, workers, c, t)]
    with Server(workers, database_url=database_url) as server:
        server.start()
        fx = setup(server, [t for _, t in plan], args)
        fx.database_pid = database_pid
        if fx.population:
            label = f"{workers} process(es)"
            populations[label] = fx.population
            print(report.population_line(label, fx.population), flush=True)
        gen = make_generator(args.generator, HOST, server.port)
        try:
            for clients, target in plan:
                cells.append(run_cell(server, gen, fx, clients, target, args))
                if kind != "sqlite":
                    cells[-1]["database"] = kind
                print(report.table(cells[-1:]).splitlines()[-1], flush=True)
            return {"name": gen.name, "version": gen.version}
        finally:
            gen.close()
            fx.db.dispose()
            # Logged at --log-level warning, after the banner: anything here is worth a look.
            logs[f"{workers} process(es)" + ("" if kind == "sqlite" else f", {kind}")] = server.log_tail(40)


def _terminate(signum, _frame):
    raise SystemExit(128 + signum)  # unwinds through `with Server(...)`, which stops the server


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, _terminate)
    started = time.monotonic()
    machine = report.machine_info()   # the commit and source checkout the servers start from, at the start
    cells: list[dict] = []
    generator: dict = {}
    postgres_server = None
    logs: dict[str, str] = {}
    populations: dict[str, dict] = {}
    if not args.scale_only:
        print(report.table([]), flush=True)
    for kind in [] if args.scale_only else args.database:
        if kind == "sqlite":
            for workers in args.workers:
                generator = run_server(workers, args, cells, logs, populations)
            continue
        with Postgres() as pg:
            url = create_pg_database(pg.start())
            store_db.upgrade(url)
            for workers in args.workers:
                generator = run_server(workers, args, cells, logs, populations, (kind, url, pg.pid()))
            postgres_server = {"version": pg.version(), "settings": dict(PG_SETTINGS)}
    add_ratios(cells)
    compared = None
    if args.versus == "moto":
        from . import versus
        compared = versus.run(args, cells)
        print(versus.table(compared), flush=True)
    scaled = scale.run(args) if args.scale else None
    generator = generator or (scaled or {}).get("load_generator", {})
    targets = [] if args.scale_only else report.evaluate_targets(cells)
    reported = report.reported(cells)
    out = {
        "machine": machine,
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
            "qual_targets": f"{', '.join(GRID_TARGETS)}: only on the qual_grid (processes x clients)",
            "hits": "CreateHITWithHITType: the same request each time (no UniqueRequestToken), MaxAssignments "
                    "1, an ExternalQuestion, a HIT type with two QualificationRequirements; each request "
                    "creates a HIT and reserves its cost. GetHIT: a HIT of that type, Assignable",
            "worker_api": worker_cells.DESCRIPTION,
            "list_workers": f"ListWorkersWithQualificationType, first page, MaxResults {LIST_PAGE}, default "
                            f"Status (Granted), on a type with 1,000 and one with 1,000,000 holders",
            "associate": "SendNotification false (as Dallinger sends it); Associate:same repeats "
                         "IntegerValue 1 for a worker who holds 1 (nothing changes); Associate:change "
                         f"sends IntegerValue 1 to each of {len(CHANGE_WORKERS)} workers in turn, then 2 to "
                         "each, ... (changes_per_request: the share of requests that recorded a change)",
            "database": "SQLite, a fresh temporary data directory per server"
                        + ("" if postgres_server is None else "; cells with database postgresql: a throwaway "
                           "PostgreSQL server, one database for every server (database_cpu_s: its processes')"),
            **({} if postgres_server is None else {"postgres_server": postgres_server}),
            "ratios": "cpu_ratio_to_healthz = server CPU per request / that of GET /healthz (same processes, "
                      "same clients); rps_ratio_to_healthz likewise for req/s"},
        "cells": cells,
        "targets": targets,
        "all_targets_pass": all(t["pass"] for t in targets) and all(
            r["pass"] for r in (compared or {}).get("comparison", [])),
        **({} if compared is None else {"versus": {"moto": compared}}),
        "reported": reported,
        "population": populations,
        "server_logs": logs,
        **({} if scaled is None else {"scale": {"summary": report.scale_summary(scaled), **scaled}}),
        "wall_time_s": round(time.monotonic() - started, 1),
    }
    Path(args.output).write_text(json.dumps(out, indent=2) + "\n")
    if not args.scale_only:
        print(f"\n{report.table(cells)}\n\n{report.targets_table(targets)}\n"
              f"{report.reported_table(reported)}\n")
    for label, pop in populations.items():
        print(report.population_line(label, pop))
    if compared is not None:
        from . import versus
        print(versus.table(compared) + "\n")
    if scaled is not None:
        print(report.scale_table(scaled))
        print(f"\nAs Markdown (docs/benchmarks.md):\n\n{report.scale_markdown(scaled)}\n")
        cells = cells + scale.all_cells(scaled)
    print(f"load generator: {generator['name']} {generator['version']}; report written to {args.output}")
    noisy = [c for c in cells if c.get("other_cores", 0) > report.NOISE_CORES]
    if noisy:
        print(f"warning: in {len(noisy)} cells other processes used more than {report.NOISE_CORES} cores "
              "(other cores column): the machine was not quiet, those numbers are pessimistic")
    failed = any("failure" in c for c in cells + (compared or {}).get("cells", []))
    return 1 if failed else 0


def add_ratios(cells: list[dict]) -> None:
    base = {(c["workers"], c["clients"]): c for c in cells if c["target"] == "healthz" and "rps" in c}
    for c in cells:
        b = base.get((c["workers"], c["clients"]))
        if "rps" in c and b is not None and b["rps"] and b["cpu_us_per_req"]:
            c["rps_ratio_to_healthz"] = c["rps"] / b["rps"]
            c["cpu_ratio_to_healthz"] = (c["cpu_us_per_req"] or 0) / b["cpu_us_per_req"]


if __name__ == "__main__":
    sys.exit(main())
