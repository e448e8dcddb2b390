"""The SQL of notification settings, the outbox and the requesters' inbox (see queries.py for the
conventions). Claiming outbox rows is a lease: an UPDATE that sets `lease_until_ms` on due rows that nobody
holds — on PostgreSQL their selection is `FOR UPDATE SKIP LOCKED`, so concurrent senders (several
processes, several hosts) take disjoint rows without waiting; on SQLite write transactions are serial."""

from __future__ import annotations

from sqlalchemy import and_, delete, func, insert, or_, select, update

from .db import Prepared, Tx
from .queries import bindparam
from .tables import notification_outbox as outbox
from .tables import notification_settings as settings
from .tables import requester_messages


def _insert(table, skip=("seq",)):
    return Prepared(insert(table).values({c.name: bindparam(c.name) for c in table.c if c.name not in skip}))


# -- settings -------------------------------------------------------------------------------------

_settings = Prepared(select(settings).where(settings.c.hit_type_id == bindparam("type")))
_insert_settings = _insert(settings, skip=())
_delete_settings = Prepared(delete(settings).where(settings.c.hit_type_id == bindparam("type")))
_set_active = Prepared(update(settings).where(settings.c.hit_type_id == bindparam("type"))
                       .values(active=bindparam("active"), updated_ms=bindparam("now")))


def notification_settings(tx: Tx, hit_type_id: str) -> dict | None:
    return tx.one(_settings, {"type": hit_type_id})


def replace_settings(tx: Tx, **values) -> None:
    """The HIT type's specification, replacing any earlier one."""
    tx.execute(_delete_settings, {"type": values["hit_type_id"]})
    tx.execute(_insert_settings, values)


def set_active(tx: Tx, hit_type_id: str, active: bool, now_ms: int) -> int:
    return tx.rowcount(_set_active, {"type": hit_type_id, "active": active, "now": now_ms})


# -- the outbox -----------------------------------------------------------------------------------

_insert_event = _insert(outbox)


def add_event(tx: Tx, **values) -> None:
    tx.execute(_insert_event, values)


_due = and_(outbox.c.status == "Pending", outbox.c.next_attempt_ms <= bindparam("now"),
            or_(outbox.c.lease_until_ms.is_(None), outbox.c.lease_until_ms < bindparam("now")))
_pick = select(outbox.c.seq).where(_due).order_by(outbox.c.seq).limit(bindparam("limit"))
_claim_pg = Prepared(update(outbox).where(outbox.c.seq.in_(_pick.with_for_update(skip_locked=True).scalar_subquery()))
                     .values(lease_until_ms=bindparam("lease"), attempts=outbox.c.attempts + 1)
                     .returning(*outbox.c))
_claim_sqlite = Prepared(update(outbox).where(outbox.c.seq.in_(_pick.scalar_subquery()))
                         .values(lease_until_ms=bindparam("lease"), attempts=outbox.c.attempts + 1)
                         .returning(*outbox.c))


def claim(tx: Tx, now_ms: int, lease_ms: int, limit: int) -> list[dict]:
    """Lease up to `limit` due rows until now + lease_ms; the rows leased (attempts counted)."""
    prepared = _claim_pg if tx.dialect.name == "postgresql" else _claim_sqlite
    rows = tx.all(prepared, {"now": now_ms, "lease": now_ms + lease_ms, "limit": limit})
    return sorted(rows, key=lambda row: row["seq"])


_sent = Prepared(update(outbox).where(outbox.c.seq == bindparam("seq"), outbox.c.lease_until_ms == bindparam("lease"))
                 .values(status="Sent", sent_ms=bindparam("now"), lease_until_ms=None))
_failed = Prepared(update(outbox).where(outbox.c.seq == bindparam("seq"),
                                        outbox.c.lease_until_ms == bindparam("lease"))
                   .values(next_attempt_ms=bindparam("next"), last_error=bindparam("error"), lease_until_ms=None))


def mark_sent(tx: Tx, row: dict, now_ms: int) -> bool:
    """Record the delivery, if this sender still holds the lease it was given."""
    return tx.rowcount(_sent, {"seq": row["seq"], "lease": row["lease_until_ms"], "now": now_ms}) == 1


def mark_failed(tx: Tx, row: dict, next_attempt_ms: int, error: str) -> bool:
    return tx.rowcount(_failed, {"seq": row["seq"], "lease": row["lease_until_ms"], "next": next_attempt_ms,
                                 "error": error[:2000]}) == 1


_counts = Prepared(select(
    func.coalesce(func.sum(func.cast(outbox.c.status == "Sent", outbox.c.attempts.type)), 0),
    func.coalesce(func.sum(func.cast(and_(outbox.c.status == "Pending", outbox.c.last_error.is_not(None)),
                                     outbox.c.attempts.type)), 0),
    func.coalesce(func.sum(func.cast(outbox.c.status == "Pending", outbox.c.attempts.type)), 0)))


def counts(tx: Tx) -> dict[str, int]:
    """{"sent", "failing", "pending"}: delivered; waiting after a failed attempt; waiting (failing included)."""
    row = tx.execute(_counts).fetchone()
    return {"sent": int(row[0]), "failing": int(row[1]), "pending": int(row[2])}


def _list(pending_only: bool, by_requester: bool) -> Prepared:
    conditions = [outbox.c.seq < bindparam("before")]
    if pending_only:
        conditions.append(outbox.c.status == "Pending")
    if by_requester:
        conditions.append(outbox.c.requester_id == bindparam("requester"))
    return Prepared(select(outbox).where(*conditions).order_by(outbox.c.seq.desc()).limit(bindparam("limit")))


_LISTS = {(p, r): _list(p, r) for p in (False, True) for r in (False, True)}


def events(tx: Tx, *, pending_only: bool, requester_id: str | None, before_seq: int, limit: int) -> list[dict]:
    """Outbox rows, newest first."""
    return tx.all(_LISTS[(pending_only, requester_id is not None)],
                  {"before": before_seq, "requester": requester_id, "limit": limit})


# -- the requesters' inbox ------------------------------------------------------------------------

_insert_message = _insert(requester_messages)
_messages = Prepared(select(requester_messages).where(requester_messages.c.requester_id == bindparam("requester"))
                     .order_by(requester_messages.c.seq.desc()).limit(bindparam("limit")))


def add_requester_message(tx: Tx, **values) -> None:
    tx.execute(_insert_message, values)


def requester_inbox(tx: Tx, requester_id: str, limit: int = 100) -> list[dict]:
    return tx.all(_messages, {"requester": requester_id, "limit": limit})


_any_due = Prepared(select(outbox.c.seq).where(_due).limit(1))


def any_due(tx: Tx, now_ms: int) -> bool:
    """Whether a row is waiting to be sent now (a read, so that an idle sender never takes a write lock)."""
    return tx.one(_any_due, {"now": now_ms}) is not None
