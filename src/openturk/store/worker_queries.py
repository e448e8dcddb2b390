"""Statements for workers, their qualifications, the score history, inboxes and worker blocks."""

from __future__ import annotations

from sqlalchemy import func, insert, select, update

from .db import Prepared, Tx
from .queries import bindparam
from .tables import qualification_history as history
from .tables import qualification_types as qtypes
from .tables import qualifications as quals
from .tables import worker_blocks as blocks
from .tables import worker_messages as messages
from .tables import workers


def _insert(table, names):
    return Prepared(insert(table).values({name: bindparam(name) for name in names}))


# -- workers --------------------------------------------------------------------------------------

_insert_worker = _insert(workers, ("worker_id", "token_hash", "locale_country", "locale_subdivision",
                                   "created_ms"))
_worker = Prepared(select(workers).where(workers.c.worker_id == bindparam("id")))
_worker_by_token = Prepared(select(workers).where(workers.c.token_hash == bindparam("hash")))
_set_token = Prepared(update(workers).where(workers.c.worker_id == bindparam("id"))
                      .values(token_hash=bindparam("hash")))
_set_locale = Prepared(update(workers).where(workers.c.worker_id == bindparam("id"))
                       .values(locale_country=bindparam("country"), locale_subdivision=bindparam("sub")))
_set_adult = Prepared(update(workers).where(workers.c.worker_id == bindparam("id")).values(adult=bindparam("adult")))
_list_workers = Prepared(select(workers).where(workers.c.worker_id > bindparam("after"))
                         .order_by(workers.c.worker_id).limit(bindparam("limit")))


def ensure_worker(tx: Tx, worker_id: str, now_ms: int) -> None:
    """The worker record, created on first sight of a well-formed WorkerId."""
    if tx.one(_worker, {"id": worker_id}) is None:
        tx.insert_unique(_insert_worker, {"worker_id": worker_id, "token_hash": None, "locale_country": None,
                                          "locale_subdivision": None, "created_ms": now_ms})


def worker(tx: Tx, worker_id: str) -> dict | None:
    return tx.one(_worker, {"id": worker_id})


def worker_by_token_hash(tx: Tx, token_hash: str) -> dict | None:
    return tx.one(_worker_by_token, {"hash": token_hash})


def set_worker_token(tx: Tx, worker_id: str, token_hash: str) -> None:
    tx.execute(_set_token, {"id": worker_id, "hash": token_hash})


def set_worker_locale(tx: Tx, worker_id: str, country: str | None, subdivision: str | None) -> None:
    tx.execute(_set_locale, {"id": worker_id, "country": country, "sub": subdivision})


def set_worker_adult(tx: Tx, worker_id: str, adult: bool | None) -> None:
    tx.execute(_set_adult, {"id": worker_id, "adult": adult})


def list_workers(tx: Tx, after: str = "", limit: int = 1000) -> list[dict]:
    return tx.all(_list_workers, {"after": after, "limit": limit})


# -- qualifications -------------------------------------------------------------------------------

_insert_qual = _insert(quals, ("qualification_type_id", "worker_id", "status", "integer_value", "grant_ms",
                               "updated_ms", "version"))
_qual_select = select(quals).where(quals.c.qualification_type_id == bindparam("type"),
                                   quals.c.worker_id == bindparam("worker"))
_qual = Prepared(_qual_select)
# PostgreSQL: lock the row we are about to change, so that concurrent changes queue instead of losing
# their compare-and-set and retrying. (SQLite's BEGIN IMMEDIATE already serialises writers; FOR UPDATE
# compiles to nothing there.)
_qual_for_update = Prepared(_qual_select.with_for_update())
_set_qual = Prepared(update(quals).where(quals.c.seq == bindparam("b_seq"), quals.c.version == bindparam("b_version"))
                     .values(status=bindparam("status"), integer_value=bindparam("value"),
                             grant_ms=bindparam("grant_ms"), updated_ms=bindparam("now"),
                             version=bindparam("b_version") + 1))
_holders = Prepared(select(quals).where(quals.c.qualification_type_id == bindparam("type"),
                                        quals.c.status == bindparam("status"), quals.c.seq > bindparam("after"))
                    .order_by(quals.c.seq).limit(bindparam("limit")))


def qualification(tx: Tx, type_id: str, worker_id: str, *, for_update: bool = False) -> dict | None:
    return tx.one(_qual_for_update if for_update else _qual, {"type": type_id, "worker": worker_id})


def insert_qualification(tx: Tx, type_id: str, worker_id: str, status: str, value: int | None,
                         now_ms: int) -> bool:
    """False if the worker already holds a record of this type (a concurrent grant won)."""
    return tx.insert_unique(_insert_qual, {"qualification_type_id": type_id, "worker_id": worker_id,
                                           "status": status, "integer_value": value, "grant_ms": now_ms,
                                           "updated_ms": now_ms, "version": 1})


def set_qualification(tx: Tx, row: dict, status: str, value: int | None, grant_ms: int, now_ms: int) -> bool:
    """Compare-and-set on the version read in `row`."""
    return tx.rowcount(_set_qual, {"b_seq": row["seq"], "b_version": row["version"], "status": status,
                                   "value": value, "grant_ms": grant_ms, "now": now_ms}) == 1


def holders(tx: Tx, type_id: str, status: str, after_seq: int, limit: int) -> list[dict]:
    """One page of a type's qualifications in one status, in order of first grant (keyset on seq)."""
    return tx.all(_holders, {"type": type_id, "status": status, "after": after_seq, "limit": limit})


# Legacy GetQualificationsForQualificationType pages by number and reports a total (same order as `holders`).
_count_holders = Prepared(select(func.count()).select_from(quals)
                          .where(quals.c.qualification_type_id == bindparam("type"), quals.c.status == bindparam("status")))
_holders_at = Prepared(select(quals).where(quals.c.qualification_type_id == bindparam("type"),
                                           quals.c.status == bindparam("status"))
                       .order_by(quals.c.seq).limit(bindparam("limit")).offset(bindparam("offset")))


def count_holders(tx: Tx, type_id: str, status: str) -> int:
    return tx.scalar(_count_holders, {"type": type_id, "status": status})


def holders_at(tx: Tx, type_id: str, status: str, offset: int, limit: int, after: tuple | None = None) -> list[dict]:
    """`limit` of a type's qualifications in one status from `offset` — or right after the one whose seq is
    `after[0]` (the keyset of `holders`) — in order of first grant."""
    if after is not None:
        return holders(tx, type_id, status, after[0], limit)
    return tx.all(_holders_at, {"type": type_id, "status": status, "offset": offset, "limit": limit})


# -- history and inbox ------------------------------------------------------------------------------

_insert_history = _insert(history, ("qualification_type_id", "worker_id", "at_ms", "event", "old_status",
                                    "new_status", "old_value", "new_value", "source", "requester_id", "reason"))
_history = Prepared(select(history).where(history.c.qualification_type_id == bindparam("type"),
                                          history.c.worker_id == bindparam("worker")).order_by(history.c.seq))
_insert_message = _insert(messages, ("worker_id", "at_ms", "subject", "text", "qualification_type_id",
                                     "requester_id"))
_messages = Prepared(select(messages).where(messages.c.worker_id == bindparam("worker"),
                                            messages.c.seq > bindparam("after"))
                     .order_by(messages.c.seq).limit(bindparam("limit")))


def add_history(tx: Tx, **values) -> None:
    tx.execute(_insert_history, values)


def qualification_history(tx: Tx, type_id: str, worker_id: str) -> list[dict]:
    return tx.all(_history, {"type": type_id, "worker": worker_id})


def add_message(tx: Tx, worker_id: str, at_ms: int, subject: str, text: str, type_id: str | None,
                requester_id: str | None = None) -> None:
    tx.execute(_insert_message, {"worker_id": worker_id, "at_ms": at_ms, "subject": subject, "text": text,
                                 "qualification_type_id": type_id, "requester_id": requester_id})


def worker_messages(tx: Tx, worker_id: str, after_seq: int = 0, limit: int = 1000) -> list[dict]:
    return tx.all(_messages, {"worker": worker_id, "after": after_seq, "limit": limit})


# -- worker blocks ----------------------------------------------------------------------------------

_insert_block = _insert(blocks, ("requester_id", "worker_id", "reason", "created_ms"))
_block = Prepared(select(blocks).where(blocks.c.requester_id == bindparam("requester"),
                                       blocks.c.worker_id == bindparam("worker")))
_set_block_reason = Prepared(update(blocks).where(blocks.c.requester_id == bindparam("requester"),
                                                  blocks.c.worker_id == bindparam("worker"))
                             .values(reason=bindparam("reason")))
_delete_block = Prepared(blocks.delete().where(blocks.c.requester_id == bindparam("requester"),
                                               blocks.c.worker_id == bindparam("worker")))
_count_blocks = Prepared(select(func.count()).select_from(blocks).where(blocks.c.requester_id == bindparam("requester")))
_list_blocks = Prepared(select(blocks).where(blocks.c.requester_id == bindparam("requester"),
                                             blocks.c.seq > bindparam("after"))
                        .order_by(blocks.c.seq).limit(bindparam("limit")))


def block(tx: Tx, requester_id: str, worker_id: str) -> dict | None:
    return tx.one(_block, {"requester": requester_id, "worker": worker_id})


def insert_block(tx: Tx, requester_id: str, worker_id: str, reason: str, now_ms: int) -> bool:
    return tx.insert_unique(_insert_block, {"requester_id": requester_id, "worker_id": worker_id,
                                            "reason": reason, "created_ms": now_ms})


def set_block_reason(tx: Tx, requester_id: str, worker_id: str, reason: str) -> None:
    tx.execute(_set_block_reason, {"requester": requester_id, "worker": worker_id, "reason": reason})


def delete_block(tx: Tx, requester_id: str, worker_id: str) -> None:
    tx.execute(_delete_block, {"requester": requester_id, "worker": worker_id})


def count_blocks(tx: Tx, requester_id: str) -> int:
    return tx.scalar(_count_blocks, {"requester": requester_id})


def list_blocks(tx: Tx, requester_id: str, after_seq: int, limit: int) -> list[dict]:
    return tx.all(_list_blocks, {"requester": requester_id, "after": after_seq, "limit": limit})


_blocks_at = Prepared(select(blocks).where(blocks.c.requester_id == bindparam("requester"))
                      .order_by(blocks.c.seq).limit(bindparam("limit")).offset(bindparam("offset")))


def blocks_at(tx: Tx, requester_id: str, offset: int, limit: int, after: tuple | None = None) -> list[dict]:
    """Legacy GetBlockedWorkers: `limit` of the requester's blocks from `offset` (or right after the block
    whose seq is `after[0]`), in the order they were made (`count_blocks` gives the total)."""
    if after is not None:
        return list_blocks(tx, requester_id, after[0], limit)
    return tx.all(_blocks_at, {"requester": requester_id, "offset": offset, "limit": limit})


_worker_quals = Prepared(
    select(quals.c.qualification_type_id, qtypes.c.name, quals.c.status, quals.c.integer_value, quals.c.grant_ms)
    .join_from(quals, qtypes, quals.c.qualification_type_id == qtypes.c.qualification_type_id)
    .where(quals.c.worker_id == bindparam("worker")).order_by(quals.c.seq))


def worker_qualifications(tx: Tx, worker_id: str) -> list[dict]:
    """A worker's qualifications (granted and revoked) with their types' names."""
    return tx.all(_worker_quals, {"worker": worker_id})
