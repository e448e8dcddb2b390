"""Races on assignments against `openturk serve --workers 3` (several processes over one database): 32
workers accepting one HIT with MaxAssignments 5 at the same moment, and one SendBonus sent 8 times at once
with the same UniqueRequestToken. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from decimal import Decimal

import pytest

from openturk import ids
from openturk.config import normalise_database_url
from openturk.store import invariants
from openturk.store import worker_queries as wq
from openturk.store.db import Database

pytestmark = pytest.mark.slow

EXTERNAL = ('<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2006-07-14/'
            'ExternalQuestion.xsd"><ExternalURL>https://example.org/task</ExternalURL><FrameHeight>400</FrameHeight>'
            '</ExternalQuestion>')
ACCEPTERS, SLOTS, BONUS_SENDERS = 32, 5, 8


def make_workers(url: str, n: int) -> list[tuple[str, str]]:
    """n workers with sign-in tokens, written straight into the server's database."""
    database = Database(normalise_database_url(url))
    workers = [(ids.worker_id(), ids.worker_token()) for _ in range(n)]
    try:
        with database.transaction(write=True) as tx:
            for worker_id, token in workers:
                wq.ensure_worker(tx, worker_id, 0)
                wq.set_worker_token(tx, worker_id, ids.token_hash(token))
    finally:
        database.dispose()
    return workers


def worker_post(endpoint: str, token: str, path: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(f"{endpoint}/api/worker/v1{path}", data=json.dumps(body).encode(),
                                     method="POST", headers={"Authorization": f"Bearer {token}",
                                                             "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def all_at_once(n: int, action) -> list:
    """Run action(i) in n threads released together; their results in order."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = action(i)
        except Exception as exc:  # noqa: BLE001 - the test reads it
            results[i] = exc
    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def check_database(url: str) -> list[str]:
    database = Database(normalise_database_url(url))
    try:
        return invariants.check(database)
    finally:
        database.dispose()


def test_32_concurrent_accepts_of_5_assignments(store, serve):
    server = serve("--workers", "3", *store.db_flags, data_dir=store.data_dir)
    client = server.client()
    hit = client.create_hit(Title="race", Description="d", Reward="0.10", AssignmentDurationInSeconds=600,
                            LifetimeInSeconds=3600, MaxAssignments=SLOTS, Question=EXTERNAL)["HIT"]
    workers = make_workers(store.url, ACCEPTERS)
    results = all_at_once(ACCEPTERS, lambda i: worker_post(server.endpoint, workers[i][1],
                                                           f"/hits/{hit['HITId']}/assignments", {}))
    statuses = sorted(status for status, _ in results)
    assert statuses.count(201) == SLOTS, results
    refused = [body["error"]["code"] for status, body in results if status != 201]
    assert set(refused) == {"AWS.MechanicalTurk.NoHITsAvailableInGroupException"}, results
    got = client.get_hit(HITId=hit["HITId"])["HIT"]
    assert (got["NumberOfAssignmentsPending"], got["NumberOfAssignmentsAvailable"], got["HITStatus"]) == \
        (SLOTS, 0, "Unassignable")
    assert check_database(store.url) == []


def test_the_same_bonus_token_sent_8_times_at_once_pays_once(store, serve):
    server = serve("--workers", "3", *store.db_flags, data_dir=store.data_dir)
    client = server.client()
    hit = client.create_hit(Title="bonus race", Description="d", Reward="0.10", AssignmentDurationInSeconds=600,
                            LifetimeInSeconds=3600, Question=EXTERNAL)["HIT"]
    [(worker_id, token)] = make_workers(store.url, 1)
    status, accepted = worker_post(server.endpoint, token, f"/hits/{hit['HITId']}/assignments", {})
    assert status == 201
    assignment_id = accepted["Assignment"]["AssignmentId"]
    status, _ = worker_post(server.endpoint, token, f"/assignments/{assignment_id}/answers",
                            {"Answers": {"answer": "done"}})
    assert status == 200
    client.approve_assignment(AssignmentId=assignment_id)
    before = Decimal(client.get_account_balance()["AvailableBalance"])

    def send(_i: int):
        own = server.client()          # one client (and connection pool) per thread
        try:
            own.send_bonus(WorkerId=worker_id, BonusAmount="2.50", AssignmentId=assignment_id, Reason="race",
                           UniqueRequestToken="the-one-token")
            return "paid"
        except own.exceptions.RequestError as exc:
            return exc.response["TurkErrorCode"]
    results = all_at_once(BONUS_SENDERS, send)
    assert sorted(results) == ["AWS.MechanicalTurk.DuplicateRequest"] * (BONUS_SENDERS - 1) + ["paid"], results
    assert Decimal(client.get_account_balance()["AvailableBalance"]) == before - Decimal("3.00")   # 2.50 + 20%
    assert len(client.list_bonus_payments(AssignmentId=assignment_id)["BonusPayments"]) == 1
    assert check_database(store.url) == []
