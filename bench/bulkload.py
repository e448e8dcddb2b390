"""The scale population: many workers, millions of qualifications over many types, and their history.

`python -m bench --scale` loads, by default, 1,000,000 workers and 10,000,000 qualifications spread
over 1,000 types (created through the API, so they belong to the benchmark's requester), plus one
'Granted' score-history row per qualification, as AssociateQualificationWithWorker would have written.

How many holders each type gets (`holder_counts`): a Zipf-like skew, type of rank r (0-based) gets
min(workers, a / (r + 1) ** 1.2) holders, `a` chosen so that the counts add up to the qualifications
asked for. With the defaults the two biggest types have all 1,000,000 workers, the 10th ~170,000, the
100th ~11,000 and the 1,000th ~700. Type r's holders are the workers from offset r * 104,729 (mod the
number of workers) on, so every worker holds about ten types; type 0's holders are workers 0..n-1.

Loading goes through the raw DBAPI connection in large transactions: on SQLite executemany, one
transaction per ~1,000,000 rows (the WAL is checkpointed between them); on PostgreSQL COPY FROM STDIN
through psycopg (the qualifications' foreign keys dropped during their COPY and added back after).
The rows go in in (type id, worker id) order, which is the order of the unique index and of the
indexes' leading columns, so every index grows at its end instead of at random places.
The column names come from openturk.store.tables, so a schema change fails loudly.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from openturk.store import tables

from .population import worker_id

SKEW = 1.2
OFFSET_STRIDE = 104_729     # a prime: the holders of different types start at different workers
SQLITE_BATCH = 1_000_000    # rows per SQLite transaction
COPY_CHUNK = 1 << 20        # bytes handed to COPY at a time

WORKER_COLUMNS = ("worker_id", "token_hash", "locale_country", "locale_subdivision", "created_ms")
QUALIFICATION_COLUMNS = ("qualification_type_id", "worker_id", "status", "integer_value", "grant_ms",
                         "updated_ms", "version")
# What ops.qualifications._record writes for a first grant by AssociateQualificationWithWorker.
HISTORY_COLUMNS = ("qualification_type_id", "worker_id", "at_ms", "event", "old_status", "new_status",
                   "old_value", "new_value", "source", "requester_id", "reason")
HISTORY_SOURCE = "AssociateQualificationWithWorker"


def holder_counts(workers: int, qualifications: int, types: int, skew: float = SKEW) -> list[int]:
    """Holders per type, biggest first, adding up to exactly `qualifications` (at most workers each)."""
    if not 0 < qualifications <= workers * types:
        raise ValueError(f"cannot spread {qualifications:,} qualifications over {types:,} types of at most "
                         f"{workers:,} holders")

    def counts(a: float) -> list[int]:
        return [min(workers, max(1, int(a / (r + 1) ** skew))) for r in range(types)]

    lo, hi = 0.0, float(workers) * types ** skew
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if sum(counts(mid)) < qualifications else (lo, mid)
    out = counts(lo)
    # Rounding leaves a small gap: hand it out one by one to the biggest types that still have room.
    missing = qualifications - sum(out)
    r = 0
    while missing > 0:
        if out[r % types] < workers:
            out[r % types] += 1
            missing -= 1
        r += 1
    return out


def holder_indexes(rank: int, holders: int, workers: int) -> Iterator[int]:
    """The workers (by number) who hold the type of this rank, in worker-id order."""
    offset = rank * OFFSET_STRIDE % workers
    end = offset + holders
    yield from range(0, max(0, end - workers))          # the part that wrapped around
    yield from range(offset, min(end, workers))


def value_of(rank: int, index: int) -> int:
    """The IntegerValue worker `index` holds for the type of this rank."""
    return (index + rank) % 100


def _rows(type_ids: list[str], counts: list[int], workers: int) -> Iterator[tuple[str, int, int]]:
    """(type id, worker number, value) for every qualification, in (type id, worker id) order."""
    for type_id, rank in sorted((t, r) for r, t in enumerate(type_ids)):
        for index in holder_indexes(rank, counts[rank], workers):
            yield type_id, index, value_of(rank, index)


def _insert_sql(table, names: tuple[str, ...], marker: str) -> str:
    columns = [table.c[name].name for name in names]   # KeyError if the schema no longer has a column
    return f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join(marker for _ in columns)})"


def _copy_sql(table, names: tuple[str, ...]) -> str:
    return f"COPY {table.name} ({', '.join(table.c[name].name for name in names)}) FROM STDIN"


def load(db, type_ids: list[str], counts: list[int], workers: int, requester_id: str, now_ms: int) -> dict:
    """Insert the workers, the qualifications and their history; returns the timings (seconds)."""
    loader = _load_sqlite if db.is_sqlite else _load_postgres
    raw = db.engine.raw_connection()
    try:
        return loader(raw.driver_connection, type_ids, counts, workers, requester_id, now_ms)
    finally:
        raw.close()


def _timed(timings: dict, name: str, start: float) -> float:
    now = time.monotonic()
    timings[name] = round(now - start, 2)
    return now


def _batches(rows: Iterator, size: int) -> Iterator[list]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _load_sqlite(conn, type_ids, counts, workers, requester_id, now_ms) -> dict:
    timings: dict[str, float] = {}
    conn.execute("PRAGMA cache_size=-1000000")   # 1 GB of page cache for this connection while it loads
    worker_sql = _insert_sql(tables.workers, WORKER_COLUMNS, "?")
    qual_sql = _insert_sql(tables.qualifications, QUALIFICATION_COLUMNS, "?")
    history_sql = _insert_sql(tables.qualification_history, HISTORY_COLUMNS, "?")

    def in_batches(sql: str, rows: Iterator) -> None:
        for batch in _batches(rows, SQLITE_BATCH):
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(sql, batch)
            conn.execute("COMMIT")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")   # keep the WAL to one batch

    t = time.monotonic()
    in_batches(worker_sql, ((worker_id(i), None, None, None, now_ms) for i in range(workers)))
    t = _timed(timings, "workers_s", t)
    in_batches(qual_sql, ((type_id, worker_id(i), "Granted", v, now_ms, now_ms, 1)
                          for type_id, i, v in _rows(type_ids, counts, workers)))
    t = _timed(timings, "qualifications_s", t)
    in_batches(history_sql, ((type_id, worker_id(i), now_ms, "Granted", None, "Granted", None, v,
                              HISTORY_SOURCE, requester_id, None)
                             for type_id, i, v in _rows(type_ids, counts, workers)))
    _timed(timings, "history_s", t)
    conn.execute("PRAGMA cache_size=-2000")     # back to SQLite's default: the connection goes back to a pool
    # No ANALYZE: openturk never runs it on SQLite, so the planner sees what a real server's would.
    return timings


def _copy(cursor, sql: str, lines: Iterator[str]) -> None:
    with cursor.copy(sql) as copy:
        chunk, size = [], 0
        for line in lines:
            chunk.append(line)
            size += len(line)
            if size >= COPY_CHUNK:
                copy.write("".join(chunk))
                chunk, size = [], 0
        if chunk:
            copy.write("".join(chunk))


def _foreign_keys(cur, table: str) -> list[tuple[str, str]]:
    cur.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
                "AND contype = 'f' ORDER BY conname", (table,))
    return cur.fetchall()


def _load_postgres(conn, type_ids, counts, workers, requester_id, now_ms) -> dict:
    timings: dict[str, float] = {}
    cur = conn.cursor()
    # COPY's text format: tab-separated, \N for NULL. Ids and fixed strings hold no tab, newline or backslash.
    t = time.monotonic()
    _copy(cur, _copy_sql(tables.workers, WORKER_COLUMNS),
          (f"{worker_id(i)}\t\\N\t\\N\t\\N\t{now_ms}\n" for i in range(workers)))
    conn.commit()
    t = _timed(timings, "workers_s", t)
    # Row by row, the foreign keys' checks made this COPY 10x slower than the history's (536 s against
    # 52 s for 10M rows). PostgreSQL's "Populating a Database" advice: drop them, load, add them back,
    # which checks all rows in one join. Same transaction: nobody sees the table without them.
    foreign_keys = _foreign_keys(cur, tables.qualifications.name)
    for name, _definition in foreign_keys:
        cur.execute(f'ALTER TABLE {tables.qualifications.name} DROP CONSTRAINT "{name}"')
    _copy(cur, _copy_sql(tables.qualifications, QUALIFICATION_COLUMNS),
          (f"{type_id}\t{worker_id(i)}\tGranted\t{v}\t{now_ms}\t{now_ms}\t1\n"
           for type_id, i, v in _rows(type_ids, counts, workers)))
    t = _timed(timings, "qualifications_s", t)
    for name, definition in foreign_keys:
        cur.execute(f'ALTER TABLE {tables.qualifications.name} ADD CONSTRAINT "{name}" {definition}')
    conn.commit()
    t = _timed(timings, "foreign_keys_s", t)
    _copy(cur, _copy_sql(tables.qualification_history, HISTORY_COLUMNS),
          (f"{type_id}\t{worker_id(i)}\t{now_ms}\tGranted\t\\N\tGranted\t\\N\t{v}\t{HISTORY_SOURCE}\t"
           f"{requester_id}\t\\N\n" for type_id, i, v in _rows(type_ids, counts, workers)))
    conn.commit()
    t = _timed(timings, "history_s", t)
    # Statistics and the visibility map, as autovacuum would have them on a server that has run a while.
    conn.autocommit = True
    try:
        cur.execute("VACUUM ANALYZE")
    finally:
        conn.autocommit = False
    _timed(timings, "analyze_s", t)
    cur.close()
    return timings
