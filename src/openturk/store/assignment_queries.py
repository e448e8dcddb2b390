"""The SQL of assignments, bonus payments and the workers' assignment counts (see queries.py for the
conventions: prepared statements, guarded updates checked by their rowcount)."""

from __future__ import annotations

from functools import cache

from sqlalchemy import BigInteger, and_, case, cast, false, func, insert, literal, or_, select, text, update

from .db import Prepared, Tx
from .queries import bindparam
from .tables import HOLDING_SQL, HOLDING_STATUSES, WORKER_COUNTS, assignments, bonus_payments, hits, ledger, workers
from .tables import hit_types as ht

a = assignments


def _insert(table, skip=("seq",)):
    return Prepared(insert(table).values({c.name: bindparam(c.name) for c in table.c if c.name not in skip}))


# -- assignments ----------------------------------------------------------------------------------

_insert_assignment = _insert(a)
_assignment = Prepared(select(a).where(a.c.assignment_id == bindparam("id")))
# The assignment with its HIT and HIT type (what GetAssignment answers and what paying it needs).
_with_hit = Prepared(select(a, hits.c.hit_type_id, hits.c.max_assignments, hits.c.expiration_ms,
                            hits.c.reserved_cents, hits.c.question, ht.c.reward_cents.label("hit_reward_cents"),
                            ht.c.masters, ht.c.auto_approval_delay_in_seconds, ht.c.title)
                     .join_from(a, hits, hits.c.hit_id == a.c.hit_id)
                     .join(ht, ht.c.hit_type_id == hits.c.hit_type_id)
                     .where(a.c.assignment_id == bindparam("id")))
# By the partial unique index on (hit_id, worker_id): its condition written out as the index has it (with
# bound statuses SQLite took the worker's (worker_id, status) index and read all their Accepted work).
_holding = Prepared(select(a).where(a.c.hit_id == bindparam("hit"), a.c.worker_id == bindparam("worker"),
                                    text(HOLDING_SQL)))


def insert_assignment(tx: Tx, **values) -> bool:
    """False if the worker already holds an assignment of the HIT (the partial unique index)."""
    return tx.insert_unique(_insert_assignment, values)


def assignment(tx: Tx, assignment_id: str) -> dict | None:
    if "\x00" in assignment_id:
        return None
    return tx.one(_assignment, {"id": assignment_id})


def assignment_with_hit(tx: Tx, assignment_id: str) -> dict | None:
    if "\x00" in assignment_id:
        return None
    return tx.one(_with_hit, {"id": assignment_id})


def holding(tx: Tx, hit_id: str, worker_id: str) -> dict | None:
    """The worker's assignment of the HIT that holds a slot (as recorded: it may have been abandoned since)."""
    return tx.one(_holding, {"hit": hit_id, "worker": worker_id})


@cache
def _update(columns: tuple[str, ...]) -> Prepared:
    return Prepared(update(a).where(a.c.seq == bindparam("b_seq"), a.c.version == bindparam("b_version"))
                    .values(version=bindparam("b_version") + 1, **{name: bindparam(name) for name in columns}))


def update_assignment(tx: Tx, row: dict, **values) -> bool:
    """Compare-and-set on the version read with `row`: False if it changed since."""
    return tx.rowcount(_update(tuple(sorted(values))), {"b_seq": row["seq"], "b_version": row["version"],
                                                        **values}) == 1


# A HIT's assignments by status as of :now — the input of domain.hits.state. Accepted ones past their
# deadline are abandoned; Submitted ones past their AutoApprovalTime are approved (completed).
_live = and_(a.c.status == "Accepted", a.c.deadline_ms > bindparam("now"))
_auto = and_(a.c.status == "Submitted", a.c.auto_approval_ms <= bindparam("now"))
_COUNTS = (
    func.coalesce(func.sum(case((_live, 1), else_=0)), 0),
    func.coalesce(func.sum(case((and_(a.c.status == "Submitted", a.c.auto_approval_ms > bindparam("now")), 1),
                                else_=0)), 0),
    func.coalesce(func.sum(case((or_(a.c.status.in_(("Approved", "Rejected")), _auto), 1), else_=0)), 0),
)
_counts = Prepared(select(*_COUNTS).where(a.c.hit_id == bindparam("hit"), a.c.status.in_(HOLDING_STATUSES)))


def hit_counts(tx: Tx, hit_id: str, now_ms: int) -> tuple[int, int, int]:
    """(pending, submitted, completed) of the HIT as of `now_ms`."""
    row = tx.execute(_counts, {"hit": hit_id, "now": now_ms}).fetchone()
    return int(row[0]), int(row[1]), int(row[2])      # PostgreSQL's sums are numerics


@cache
def _counts_of(n: int) -> Prepared:
    return Prepared(select(a.c.hit_id, *_COUNTS)
                    .where(a.c.hit_id.in_([bindparam(f"h{i}") for i in range(n)]), a.c.status.in_(HOLDING_STATUSES))
                    .group_by(a.c.hit_id))


def hit_counts_of(tx: Tx, hit_ids: list[str], now_ms: int) -> dict[str, tuple[int, int, int]]:
    """`hit_counts` of several HITs in one query (a page of ListHITs); a HIT without any is (0, 0, 0)."""
    out = dict.fromkeys(hit_ids, (0, 0, 0))
    if hit_ids:
        params = {"now": now_ms, **{f"h{i}": hit_id for i, hit_id in enumerate(hit_ids)}}
        for row in tx.execute(_counts_of(len(hit_ids)), params).fetchall():
            out[row[0]] = (int(row[1]), int(row[2]), int(row[3]))
    return out


_consumed = Prepared(select(func.count()).select_from(a).where(
    a.c.hit_id == bindparam("hit"), or_(a.c.status == "Rejected",
                                        and_(a.c.status == "Approved", a.c.reward_cents.is_not(None)))))


def consumed_reservations(tx: Tx, hit_id: str) -> int:
    """How many of the HIT's assignments no longer hold a reservation: paid (approval recorded) or rejected."""
    return tx.scalar(_consumed, {"hit": hit_id})


@cache
def _list_for_hit(statuses: tuple[str, ...]) -> Prepared:
    """The HIT's assignments with one of `statuses` as of :now, in accept order (keyset on seq). Submitted
    and Approved are decided by the clock: an auto-approved one is listed as Approved, not Submitted."""
    wanted = []
    if "Submitted" in statuses:
        wanted.append(and_(a.c.status == "Submitted", a.c.auto_approval_ms > bindparam("now")))
    if "Approved" in statuses:
        wanted.append(or_(a.c.status == "Approved", _auto))
    if "Rejected" in statuses:
        wanted.append(a.c.status == "Rejected")
    condition = or_(*wanted) if wanted else literal(False)
    return Prepared(select(a).where(a.c.hit_id == bindparam("hit"), a.c.seq > bindparam("after"), condition)
                    .order_by(a.c.seq).limit(bindparam("limit")))


def list_for_hit(tx: Tx, hit_id: str, statuses: tuple[str, ...], now_ms: int, after_seq: int,
                 limit: int) -> list[dict]:
    return tx.all(_list_for_hit(tuple(sorted(statuses))), {"hit": hit_id, "now": now_ms, "after": after_seq,
                                                           "limit": limit})


_for_worker = Prepared(select(a, hits.c.hit_type_id, ht.c.title, ht.c.reward_cents.label("hit_reward_cents"),
                              hits.c.requester_id.label("hit_requester_id"))
                       .join_from(a, hits, hits.c.hit_id == a.c.hit_id)
                       .join(ht, ht.c.hit_type_id == hits.c.hit_type_id)
                       .where(a.c.worker_id == bindparam("worker"), a.c.seq < bindparam("before"))
                       .order_by(a.c.seq.desc()).limit(bindparam("limit")))


def for_worker(tx: Tx, worker_id: str, before_seq: int, limit: int) -> list[dict]:
    """The worker's assignments, newest first (keyset on seq, descending)."""
    return tx.all(_for_worker, {"worker": worker_id, "before": before_seq, "limit": limit})


_worked_for = Prepared(select(func.count()).select_from(a).where(
    a.c.requester_id == bindparam("requester"), a.c.worker_id == bindparam("worker"),
    or_(a.c.status.in_(("Approved", "Rejected")), _auto)))


_any_work = Prepared(select(a.c.seq).where(a.c.requester_id == bindparam("requester"),
                                           a.c.worker_id == bindparam("worker")).limit(1))


def has_worked_for(tx: Tx, requester_id: str, worker_id: str) -> bool:
    """Whether the worker ever accepted one of the requester's HITs."""
    return tx.one(_any_work, {"requester": requester_id, "worker": worker_id}) is not None


def has_decided_work(tx: Tx, requester_id: str, worker_id: str, now_ms: int) -> bool:
    """Whether the requester approved or rejected an assignment of the worker (NotifyWorkers' rule)."""
    return tx.scalar(_worked_for, {"requester": requester_id, "worker": worker_id, "now": now_ms}) > 0


# -- the clock's decisions, recorded by the sweeper -----------------------------------------------

_abandoned = Prepared(select(a).where(a.c.status == "Accepted", a.c.deadline_ms <= bindparam("now"))
                      .order_by(a.c.deadline_ms).limit(bindparam("limit")))
_auto_approved = Prepared(select(a).where(a.c.status == "Submitted", a.c.auto_approval_ms <= bindparam("now"))
                          .order_by(a.c.auto_approval_ms).limit(bindparam("limit")))
_worker_abandoned = Prepared(select(a).where(a.c.worker_id == bindparam("worker"), a.c.status == "Accepted",
                                             a.c.deadline_ms <= bindparam("now")))


_hit_abandoned = Prepared(select(a).where(a.c.hit_id == bindparam("hit"), a.c.status == "Accepted",
                                          a.c.deadline_ms <= bindparam("now")))


def overdue_for_hit(tx: Tx, hit_id: str, now_ms: int) -> list[dict]:
    """The HIT's Accepted assignments past their deadline (abandoned, not yet recorded)."""
    return tx.all(_hit_abandoned, {"hit": hit_id, "now": now_ms})


def overdue_accepted(tx: Tx, now_ms: int, limit: int) -> list[dict]:
    return tx.all(_abandoned, {"now": now_ms, "limit": limit})


def due_for_approval(tx: Tx, now_ms: int, limit: int) -> list[dict]:
    return tx.all(_auto_approved, {"now": now_ms, "limit": limit})


# -- the workers' counts --------------------------------------------------------------------------

@cache
def _count(name: str) -> Prepared:
    column = workers.c[f"{name}_count"]
    return Prepared(update(workers).where(workers.c.worker_id == bindparam("worker"))
                    .values({column: column + bindparam("n")}))


def count(tx: Tx, worker_id: str, name: str, n: int = 1) -> None:
    """Add `n` to one of the worker's recorded counts (accepted, submitted, …)."""
    assert name in WORKER_COUNTS
    tx.execute(_count(name), {"worker": worker_id, "n": n})


_pending_changes = Prepared(select(
    func.coalesce(func.sum(case((and_(a.c.status == "Accepted", a.c.deadline_ms <= bindparam("now")), 1),
                                else_=0)), 0),
    func.coalesce(func.sum(case((_auto, 1), else_=0)), 0),
).where(a.c.worker_id == bindparam("worker"), a.c.status.in_(("Accepted", "Submitted"))))
_worker_counts = Prepared(select(*(workers.c[f"{name}_count"] for name in WORKER_COUNTS))
                          .where(workers.c.worker_id == bindparam("worker")))


def worker_counts(tx: Tx, worker_id: str, now_ms: int) -> dict[str, int]:
    """The worker's counts as of `now_ms`: the recorded ones, plus what the clock decided and the sweeper has
    not yet recorded (abandoned, auto-approved). Two indexed reads, whatever the worker's history."""
    row = tx.execute(_worker_counts, {"worker": worker_id}).fetchone()
    if row is None:
        return {name: 0 for name in WORKER_COUNTS}
    out = dict(zip(WORKER_COUNTS, (int(v) for v in row)))
    abandoned, approved = tx.execute(_pending_changes, {"worker": worker_id, "now": now_ms}).fetchone()
    out["abandoned"] += int(abandoned)
    out["approved"] += int(approved)
    return out


# -- bonuses --------------------------------------------------------------------------------------

_insert_bonus = _insert(bonus_payments)


def insert_bonus(tx: Tx, **values) -> None:
    tx.execute(_insert_bonus, values)


@cache
def _bonuses(by_hit: bool) -> Prepared:
    key = bonus_payments.c.hit_id if by_hit else bonus_payments.c.assignment_id
    return Prepared(select(bonus_payments).where(key == bindparam("key"),
                                                 bonus_payments.c.requester_id == bindparam("requester"),
                                                 bonus_payments.c.seq > bindparam("after"))
                    .order_by(bonus_payments.c.seq).limit(bindparam("limit")))


def bonuses(tx: Tx, requester_id: str, *, hit_id: str | None, assignment_id: str | None, after_seq: int,
            limit: int) -> list[dict]:
    return tx.all(_bonuses(hit_id is not None), {"key": hit_id if hit_id is not None else assignment_id,
                                                 "requester": requester_id, "after": after_seq, "limit": limit})


_worker_bonuses = Prepared(select(bonus_payments).where(bonus_payments.c.worker_id == bindparam("worker"))
                           .order_by(bonus_payments.c.seq.desc()).limit(bindparam("limit")))


def worker_bonuses(tx: Tx, worker_id: str, limit: int = 1000) -> list[dict]:
    return tx.all(_worker_bonuses, {"worker": worker_id, "limit": limit})


# -- payments in the ledger -----------------------------------------------------------------------

_insert_entry = Prepared(insert(ledger).values({c.name: bindparam(c.name) for c in ledger.c if c.name != "seq"}))


def entry(tx: Tx, requester_id: str, kind: str, amount_cents: int, *, now_ms: int, hit_id: str | None, ref: str,
          note: str | None = None) -> bool:
    """Record one ledger entry that moves no balance by itself (the caller moved it, or it nets to zero with
    its siblings). False if an entry of this kind for `ref` exists: that payment was made already."""
    return tx.insert_unique(_insert_entry, {"requester_id": requester_id, "at_ms": now_ms, "kind": kind,
                                            "amount_cents": amount_cents, "hit_id": hit_id, "note": note,
                                            "ref": ref})


# -- the worker's search --------------------------------------------------------------------------

_live_hit = and_(hits.c.disposed_ms.is_(None), hits.c.expiration_ms > bindparam("now"))


@cache
def _groups(searched: bool) -> Prepared:
    """HIT types that have a live HIT (not deleted, not expired), newest type first (keyset on seq)."""
    has_live = select(hits.c.hit_id).where(hits.c.hit_type_id == ht.c.hit_type_id, _live_hit).exists()
    conditions = [ht.c.seq < bindparam("before"), ht.c.reward_cents >= bindparam("min_reward"), has_live]
    if searched:
        text = func.lower(ht.c.title + " " + ht.c.description + " " + func.coalesce(ht.c.keywords, ""))
        conditions.append(text.like(bindparam("pattern"), escape="\\"))
    return Prepared(select(ht).where(*conditions).order_by(ht.c.seq.desc()).limit(bindparam("limit")))


def search_groups(tx: Tx, *, query: str | None, min_reward_cents: int, now_ms: int, before_seq: int,
                  limit: int) -> list[dict]:
    pattern = None
    if query:
        escaped = query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
    return tx.all(_groups(bool(query)), {"before": before_seq, "min_reward": min_reward_cents, "now": now_ms,
                                         "pattern": pattern, "limit": limit})


_holding_now = and_(a.c.hit_id == hits.c.hit_id, a.c.status.in_(HOLDING_STATUSES),
                    or_(a.c.status != "Accepted", a.c.deadline_ms > bindparam("now")))
_used = select(func.count()).select_from(a).where(_holding_now).scalar_subquery()
_group_hits = Prepared(select(hits.c.hit_id, hits.c.seq, hits.c.requester_id, hits.c.max_assignments,
                              hits.c.expiration_ms, (hits.c.max_assignments - _used).label("available"))
                       .where(hits.c.hit_type_id == bindparam("type"), _live_hit, hits.c.reviewing == false())
                       .order_by(hits.c.seq))


def group_hits(tx: Tx, hit_type_id: str, now_ms: int) -> list[dict]:
    """The live HITs of a HIT type (oldest first) with how many assignments each has available now."""
    if "\x00" in hit_type_id:   # no id holds U+0000, and PostgreSQL refuses to compare text with it
        return []
    return tx.all(_group_hits, {"type": hit_type_id, "now": now_ms})


@cache
def _availability(n: int) -> Prepared:
    """`group_hits` summed up for n HIT types at once, for the worker's search: per type, its live HITs, the
    assignments available in them (a HIT with more holders than slots counts 0), the latest Expiration, and
    the oldest HIT with an assignment available — the join with it leaves out types that have none."""
    live = (select(hits.c.hit_type_id, hits.c.seq, hits.c.expiration_ms,
                   (hits.c.max_assignments - _used).label("available"))
            .where(hits.c.hit_type_id.in_([bindparam(f"t{i}") for i in range(n)]), _live_hit,
                   hits.c.reviewing == false()).subquery())
    open_ = live.c.available > 0
    summed = (select(live.c.hit_type_id, func.count().label("number_of_hits"),
                     # PostgreSQL's sum of integers is a numeric: cast back to an integer
                     cast(func.sum(case((open_, live.c.available), else_=0)), BigInteger).label("available"),
                     func.max(live.c.expiration_ms).label("expiration_ms"),
                     func.min(case((open_, live.c.seq))).label("first_seq"))
              .group_by(live.c.hit_type_id).subquery())
    return Prepared(select(summed.c.hit_type_id, summed.c.number_of_hits, summed.c.available, summed.c.expiration_ms,
                           hits.c.hit_id.label("first_hit_id"))
                    .join_from(summed, hits, hits.c.seq == summed.c.first_seq))


def groups_availability(tx: Tx, hit_type_ids: list[str], now_ms: int) -> dict[str, dict]:
    """For each of these HIT types that has an assignment available now: {number_of_hits, available,
    expiration_ms, first_hit_id}, as `group_hits` would add them up (one query instead of one per type)."""
    if not hit_type_ids:
        return {}
    params = {"now": now_ms, **{f"t{i}": type_id for i, type_id in enumerate(hit_type_ids)}}
    rows = tx.all(_availability(len(hit_type_ids)), params)
    return {row["hit_type_id"]: row for row in rows}
