"""Where the operations run: on the event loop, or in the thread pool (see RequesterAPI for the policy)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool

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
    return await run_in_threadpool(run, service, fn, params, write=write, caller=caller, worker_id=worker_id)


async def call(service, fn, *args):
    """A plain store call (credential look-ups) under the same policy as a read."""
    if runs_inline(service, False):
        return fn(*args)
    return await run_in_threadpool(fn, *args)
