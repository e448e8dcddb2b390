"""Concurrency soak: `openturk serve --workers 3` over one database, a mixed load of requesters and workers
for a bounded time on loopback, then the invariants:

- names unique per requester: two clients race CreateQualificationType with one name, exactly one wins;
- no request resolved twice: two clients race Accept (or Accept with another value) against Reject on one
  request, at most one succeeds and the request ends as the winner left it;
- one qualification per (type, worker) and a score history that replays to every final score, while
  clients race Associate/Disassociate on the same qualifications, workers take tests through the worker
  API and requests are accepted (`store.invariants.check`);
- List* walks page by page never return one item twice; worker blocks end as their last change left them;
- no 5xx but a ServiceFault under lock contention (counted and reported; none on PostgreSQL).

OPENTURK_SOAK_SECONDS sets the duration (default 25 s per backend).
"""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from openturk import errors
from openturk.store import invariants
from openturk.store.tables import qualification_requests, qualification_types, worker_blocks

from ..api.helpers import answer_key, question_form
from ..cli.conftest import engine_for
from .load import (ACK, UNKNOWN, Requester, ServeProcess, Stats, Worker, add_requesters, add_workers, env_seconds,
                   open_database)

pytestmark = pytest.mark.slow

PROCESSES, REQUESTERS, WORKERS = 3, 3, 8
# The only 5xx allowed: a ServiceFault (HTTP 500), which SDKs retry; only on SQLite (a write lock held too long).
RETRYABLE = (500, errors.Code.INTERNAL_ERROR)


class Soak:
    def __init__(self, endpoint: str, accounts: list[dict], tokens: list[tuple[str, str]], seconds: float):
        self.endpoint, self.accounts, self.tokens = endpoint, accounts, tokens
        self.stats = Stats()
        self.deadline = time.monotonic() + seconds
        self.problems: list[str] = []
        self.name_races: dict[tuple[str, str], list] = {}   # (requester, name) → outcomes
        self.resolve_races: dict[str, list] = {}            # request id → [(op, mark, outcome)]
        self.blocks: dict[tuple[str, str], bool] = {}       # (requester, worker) → blocked after the last ACK
        self.types: dict[int, list[str]] = {}               # requester index → plain requestable types
        self.test_types: dict[int, str] = {}
        self.walks = 0

    def requester(self, n: int) -> Requester:
        return Requester(self.endpoint, self.accounts[n], self.stats)

    def worker(self, i: int) -> Worker:
        worker_id, token = self.tokens[i]
        return Worker(self.endpoint, worker_id, token, self.stats)

    def running(self) -> bool:
        return time.monotonic() < self.deadline

    def setup(self) -> None:
        for n in range(REQUESTERS):
            client = self.requester(n)
            self.types[n] = [self.create(client, f"soak-plain-{n}-{i}") for i in range(2)]
            self.test_types[n] = self.create(client, f"soak-test-{n}", Test=question_form(),
                                             AnswerKey=answer_key(), TestDurationInSeconds=300)

    def create(self, client: Requester, name: str, **extra) -> str:
        outcome = client("create_qualification_type", Name=name, Description="soak",
                         QualificationTypeStatus="Active", RetryDelayInSeconds=0, **extra)
        assert outcome.ok, outcome
        return outcome.body["QualificationType"]["QualificationTypeId"]

    # -- the clients ------------------------------------------------------------------------------------

    def scorer(self, n: int, seed: int) -> None:
        """Associate/Disassociate on requester n's qualifications; two scorers per requester race."""
        rng, client = random.Random(seed), self.requester(n)
        keys = [(t, w) for t in [*self.types[n], self.test_types[n]] for w, _ in self.tokens[:4]]
        while self.running():
            type_id, worker_id = rng.choice(keys)
            if rng.random() < 0.75:
                client("associate_qualification_with_worker", QualificationTypeId=type_id, WorkerId=worker_id,
                       IntegerValue=rng.randrange(100), SendNotification=False)
            else:
                client("disassociate_qualification_from_worker", QualificationTypeId=type_id, WorkerId=worker_id,
                       Reason="soak")

    def name_racer(self, n: int) -> None:
        """Two clients create a type of one name at the same moment; one of them updates or deletes the winner."""
        a, b = self.requester(n), self.requester(n)
        rounds = 0
        with ThreadPoolExecutor(2) as pool:
            while self.running():
                name = f"soak-race-{n}-{rounds}"
                rounds += 1
                calls = [pool.submit(c, "create_qualification_type", Name=name, Description="race",
                                     QualificationTypeStatus="Active") for c in (a, b)]
                outcomes = [f.result() for f in calls]
                self.name_races[self.accounts[n]["RequesterId"], name] = outcomes
                won = [o for o in outcomes if o.ok]
                if won and rounds % 3 == 0:
                    type_id = won[0].body["QualificationType"]["QualificationTypeId"]
                    update = pool.submit(a, "update_qualification_type", QualificationTypeId=type_id,
                                         Description="updated")
                    delete = pool.submit(b, "delete_qualification_type", QualificationTypeId=type_id)
                    update.result(), delete.result()

    def resolve_racer(self, n: int, seed: int) -> None:
        """A worker requests one of requester n's types; two clients race to resolve the request."""
        rng = random.Random(seed)
        a, b = self.requester(n), self.requester(n)
        workers = [self.worker(i) for i in range(4, WORKERS)]
        with ThreadPoolExecutor(2) as pool:
            while self.running():
                worker = rng.choice(workers)
                outcome = worker.request(rng.choice(self.types[n]))
                if not outcome.ok:
                    continue      # blocked, or an open request from an earlier round
                request_id = outcome.body["QualificationRequestId"]
                first = ("accept", rng.randrange(100))
                second = rng.choice([("reject", f"no-{request_id}"), ("accept", 100 + rng.randrange(100))])
                calls = [pool.submit(self.resolve, client, request_id, *op)
                         for client, op in ((a, first), (b, second))]
                self.resolve_races[request_id] = [(*op, f.result()) for op, f in zip((first, second), calls)]
        for worker in workers:
            worker.close()

    @staticmethod
    def resolve(client: Requester, request_id: str, op: str, mark):
        if op == "accept":
            return client("accept_qualification_request", QualificationRequestId=request_id, IntegerValue=mark)
        return client("reject_qualification_request", QualificationRequestId=request_id, Reason=mark)

    def test_taker(self, seed: int) -> None:
        """Workers take the requesters' tests through the worker API (scored and granted at once)."""
        rng = random.Random(seed)
        workers = [self.worker(i) for i in range(WORKERS)]
        while self.running():
            worker = rng.choice(workers)
            outcome = worker.request(self.test_types[rng.randrange(REQUESTERS)])
            if outcome.status == 409 and outcome.code == "AWS.MechanicalTurk.QualificationRequestAlreadyOpen":
                continue
            if not outcome.ok:
                continue
            submitted = worker.submit(outcome.body["QualificationRequestId"], {"q1": [rng.choice("ab")]})
            if submitted.ok and submitted.body["Status"] != "Granted":
                self.problems.append(f"a scored test ended {submitted.body['Status']}")
        for worker in workers:
            worker.close()

    def lister(self, seed: int) -> None:
        """Whole List* walks, a page at a time, while everything else changes: never an item twice."""
        rng = random.Random(seed)
        clients = [self.requester(n) for n in range(REQUESTERS)]
        while self.running():
            n = rng.randrange(REQUESTERS)
            client = clients[n]
            walks = [("list_qualification_types", "QualificationTypes", "QualificationTypeId",
                      {"MustBeRequestable": False, "MustBeOwnedByCaller": True}),
                     ("list_workers_with_qualification_type", "Qualifications", "WorkerId",
                      {"QualificationTypeId": rng.choice([*self.types[n], self.test_types[n]])}),
                     ("list_qualification_requests", "QualificationRequests", "QualificationRequestId", {}),
                     ("list_worker_blocks", "WorkerBlocks", "WorkerId", {})]
            operation, member, key, params = rng.choice(walks)
            seen, token = [], None
            # A last page's token also finds what was added since (MTurk's paging), so under the other
            # threads' inserts a walk may not end by itself: it is cut after 50 pages.
            for _ in range(50):
                outcome = client(operation, MaxResults=rng.choice([2, 5, 10]), **params,
                                 **({"NextToken": token} if token else {}))
                if not outcome.ok:
                    break
                seen += [item[key] for item in outcome.body[member]]
                token = outcome.body.get("NextToken")
                if not token:
                    self.walks += 1
                    break
            if len(seen) != len(set(seen)):
                self.problems.append(f"{operation} returned an item twice in one walk: {seen}")

    def blocker(self, seed: int) -> None:
        """Blocks and unblocks workers (whose requests then fail); the last change of each pair sticks."""
        rng = random.Random(seed)
        clients = [self.requester(n) for n in range(REQUESTERS)]
        while self.running():
            n = rng.randrange(REQUESTERS)
            worker_id = self.tokens[rng.randrange(4, WORKERS)][0]
            key = (self.accounts[n]["RequesterId"], worker_id)
            if rng.random() < 0.5:
                outcome = clients[n]("create_worker_block", WorkerId=worker_id, Reason="soak")
                blocked = True
            else:
                outcome = clients[n]("delete_worker_block", WorkerId=worker_id, Reason="soak")
                blocked = False
            if outcome.ok:
                self.blocks[key] = blocked
            elif outcome.kind == UNKNOWN:
                self.blocks.pop(key, None)    # not known any more
            time.sleep(0.05)

    def run(self) -> float:
        started = time.monotonic()
        jobs = [(self.scorer, (n, 2 * n + k)) for n in range(REQUESTERS) for k in range(2)]
        jobs += [(self.name_racer, (0,)), (self.name_racer, (1,)), (self.resolve_racer, (0, 10)),
                 (self.resolve_racer, (2, 11)), (self.test_taker, (12,)), (self.lister, (13,)),
                 (self.blocker, (14,))]
        errors: list[BaseException] = []

        def guarded(fn, args):
            try:
                fn(*args)
            except BaseException as exc:  # noqa: BLE001 - a client's crash fails the test
                errors.append(exc)
                raise

        threads = [threading.Thread(target=guarded, args=job) for job in jobs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        return time.monotonic() - started

    # -- the checks -------------------------------------------------------------------------------------

    def verify(self, url: str) -> None:
        engine = engine_for(url)
        qt, qr, wb = qualification_types, qualification_requests, worker_blocks
        with engine.connect() as conn:
            names = {(r.owner_id, r.name): r.n for r in conn.execute(
                select(qt.c.owner_id, qt.c.name, func.count().label("n")).where(qt.c.name.like("soak-race-%"))
                .group_by(qt.c.owner_id, qt.c.name))}
            requests = {r.qualification_request_id: r for r in conn.execute(select(qr))}
            blocks = {(r.requester_id, r.worker_id) for r in conn.execute(select(wb))}
        engine.dispose()
        for key, outcomes in self.name_races.items():
            won = sum(o.ok for o in outcomes)
            answered = all(o.kind != UNKNOWN for o in outcomes)
            codes = {o.code for o in outcomes if not o.ok}
            if answered and (won != 1 or codes - {"AWS.MechanicalTurk.QualificationTypeAlreadyExists"}):
                self.problems.append(f"CreateQualificationType race {key}: {outcomes}")
            if names.get(key, 0) != 1 and won:
                self.problems.append(f"{key}: {names.get(key, 0)} types of that name")
        for request_id, race in self.resolve_races.items():
            winners = [(op, mark) for op, mark, outcome in race if outcome.ok]
            row = requests[request_id]
            final = ("accept", row.integer_value) if row.status == "Granted" else ("reject", row.reason)
            if len(winners) > 1:
                self.problems.append(f"request {request_id} resolved twice: {race}")
            elif winners and winners[0] != final:
                self.problems.append(f"request {request_id} is {row.status} but {winners[0]} won: {race}")
            elif not winners and all(o.kind != UNKNOWN for _, _, o in race):
                self.problems.append(f"nobody resolved request {request_id}: {race}")
        for key, blocked in self.blocks.items():
            if (key in blocks) != blocked:
                self.problems.append(f"block {key} should be {'there' if blocked else 'gone'}")


@pytest.mark.parametrize("processes", [PROCESSES])
def test_mixed_load_on_several_processes_keeps_the_invariants(store, tmp_path, processes):
    seconds = env_seconds("OPENTURK_SOAK_SECONDS", 25)
    server = ServeProcess(store, tmp_path, workers=processes)
    server.start()
    try:
        soak = Soak(server.endpoint, add_requesters(store.url, REQUESTERS, "soak"),
                    add_workers(store.url, WORKERS), seconds)
        soak.setup()
        elapsed = soak.run()
    finally:
        server.stop()
    soak.verify(store.url)
    database = open_database(store.url)
    try:
        soak.problems += invariants.check(database)
    finally:
        database.dispose()
    stats = soak.stats
    faults = stats.faults
    print(f"\nsoak {store.backend}, --workers {processes}: {elapsed:.0f}s, {stats.total()} requests "
          f"({stats.total() / elapsed:.0f}/s), {stats.total(ACK)} succeeded, {len(soak.name_races)} name races, "
          f"{len(soak.resolve_races)} resolve races, {soak.walks} list walks, {len(faults)} 5xx\n"
          f"{stats.summary()}")
    assert soak.problems == [], "\n".join(soak.problems)
    assert "Traceback" not in server.log.read_text()
    assert stats.bodiless == [], "answered 2xx without a body"
    assert stats.total(UNKNOWN) == len(faults), "a connection broke without a crash"
    assert all((status, code) == RETRYABLE for _, status, code, _ in faults), faults
    if store.backend == "postgresql":
        assert faults == []
    assert len(soak.name_races) > 5 and len(soak.resolve_races) > 5 and soak.walks > 5
