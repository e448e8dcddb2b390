"""Bulk assignment (`openturk qualification assign`): the same `assign` as AssociateQualificationWithWorker,
many workers a transaction, acting as the type's owner."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterable

from .. import errors
from ..domain.qualifications import check_worker_id
from ..domain.requirements import MASTERS
from ..store import queries
from .context import Caller, Ctx
from .qualification_types import owned_type
from .qualifications import assign

BATCH = 500
SOURCE = "openturk qualification assign"


@dataclass
class BulkResult:
    counts: Counter = field(default_factory=Counter)   # Granted / Regranted / ScoreChanged / Unchanged / Invalid
    invalid: list[tuple[int, str, str]] = field(default_factory=list)   # (line, text, why)


def assign_many(service, type_id: str, items: Iterable[tuple[int, str, int]], *, notify: bool,
                progress: Callable[[int], None] | None = None) -> BulkResult:
    """Grant each (line, WorkerId, value). Idempotent: a worker who already holds the value is Unchanged."""
    with service.db.transaction(write=False) as tx:
        row = queries.qualification_type_by_id(tx, type_id)
    if row is None:
        raise errors.qualification_type_does_not_exist(type_id)
    # Masters is the one system type that is granted: MTurk did it; here the operator does, with this command.
    masters = type_id in MASTERS
    if row["owner_id"] is None and not masters:
        raise errors.permission_denied()
    owner = None if masters else queries_requester(service, row["owner_id"])
    result = BulkResult()
    batch: list[tuple[int, str, int]] = []
    done = 0

    def flush():
        nonlocal done
        with service.db.transaction(write=True) as tx:
            ctx = Ctx(tx, service.clock.epoch_ms(), owner, service.settings, service.token_key)
            type_row = row if masters else owned_type(ctx, type_id)
            for _, worker_id, value in batch:
                result.counts[assign(ctx, type_row, worker_id, value, notify=notify, source=SOURCE) or "Unchanged"] += 1
        done += len(batch)
        batch.clear()
        if progress:
            progress(done)

    for line, worker_id, value in items:
        try:
            check_worker_id(worker_id)
        except errors.TurkError as exc:
            result.counts["Invalid"] += 1
            result.invalid.append((line, worker_id, exc.message))
            continue
        batch.append((line, worker_id, value))
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    return result


def queries_requester(service, requester_id: str) -> Caller:
    with service.db.transaction(write=False) as tx:
        row = queries.requester_by_id(tx, requester_id)
    return Caller(row["requester_id"], row["name"])
