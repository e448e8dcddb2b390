"""Where the operations run: on the event loop, or in the thread pool (see RequesterAPI for the policy)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool

from ..ops.runner import run


def runs_inline(service, write: bool) -> bool:
    """SQLite work takes microseconds: run it on the event loop — except writes when several processes
    share the file (SQLite's busy handler would sleep inside the loop). PostgreSQL: the thread pool."""
    if not service.db.is_sqlite:
        return False
    return not write or service.settings.workers <= 1


async def execute(service, fn, params: dict, *, write: bool, caller=None, worker_id: str | None = None):
    if runs_inline(service, write):
        return run(service, fn, params, write=write, caller=caller, worker_id=worker_id)
    return await run_in_threadpool(run, service, fn, params, write=write, caller=caller, worker_id=worker_id)


async def call(service, fn, *args):
    """A plain store call (credential look-ups) under the same policy as a read."""
    if runs_inline(service, False):
        return fn(*args)
    return await run_in_threadpool(fn, *args)
