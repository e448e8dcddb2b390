"""Where the operations run: on the event loop, or in the thread pool (see RequesterAPI for the policy)."""

from __future__ import annotations

import functools

import anyio.to_thread

from ..ops.runner import run


def runs_inline(service, write: bool) -> bool:
    """SQLite work takes microseconds: run it on the event loop. PostgreSQL waits on the network: the
    thread pool. (Running SQLite writes in the pool when several processes share the file was measured
    worse: Update 2,934 vs 4,650 req/s and p99 153 vs 38 ms at 8 clients — thread hand-offs cost more
    than the busy handler's waits; docs/benchmarks.md.)"""
    return service.db.is_sqlite


async def execute(service, fn, params: dict, *, write: bool, caller=None, worker_id: str | None = None):
    if runs_inline(service, write):
        return run(service, fn, params, write=write, caller=caller, worker_id=worker_id)
    return await in_database_thread(service, functools.partial(run, service, fn, params, write=write, caller=caller,
                                                               worker_id=worker_id))


async def call(service, fn, *args):
    """A plain store call (credential look-ups) under the same policy as a read."""
    if runs_inline(service, False):
        return fn(*args)
    return await in_database_thread(service, fn, *args)


async def in_database_thread(service, fn, *args):
    """Run `fn(*args)` in a worker thread, at most as many at once as the process has pooled connections:
    a thread more would only wait for a connection (anyio's default is 40 threads), and runnable threads
    contend for the GIL: at 32 clients 16 threads gave a p99 of 70-150 ms, 8 threads 55-84 ms, at the same
    throughput (make bench --scale on PostgreSQL, one process; docs/benchmarks.md)."""
    limiter = service.thread_limiter
    if limiter is None:     # created on the event loop that uses it
        limiter = service.thread_limiter = anyio.CapacityLimiter(service.settings.db_pool_size)
    return await anyio.to_thread.run_sync(fn, *args, limiter=limiter)
