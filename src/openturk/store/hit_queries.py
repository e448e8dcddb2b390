"""The SQL of HIT types, HITs, request tokens and the ledger (see queries.py for the conventions)."""

from __future__ import annotations

from functools import cache

from sqlalchemy import and_, delete, exists, func, insert, select, update

from .db import Prepared, Tx
from .queries import bindparam
from .tables import hit_type_qualifications as htq
from .tables import hit_types as ht
from .tables import hits, ledger, request_tokens, requesters


def _insert(table, skip=()):
    return Prepared(insert(table).values({c.name: bindparam(c.name) for c in table.c if c.name not in skip}))


# -- HIT types ------------------------------------------------------------------------------------

_insert_type = _insert(ht, skip=("seq",))
_type = Prepared(select(ht).where(ht.c.hit_type_id == bindparam("id")))
_type_by_fingerprint = Prepared(select(ht).where(ht.c.requester_id == bindparam("requester"),
                                                 ht.c.fingerprint == bindparam("fingerprint")))
_insert_type_qualification = _insert(htq)


def insert_hit_type(tx: Tx, qualification_type_ids: list[str], **values) -> bool:
    """False when the requester already has a type with the same fingerprint (the unique constraint)."""
    if not tx.insert_unique(_insert_type, values):
        return False
    for type_id in dict.fromkeys(qualification_type_ids):
        tx.execute(_insert_type_qualification, {"hit_type_id": values["hit_type_id"], "qualification_type_id": type_id})
    return True


def hit_type(tx: Tx, hit_type_id: str) -> dict | None:
    if "\x00" in hit_type_id:
        return None
    return tx.one(_type, {"id": hit_type_id})


def hit_type_by_fingerprint(tx: Tx, requester_id: str, fingerprint: str) -> dict | None:
    return tx.one(_type_by_fingerprint, {"requester": requester_id, "fingerprint": fingerprint})


# -- HITs -----------------------------------------------------------------------------------------

_insert_hit = _insert(hits, skip=("seq",))
# A HIT with the properties of its type (the names of the type's columns do not clash with the HIT's).
TYPE_COLUMNS = (ht.c.title, ht.c.description, ht.c.keywords, ht.c.reward_cents, ht.c.assignment_duration_in_seconds,
                ht.c.auto_approval_delay_in_seconds, ht.c.qualification_requirements, ht.c.masters)
_view = select(hits, *TYPE_COLUMNS).join_from(hits, ht, hits.c.hit_type_id == ht.c.hit_type_id)
_hit = Prepared(_view.where(hits.c.hit_id == bindparam("id")))
_hit_for_update = Prepared(_view.where(hits.c.hit_id == bindparam("id")).with_for_update(of=hits))


def insert_hit(tx: Tx, **values) -> None:
    tx.execute(_insert_hit, values)


def hit(tx: Tx, hit_id: str, *, for_update: bool = False) -> dict | None:
    """The HIT joined with its type; `for_update` locks the HIT's row (PostgreSQL; no-op on SQLite)."""
    if "\x00" in hit_id:
        return None
    return tx.one(_hit_for_update if for_update else _hit, {"id": hit_id})


@cache
def _update(columns: tuple[str, ...]) -> Prepared:
    return Prepared(update(hits).where(hits.c.seq == bindparam("b_seq"), hits.c.version == bindparam("b_version"))
                    .values(version=bindparam("b_version") + 1, **{name: bindparam(name) for name in columns}))


def update_hit(tx: Tx, row: dict, **values) -> bool:
    """Compare-and-set on the version read with `row`: False if somebody changed the HIT since."""
    return tx.rowcount(_update(tuple(sorted(values))), {"b_seq": row["seq"], "b_version": row["version"],
                                                        **values}) == 1


@cache
def _list(by_type: bool, by_qualification: bool, reviewable: bool) -> Prepared:
    conditions = [hits.c.requester_id == bindparam("requester"), hits.c.seq > bindparam("after"),
                  hits.c.disposed_ms.is_(None)]
    if by_type:
        conditions.append(hits.c.hit_type_id == bindparam("hit_type"))
    if by_qualification:
        conditions.append(exists().where(htq.c.hit_type_id == hits.c.hit_type_id,
                                         htq.c.qualification_type_id == bindparam("qualification_type")))
    if reviewable:
        # Reviewable or Reviewing: what `domain.hits.state` decides, narrowed here by what SQL can tell (the
        # expiration); the operation decides the rest for each row.
        conditions.append(hits.c.reviewing == bindparam("reviewing"))
    return Prepared(_view.where(and_(*conditions)).order_by(hits.c.seq).limit(bindparam("limit")))


def list_hits(tx: Tx, requester_id: str, *, after_seq: int, limit: int, hit_type_id: str | None = None,
              qualification_type_id: str | None = None, reviewing: bool | None = None) -> list[dict]:
    """The requester's HITs that are not disposed, in creation order (keyset on `seq`), optionally only
    those of one HIT type, those whose requirements use a qualification type, or those with `reviewing`
    set (True) or not (False)."""
    prepared = _list(hit_type_id is not None, qualification_type_id is not None, reviewing is not None)
    return tx.all(prepared, {"requester": requester_id, "after": after_seq, "limit": limit, "hit_type": hit_type_id,
                             "qualification_type": qualification_type_id, "reviewing": reviewing})


_unnoted = Prepared(_view.where(hits.c.noted_expiration_ms.is_(None), hits.c.expiration_ms <= bindparam("now"),
                               hits.c.disposed_ms.is_(None)).order_by(hits.c.expiration_ms).limit(bindparam("limit")))


def expired_unnoted(tx: Tx, now_ms: int, limit: int) -> list[dict]:
    """HITs that have expired since their expiration was last noted (the sweeper's HITExpired)."""
    return tx.all(_unnoted, {"now": now_ms, "limit": limit})


_type_in_use = Prepared(select(func.count()).select_from(htq.join(hits, hits.c.hit_type_id == htq.c.hit_type_id))
                        .where(htq.c.qualification_type_id == bindparam("type"), hits.c.disposed_ms.is_(None)))


def qualification_type_in_use(tx: Tx, qualification_type_id: str) -> bool:
    """Whether a HIT that is not disposed has a requirement on the qualification type."""
    return tx.scalar(_type_in_use, {"type": qualification_type_id}) > 0


def in_use_condition(type_id_column):
    """The SQL form of `qualification_type_in_use`, for statements about qualification types."""
    return exists().where(htq.c.qualification_type_id == type_id_column, hits.c.hit_type_id == htq.c.hit_type_id,
                          hits.c.disposed_ms.is_(None))


# -- UniqueRequestToken ---------------------------------------------------------------------------

_insert_token = _insert(request_tokens)
_token = Prepared(select(request_tokens).where(request_tokens.c.requester_id == bindparam("requester"),
                                               request_tokens.c.scope == bindparam("scope"),
                                               request_tokens.c.token == bindparam("token")))
_forget_token = Prepared(delete(request_tokens).where(request_tokens.c.requester_id == bindparam("requester"),
                                                      request_tokens.c.scope == bindparam("scope"),
                                                      request_tokens.c.token == bindparam("token"),
                                                      request_tokens.c.created_ms <= bindparam("before")))


def claim_token(tx: Tx, requester_id: str, scope: str, token: str, now_ms: int, hit_id: str | None,
                forget_before_ms: int) -> dict | None:
    """Record the token; None if it was new, else the row of the earlier request that used it. A row older
    than `forget_before_ms` is forgotten first (a token is remembered for 24 hours). Concurrent claims of
    one token: the primary key lets exactly one through; the others wait for it and then see its row."""
    key = {"requester": requester_id, "scope": scope, "token": token}
    tx.execute(_forget_token, {**key, "before": forget_before_ms})
    if tx.insert_unique(_insert_token, {"requester_id": requester_id, "scope": scope, "token": token,
                                        "created_ms": now_ms, "hit_id": hit_id}):
        return None
    return tx.one(_token, key)


# -- money ----------------------------------------------------------------------------------------

_debit = Prepared(update(requesters).where(requesters.c.requester_id == bindparam("requester"),
                                           requesters.c.balance_cents >= bindparam("amount"))
                  .values(balance_cents=requesters.c.balance_cents - bindparam("amount")))
_credit = Prepared(update(requesters).where(requesters.c.requester_id == bindparam("requester"))
                   .values(balance_cents=requesters.c.balance_cents + bindparam("amount")))
_insert_entry = _insert(ledger, skip=("seq",))
_entries = Prepared(select(ledger).where(ledger.c.requester_id == bindparam("requester"),
                                         ledger.c.seq > bindparam("after")).order_by(ledger.c.seq)
                    .limit(bindparam("limit")))


def debit(tx: Tx, requester_id: str, amount_cents: int, *, now_ms: int, kind: str, hit_id: str | None = None,
          note: str | None = None, ref: str | None = None) -> bool:
    """Take `amount_cents` from the balance and record it; False (and nothing changed) if the balance is
    smaller. A guarded update, so that concurrent debits never take the balance below zero."""
    if tx.rowcount(_debit, {"requester": requester_id, "amount": amount_cents}) != 1:
        return False
    tx.execute(_insert_entry, {"requester_id": requester_id, "at_ms": now_ms, "kind": kind,
                               "amount_cents": -amount_cents, "hit_id": hit_id, "note": note, "ref": ref})
    return True


def credit(tx: Tx, requester_id: str, amount_cents: int, *, now_ms: int, kind: str, hit_id: str | None = None,
           note: str | None = None, ref: str | None = None) -> None:
    tx.execute(_credit, {"requester": requester_id, "amount": amount_cents})
    tx.execute(_insert_entry, {"requester_id": requester_id, "at_ms": now_ms, "kind": kind,
                               "amount_cents": amount_cents, "hit_id": hit_id, "note": note, "ref": ref})


_take_reserved = Prepared(update(hits).where(hits.c.hit_id == bindparam("hit"),
                                             hits.c.reserved_cents >= bindparam("amount"))
                          .values(reserved_cents=hits.c.reserved_cents - bindparam("amount")))


def take_reserved(tx: Tx, hit_id: str, amount_cents: int) -> bool:
    """Take what one assignment reserved out of the HIT's reservation (to pay or give back); False if the
    reservation is smaller (a bug: the ledger check would show it)."""
    return tx.rowcount(_take_reserved, {"hit": hit_id, "amount": amount_cents}) == 1


def ledger_entries(tx: Tx, requester_id: str, after_seq: int = 0, limit: int = 1000) -> list[dict]:
    return tx.all(_entries, {"requester": requester_id, "after": after_seq, "limit": limit})
