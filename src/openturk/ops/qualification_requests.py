"""ListQualificationRequests, AcceptQualificationRequest, RejectQualificationRequest — the requester's side
of qualification requests. The worker's side is in worker_actions.py."""

from __future__ import annotations

from .. import errors
from ..store import queries
from ..store import request_queries as rq
from ..store import worker_queries as wq
from . import pagination
from .context import Conflict, Ctx
from .qualification_types import owned_type
from .qualifications import assign
from .registry import operation


def present(row: dict) -> dict:
    """A QualificationRequest structure. "SubmitTime: The date and time the Qualification request had a
    status of Submitted" — for a type without a test, the time of the request."""
    return {"qualification_request_id": row["qualification_request_id"],
            "qualification_type_id": row["qualification_type_id"], "worker_id": row["worker_id"],
            "test": row["test"], "answer": row["answer"], "submit_time": row["submit_ms"]}


def _pending_request(ctx: Ctx, request_id: str) -> dict:
    """The caller's request, waiting for a decision. Someone else's request "does not exist" for the caller
    (openturk choice: requests are private, unlike types)."""
    row = rq.request_by_id(ctx.conn, request_id, for_update=True)
    if row is None or row["owner_id"] != ctx.caller.requester_id:
        raise errors.qualification_request_does_not_exist(request_id)
    if row["status"] != "Pending":
        raise errors.invalid_qualification_request_state(row["status"], "Pending")
    return row


@operation("ListQualificationRequests")
def list_qualification_requests(ctx: Ctx, *, qualification_type_id: str | None = None,
                                next_token: str | None = None, max_results: int | None = None) -> dict:
    """"The ListQualificationRequests operation retrieves requests for Qualifications of a particular
    Qualification type. The owner of the Qualification type calls this operation to poll for pending
    requests" — only requests waiting for the owner, oldest SubmitTime first; without a type, all of the
    caller's types."""
    if qualification_type_id is not None:
        owned_type(ctx, qualification_type_id, allow_disposing=True)
    filters = {"t": qualification_type_id or "", "o": ctx.caller.requester_id}
    limit = max_results or pagination.DEFAULT_PAGE_SIZE
    after = pagination.read_token(ctx.token_key, next_token, filters, start=(-1, 0))
    rows = rq.pending_requests(ctx.conn, owner_id=ctx.caller.requester_id, type_id=qualification_type_id,
                               after=after, limit=limit + 1)
    rows, token, more = pagination.mturk_page(rows, limit, ctx.token_key, filters, lambda row: [row["submit_ms"], row["seq"]])
    return {"num_results": len(rows), "next_token": token, "more": more, "qualification_requests": [present(r) for r in rows]}


@operation("AcceptQualificationRequest")
def accept_qualification_request(ctx: Ctx, *, qualification_request_id: str, integer_value: int | None = None) -> dict:
    """"The AcceptQualificationRequest operation approves a Worker's request for a Qualification. Only the
    owner of the Qualification type can grant a Qualification request." IntegerValue defaults to 1; the
    worker's qualification is granted or re-granted, and its GrantTime is now."""
    row = _pending_request(ctx, qualification_request_id)
    value = 1 if integer_value is None else integer_value
    if not rq.transition(ctx.conn, row, "Granted", resolved_ms=ctx.now_ms, integer_value=value):
        raise Conflict()
    type_row = queries.qualification_type_by_id(ctx.conn, row["qualification_type_id"])
    assign(ctx, type_row, row["worker_id"], value, notify=False, source="AcceptQualificationRequest",
           new_grant_time=True)
    wq.add_message(ctx.conn, row["worker_id"], ctx.now_ms,
                   f"Your Qualification request was granted: {type_row['name']}",
                   f"Your request for the Qualification \"{type_row['name']}\" was granted with a score of {value}.",
                   type_row["qualification_type_id"])
    return {}


@operation("RejectQualificationRequest")
def reject_qualification_request(ctx: Ctx, *, qualification_request_id: str, reason: str | None = None) -> dict:
    """"The RejectQualificationRequest operation rejects a user's request for a Qualification." The Reason
    "is shown to the Worker"; an existing qualification is not changed."""
    row = _pending_request(ctx, qualification_request_id)
    if not rq.transition(ctx.conn, row, "Rejected", resolved_ms=ctx.now_ms, reason=reason):
        raise Conflict()
    type_row = queries.qualification_type_by_id(ctx.conn, row["qualification_type_id"])
    text = f"Your request for the Qualification \"{type_row['name']}\" was not granted."
    wq.add_message(ctx.conn, row["worker_id"], ctx.now_ms, f"Your Qualification request was rejected: {type_row['name']}",
                   text + (f" Reason: {reason}" if reason else ""), type_row["qualification_type_id"])
    return {}
