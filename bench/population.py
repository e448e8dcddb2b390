"""Holders for ListWorkersWithQualificationType, written straight into the server's SQLite file.

A million AssociateQualificationWithWorker calls would take minutes, so the workers and their
qualifications are inserted in one write transaction (openturk's own `Database.transaction`, i.e.
BEGIN IMMEDIATE) with executemany on the sqlite3 cursor, while the server is up but idle: the server's
next read transaction sees them (WAL). The types themselves were created through the API, so they
belong to the benchmark's requester. Afterwards a TRUNCATE checkpoint copies the WAL into the main
file, so the measured reads do not start with a WAL of several hundred MB.
"""

from __future__ import annotations

import time
from pathlib import Path

from openturk.clock import SystemClock
from openturk.config import normalise_database_url, sqlite_url
from openturk.store import tables
from openturk.store.db import Database

WORKER_PREFIX = "ABENCH"   # worker ids ABENCH0000000, ABENCH0000001, ...: ^A[A-Z0-9]+$


def worker_id(i: int) -> str:
    return f"{WORKER_PREFIX}{i:07d}"


def insert_sql(table, names: tuple[str, ...]) -> str:
    columns = [table.c[name].name for name in names]   # KeyError if the schema no longer has a column
    return f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"


WORKERS_SQL = insert_sql(tables.workers, ("worker_id", "token_hash", "locale_country", "locale_subdivision",
                                           "created_ms"))
QUALIFICATIONS_SQL = insert_sql(tables.qualifications, (
    "qualification_type_id", "worker_id", "status", "integer_value", "grant_ms", "updated_ms", "version"))


def open_database(data_dir: Path, database_url: str | None = None) -> Database:
    """The server's database: its PostgreSQL one if it has one, else the data directory's SQLite file."""
    if database_url:
        return Database(normalise_database_url(database_url), pool_size=1)
    return Database(sqlite_url(str(data_dir)), pool_size=1)


def populate(db: Database, holders: dict[str, int]) -> dict:
    """Give workers 0..n-1 a Granted qualification of each type (type id -> n); returns the timings.

    The workers are created once, as many as the largest n.
    """
    now = SystemClock().epoch_ms()
    count = max(holders.values())
    timings: dict[str, float] = {}
    start = time.monotonic()
    with db.transaction(write=True) as tx:
        cur = tx.cursor
        cur.executemany(WORKERS_SQL, ((worker_id(i), None, None, None, now) for i in range(count)))
        timings["workers_s"] = time.monotonic() - start
        for type_id, n in holders.items():
            cur.executemany(QUALIFICATIONS_SQL, ((type_id, worker_id(i), "Granted", i % 100, now, now, 1)
                                                 for i in range(n)))
        timings["qualifications_s"] = time.monotonic() - start - timings["workers_s"]
        before_commit = time.monotonic()
    timings["commit_s"] = time.monotonic() - before_commit
    before_checkpoint = time.monotonic()
    complete = checkpoint(db)
    timings["checkpoint_s"] = time.monotonic() - before_checkpoint
    timings["total_s"] = time.monotonic() - start
    sqlite_file = Path(db.url.removeprefix("sqlite:///"))
    return {"workers": count, "qualifications": sum(holders.values()),
            "holders_per_type": {t: n for t, n in holders.items()},
            **{k: round(v, 2) for k, v in timings.items()},
            "checkpoint_complete": complete,
            "database_mb": round(sqlite_file.stat().st_size / 1e6, 1)}


def checkpoint(db: Database) -> bool:
    """Copy the WAL into the main file and empty it (TRUNCATE), so that the measured requests do not start
    with a large WAL; whether it completed."""
    raw = db.engine.raw_connection()
    try:
        busy, _log, _done = raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        raw.close()
    return busy == 0


def type_version(db: Database, type_id: str) -> int:
    """The qualification type's version: one more for each write of UpdateQualificationType."""
    mark = "?" if db.is_sqlite else "%s"
    with db.transaction(write=False) as tx:
        return tx.cursor.execute(f"SELECT version FROM {tables.qualification_types.name} "
                                 f"WHERE qualification_type_id = {mark}", (type_id,)).fetchone()[0]


def history_count(db: Database, type_id: str, workers: tuple[str, ...]) -> int:
    """Rows in the score history of these workers' qualifications of a type: one per recorded change."""
    mark = "?" if db.is_sqlite else "%s"   # the DBAPI's placeholder: sqlite3 or psycopg (the scale run)
    with db.transaction(write=False) as tx:
        return tx.cursor.execute(
            f"SELECT count(*) FROM {tables.qualification_history.name} WHERE qualification_type_id = {mark} "
            f"AND worker_id IN ({', '.join(mark for _ in workers)})", (type_id, *workers)).fetchone()[0]
