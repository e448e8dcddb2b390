"""Where the operations run: on the event loop, inline (SQLite) or in a greenlet whose database I/O the loop
awaits (PostgreSQL); other store calls in the thread pool (see RequesterAPI for the policy)."""

from __future__ import annotations

import asyncio

from sqlalchemy.util import greenlet_spawn

from ..ops.runner import run


def runs_inline(service, write: bool) -> bool:
    """SQLite work takes microseconds: run it on the event loop. PostgreSQL waits on the network: its
    operations run with `on_the_loop`. (Running SQLite writes in the pool when several processes share the
    file was measured worse: Update 2,934 vs 4,650 req/s and p99 153 vs 38 ms at 8 clients — thread
    hand-offs cost more than the busy handler's waits; docs/benchmarks.md.)"""
    return service.db.is_sqlite


async def on_the_loop(fn, *args, **kwargs):
    """Run the synchronous `fn` (an operation, with `on_loop=True`) in a greenlet on the event loop: each
    database call inside it is awaited on the loop (SQLAlchemy's asyncio bridge over asyncpg) while other
    requests go on. A thread per operation cost a PostgreSQL read more in GIL
    hand-offs and futex calls (56 per request, strace) than the query itself (docs/benchmarks.md)."""
    return await greenlet_spawn(fn, *args, **kwargs)


async def execute(service, fn, params: dict, *, write: bool, caller=None, worker_id: str | None = None):
    if runs_inline(service, write):
        return run(service, fn, params, write=write, caller=caller, worker_id=worker_id)
    return await on_the_loop(run, service, fn, params, write=write, caller=caller, worker_id=worker_id, on_loop=True)


async def call(service, fn, *args):
    """A plain store call (credential look-ups) under the same policy as a read."""
    if runs_inline(service, False):
        return fn(*args)
    return await in_database_thread(service, fn, *args)


async def in_database_thread(service, fn, *args):
    """Run `fn(*args)` in one of the process's database threads, as many as it has pooled connections: a
    thread more would only wait for a connection, and runnable threads contend for the GIL: at 32 clients 16
    threads gave a p99 of 70-150 ms, 8 threads 55-84 ms, at the same throughput (make bench --scale on
    PostgreSQL, one process; docs/benchmarks.md). A plain executor rather than anyio's to_thread: its
    capacity limiter, cancel scopes and backend look-ups were a fifth of a PostgreSQL read's Python time."""
    return await asyncio.get_running_loop().run_in_executor(service.database_threads(), fn, *args)
