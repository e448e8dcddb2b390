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
    return run(service, op.fn, params, write=not op.readonly, caller=caller, on_loop=on_loop,
               single_write=op.single_write)


def run(service, fn, params: dict, *, write: bool, caller: Caller | None = None, worker_id: str | None = None,
        on_loop: bool = False, single_write: bool = False):
    """Call `fn(ctx, **params)` inside a transaction. A `Conflict` (a compare-and-set that lost a race)
    re-runs the whole function on fresh data. `on_loop`: run in a greenlet on the event loop
    (web.execution, PostgreSQL), where waits are awaited, never slept. `single_write` (Operation): the first
    attempt may run outside a transaction; after a lost race the next runs in one, with its locks."""
    for attempt in range(MAX_ATTEMPTS):
        unlocked = single_write and attempt == 0
        try:
            with service.db.transaction(write=write, on_loop=on_loop, single_write=unlocked) as conn:
                ctx = Ctx(conn, service.clock.epoch_ms(), caller, service.settings, service.token_key, worker_id)
                return fn(ctx, **params)
        except StaleConnection:
            continue            # the pool dropped a dead connection before anything was done: run again
        except Conflict:
            if unlocked and not conn.transactional:
                continue        # the next attempt takes the row's lock: it cannot lose the same race
            # Only PostgreSQL gets here (SQLite serialises writers): back off a little, with jitter, so
            # that racing retries spread out.
            pause = random.uniform(0, 0.002 * (attempt + 1))
            if on_loop:
                await_(asyncio.sleep(pause))
            else:
                time.sleep(pause)
    raise errors.service_fault("The request conflicted with concurrent changes to the same object. Please retry.")
