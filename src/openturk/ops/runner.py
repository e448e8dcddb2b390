"""Running one operation: a transaction of the right kind, a Ctx, retries after lost races."""

from __future__ import annotations

import asyncio
import random
import time

from sqlalchemy.util import await_only as await_

from .. import errors
from ..store.db import StaleConnection
from .context import Caller, Conflict, Ctx
from .registry import Operation

MAX_ATTEMPTS = 8


def run_operation(service, op: Operation, caller: Caller, params: dict, *, on_loop: bool = False) -> dict:
    """Call the MTurk operation `op` as `caller` (BEGIN IMMEDIATE on SQLite unless it only reads)."""
    return run(service, op.fn, params, write=not op.readonly, caller=caller, on_loop=on_loop)


def run(service, fn, params: dict, *, write: bool, caller: Caller | None = None, worker_id: str | None = None,
        on_loop: bool = False):
    """Call `fn(ctx, **params)` inside a transaction. A `Conflict` (a compare-and-set that lost a race)
    re-runs the whole function on fresh data. `on_loop`: run in a greenlet on the event loop
    (web.execution, PostgreSQL), where waits are awaited, never slept."""
    for attempt in range(MAX_ATTEMPTS):
        try:
            with service.db.transaction(write=write, on_loop=on_loop) as conn:
                ctx = Ctx(conn, service.clock.epoch_ms(), caller, service.settings, service.token_key, worker_id)
                return fn(ctx, **params)
        except StaleConnection:
            continue            # the pool dropped a dead connection before anything was done: run again
        except Conflict:
            # Only PostgreSQL gets here (SQLite serialises writers): back off a little, with jitter, so
            # that racing retries spread out.
            pause = random.uniform(0, 0.002 * (attempt + 1))
            if on_loop:
                await_(asyncio.sleep(pause))
            else:
                time.sleep(pause)
    raise errors.service_fault("The request conflicted with concurrent changes to the same object. Please retry.")
