"""Statements for qualification requests."""

from __future__ import annotations

from functools import cache

from sqlalchemy import and_, func, insert, or_, select, update

from .db import Prepared, Tx
from .queries import bindparam, key_params, keyset_page
from .tables import qualification_requests as qr

OPEN = ("TestInProgress", "Pending")

_insert = Prepared(insert(qr).values({c.name: bindparam(c.name) for c in qr.c if c.name != "seq"}))
_by_id = Prepared(select(qr).where(qr.c.qualification_request_id == bindparam("id")))
_by_id_for_update = Prepared(select(qr).where(qr.c.qualification_request_id == bindparam("id")).with_for_update())
_latest = Prepared(select(qr).where(qr.c.worker_id == bindparam("worker"), qr.c.qualification_type_id == bindparam("type"))
                   .order_by(qr.c.seq.desc()).limit(1))
_transition = Prepared(update(qr).where(qr.c.seq == bindparam("b_seq"), qr.c.status == bindparam("b_from"),
                                        qr.c.version == bindparam("b_version"))
                       .values(status=bindparam("status"), answer=bindparam("answer"), submit_ms=bindparam("submit_ms"),
                               resolved_ms=bindparam("resolved_ms"), integer_value=bindparam("integer_value"),
                               score=bindparam("score"), reason=bindparam("reason"),
                               version=bindparam("b_version") + 1))
_expire_worker_type = Prepared(update(qr).where(qr.c.worker_id == bindparam("worker"),
                                                qr.c.qualification_type_id == bindparam("type"),
                                                qr.c.status == "TestInProgress", qr.c.test_deadline_ms < bindparam("now"))
                               .values(status="Expired", resolved_ms=qr.c.test_deadline_ms, version=qr.c.version + 1))
_expire_all = Prepared(update(qr).where(qr.c.status == "TestInProgress", qr.c.test_deadline_ms < bindparam("now"))
                       .values(status="Expired", resolved_ms=qr.c.test_deadline_ms, version=qr.c.version + 1))
_reject_open_of_type = Prepared(update(qr).where(qr.c.qualification_type_id == bindparam("type"), qr.c.status.in_(OPEN))
                                .values(status="Rejected", resolved_ms=bindparam("now"), reason=bindparam("reason"),
                                        version=qr.c.version + 1))
_worker_requests = Prepared(select(qr).where(qr.c.worker_id == bindparam("worker"), qr.c.seq < bindparam("before"))
                            .order_by(qr.c.seq.desc()).limit(bindparam("limit")))


def insert_request(tx: Tx, **values) -> bool:
    """False when the worker already has an open request for the type (the partial unique index)."""
    return tx.insert_unique(_insert, values)


def request_by_id(tx: Tx, request_id: str, *, for_update: bool = False) -> dict | None:
    if "\x00" in request_id:   # no id holds U+0000, and PostgreSQL refuses to compare text with it
        return None
    return tx.one(_by_id_for_update if for_update else _by_id, {"id": request_id})


def latest_request(tx: Tx, worker_id: str, type_id: str) -> dict | None:
    return tx.one(_latest, {"worker": worker_id, "type": type_id})


def transition(tx: Tx, row: dict, status: str, **values) -> bool:
    """Compare-and-set from the row's status and version to `status`, setting the given columns (others keep
    their values)."""
    params = {name: row[name] for name in ("answer", "submit_ms", "resolved_ms", "integer_value", "score", "reason")}
    params.update(values)
    params.update({"b_seq": row["seq"], "b_from": row["status"], "b_version": row["version"], "status": status})
    return tx.rowcount(_transition, params) == 1


def expire_worker_type(tx: Tx, worker_id: str, type_id: str, now_ms: int) -> None:
    tx.execute(_expire_worker_type, {"worker": worker_id, "type": type_id, "now": now_ms})


def expire_all(tx: Tx, now_ms: int) -> int:
    """The sweeper: record every test session whose deadline has passed as Expired (idempotent)."""
    return tx.rowcount(_expire_all, {"now": now_ms})


def reject_open_requests(tx: Tx, type_id: str, now_ms: int, reason: str) -> int:
    return tx.rowcount(_reject_open_of_type, {"type": type_id, "now": now_ms, "reason": reason})


@cache
def _pending(by_type: bool) -> Prepared:
    owner_or_type = qr.c.qualification_type_id == bindparam("type") if by_type else qr.c.owner_id == bindparam("owner")
    after = or_(qr.c.submit_ms > bindparam("after_ms"),
                and_(qr.c.submit_ms == bindparam("after_ms"), qr.c.seq > bindparam("after_seq")))
    return Prepared(select(qr).where(owner_or_type, qr.c.status == "Pending", after)
                    .order_by(qr.c.submit_ms, qr.c.seq).limit(bindparam("limit")))


def pending_requests(tx: Tx, *, owner_id: str, type_id: str | None, after: tuple[int, int], limit: int) -> list[dict]:
    """One page of requests waiting for the owner, in SubmitTime order (keyset on (submit_ms, seq))."""
    return tx.all(_pending(type_id is not None), {"owner": owner_id, "type": type_id, "after_ms": after[0],
                                                  "after_seq": after[1], "limit": limit})


# Legacy GetQualificationRequests pages by number, reports a total and sorts by SubmitTime or
# QualificationTypeId, either way.

def _pending_filter(by_type: bool):
    owner_or_type = qr.c.qualification_type_id == bindparam("type") if by_type else qr.c.owner_id == bindparam("owner")
    return and_(owner_or_type, qr.c.status == "Pending")


@cache
def _count_pending(by_type: bool) -> Prepared:
    return Prepared(select(func.count()).select_from(qr).where(_pending_filter(by_type)))


def pending_key(by_type_id: bool) -> tuple[str, ...]:
    """The columns the legacy listing sorts by (a row's values of them are its place in the listing)."""
    return (("qualification_type_id",) if by_type_id else ()) + ("submit_ms", "seq")


@cache
def _pending_at(by_type: bool, by_type_id: bool, descending: bool, keyset: bool) -> Prepared:
    columns = tuple(qr.c[name] for name in pending_key(by_type_id))
    condition = _pending_filter(by_type)
    if keyset:
        condition = and_(condition, keyset_page(columns, descending))
    statement = (select(qr).where(condition).order_by(*(c.desc() if descending else c for c in columns))
                 .limit(bindparam("limit")))
    return Prepared(statement if keyset else statement.offset(bindparam("offset")))


def count_pending_requests(tx: Tx, *, owner_id: str, type_id: str | None) -> int:
    return tx.scalar(_count_pending(type_id is not None), {"owner": owner_id, "type": type_id})


def pending_requests_at(tx: Tx, *, owner_id: str, type_id: str | None, by_type_id: bool, descending: bool,
                        offset: int, limit: int, after: tuple | None = None) -> list[dict]:
    """`limit` of the requests waiting for the owner from `offset` (or right after the request whose
    `pending_key` values are `after`), in SubmitTime order (or by QualificationTypeId, then SubmitTime),
    ascending or descending."""
    return tx.all(_pending_at(type_id is not None, by_type_id, descending, after is not None),
                  {"owner": owner_id, "type": type_id, "offset": offset, "limit": limit, **key_params(after)})


def worker_requests(tx: Tx, worker_id: str, *, before_seq: int, limit: int) -> list[dict]:
    """A worker's own requests, newest first."""
    return tx.all(_worker_requests, {"worker": worker_id, "before": before_seq, "limit": limit})
