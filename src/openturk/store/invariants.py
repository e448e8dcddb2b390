"""The database's invariants, checked from the outside: `check(database)` lists every violation.

The fuzzing, crash and soak tests run it after they have done their worst, and operators can run it as
`openturk db check`. Each rule here is something the operations guarantee; the database's constraints
enforce some of them already, and checking those too costs little and catches a constraint that a
migration forgot. Not the hot path: plain SQLAlchemy Core over one read-only snapshot.
"""

from __future__ import annotations

from sqlalchemy import and_, func, or_, select

from ..domain import qualification_types as type_rules
from .db import Database
from .tables import (RESERVATION_KINDS, REQUEST_STATUSES, QUALIFICATION_STATUSES, TYPE_STATUSES, WORKER_COUNTS,
                     assignments, bonus_payments, hits, ledger, qualification_history, qualification_requests,
                     qualification_types, qualifications, requesters, workers)

LIMIT = 20   # violations reported per rule: enough to see the pattern without drowning in it

OPEN_REQUEST_STATUSES = ("TestInProgress", "Pending")


def check(database: Database) -> list[str]:
    """Every violation found, as readable sentences; [] when the database is consistent."""
    with database.engine.connect() as conn:
        # One snapshot for all the rules: a read transaction in WAL mode, REPEATABLE READ on PostgreSQL.
        if database.is_sqlite:
            conn.exec_driver_sql("BEGIN")
        else:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        problems = check_connection(conn)
        conn.rollback()
    return problems


def check_connection(conn) -> list[str]:
    """The rules over an open SQLAlchemy connection (what it sees, including its own uncommitted changes)."""
    problems: list[str] = []
    for rule in (_types, _qualifications, _history, _requests, _money, _assignments):
        problems += rule(conn)
    return problems


def _types(conn) -> list[str]:
    qt = qualification_types
    out = []
    dupes = conn.execute(select(qt.c.owner_id, qt.c.name_key, func.count()).where(qt.c.name_key.is_not(None), qt.c.owner_id.is_not(None))
                         .group_by(qt.c.owner_id, qt.c.name_key).having(func.count() > 1).limit(LIMIT))
    # (System types have no owner: Masters exists once for production and once for the sandbox.)
    out += [f"requester {o} has {n} qualification types named {k!r}" for o, k, n in dupes]
    rows = conn.execute(select(qt.c.qualification_type_id, qt.c.name, qt.c.name_key, qt.c.description,
                               qt.c.keywords, qt.c.search_text, qt.c.status, qt.c.disposed_ms))
    for r in rows:
        tid = r.qualification_type_id
        if r.status not in TYPE_STATUSES:
            out.append(f"type {tid} has status {r.status!r}")
        if r.name_key is not None and r.name_key != r.name:
            out.append(f"type {tid} reserves the name {r.name_key!r} but is named {r.name!r}")
        if r.name_key is None and r.status != "Disposing":
            out.append(f"type {tid} is {r.status} but its name is not reserved")
        if (r.status == "Disposing") != (r.disposed_ms is not None):
            out.append(f"type {tid} is {r.status} with disposed_ms={r.disposed_ms}")
        if r.search_text != type_rules.search_text(r.name, r.description, r.keywords):
            out.append(f"type {tid}: search text does not match its name, description and keywords")
        if len(out) > LIMIT:
            break
    return out


def _qualifications(conn) -> list[str]:
    q = qualifications
    out = []
    dupes = conn.execute(select(q.c.qualification_type_id, q.c.worker_id, func.count())
                         .group_by(q.c.qualification_type_id, q.c.worker_id).having(func.count() > 1).limit(LIMIT))
    out += [f"worker {w} holds {n} qualifications of type {t}" for t, w, n in dupes]
    bad = conn.execute(select(q.c.qualification_type_id, q.c.worker_id, q.c.status)
                       .where(q.c.status.not_in(QUALIFICATION_STATUSES)).limit(LIMIT))
    out += [f"worker {w}'s qualification of type {t} has status {s!r}" for t, w, s in bad]
    orphans = conn.execute(select(q.c.qualification_type_id, q.c.worker_id).select_from(
        q.outerjoin(qualification_types, qualification_types.c.qualification_type_id == q.c.qualification_type_id))
        .where(qualification_types.c.seq.is_(None)).limit(LIMIT))
    out += [f"worker {w} holds a qualification of type {t}, which does not exist" for t, w in orphans]
    return out


def _history(conn) -> list[str]:
    """The score history, replayed per (type, worker), ends where the qualification is, one event per change
    (the qualification's version counts its changes), each event starting where the previous one ended."""
    q, h = qualifications, qualification_history
    out: list[str] = []
    current = {(r.qualification_type_id, r.worker_id): r for r in conn.execute(
        select(q.c.qualification_type_id, q.c.worker_id, q.c.status, q.c.integer_value, q.c.version))}
    key, state, events = None, (None, None), 0

    def close(key, state, events):
        record = current.pop(key, None)
        if record is None:
            out.append(f"history of worker {key[1]} for type {key[0]} has no qualification")
        elif state != (record.status, record.integer_value) or events != record.version:
            out.append(f"worker {key[1]}'s qualification of type {key[0]} is ({record.status}, "
                       f"{record.integer_value}, version {record.version}) but its history ends at {state} "
                       f"after {events} events")

    rows = conn.execute(select(h.c.qualification_type_id, h.c.worker_id, h.c.old_status, h.c.old_value,
                               h.c.new_status, h.c.new_value, h.c.seq)
                        .order_by(h.c.qualification_type_id, h.c.worker_id, h.c.seq))
    for r in rows:
        this = (r.qualification_type_id, r.worker_id)
        if this != key:
            if key is not None:
                close(key, state, events)
            key, state, events = this, (None, None), 0
        if (r.old_status, r.old_value) != state:
            out.append(f"history event {r.seq} of worker {r.worker_id} for type {r.qualification_type_id} starts "
                       f"at ({r.old_status}, {r.old_value}), not at {state}")
        state, events = (r.new_status, r.new_value), events + 1
        if len(out) > LIMIT:
            return out
    if key is not None:
        close(key, state, events)
    out += [f"worker {w}'s qualification of type {t} has no history" for t, w in list(current)[:LIMIT]]
    return out


def _requests(conn) -> list[str]:
    r, qt = qualification_requests, qualification_types
    out = []
    bad = conn.execute(select(r.c.qualification_request_id, r.c.status).where(or_(
        r.c.status.not_in(REQUEST_STATUSES),
        and_(r.c.status.in_(("Granted", "Rejected")), r.c.resolved_ms.is_(None)),
        and_(r.c.status == "Granted", r.c.integer_value.is_(None)),
        and_(r.c.status == "Pending", r.c.submit_ms.is_(None)),
        and_(r.c.status.in_(OPEN_REQUEST_STATUSES), r.c.resolved_ms.is_not(None)))).limit(LIMIT))
    out += [f"qualification request {i} is {s} with fields that contradict it" for i, s in bad]
    dupes = conn.execute(select(r.c.worker_id, r.c.qualification_type_id, func.count())
                         .where(r.c.status.in_(OPEN_REQUEST_STATUSES))
                         .group_by(r.c.worker_id, r.c.qualification_type_id).having(func.count() > 1).limit(LIMIT))
    out += [f"worker {w} has {n} open requests for type {t}" for w, t, n in dupes]
    owners = conn.execute(select(r.c.qualification_request_id).select_from(
        r.join(qt, qt.c.qualification_type_id == r.c.qualification_type_id))
        .where(or_(qt.c.owner_id.is_(None), qt.c.owner_id != r.c.owner_id)).limit(LIMIT))
    out += [f"qualification request {i} belongs to someone other than its type's owner" for (i,) in owners]
    # DeleteQualificationType rejects the type's open requests in its own transaction.
    open_on_deleted = conn.execute(select(r.c.qualification_request_id, r.c.status).select_from(
        r.join(qt, qt.c.qualification_type_id == r.c.qualification_type_id))
        .where(qt.c.status == "Disposing", r.c.status.in_(OPEN_REQUEST_STATUSES)).limit(LIMIT))
    out += [f"qualification request {i} is still {s} although its type was deleted" for i, s in open_on_deleted]
    # A request is granted in the same transaction as the qualification, and qualifications are never
    # deleted (a revocation keeps the row).
    q = qualifications
    ungranted = conn.execute(select(r.c.qualification_request_id).select_from(
        r.outerjoin(q, and_(q.c.qualification_type_id == r.c.qualification_type_id,
                            q.c.worker_id == r.c.worker_id)))
        .where(r.c.status == "Granted", q.c.worker_id.is_(None)).limit(LIMIT))
    out += [f"qualification request {i} is Granted but its worker never held the qualification"
            for (i,) in ungranted]
    return out


def _money(conn) -> list[str]:
    """The ledger is the money: each requester's balance is the sum of their entries and never negative; a
    HIT's reservation is what its entries took (Reserve) less what they gave back (Refund) or paid out
    (Release), and a deleted HIT reserves nothing; every paid assignment has its Reward entry, of the
    reward it records, and every bonus its Bonus entry, of its amount (the unique (kind, ref) index makes
    each one at most once)."""
    r, lg, h = requesters, ledger, hits
    out = []
    sums = select(lg.c.requester_id, func.sum(lg.c.amount_cents).label("total")).group_by(lg.c.requester_id).subquery()
    wrong = conn.execute(select(r.c.requester_id, r.c.balance_cents, sums.c.total)
                         .select_from(r.outerjoin(sums, sums.c.requester_id == r.c.requester_id))
                         .where(or_(r.c.balance_cents < 0, sums.c.total.is_(None),
                                    sums.c.total != r.c.balance_cents)).limit(LIMIT))
    out += [f"requester {i} has a balance of {b} cents but their ledger adds up to {t} cents" for i, b, t in wrong]
    per_hit = select(lg.c.hit_id, func.sum(lg.c.amount_cents).label("total")) \
        .where(lg.c.hit_id.is_not(None), lg.c.kind.in_(RESERVATION_KINDS)).group_by(lg.c.hit_id).subquery()
    wrong = conn.execute(select(h.c.hit_id, h.c.reserved_cents, h.c.disposed_ms, per_hit.c.total)
                         .select_from(h.outerjoin(per_hit, per_hit.c.hit_id == h.c.hit_id))
                         .where(or_(h.c.reserved_cents < 0,
                                    and_(h.c.disposed_ms.is_not(None), h.c.reserved_cents != 0),
                                    func.coalesce(per_hit.c.total, 0) != -h.c.reserved_cents)).limit(LIMIT))
    out += [f"HIT {i} reserves {c} cents (deleted: {d is not None}) but its ledger entries add up to {t or 0} cents"
            for i, c, d, t in wrong]
    a, b = assignments, bonus_payments
    rewards = select(lg.c.ref, lg.c.amount_cents).where(lg.c.kind == "Reward").subquery()
    wrong = conn.execute(select(a.c.assignment_id, a.c.status, a.c.reward_cents, rewards.c.amount_cents)
                         .select_from(a.outerjoin(rewards, rewards.c.ref == a.c.assignment_id))
                         .where(or_(and_(a.c.reward_cents.is_not(None),
                                         func.coalesce(rewards.c.amount_cents, 1) != -a.c.reward_cents),
                                    and_(a.c.reward_cents.is_(None), rewards.c.amount_cents.is_not(None)),
                                    and_(a.c.status == "Approved", a.c.reward_cents.is_(None))))
                         .limit(LIMIT))
    out += [f"assignment {i} ({s}) records a reward of {r} cents but its Reward entry is {e}" for i, s, r, e in wrong]
    paid = select(lg.c.ref, lg.c.amount_cents).where(lg.c.kind == "Bonus").subquery()
    wrong = conn.execute(select(b.c.bonus_id, b.c.amount_cents, paid.c.amount_cents)
                         .select_from(b.outerjoin(paid, paid.c.ref == b.c.bonus_id))
                         .where(func.coalesce(paid.c.amount_cents, 1) != -b.c.amount_cents).limit(LIMIT))
    out += [f"bonus {i} of {c} cents has a Bonus entry of {e}" for i, c, e in wrong]
    return out


def _assignments(conn) -> list[str]:
    """A HIT never has more assignments holding a slot than MaxAssignments; every worker's recorded counts
    equal what their assignments' rows say."""
    a, h, w = assignments, hits, workers
    holding = select(a.c.hit_id, func.count().label("n")).where(a.c.status.in_(
        ("Accepted", "Submitted", "Approved", "Rejected"))).group_by(a.c.hit_id).subquery()
    wrong = conn.execute(select(h.c.hit_id, h.c.max_assignments, holding.c.n)
                         .join_from(h, holding, holding.c.hit_id == h.c.hit_id)
                         .where(holding.c.n > h.c.max_assignments).limit(LIMIT))
    out = [f"HIT {i} allows {m} assignments but {n} hold one" for i, m, n in wrong]
    rows = conn.execute(select(a.c.worker_id, a.c.status, a.c.submit_ms.is_not(None), func.count())
                        .group_by(a.c.worker_id, a.c.status, a.c.submit_ms.is_not(None))).all()
    expected: dict[str, dict[str, int]] = {}
    for worker_id, status, submitted, n in rows:
        counts = expected.setdefault(worker_id, dict.fromkeys(WORKER_COUNTS, 0))
        counts["accepted"] += n
        if submitted:
            counts["submitted"] += n
        if status in ("Approved", "Rejected", "Returned", "Abandoned"):
            counts[status.lower()] += n
    for row in conn.execute(select(w.c.worker_id, *(w.c[f"{n}_count"] for n in WORKER_COUNTS))):
        want = expected.get(row[0], dict.fromkeys(WORKER_COUNTS, 0))
        have = dict(zip(WORKER_COUNTS, row[1:]))
        if have != want:
            out.append(f"worker {row[0]} has counts {have} but their assignments say {want}")
            if len(out) >= LIMIT:
                break
    return out
