"""Where the operations run: on the event loop, inline (SQLite) or in a greenlet whose database I/O the loop
awaits (PostgreSQL); other store calls in the thread pool (see RequesterAPI for the policy)."""

from __future__ import annotations

import asyncio

from sqlalchemy.util import greenlet_spawn

from .. import errors
from ..ops.runner import run

# How long an operation waits for its turn on the loop's pool: SQLAlchemy's pool timeout, which it replaces.
TURN_TIMEOUT_SECONDS = 30


def runs_inline(service, write: bool) -> bool:
    """SQLite work takes microseconds: run it on the event loop. PostgreSQL waits on the network: its
    operations run with `on_the_loop`. (Running SQLite writes in the pool when several processes share the
    file was measured worse: Update 2,934 vs 4,650 req/s and p99 153 vs 38 ms at 8 clients — thread
    hand-offs cost more than the busy handler's waits; docs/benchmarks.md.)"""
    return service.db.is_sqlite


async def on_the_loop(service, fn, *args, **kwargs):
    """Run the synchronous `fn(service, *args, **kwargs)` (an operation, with `on_loop=True`) in a greenlet on the event loop: each
    database call inside it is awaited on the loop (SQLAlchemy's asyncio bridge over asyncpg) while other
    requests go on. A thread per operation cost a PostgreSQL read more in GIL hand-offs and futex calls
    (56 per request, strace) than the query itself (docs/benchmarks.md).

    At most as many run at once as the loop's pool has connections, the others wait here in turn: waiting
    in the pool instead (an asyncio.Queue, which a newcomer can overtake) left some requests behind again
    and again (32 clients on 8 connections: p99 20-30 ms, the slowest 355 ms)."""
    slots = service.loop_slots()
    if slots.locked():          # the timeout only where there is a wait: a free turn costs no timer
        try:
            async with asyncio.timeout(TURN_TIMEOUT_SECONDS):
                await slots.acquire()
        except TimeoutError:
            raise errors.service_fault("The server is busy: no database connection was free within "
                                       f"{TURN_TIMEOUT_SECONDS} seconds. Please retry.") from None
    else:
        await slots.acquire()
    try:
        return await greenlet_spawn(fn, service, *args, **kwargs)
    finally:
        slots.release()


async def execute(service, fn, params: dict, *, write: bool, caller=None, worker_id: str | None = None):
    if runs_inline(service, write):
        return run(service, fn, params, write=write, caller=caller, worker_id=worker_id)
    return await on_the_loop(service, run, fn, params, write=write, caller=caller, worker_id=worker_id, on_loop=True)


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
