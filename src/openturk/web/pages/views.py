"""Read-only views the pages need beyond what the worker actions and MTurk operations return: a worker's
standing with each listed type, one of their requests, score histories. Each reads the store and asks the
domain rules (effective_status, check_retry) or the operations' own checks (owned_type); none changes
state or restates a rule."""

from __future__ import annotations

import json

from ... import errors
from ...domain import qualifications as qualification_rules
from ...domain import requests as rules
from ...ops import worker_actions as actions
from ...ops.context import Ctx
from ...ops.qualification_types import owned_type
from ...store import queries
from ...store import request_queries as rq
from ...store import worker_queries as wq


def type_statuses(ctx: Ctx, *, types: list[dict]) -> dict[str, dict]:
    """The worker's standing with each type (as listed by `list_types`): held (with score), an open request,
    and whether — or from when — they may request it (the retry rules of `check_retry`)."""
    out = {}
    for item in types:
        type_id = item["QualificationTypeId"]
        held = wq.qualification(ctx.conn, type_id, ctx.worker_id)
        latest = rq.latest_request(ctx.conn, ctx.worker_id, type_id)
        standing = {"held": None, "open": None, "can_request": True, "retry_at": None, "no_retake": False,
                    "last": None}
        if held is not None:
            standing["held"] = {"status": held["status"], "value": held["integer_value"], "grant_ms": held["grant_ms"]}
        if latest is not None:
            standing["last"] = actions.present_request(latest, ctx.now_ms)
        try:
            rules.check_retry(latest, item["RetryDelayInSeconds"], ctx.now_ms)
        except errors.TurkError as refusal:
            standing["can_request"] = False
            if refusal.code == errors.Code.REQUEST_ALREADY_OPEN:
                standing["open"] = standing["last"]
            elif refusal.code == errors.Code.RETRY_DELAY_NOT_ELAPSED:
                standing["retry_at"] = dict(refusal.data).get("RetryAt")
            else:
                standing["no_retake"] = True
        out[type_id] = standing
    return out


def my_request(ctx: Ctx, *, qualification_request_id: str) -> dict:
    """One of the worker's own requests (someone else's "does not exist"), with its type's name, the time
    now (for the countdown) and the score of a graded test."""
    row = rq.request_by_id(ctx.conn, qualification_request_id)
    if row is None or row["worker_id"] != ctx.worker_id:
        raise errors.qualification_request_does_not_exist(qualification_request_id)
    type_row = queries.qualification_type_by_id(ctx.conn, row["qualification_type_id"])
    out = actions.present_request(row, ctx.now_ms)
    out.update(TypeName=type_row["name"] if type_row else row["qualification_type_id"],
               TypeDescription=type_row["description"] if type_row else "", NowMs=ctx.now_ms,
               DeadlineMs=row["test_deadline_ms"], Score=json.loads(row["score"]) if row["score"] else None)
    return out


def my_qualifications(ctx: Ctx) -> list[dict]:
    """The worker's qualifications (`my_qualifications`) with each one's score history."""
    held = actions.my_qualifications(ctx)["Qualifications"]
    for item in held:
        item["History"] = [_history(row, for_worker=True)
                           for row in wq.qualification_history(ctx.conn, item["QualificationTypeId"], ctx.worker_id)]
    return held


def score_history(ctx: Ctx, *, qualification_type_id: str, worker_id: str) -> dict:
    """A worker's qualification of one of the caller's types and every change of it (owner only, as
    GetQualificationScore)."""
    type_row = owned_type(ctx, qualification_type_id, allow_disposing=True)
    worker_id = qualification_rules.check_worker_id(worker_id)
    held = wq.qualification(ctx.conn, qualification_type_id, worker_id)
    return {"type": {"QualificationTypeId": qualification_type_id, "Name": type_row["name"]},
            "qualification": None if held is None else {"Status": held["status"], "IntegerValue": held["integer_value"],
                                                         "GrantTime": held["grant_ms"]},
            "history": [_history(row, for_worker=False)
                        for row in wq.qualification_history(ctx.conn, qualification_type_id, worker_id)]}


def now_ms(ctx: Ctx) -> int:
    """The business time (the test clock's, when it runs)."""
    return ctx.now_ms


def type_names(ctx: Ctx, *, qualification_type_ids: list[str]) -> dict[str, str]:
    names = {}
    for type_id in dict.fromkeys(qualification_type_ids):
        row = queries.qualification_type_by_id(ctx.conn, type_id)
        names[type_id] = row["name"] if row is not None else type_id
    return names


def _history(row: dict, *, for_worker: bool) -> dict:
    out = {"Event": row["event"], "Time": row["at_ms"], "OldStatus": row["old_status"], "NewStatus": row["new_status"],
           "OldValue": row["old_value"], "NewValue": row["new_value"], "Reason": row["reason"]}
    if not for_worker:
        out.update(Source=row["source"], RequesterId=row["requester_id"])
    return out
