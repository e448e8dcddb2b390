"""Concurrent Associate/Disassociate on one (type, worker) from several client processes, each with
several threads, against `openturk serve --workers 3`: one consistent record, and a history that
tells the same story. On SQLite and PostgreSQL."""

from __future__ import annotations

import multiprocessing
import threading

import pytest

from openturk.config import normalise_database_url
from openturk.store import worker_queries as wq
from openturk.store.db import Database

from .conftest import mturk

pytestmark = pytest.mark.slow

PROCESSES, THREADS, ROUNDS = 3, 4, 8
WORKER = "ARACE00000001"
ACCEPTABLE = {"AWS.MechanicalTurk.InvalidQualificationState", "AWS.MechanicalTurk.QualificationDoesNotExist"}


def hammer(endpoint: str, creds: dict, type_id: str, process: int) -> list[str]:
    """One client process: THREADS threads, each alternating grants and revocations."""
    failures: list[str] = []
    barrier = threading.Barrier(THREADS)

    def work(thread: int) -> None:
        client = mturk(endpoint, creds)
        barrier.wait()
        for round_ in range(ROUNDS):
            try:
                if (process + thread + round_) % 3 == 0:
                    client.disassociate_qualification_from_worker(QualificationTypeId=type_id, WorkerId=WORKER,
                                                                  Reason="race")
                else:
                    client.associate_qualification_with_worker(QualificationTypeId=type_id, WorkerId=WORKER,
                                                               IntegerValue=process * 100 + thread * 10 + round_)
            except client.exceptions.RequestError as exc:
                if exc.response["TurkErrorCode"] not in ACCEPTABLE:
                    failures.append(repr(exc))
            except Exception as exc:  # noqa: BLE001 - reported to the parent
                failures.append(repr(exc))

    threads = [threading.Thread(target=work, args=(t,)) for t in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return failures


def test_many_processes_and_threads_leave_one_consistent_record(store, serve):
    server = serve("--workers", "3", *store.db_flags, data_dir=store.data_dir)
    client = server.client()
    type_id = client.create_qualification_type(Name="race", Description="d",
                                               QualificationTypeStatus="Active")["QualificationType"]["QualificationTypeId"]
    context = multiprocessing.get_context("spawn")
    with context.Pool(PROCESSES) as pool:
        results = pool.starmap(hammer, [(server.endpoint, server.credentials, type_id, p) for p in range(PROCESSES)])
    assert [f for failures in results for f in failures] == []

    database = Database(normalise_database_url(store.url))
    try:
        with database.transaction(write=False) as tx:
            record = wq.qualification(tx, type_id, WORKER)
            events = wq.qualification_history(tx, type_id, WORKER)
    finally:
        database.dispose()
    state = (None, None)
    for event in events:
        assert (event["old_status"], event["old_value"]) == state, events
        state = (event["new_status"], event["new_value"])
    assert state == (record["status"], record["integer_value"])
    assert record["version"] == len(events) > 1
    # What boto3 reads agrees with the record.
    if record["status"] == "Granted":
        got = client.get_qualification_score(QualificationTypeId=type_id, WorkerId=WORKER)["Qualification"]
        assert got["IntegerValue"] == record["integer_value"]
