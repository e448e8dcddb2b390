"""AssociateQualificationWithWorker, DisassociateQualificationFromWorker, GetQualificationScore and
ListWorkersWithQualificationType through real boto3, with the score history and the worker's inbox."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest

from openturk.store import worker_queries as wq

from .helpers import turk_error

MASTERS = "2F1QJWKUDD8XADTFD2Q0G6UTO95ALH"


def worker() -> str:
    return "A" + uuid.uuid4().hex[:13].upper()


@pytest.fixture
def qual(client, unique) -> str:
    return client.create_qualification_type(Name=unique, Description="d",
                                            QualificationTypeStatus="Active")["QualificationType"]["QualificationTypeId"]


def score(client, type_id, worker_id) -> dict:
    return client.get_qualification_score(QualificationTypeId=type_id, WorkerId=worker_id)["Qualification"]


def history(server, type_id, worker_id) -> list[dict]:
    with server.service.db.transaction(write=False) as tx:
        return wq.qualification_history(tx, type_id, worker_id)


def inbox(server, worker_id) -> list[dict]:
    with server.service.db.transaction(write=False) as tx:
        return wq.worker_messages(tx, worker_id)


def test_associate_defaults_to_value_1_and_returns_empty(server, client, qual):
    w = worker()
    response = client.associate_qualification_with_worker(QualificationTypeId=qual, WorkerId=w)
    assert set(response) == {"ResponseMetadata"}
    got = score(client, qual, w)
    assert got["QualificationTypeId"] == qual and got["WorkerId"] == w
    assert got["IntegerValue"] == 1 and got["Status"] == "Granted"
    assert abs(got["GrantTime"] - server.clock.now()) < timedelta(minutes=1)   # the server's (movable) clock
    # SendNotification defaults to true: the worker's inbox has the message.
    [message] = inbox(server, w)
    assert message["subject"].startswith("You have been granted a Qualification") and message["qualification_type_id"] == qual


def test_associate_again_changes_the_value_and_keeps_grant_time(server, client, qual):
    w = worker()
    client.associate_qualification_with_worker(QualificationTypeId=qual, WorkerId=w, IntegerValue=2,
                                               SendNotification=False)
    first = score(client, qual, w)
    server.clock.advance(5)
    client.associate_qualification_with_worker(QualificationTypeId=qual, WorkerId=w, IntegerValue=3,
                                               SendNotification=False)
    second = score(client, qual, w)
    assert second["IntegerValue"] == 3 and second["GrantTime"] == first["GrantTime"]
    assert inbox(server, w) == []
    assert [(h["event"], h["old_value"], h["new_value"]) for h in history(server, qual, w)] == [
        ("Granted", None, 2), ("ScoreChanged", 2, 3)]


def test_revoke_read_and_regrant(server, client, qual):
    w = worker()
    client.associate_qualification_with_worker(QualificationTypeId=qual, WorkerId=w, IntegerValue=40,
                                               SendNotification=False)
    assert client.disassociate_qualification_from_worker(QualificationTypeId=qual, WorkerId=w,
                                                         Reason="spam")["ResponseMetadata"]["HTTPStatusCode"] == 200
    with turk_error(client, "AWS.MechanicalTurk.InvalidQualificationState",
                    "This operation can be called with a status of: Granted"):
        score(client, qual, w)
    revoked = client.list_workers_with_qualification_type(QualificationTypeId=qual, Status="Revoked")
    assert [q["WorkerId"] for q in revoked["Qualifications"]] == [w]
    assert revoked["Qualifications"][0]["Status"] == "Revoked"
    granted = client.list_workers_with_qualification_type(QualificationTypeId=qual)
    assert w not in [q["WorkerId"] for q in granted["Qualifications"]]
    # Revoking again: the qualification is not Granted.
    with turk_error(client, "AWS.MechanicalTurk.InvalidQualificationState"):
        client.disassociate_qualification_from_worker(QualificationTypeId=qual, WorkerId=w)
    server.clock.advance(10)
    client.associate_qualification_with_worker(QualificationTypeId=qual, WorkerId=w, IntegerValue=1,
                                               SendNotification=False)
    again = score(client, qual, w)
    assert again["IntegerValue"] == 1 and again["Status"] == "Granted"
    events = history(server, qual, w)
    assert [h["event"] for h in events] == ["Granted", "Revoked", "Regranted"]
    assert events[1]["reason"] == "spam" and events[1]["source"] == "DisassociateQualificationFromWorker"
    assert all(h["requester_id"] for h in events)
    # GrantTime is the time of the re-grant.
    assert again["GrantTime"].timestamp() * 1000 == pytest.approx(events[2]["at_ms"], abs=1)
    # The Reason reached the worker; only the revocation (no notification on the grants) is in the inbox.
    [message] = inbox(server, w)
    assert "revoked" in message["subject"] and "spam" in message["text"]


def test_revoke_without_reason_does_not_tell_the_worker(server, client, qual):
    w = worker()
    client.associate_qualification_with_worker(QualificationTypeId=qual, WorkerId=w, SendNotification=False)
    client.disassociate_qualification_from_worker(QualificationTypeId=qual, WorkerId=w)
    assert inbox(server, w) == []


def test_score_of_a_qualification_never_granted(client, qual):
    with turk_error(client, "AWS.MechanicalTurk.QualificationDoesNotExist",
                    "You requested a Qualification that does not exist.") as info:
        score(client, qual, worker())
    assert info.value.response["Message"].startswith("You requested a Qualification that does not exist. (")
    with turk_error(client, "AWS.MechanicalTurk.QualificationDoesNotExist"):
        client.disassociate_qualification_from_worker(QualificationTypeId=qual, WorkerId=worker())


def test_score_for_a_nonexistent_type_says_does_not_exist(client):
    with turk_error(client, "AWS.MechanicalTurk.QualificationTypeDoesNotExist", "does not exist"):
        score(client, "NONEXISTENT", worker())


@pytest.mark.parametrize("bad", ["nonsense", "B123", "a123", "A", "A-1"])
def test_malformed_worker_ids_never_say_does_not_exist(client, qual, bad):
    for call in (lambda: client.associate_qualification_with_worker(QualificationTypeId=qual, WorkerId=bad),
                 lambda: client.disassociate_qualification_from_worker(QualificationTypeId=qual, WorkerId=bad),
                 lambda: client.get_qualification_score(QualificationTypeId=qual, WorkerId=bad),
                 lambda: client.create_worker_block(WorkerId=bad, Reason="r"),
                 lambda: client.delete_worker_block(WorkerId=bad)):
        with turk_error(client, "AWS.MechanicalTurk.InvalidParameterValue", "WorkerId") as info:
            call()
        assert "does not exist" not in info.value.response["Message"]
        assert "WorkerId is invalid" in info.value.response["Message"]


def test_only_the_owner_assigns_revokes_and_reads(client, other_client, qual):
    w = worker()
    client.associate_qualification_with_worker(QualificationTypeId=qual, WorkerId=w, IntegerValue=7)
    for call in (lambda: other_client.associate_qualification_with_worker(QualificationTypeId=qual, WorkerId=w),
                 lambda: other_client.disassociate_qualification_from_worker(QualificationTypeId=qual, WorkerId=w),
                 lambda: other_client.get_qualification_score(QualificationTypeId=qual, WorkerId=w),
                 lambda: other_client.list_workers_with_qualification_type(QualificationTypeId=qual)):
        with turk_error(other_client, "AWS.MechanicalTurk.PermissionDenied"):
            call()
    assert score(client, qual, w)["IntegerValue"] == 7


def test_system_and_disposing_types_cannot_be_assigned(client, qual):
    with turk_error(client, "AWS.MechanicalTurk.PermissionDenied"):
        client.associate_qualification_with_worker(QualificationTypeId=MASTERS, WorkerId=worker())
    w = worker()
    client.associate_qualification_with_worker(QualificationTypeId=qual, WorkerId=w, IntegerValue=5)
    client.delete_qualification_type(QualificationTypeId=qual)
    with turk_error(client, "AWS.MechanicalTurk.InvalidQualificationTypeState"):
        client.associate_qualification_with_worker(QualificationTypeId=qual, WorkerId=worker())
    # Granted qualifications are kept while the type is disposed of.
    assert score(client, qual, w)["IntegerValue"] == 5


def test_inactive_types_can_be_assigned(client, unique):
    type_id = client.create_qualification_type(Name=unique, Description="d", QualificationTypeStatus="Inactive")[
        "QualificationType"]["QualificationTypeId"]
    w = worker()
    client.associate_qualification_with_worker(QualificationTypeId=type_id, WorkerId=w, IntegerValue=-3)
    assert score(client, type_id, w)["IntegerValue"] == -3


def test_list_holders_pages_in_grant_order(client, qual):
    workers = [worker() for _ in range(25)]
    for i, w in enumerate(workers):
        client.associate_qualification_with_worker(QualificationTypeId=qual, WorkerId=w, IntegerValue=i,
                                                   SendNotification=False)
    client.disassociate_qualification_from_worker(QualificationTypeId=qual, WorkerId=workers[3])
    pages = list(client.get_paginator("list_workers_with_qualification_type").paginate(
        QualificationTypeId=qual, Status="Granted", PaginationConfig={"PageSize": 10}))
    assert [p["NumResults"] for p in pages] == [10, 10, 4, 0]
    assert "NextToken" in pages[-2] and "NextToken" not in pages[-1]
    listed = [q for p in pages for q in p["Qualifications"]]
    assert [q["WorkerId"] for q in listed] == workers[:3] + workers[4:]
    assert [q["IntegerValue"] for q in listed] == [i for i in range(25) if i != 3]
    default = client.list_workers_with_qualification_type(QualificationTypeId=qual)   # Status defaults to Granted
    assert default["NumResults"] == 10 and default["Qualifications"][0]["WorkerId"] == workers[0]
    with turk_error(client, "AWS.MechanicalTurk.InvalidParameterValue", "NextToken"):
        client.list_workers_with_qualification_type(QualificationTypeId=qual, Status="Revoked",
                                                    NextToken=default["NextToken"])
    with turk_error(client, "AWS.ParameterOutOfRange", "MaxResults"):
        client.list_workers_with_qualification_type(QualificationTypeId=qual, MaxResults=101)


def test_concurrent_associate_and_disassociate_leave_one_consistent_record(server, requester, qual):
    w = worker()
    clients = [server.client(requester) for _ in range(10)]
    barrier = threading.Barrier(len(clients))
    failures = []

    def hammer(i, c):
        barrier.wait()
        for round_ in range(6):
            try:
                if (i + round_) % 3 == 0:
                    c.disassociate_qualification_from_worker(QualificationTypeId=qual, WorkerId=w)
                else:
                    c.associate_qualification_with_worker(QualificationTypeId=qual, WorkerId=w,
                                                          IntegerValue=i * 10 + round_, SendNotification=False)
            except c.exceptions.RequestError as exc:
                # Revoking what is not (yet, or no longer) granted is the only acceptable refusal.
                if exc.response["TurkErrorCode"] not in ("AWS.MechanicalTurk.InvalidQualificationState",
                                                         "AWS.MechanicalTurk.QualificationDoesNotExist"):
                    failures.append(exc)
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                failures.append(exc)

    threads = [threading.Thread(target=hammer, args=(i, c)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert_history_tells_the_story(server, qual, w)


def assert_history_tells_the_story(server, type_id, worker_id):
    """Replaying the history from nothing gives the stored record, and every step starts where the last ended."""
    events = history(server, type_id, worker_id)
    with server.service.db.transaction(write=False) as tx:
        record = wq.qualification(tx, type_id, worker_id)
    state = (None, None)
    for h in events:
        assert (h["old_status"], h["old_value"]) == state, events
        state = (h["new_status"], h["new_value"])
    assert state == (record["status"], record["integer_value"])
    assert record["version"] == len(events)
