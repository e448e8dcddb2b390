"""What a worker does: find requestable types, request one, submit a test's answers, read their
qualifications, requests and messages. The worker API and the worker pages call these."""

from __future__ import annotations

import json

from .. import errors, ids
from ..domain import qualification_types as type_rules
from ..domain import requests as rules
from ..store import queries
from ..store import request_queries as rq
from ..store import worker_queries as wq
from . import pagination
from .context import Conflict, Ctx
from ..xml.answerkey import parse_answer_key
from ..xml.answers import answers_from_mapping, parse_answers
from ..xml.checking import check_answers
from ..xml.questionform import parse_question_form
from ..xml.scoring import score
from .qualifications import assign

SOURCE_AUTO = "AutoGranted"
SOURCE_TEST = "qualification test"


def present_type(row: dict) -> dict:
    """A type as a worker sees it: never the AnswerKey, and the test only once requested."""
    return {"QualificationTypeId": row["qualification_type_id"], "Name": row["name"],
            "Description": row["description"], "Keywords": row["keywords"],
            "CreationTime": rules.iso(row["creation_ms"]), "HasTest": row["test"] is not None,
            "TestDurationInSeconds": row["test_duration_in_seconds"],
            "RetryDelayInSeconds": row["retry_delay_in_seconds"], "AutoGranted": row["auto_granted"]}


def present_request(row: dict, now_ms: int) -> dict:
    status = rules.effective_status(row, now_ms)
    return {"QualificationRequestId": row["qualification_request_id"],
            "QualificationTypeId": row["qualification_type_id"], "Status": status,
            "Test": row["test"] if status == "TestInProgress" else None,
            "TestDeadline": rules.iso(row["test_deadline_ms"]), "RequestTime": rules.iso(row["requested_ms"]),
            "SubmitTime": rules.iso(row["submit_ms"]), "IntegerValue": row["integer_value"],
            "Reason": row["reason"] if status == "Rejected" else None}


def list_types(ctx: Ctx, *, query: str | None = None, next_token: str | None = None, max_results: int = 10) -> dict:
    """Requestable Active types, as ListQualificationTypes(MustBeRequestable=true) finds them."""
    type_rules.check_query(query)
    filters = {"w": 1, "q": query or ""}
    after = pagination.read_token(ctx.token_key, next_token, filters)
    rows = queries.list_qualification_types(ctx.conn, after_seq=after, limit=max_results + 1, requestable_only=True,
                                            owner_id=None, query=query)
    rows, token = pagination.page(rows, max_results, ctx.token_key, filters, lambda row: row["seq"])
    return {"QualificationTypes": [present_type(r) for r in rows], "NextToken": token}


def request_qualification(ctx: Ctx, *, qualification_type_id: str) -> dict:
    """A worker asks for a qualification (spec §7.1): AutoGranted → granted at once with AutoGrantedValue;
    a test → a test session until now + TestDurationInSeconds, with the test as it is now; otherwise the
    request waits for the owner (SubmitTime = now)."""
    worker_id = ctx.worker_id
    type_row = queries.qualification_type_by_id(ctx.conn, qualification_type_id)
    if type_row is None or type_row["status"] == "Disposing":
        raise errors.qualification_type_does_not_exist(qualification_type_id)
    rules.check_requestable(type_row)
    if wq.block(ctx.conn, type_row["owner_id"], worker_id) is not None:
        raise errors.permission_denied()
    rq.expire_worker_type(ctx.conn, worker_id, qualification_type_id, ctx.now_ms)
    rules.check_retry(rq.latest_request(ctx.conn, worker_id, qualification_type_id),
                      type_row["retry_delay_in_seconds"], ctx.now_ms)
    status = rules.first_status(type_row)
    now = ctx.now_ms
    row = {"qualification_request_id": ids.qualification_request_id(), "qualification_type_id": qualification_type_id,
           "owner_id": type_row["owner_id"], "worker_id": worker_id, "status": status, "test": None,
           "answer_key": None, "answer": None, "requested_ms": now, "test_deadline_ms": None, "submit_ms": None,
           "resolved_ms": None, "integer_value": None, "score": None, "reason": None, "version": 1}
    if status == "Granted":
        row.update(submit_ms=now, resolved_ms=now, integer_value=type_row["auto_granted_value"] or 1)
    elif status == "TestInProgress":
        row.update(test=type_row["test"], answer_key=type_row["answer_key"],
                   test_deadline_ms=now + type_row["test_duration_in_seconds"] * 1000)
    else:
        row.update(submit_ms=now)
    if not rq.insert_request(ctx.conn, **row):
        # A concurrent request by the same worker opened first (the partial unique index).
        latest = rq.latest_request(ctx.conn, worker_id, qualification_type_id)
        if latest is None:
            raise Conflict()
        raise errors.request_already_open(latest["qualification_request_id"])
    if status == "Granted":
        assign(ctx, type_row, worker_id, row["integer_value"], notify=False, source=SOURCE_AUTO)
    return present_request(row, now)


def submit_answers(ctx: Ctx, *, qualification_request_id: str, answer: str | None = None,
                   answers: dict | None = None) -> dict:
    """The worker's answers to a test session: checked against the test (per-question problems); with an
    answer key scored and granted at once (the breakdown is kept); without one, left for the owner."""
    row = rq.request_by_id(ctx.conn, qualification_request_id, for_update=True)
    if row is None or row["worker_id"] != ctx.worker_id:
        raise errors.qualification_request_does_not_exist(qualification_request_id)
    status = rules.effective_status(row, ctx.now_ms)
    if status != "TestInProgress":
        raise errors.invalid_qualification_request_state(status, "TestInProgress")
    form = parse_question_form(row["test"])
    if answer is not None:
        document = parse_answers(answer)
        answer_xml = answer
    elif answers is not None:
        document = answers_from_mapping(form, answers)
        answer_xml = document.to_xml()
    else:
        raise errors.missing_parameter("Answer")
    problems = check_answers(form, document)
    if problems:
        raise errors.answers_rejected([(p.question_identifier, p.message) for p in problems])
    if row["answer_key"] is None:
        if not rq.transition(ctx.conn, row, "Pending", answer=answer_xml, submit_ms=ctx.now_ms):
            raise Conflict()
        return present_request({**row, "status": "Pending", "answer": answer_xml, "submit_ms": ctx.now_ms},
                               ctx.now_ms)
    result = score(parse_answer_key(row["answer_key"]), document)
    if not rq.transition(ctx.conn, row, "Granted", answer=answer_xml, submit_ms=ctx.now_ms, resolved_ms=ctx.now_ms,
                         integer_value=result.value, score=json.dumps(result.to_dict())):
        raise Conflict()
    type_row = queries.qualification_type_by_id(ctx.conn, row["qualification_type_id"])
    assign(ctx, type_row, ctx.worker_id, result.value, notify=False, source=SOURCE_TEST)
    out = present_request({**row, "status": "Granted", "submit_ms": ctx.now_ms, "integer_value": result.value},
                          ctx.now_ms)
    out["Score"] = result.to_dict()
    return out


def my_qualifications(ctx: Ctx) -> dict:
    return {"Qualifications": [
        {"QualificationTypeId": r["qualification_type_id"], "Name": r["name"], "Status": r["status"],
         "IntegerValue": r["integer_value"], "GrantTime": rules.iso(r["grant_ms"])}
        for r in wq.worker_qualifications(ctx.conn, ctx.worker_id)]}


def my_requests(ctx: Ctx, *, next_token: str | None = None, max_results: int = 50) -> dict:
    filters = {"w": ctx.worker_id}
    before = pagination.read_token(ctx.token_key, next_token, filters, start=2**31 - 1)   # seq is a 32-bit INTEGER
    rows = rq.worker_requests(ctx.conn, ctx.worker_id, before_seq=before, limit=max_results + 1)
    rows, token = pagination.page(rows, max_results, ctx.token_key, filters, lambda row: row["seq"])
    return {"QualificationRequests": [present_request(r, ctx.now_ms) for r in rows], "NextToken": token}


def my_messages(ctx: Ctx, *, next_token: str | None = None, max_results: int = 50) -> dict:
    filters = {"m": ctx.worker_id}
    after = pagination.read_token(ctx.token_key, next_token, filters)
    rows = wq.worker_messages(ctx.conn, ctx.worker_id, after_seq=after, limit=max_results + 1)
    rows, token = pagination.page(rows, max_results, ctx.token_key, filters, lambda row: row["seq"])
    return {"Messages": [{"Subject": r["subject"], "Text": r["text"], "Time": rules.iso(r["at_ms"]),
                          "QualificationTypeId": r["qualification_type_id"]} for r in rows], "NextToken": token}


def sweep(ctx: Ctx) -> int:
    """Record test sessions past their deadline as Expired (idempotent; reads never needed it)."""
    return rq.expire_all(ctx.conn, ctx.now_ms)
