"""Crash safety: under a sustained write load, `openturk serve` is killed with SIGKILL at random moments and
restarted (one process; `--workers 2` with a child, the supervisor or the whole group killed), on SQLite and
PostgreSQL. Afterwards every write the server acknowledged is present, in the order it was made, writes
the server refused are absent, writes with no answer are either wholly there or not at all, and the
database's invariants hold.

Each writer thread owns its requester, its types and its workers and writes sequentially, so the order
of its writes to a (type, worker) is known and the final state is that of its last applied write.
Every write carries a unique mark (a score value, a Reason, a Description, a Name) by which it is found
in the database afterwards. OPENTURK_CRASH_SECONDS sets the duration (default 20 s per backend).
"""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select, text

from openturk.store import invariants
from openturk.store.tables import qualification_history, qualification_requests, qualification_types

from ..cli.conftest import engine_for
from .load import (ACK, ERROR, NOT_SENT, UNKNOWN, Requester, ServeProcess, Stats, Worker, add_requesters,
                   add_workers, env_seconds, open_database)

pytestmark = pytest.mark.slow

WRITERS, WORKERS_EACH = 4, 3
# The kills cycle through these (processes started, what is killed).
DELETED = "The Qualification type was deleted."   # the Reason of requests rejected by DeleteQualificationType
KILLS = [(1, "server"), (2, "child"), (2, "server"), (2, "group")]


@dataclass
class Write:
    """One write as the client made it: what it marks in the database, and what the client knows."""
    op: str
    mark: object          # the score value, the Reason, the Description or the Name
    kind: str             # ACK / ERROR / NOT_SENT / UNKNOWN


def applied_may(kind: str) -> bool:
    return kind in (ACK, UNKNOWN)


@dataclass
class Writer:
    """One client thread: its requester, its workers, and the journal of everything it wrote."""
    n: int
    requester: Requester
    workers: list[Worker]
    rng: random.Random
    counter: int = 0
    creates: list[tuple[str, str, str]] = field(default_factory=list)          # (name, description, kind)
    types: dict[str, list[Write]] = field(default_factory=dict)               # id → description writes
    deletes: dict[str, str] = field(default_factory=dict)                     # id → kind
    live: list[str] = field(default_factory=list)
    scores: dict[tuple[str, str], list[Write]] = field(default_factory=lambda: defaultdict(list))
    # request id → (type, worker, resolutions)
    requests: dict[str, tuple[str, str, list[Write]]] = field(default_factory=dict)
    unknown_requests: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    acknowledged: int = 0

    def mark(self) -> int:
        self.counter += 1
        return self.n * 1_000_000 + self.counter

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.step()

    def step(self) -> None:
        rng = self.rng
        if len(self.live) < 2 or rng.random() < 0.05:
            return self.create()
        type_id = rng.choice(self.live)
        worker = rng.choice(self.workers)
        action = rng.choices(["update", "associate", "disassociate", "request", "resolve", "delete"],
                             [2, 6, 2, 3, 4, 0.3])[0]
        if action == "update":
            description = f"d-{self.mark()}"
            outcome = self.requester("update_qualification_type", QualificationTypeId=type_id,
                                     Description=description)
            self.types[type_id].append(Write("update", description, outcome.kind))
        elif action == "associate":
            value = self.mark()
            outcome = self.requester("associate_qualification_with_worker", QualificationTypeId=type_id,
                                     WorkerId=worker.worker_id, IntegerValue=value, SendNotification=False)
            self.scores[type_id, worker.worker_id].append(Write("grant", value, outcome.kind))
        elif action == "disassociate":
            reason = f"r-{self.mark()}"
            outcome = self.requester("disassociate_qualification_from_worker", QualificationTypeId=type_id,
                                     WorkerId=worker.worker_id, Reason=reason)
            self.scores[type_id, worker.worker_id].append(Write("revoke", reason, outcome.kind))
        elif action == "request":
            outcome = worker.request(type_id)
            if outcome.kind == ACK:
                self.requests[outcome.body["QualificationRequestId"]] = (type_id, worker.worker_id, [])
            elif outcome.kind == UNKNOWN:
                self.unknown_requests[type_id, worker.worker_id] += 1
        elif action == "resolve":
            open_ = [rid for rid, (t, _, res) in self.requests.items()
                     if t in self.live and not any(w.kind == ACK for w in res)]
            if not open_:
                return
            request_id = rng.choice(open_)
            type_id, worker_id, resolutions = self.requests[request_id]
            if rng.random() < 0.6:
                value = self.mark()
                outcome = self.requester("accept_qualification_request", QualificationRequestId=request_id,
                                         IntegerValue=value)
                resolutions.append(Write("accept", value, outcome.kind))
                self.scores[type_id, worker_id].append(Write("grant", value, outcome.kind))
            else:
                reason = f"x-{self.mark()}"
                outcome = self.requester("reject_qualification_request", QualificationRequestId=request_id,
                                         Reason=reason)
                resolutions.append(Write("reject", reason, outcome.kind))
        else:
            outcome = self.requester("delete_qualification_type", QualificationTypeId=type_id)
            self.deletes[type_id] = outcome.kind
            self.live.remove(type_id)   # not written to again, whatever the outcome
        if outcome.kind == NOT_SENT:
            time.sleep(0.05)            # the server is restarting
        self.acknowledged += outcome.kind == ACK

    def create(self) -> None:
        name, description = f"crash-{self.mark()}", f"d-{self.counter}"
        outcome = self.requester("create_qualification_type", Name=name, Description=description,
                                 QualificationTypeStatus="Active", RetryDelayInSeconds=0)
        self.creates.append((name, description, outcome.kind))
        if outcome.kind == ACK:
            type_id = outcome.body["QualificationType"]["QualificationTypeId"]
            self.types[type_id] = [Write("create", description, ACK)]
            self.live.append(type_id)
            self.acknowledged += 1
        elif outcome.kind == NOT_SENT:
            time.sleep(0.05)


# -- the checks -----------------------------------------------------------------------------------------

def final_of(writes: list[Write], actual) -> str | None:
    """None when `actual` (the mark found in the database) can be the result of these sequential writes of
    absolute values: the last acknowledged one, or one sent after it without an answer."""
    last_ack = max((i for i, w in enumerate(writes) if w.kind == ACK), default=-1)
    possible = {w.mark for w in writes[last_ack:] if applied_may(w.kind)} if last_ack >= 0 else \
        {None} | {w.mark for w in writes if w.kind == UNKNOWN}
    return None if actual in possible else f"{actual!r} is not one of {sorted(possible, key=str)}"


def history_matches(writes: list[Write], events: list[tuple]) -> str | None:
    """The score history of one (type, worker) is exactly its applied writes, in the order they were made:
    every acknowledged write, any unanswered ones, nothing refused, nothing else."""
    index = {(w.op, w.mark): i for i, w in enumerate(writes)}
    last = -1
    for status, value, reason in events:
        key = ("grant", value) if status == "Granted" else ("revoke", reason)
        i = index.get(key)
        if i is None or not applied_may(writes[i].kind) or i <= last:
            return f"history event {key} is not the next applied write of {writes}"
        for skipped in writes[last + 1:i]:
            if skipped.kind == ACK:
                return f"acknowledged write {skipped} is missing from the history"
        last = i
    missing = [w for w in writes[last + 1:] if w.kind == ACK]
    return f"acknowledged writes {missing} are missing from the history" if missing else None


def verify(writers: list[Writer], url: str) -> tuple[list[str], int]:
    """Every problem found, and the number of acknowledged writes checked."""
    problems: list[str] = []
    checked = 0
    engine = engine_for(url)
    with engine.connect() as conn:
        qt, qh, qr = qualification_types, qualification_history, qualification_requests
        types = {r.name: r for r in conn.execute(select(qt).where(qt.c.name.like("crash-%")))}
        history = defaultdict(list)
        for r in conn.execute(select(qh).order_by(qh.c.seq)):
            history[r.qualification_type_id, r.worker_id].append((r.new_status, r.new_value, r.reason))
        requests = {r.qualification_request_id: r for r in conn.execute(select(qr))}
    engine.dispose()
    by_id = {r.qualification_type_id: r for r in types.values()}
    for w in writers:
        for name, description, kind in w.creates:
            row = types.get(name)
            if kind == ACK:
                checked += 1
                if row is None:
                    problems.append(f"acknowledged CreateQualificationType {name} is missing")
            elif kind in (ERROR, NOT_SENT) and row is not None:
                problems.append(f"CreateQualificationType {name} was refused ({kind}) but exists")
            elif row is not None and row.qualification_type_id not in w.types and row.description != description:
                problems.append(f"unanswered CreateQualificationType {name} is half there: {row.description!r}")
        for type_id, writes in w.types.items():
            row = by_id[type_id]
            checked += sum(x.kind == ACK for x in writes[1:])
            if (problem := final_of(writes, row.description)):
                problems.append(f"type {type_id} description: {problem}")
            deleted = w.deletes.get(type_id)
            checked += deleted == ACK
            expected = {ACK: {"Disposing"}, UNKNOWN: {"Active", "Disposing"}}.get(deleted, {"Active"})
            if row.status not in expected:
                problems.append(f"type {type_id} is {row.status}, expected one of {expected} (delete: {deleted})")
        for key, writes in w.scores.items():
            checked += sum(x.kind == ACK for x in writes)
            if (problem := history_matches(writes, history.get(key, []))):
                problems.append(f"{key}: {problem}")
        seen = set()
        for request_id, (type_id, worker_id, resolutions) in w.requests.items():
            seen.add(request_id)
            checked += 1 + sum(x.kind == ACK and x.op == "reject" for x in resolutions)  # accepts: in scores
            row = requests.get(request_id)
            if row is None:
                problems.append(f"acknowledged request {request_id} is missing")
                continue
            actual = {"Pending": None, "Granted": ("accept", row.integer_value),
                      "Rejected": ("reject", row.reason)}.get(row.status, row.status)
            marks = [Write("", (x.op, x.mark), x.kind) for x in resolutions]
            if applied_may(w.deletes.get(type_id, "")):     # deleting a type rejects its open requests
                marks.append(Write("", ("reject", DELETED), UNKNOWN))
            if (problem := final_of(marks, actual)):
                problems.append(f"request {request_id}: {problem}")
        # Requests nobody acknowledged: only where a request went unanswered, never resolved.
        extra = defaultdict(int)
        for request_id, row in requests.items():
            if request_id not in seen and row.qualification_type_id in w.types:
                extra[row.qualification_type_id, row.worker_id] += 1
                rejected_by_delete = row.reason == DELETED and applied_may(w.deletes.get(row.qualification_type_id, ""))
                if row.status != "Pending" and not rejected_by_delete:
                    problems.append(f"unacknowledged request {request_id} is {row.status}")
        for key, n in extra.items():
            if n > w.unknown_requests.get(key, 0):
                problems.append(f"{n} requests of {key} that no client made or left unanswered")
    return problems, checked


def integrity(url: str) -> str:
    engine = engine_for(url)
    with engine.connect() as conn:
        result = conn.execute(text("PRAGMA integrity_check")).scalar()
    engine.dispose()
    return result


def test_acknowledged_writes_survive_sigkill(store, tmp_path):
    seconds = env_seconds("OPENTURK_CRASH_SECONDS", 20)
    rng = random.Random()
    stats = Stats()
    server = ServeProcess(store, tmp_path)
    server.start(workers=1)
    accounts = add_requesters(store.url, WRITERS, "crash")
    tokens = add_workers(store.url, WRITERS * WORKERS_EACH)
    writers = [Writer(n, Requester(server.endpoint, accounts[n], stats),
                      [Worker(server.endpoint, wid, token, stats)
                       for wid, token in tokens[n * WORKERS_EACH:(n + 1) * WORKERS_EACH]],
                      random.Random(rng.random()))
               for n in range(WRITERS)]
    stop = threading.Event()
    threads = [threading.Thread(target=w.run, args=(stop,)) for w in writers]
    for t in threads:
        t.start()
    kills = []
    started = time.monotonic()
    try:
        # At least one kill of each kind, however slow the machine is.
        while time.monotonic() - started < seconds or len(kills) < len(KILLS):
            time.sleep(rng.uniform(0.3, 2.0))
            workers, target = KILLS[len(kills) % len(KILLS)]
            server.kill(target, rng)
            kills.append(f"{target}/{workers}")
            server.wait_gone()
            server.start(workers=KILLS[(len(kills)) % len(KILLS)][0])
        time.sleep(0.5)    # a last stretch of acknowledged writes after the last restart
    finally:
        stop.set()
        for t in threads:
            t.join(120)
        server.stop()
    for w in writers:
        for worker in w.workers:
            worker.close()

    problems, checked = verify(writers, store.url)
    database = open_database(store.url)
    try:
        problems += invariants.check(database)
    finally:
        database.dispose()
    if store.backend == "sqlite":
        assert integrity(store.url) == "ok"
    unknown = stats.total(UNKNOWN)
    print(f"\ncrash {store.backend}: {seconds:.0f}s, {len(kills)} kills ({', '.join(kills)}), "
          f"{stats.total()} calls, {stats.total(ACK)} acknowledged, {checked} acknowledged writes checked, "
          f"{unknown} unanswered, {stats.total(NOT_SENT)} not sent\n{stats.summary()}")
    assert problems == [], "\n".join(problems)
    assert checked == stats.total(ACK) > 100     # every acknowledged write was looked for
    assert stats.faults == []
    assert stats.bodiless == [], "answered 2xx without a body"
    assert "Traceback" not in server.log.read_text()


def test_the_journal_checks_catch_lost_reordered_and_refused_writes():
    writes = [Write("grant", 1, ACK), Write("revoke", "r", UNKNOWN), Write("grant", 2, ACK),
              Write("grant", 3, ERROR), Write("grant", 4, NOT_SENT), Write("grant", 5, UNKNOWN)]
    granted = lambda *values: [("Granted", v, None) for v in values]  # noqa: E731
    assert history_matches(writes, granted(1, 2)) is None
    assert history_matches(writes, [*granted(1), ("Revoked", 1, "r"), *granted(2, 5)]) is None
    assert "missing" in history_matches(writes, granted(1))                  # an acknowledged write lost
    assert "not the next" in history_matches(writes, [*granted(1, 2), ("Revoked", 2, "r")])  # out of order
    assert "not the next" in history_matches(writes, granted(1, 2, 3))       # a refused write applied
    assert "not the next" in history_matches(writes, granted(1, 2, 4))       # an unsent write applied
    assert "not the next" in history_matches(writes, granted(1, 2, 9))       # a write nobody made
    assert final_of(writes, 2) is None and final_of(writes, 5) is None
    assert final_of(writes, 1) and final_of(writes, 3) and final_of(writes, 4)
