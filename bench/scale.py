"""The scale run (`python -m bench --scale`): the server over a big database, on SQLite and PostgreSQL.

For each database:
1. a one-process server on an empty database; through the API its requester creates the types
   (`--scale-types`, 1,000); the server is stopped;
2. the population is loaded straight into the database (bench/bulkload.py): `--scale-workers`
   workers, `--scale-quals` qualifications with a skewed number of holders per type, one 'Granted'
   score-history row per qualification; the report has the load time;
3. the database's size: in total, per table, and divided by the number of qualifications;
4. for each process count in `--scale-processes` (1, 2, 4): `openturk serve --workers N` on that
   database, the cells GetQualificationScore, Associate:change, ListWorkers:first and ListWorkers:deep
   (all on the biggest type) for each `--scale-clients`, then the resident memory of every server
   process.

SQLite lives in a data directory under `--scale-dir` (a temporary directory by default). PostgreSQL is
`--postgres-url` (a server URL: a database is created on it and dropped afterwards) or, without it, a
throwaway server started by bench/postgres.py. Everything is removed at the end unless --scale-keep.
"""

from __future__ import annotations

import shutil
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import bindparam, create_engine, select, text
from sqlalchemy.engine import make_url

from openturk.clock import SystemClock
from openturk.config import normalise_database_url, sqlite_url
from openturk.ops import pagination
from openturk.service import PAGINATION_KEY
from openturk.store import db as store_db
from openturk.store import queries, tables
from openturk.store import worker_queries as wq
from openturk.store.db import Database, Prepared

from . import bulkload, report
from .cells import LIST_PAGE, Fixture, run_cell
from .loadgen import make_generator
from .population import worker_id
from .postgres import Postgres
from .server import HOST, Server
from .signing import Presigner, client

SCALE_TARGETS = ("GetQualificationScore", "Associate:change", "ListWorkers:first", "ListWorkers:deep")
DATABASES = ("sqlite", "postgresql")


def add_arguments(p) -> None:
    g = p.add_argument_group("scale run (off unless --scale or --scale-only)")
    g.add_argument("--scale", action="store_true", help="after the grid, run the scale benchmark")
    g.add_argument("--scale-only", action="store_true", help="run only the scale benchmark")
    g.add_argument("--scale-workers", type=int, default=1_000_000, help="workers (default 1,000,000)")
    g.add_argument("--scale-quals", type=int, default=10_000_000, help="qualifications (default 10,000,000)")
    g.add_argument("--scale-types", type=int, default=1_000, help="qualification types (default 1,000)")
    g.add_argument("--scale-databases", default=",".join(DATABASES), help="default sqlite,postgresql")
    g.add_argument("--scale-processes", default="1,2,4", help="server process counts (default 1,2,4)")
    g.add_argument("--scale-clients", default="8,32", help="concurrent clients (default 8,32)")
    g.add_argument("--scale-dir", help="where the SQLite database goes (default: a new directory in /tmp)")
    g.add_argument("--scale-keep", action="store_true", help="keep the databases afterwards")
    g.add_argument("--postgres-url", help="a PostgreSQL server to use (default: start a throwaway one)")


def check_arguments(p, args) -> None:
    args.scale_databases = args.scale_databases.split(",")
    if set(args.scale_databases) - set(DATABASES):
        p.error(f"--scale-databases: choose from {', '.join(DATABASES)}")
    args.scale_processes = [int(x) for x in args.scale_processes.split(",")]
    args.scale_clients = [int(x) for x in args.scale_clients.split(",")]
    try:
        bulkload.holder_counts(args.scale_workers, args.scale_quals, args.scale_types)
    except ValueError as exc:
        p.error(str(exc))
    if args.scale_workers < 4 * LIST_PAGE:   # the cells use workers up to a half of the biggest type
        p.error(f"--scale-workers: at least {4 * LIST_PAGE}")


def run(args) -> dict:
    base = Path(args.scale_dir) if args.scale_dir else Path(tempfile.mkdtemp(prefix="openturk-scale-"))
    base.mkdir(parents=True, exist_ok=True)
    out = {"settings": {"workers": args.scale_workers, "qualifications": args.scale_quals,
                        "types": args.scale_types,
                        "skew": f"type of rank r: min(workers, a / (r+1)^{bulkload.SKEW})",
                        "processes": args.scale_processes, "clients": args.scale_clients,
                        "duration_s": args.duration, "warmup_s": args.warmup,
                        "targets": {"GetQualificationScore": "the biggest type, a worker half-way through it",
                                    "Associate:change": "the biggest type, 64 of its workers, each request "
                                                        "changes the score",
                                    "ListWorkers:first": f"first page (MaxResults {LIST_PAGE}) of the "
                                                         "biggest type",
                                    "ListWorkers:deep": "the page that starts half-way through the biggest "
                                                        "type (a NextToken as the server issues it)"}},
           "databases": {}}
    try:
        for kind in args.scale_databases:
            out["databases"][kind] = run_database(kind, base, args)
            out["load_generator"] = out["databases"][kind].pop("load_generator", None)
    finally:
        if not args.scale_keep and not args.scale_dir:
            shutil.rmtree(base, ignore_errors=True)
    return out


def run_database(kind: str, base: Path, args) -> dict:
    data_dir = base / kind
    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir()
    pg, created = None, None
    result: dict = {"database": kind}
    try:
        if kind == "sqlite":
            url, database_url = sqlite_url(str(data_dir)), None
        else:
            if args.postgres_url:
                server_url = args.postgres_url
                result["postgres_server"] = "--postgres-url"
            else:
                pg = Postgres()
                server_url = pg.start()
                result["postgres_server"] = {"version": pg.version(), "settings": pg_settings()}
            url = database_url = created = create_pg_database(server_url)
            store_db.upgrade(url)
        result.update(_measure_database(kind, url, database_url, data_dir, args, pg.pid() if pg else None))
        return result
    finally:
        if created and not args.scale_keep:
            drop_pg_database(created)
        if pg is not None and not args.scale_keep:
            pg.stop()
        if not args.scale_keep:
            shutil.rmtree(data_dir, ignore_errors=True)


def pg_settings() -> dict:
    from .postgres import SETTINGS
    return dict(SETTINGS)


def _measure_database(kind: str, url: str, database_url: str | None, data_dir: Path, args,
                      database_pid: int | None) -> dict:
    """`url` is the database's; the servers get `database_url` (None: the SQLite file in data_dir)."""
    counts = bulkload.holder_counts(args.scale_workers, args.scale_quals, args.scale_types)
    with Server(1, data_dir, database_url) as server:
        server.start()
        key, secret = server.credentials()
        started = time.monotonic()
        type_ids = create_types(client(server.endpoint, key, secret), args.scale_types)
        types_s = time.monotonic() - started
    db = Database(normalise_database_url(url), pool_size=1)
    try:
        requester = owner_of(db, type_ids[0])
        print(f"scale ({kind}): loading {args.scale_workers:,} workers, {args.scale_quals:,} qualifications "
              f"and their history over {len(type_ids):,} types ...", flush=True)
        started = time.monotonic()
        timings = bulkload.load(db, type_ids, counts, args.scale_workers, requester, SystemClock().epoch_ms())
        load = {"total_s": round(time.monotonic() - started, 1), **timings,
                "types_through_api_s": round(types_s, 1),
                "rows": {"workers": args.scale_workers, "qualifications": sum(counts),
                         "qualification_history": sum(counts)},
                "holders": {"largest": counts[:5], "median": counts[len(counts) // 2], "smallest": counts[-1],
                            "types_with_all_workers": sum(1 for c in counts if c == args.scale_workers)}}
        print(report.scale_load_line(kind, load), flush=True)
        size = database_size(db)
        size["bytes_per_qualification"] = round(size["total_bytes"] / sum(counts), 1)
        print(report.scale_size_line(kind, size), flush=True)
        servers = []
        print(f"{kind:10}  " + report.table([], report.SCALE_COLUMNS), flush=True)
        for processes in args.scale_processes:
            servers.append(run_server(kind, processes, data_dir, database_url, db, type_ids[0], counts[0],
                                      (key, secret), args, database_pid))
        return {"load": load, "size": size, "servers": servers,
                "load_generator": servers[-1].pop("load_generator") if servers else None}
    finally:
        db.dispose()


def create_types(mturk, n: int) -> list[str]:
    """The types, created through the API; index = rank (0 gets the most holders)."""
    return [mturk.create_qualification_type(
        Name=f"scale type {i:04d}", QualificationTypeStatus="Active",
        Description=f"Scale benchmark type {i}; its holders are loaded into the database directly.",
    )["QualificationType"]["QualificationTypeId"] for i in range(n)]


_owner = Prepared(select(tables.qualification_types.c.owner_id)
                  .where(tables.qualification_types.c.qualification_type_id == bindparam("type")))


def owner_of(db: Database, type_id: str) -> str:
    with db.transaction(write=False) as tx:
        return tx.scalar(_owner, {"type": type_id})


def run_server(kind: str, processes: int, data_dir: Path, database_url: str | None, db: Database,
               big_type: str, holders: int, creds: tuple[str, str], args, database_pid: int | None) -> dict:
    cells = []
    with Server(processes, data_dir, database_url) as server:
        server.start()
        fx = fixture(server, db, big_type, holders, creds)
        fx.database_pid = database_pid
        gen = make_generator(args.generator, HOST, server.port)
        try:
            for clients in args.scale_clients:
                for target in SCALE_TARGETS:
                    sessions = pg_sessions(db)
                    cell = run_cell(server, gen, fx, clients, target, args)
                    cell["database"] = kind
                    if sessions is not None:
                        # Connections the server opened during the cell (probe, warm-up and measurement):
                        # more than its pool's size means connections are opened and closed under load.
                        cell["database_sessions_opened"] = pg_sessions(db) - sessions
                    cells.append(cell)
                    line = report.table([cell], report.SCALE_COLUMNS).splitlines()[-1]
                    print(f"{kind:10}  {line}", flush=True)
        finally:
            gen.close()
        memory = server.memory()
        print(f"{kind:10}  " + report.scale_memory_line(processes, memory), flush=True)
        return {"processes": processes, "cells": cells, "memory_after_run": memory,
                "server_log": server.log_tail(40),
                "load_generator": {"name": gen.name, "version": gen.version}}


def fixture(server: Server, db: Database, big_type: str, holders: int, creds: tuple[str, str]) -> Fixture:
    """Everything on the biggest type, whose holders are workers 0..holders-1 (bulkload.holder_indexes)."""
    half = holders // 2
    with db.transaction(write=False) as tx:
        key = bytes.fromhex(queries.get_meta(tx, PAGINATION_KEY))
        before = wq.qualification(tx, big_type, worker_id(half - 1))
    # The NextToken the server hands out with the page that ends at worker half-1 (ops.pagination).
    token = pagination.make_token(key, before["seq"], {"t": big_type, "s": "Granted"})
    return Fixture(Presigner(server.endpoint, *creds), db, big_type,
                   holder_types={"ListWorkers:first": big_type, "ListWorkers:deep": big_type},
                   score_worker=worker_id(half), score=bulkload.value_of(0, half),
                   change_workers=tuple(worker_id(holders // 4 + i) for i in range(64)),
                   deep_token=token, deep_first_worker=worker_id(half))


def pg_sessions(db: Database) -> int | None:
    """PostgreSQL: sessions ever opened to this database (pg_stat_database; flushed about once a second)."""
    if db.is_sqlite:
        return None
    time.sleep(1.1)
    raw = db.engine.raw_connection()
    try:
        cur = raw.driver_connection.cursor()
        cur.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        value = cur.fetchone()[0]
        raw.driver_connection.rollback()
        return value
    finally:
        raw.close()


# -- size ----------------------------------------------------------------------------------------------

def database_size(db: Database) -> dict:
    started = time.monotonic()
    raw = db.engine.raw_connection()
    try:
        conn = raw.driver_connection
        out = _sqlite_size(conn, Path(db.url.removeprefix("sqlite:///"))) if db.is_sqlite else _pg_size(conn)
    finally:
        raw.close()
    out["measured_in_s"] = round(time.monotonic() - started, 1)
    return out


def _sqlite_size(conn, path: Path) -> dict:
    busy, _log, _done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    wal = path.with_name(path.name + "-wal")
    # dbstat: the bytes of every table and index b-tree; indexes are counted with their table.
    owner = dict(conn.execute("SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')"))
    per_table: dict[str, int] = {}
    for name, size in conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"):
        per_table[owner.get(name, name)] = per_table.get(owner.get(name, name), 0) + size
    return {"total_bytes": pages * page_size, "file_bytes": path.stat().st_size,
            "wal_bytes": wal.stat().st_size if wal.exists() else 0, "checkpoint_complete": busy == 0,
            "page_size": page_size, "tables_bytes": _big_first(per_table),
            "how": "page_count * page_size after PRAGMA wal_checkpoint(TRUNCATE); tables from dbstat, "
                   "each with its indexes"}


def _pg_size(conn) -> dict:
    cur = conn.cursor()
    cur.execute("SELECT pg_database_size(current_database())")
    total = cur.fetchone()[0]
    cur.execute("SELECT c.relname, pg_total_relation_size(c.oid), pg_relation_size(c.oid), "
                "pg_indexes_size(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind = 'r' AND n.nspname = 'public'")
    rows = cur.fetchall()
    conn.rollback()
    cur.close()
    return {"total_bytes": total, "tables_bytes": _big_first({r[0]: r[1] for r in rows}),
            "tables_heap_bytes": _big_first({r[0]: r[2] for r in rows}),
            "tables_index_bytes": _big_first({r[0]: r[3] for r in rows}),
            "how": "pg_database_size; tables: pg_total_relation_size (heap, TOAST and indexes)"}


def _big_first(sizes: dict[str, int]) -> dict[str, int]:
    return dict(sorted(((k, v) for k, v in sizes.items() if v), key=lambda kv: -kv[1]))


# -- PostgreSQL databases ------------------------------------------------------------------------------

def create_pg_database(server_url: str) -> str:
    """A new database on that server; its URL."""
    base = make_url(normalise_database_url(server_url))
    name = "openturk_scale_" + uuid.uuid4().hex[:12]
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    parsed = make_url(normalise_database_url(url))
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    finally:
        admin.dispose()


def all_cells(scaled: dict) -> list[dict]:
    return [c for result in scaled["databases"].values() for s in result.get("servers", [])
            for c in s["cells"]]
