"""Running one operation: a transaction of the right kind, a Ctx, retries after lost races."""

from __future__ import annotations

import random
import time

from .. import errors
from .context import Caller, Conflict, Ctx
from .registry import Operation

MAX_ATTEMPTS = 8


def run_operation(service, op: Operation, caller: Caller, params: dict) -> dict:
    """Call `op` inside a transaction (BEGIN IMMEDIATE on SQLite unless it only reads). A `Conflict`
    (a compare-and-set that lost a race) re-runs the whole operation on fresh data."""
    for attempt in range(MAX_ATTEMPTS):
        try:
            with service.db.transaction(write=not op.readonly) as conn:
                ctx = Ctx(conn, service.clock.epoch_ms(), caller, service.settings, service.token_key)
                return op.fn(ctx, **params)
        except Conflict:
            # Only PostgreSQL gets here (SQLite serialises writers), in a pool thread: back off a little,
            # with jitter, so that racing retries spread out.
            time.sleep(random.uniform(0, 0.002 * (attempt + 1)))
    raise errors.service_fault("The request conflicted with concurrent changes to the same object. Please retry.")
