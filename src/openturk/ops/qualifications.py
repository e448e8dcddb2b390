"""AssociateQualificationWithWorker, DisassociateQualificationFromWorker, GetQualificationScore,
ListWorkersWithQualificationType — and `assign`/`revoke`, which the CLI's bulk assignment and (later)
qualification requests use too, so that every grant is recorded the same way."""

from __future__ import annotations

from .. import errors
from ..domain import qualifications as rules
from ..domain import requirements as req_rules
from ..store import assignment_queries as aq
from ..store import worker_queries as wq
from . import pagination
from .context import Conflict, Ctx
from .presenters import qualification as present_qualification
from .qualification_types import owned_type
from .registry import operation

STATUSES = ("Granted", "Revoked")


def _held(row) -> rules.Held | None:
    return None if row is None else rules.Held(row["status"], row["integer_value"])


def _record(ctx: Ctx, type_id: str, worker_id: str, change: rules.Change, source: str, reason: str | None) -> None:
    wq.add_history(ctx.conn, qualification_type_id=type_id, worker_id=worker_id, at_ms=ctx.now_ms,
                   event=change.event, old_status=change.old.status if change.old else None,
                   new_status=change.new.status, old_value=change.old.integer_value if change.old else None,
                   new_value=change.new.integer_value, source=source,
                   requester_id=ctx.caller.requester_id if ctx.caller else None, reason=reason)


def assign(ctx: Ctx, type_row: dict, worker_id: str, integer_value: int, *, notify: bool, source: str,
           new_grant_time: bool = False, check=None) -> str | None:
    """Grant (or re-grant, or re-score) the worker's qualification of this type; record it; tell the worker
    if asked. `new_grant_time`: GrantTime becomes now even for a score change (AcceptQualificationRequest).
    `check(held)`, if given, may refuse (raise) on the qualification as read here, under its row lock: an
    operation's rule about the current qualification must look at this read, not an earlier one, which on
    PostgreSQL (READ COMMITTED) can be older than this one. Returns the history event, or None when nothing
    changed."""
    type_id = type_row["qualification_type_id"]
    wq.ensure_worker(ctx.conn, worker_id, ctx.now_ms)
    row = wq.qualification(ctx.conn, type_id, worker_id, for_update=True)
    if check is not None:
        check(_held(row))
    change = rules.grant(_held(row), integer_value)
    if change is None:
        return None
    if row is None:
        if not wq.insert_qualification(ctx.conn, type_id, worker_id, "Granted", integer_value, ctx.now_ms):
            raise Conflict()
    else:
        # GrantTime: set when (re)granted; a score change keeps it (openturk choice, docs/compatibility.md).
        grant_ms = ctx.now_ms if change.event == "Regranted" or new_grant_time else row["grant_ms"]
        if not wq.set_qualification(ctx.conn, row, "Granted", integer_value, grant_ms, ctx.now_ms):
            raise Conflict()
    _record(ctx, type_id, worker_id, change, source, None)
    if notify:
        subject, text = rules.grant_message(type_row["name"], change)
        wq.add_message(ctx.conn, worker_id, ctx.now_ms, subject, text, type_id)
    return change.event


def revoke(ctx: Ctx, type_row: dict, worker_id: str, reason: str | None, *, source: str) -> None:
    type_id = type_row["qualification_type_id"]
    row = wq.qualification(ctx.conn, type_id, worker_id, for_update=True)
    change = rules.revoke(_held(row))
    if not wq.set_qualification(ctx.conn, row, "Revoked", row["integer_value"], row["grant_ms"], ctx.now_ms):
        raise Conflict()
    _record(ctx, type_id, worker_id, change, source, reason)
    if reason:
        subject, text = rules.revoke_message(type_row["name"], reason)
        wq.add_message(ctx.conn, worker_id, ctx.now_ms, subject, text, type_id)


@operation("AssociateQualificationWithWorker")
def associate_qualification_with_worker(ctx: Ctx, *, qualification_type_id: str, worker_id: str,
                                        integer_value: int | None = None,
                                        send_notification: bool | None = None) -> dict:
    """"The AssociateQualificationWithWorker operation gives a Worker a Qualification." IntegerValue
    defaults to 1, SendNotification to true; only the type's owner; an Inactive type is allowed."""
    type_row = owned_type(ctx, qualification_type_id)
    assign(ctx, type_row, rules.check_worker_id(worker_id), 1 if integer_value is None else integer_value,
           notify=send_notification is not False, source="AssociateQualificationWithWorker")
    return {}


@operation("DisassociateQualificationFromWorker")
def disassociate_qualification_from_worker(ctx: Ctx, *, worker_id: str, qualification_type_id: str,
                                           reason: str | None = None) -> dict:
    """"The DisassociateQualificationFromWorker revokes a previously granted Qualification from a user."
    The Reason is shown to the worker; without one the worker is not told."""
    type_row = owned_type(ctx, qualification_type_id)
    revoke(ctx, type_row, rules.check_worker_id(worker_id), reason or None,
           source="DisassociateQualificationFromWorker")
    return {}


@operation("GetQualificationScore")
def get_qualification_score(ctx: Ctx, *, qualification_type_id: str, worker_id: str) -> dict:
    """"The GetQualificationScore operation returns the value of a Worker's Qualification for a given
    Qualification type." Only the type's owner; readable while the type is being disposed of. The counting
    system types (NumberHITsApproved, PercentAssignments*) answer the worker's value as of now, to a
    requester the worker has worked for (openturk choice: MTurk showed a worker's statistics to the
    requesters of their work)."""
    if qualification_type_id in req_rules.COUNTING:
        return _system_score(ctx, qualification_type_id, rules.check_worker_id(worker_id))
    owned_type(ctx, qualification_type_id, allow_disposing=True)
    held = wq.qualification(ctx.conn, qualification_type_id, rules.check_worker_id(worker_id))
    rules.readable_score(_held(held))
    return {"qualification": present_qualification(held)}


def _system_score(ctx: Ctx, type_id: str, worker_id: str) -> dict:
    from .eligibility import worker_history
    worker = wq.worker(ctx.conn, worker_id)
    if worker is None or not aq.has_worked_for(ctx.conn, ctx.caller.requester_id, worker_id):
        raise errors.qualification_does_not_exist()
    value = req_rules.counting_values(worker_history(ctx, worker_id))[type_id]
    return {"qualification": {"qualification_type_id": type_id, "worker_id": worker_id,
                              "grant_time": worker["created_ms"], "integer_value": value, "status": "Granted"}}


@operation("ListWorkersWithQualificationType")
def list_workers_with_qualification_type(ctx: Ctx, *, qualification_type_id: str, status: str | None = None,
                                         next_token: str | None = None, max_results: int | None = None) -> dict:
    """"The ListWorkersWithQualificationType operation returns all of the Workers that have been associated
    with a given Qualification type." Status defaults to Granted (as legacy GetQualificationsForQualificationType
    did); order of first grant; owner only."""
    owned_type(ctx, qualification_type_id, allow_disposing=True)
    status = status or "Granted"
    filters = {"t": qualification_type_id, "s": status}
    limit = max_results or pagination.DEFAULT_PAGE_SIZE
    after = pagination.read_token(ctx.token_key, next_token, filters)
    rows = wq.holders(ctx.conn, qualification_type_id, status, after, limit + 1)
    rows, token, more = pagination.mturk_page(rows, limit, ctx.token_key, filters, lambda row: row["seq"])
    return {"num_results": len(rows), "next_token": token, "more": more, "qualifications": [present_qualification(r) for r in rows]}
