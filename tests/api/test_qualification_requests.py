"""The qualification-request lifecycle end to end: boto3 as the requester, the worker API as the worker."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from datetime import timedelta

import pytest

from openturk.ops.runner import run
from openturk.ops.worker_actions import sweep
from openturk.testing import WorkerAPIError

from .helpers import answer_key, question_form, turk_error


@pytest.fixture
def worker(server):
    return server.create_worker()


def new_type(client, unique, **extra) -> str:
    return client.create_qualification_type(Name=unique + str(len(extra)), Description="d",
                                            QualificationTypeStatus="Active", **extra)["QualificationType"]["QualificationTypeId"]


def pending(client, type_id) -> list[dict]:
    return client.list_qualification_requests(QualificationTypeId=type_id, MaxResults=100)["QualificationRequests"]


def api_error(call) -> WorkerAPIError:
    with pytest.raises(WorkerAPIError) as info:
        call()
    return info.value


def test_auto_granted_types_grant_at_once(client, worker, unique):
    type_id = new_type(client, unique, AutoGranted=True, AutoGrantedValue=5)
    request = worker.request(type_id)
    assert request["Status"] == "Granted" and request["IntegerValue"] == 5 and request["Test"] is None
    assert client.get_qualification_score(QualificationTypeId=type_id, WorkerId=worker.worker_id)[
        "Qualification"]["IntegerValue"] == 5
    assert pending(client, type_id) == []
    assert [(q["QualificationTypeId"], q["IntegerValue"], q["Status"]) for q in worker.qualifications()] == [
        (type_id, 5, "Granted")]


def test_auto_graded_test_is_scored_and_granted(server, client, worker, unique):
    type_id = new_type(client, unique, Test=question_form(), AnswerKey=answer_key(), TestDurationInSeconds=600)
    request = worker.request(type_id)
    assert request["Status"] == "TestInProgress" and request["Test"] == question_form()
    assert request["TestDeadline"] is not None
    outcome = worker.submit(request["QualificationRequestId"], {"q1": ["a"]})
    assert outcome["Status"] == "Granted" and outcome["IntegerValue"] == 1
    assert outcome["Score"]["Value"] == 1 and outcome["Score"]["Total"] == 1
    [question] = outcome["Score"]["Breakdown"]
    assert question["QuestionIdentifier"] == "q1" and question["Selected"] == ["a"]
    assert question["MatchedOption"] == 0 and question["Points"] == 1
    assert client.get_qualification_score(QualificationTypeId=type_id, WorkerId=worker.worker_id)[
        "Qualification"]["IntegerValue"] == 1
    assert pending(client, type_id) == []


def test_manual_test_is_listed_then_accepted(server, client, worker, unique):
    type_id = new_type(client, unique, Test=question_form(), TestDurationInSeconds=600)
    request = worker.request(type_id)
    assert pending(client, type_id) == []          # not listed before the answers arrive
    outcome = worker.submit(request["QualificationRequestId"], {"q1": ["b"]})
    assert outcome["Status"] == "Pending"
    [listed] = pending(client, type_id)
    assert listed["QualificationRequestId"] == request["QualificationRequestId"]
    assert listed["WorkerId"] == worker.worker_id and listed["Test"] == question_form()
    assert "<SelectionIdentifier>b</SelectionIdentifier>" in listed["Answer"]
    assert abs(listed["SubmitTime"] - server.clock.now()) < timedelta(minutes=1)
    client.accept_qualification_request(QualificationRequestId=request["QualificationRequestId"], IntegerValue=7)
    score = client.get_qualification_score(QualificationTypeId=type_id, WorkerId=worker.worker_id)["Qualification"]
    assert score["IntegerValue"] == 7 and abs(score["GrantTime"] - server.clock.now()) < timedelta(minutes=1)
    assert pending(client, type_id) == []
    with turk_error(client, "AWS.MechanicalTurk.InvalidQualificationRequestState"):
        client.accept_qualification_request(QualificationRequestId=request["QualificationRequestId"])
    with turk_error(client, "AWS.MechanicalTurk.InvalidQualificationRequestState"):
        client.reject_qualification_request(QualificationRequestId=request["QualificationRequestId"])
    assert [r["Status"] for r in worker.requests()] == ["Granted"]


def test_plain_request_waits_for_the_owner_and_can_be_rejected(server, client, worker, unique):
    type_id = new_type(client, unique)
    request = worker.request(type_id)
    assert request["Status"] == "Pending"
    [listed] = pending(client, type_id)
    assert "Test" not in listed and "Answer" not in listed and "SubmitTime" in listed
    client.reject_qualification_request(QualificationRequestId=request["QualificationRequestId"],
                                        Reason="not enough experience")
    assert pending(client, type_id) == []
    with turk_error(client, "AWS.MechanicalTurk.QualificationDoesNotExist"):
        client.get_qualification_score(QualificationTypeId=type_id, WorkerId=worker.worker_id)
    [message] = worker.messages()
    assert "not enough experience" in message["Text"]
    assert worker.requests()[0]["Status"] == "Rejected"


def test_accept_defaults_to_one(client, worker, unique):
    type_id = new_type(client, unique)
    request = worker.request(type_id)
    client.accept_qualification_request(QualificationRequestId=request["QualificationRequestId"])
    assert client.get_qualification_score(QualificationTypeId=type_id, WorkerId=worker.worker_id)[
        "Qualification"]["IntegerValue"] == 1


def test_a_test_session_expires_with_the_moved_clock(server, client, worker, unique):
    type_id = new_type(client, unique, Test=question_form(), TestDurationInSeconds=60)
    request = worker.request(type_id)
    server.advance(61)
    error = api_error(lambda: worker.submit(request["QualificationRequestId"], {"q1": ["a"]}))
    assert error.status == 409 and error.code == "AWS.MechanicalTurk.InvalidQualificationRequestState"
    assert "Expired" in error.message
    assert worker.requests()[0]["Status"] == "Expired" and worker.requests()[0]["Test"] is None
    assert pending(client, type_id) == []
    # Without a retry delay the expired attempt was the only one.
    assert api_error(lambda: worker.request(type_id)).code == "AWS.MechanicalTurk.QualificationTypeDoesNotAllowRetake"


def test_retry_is_refused_without_a_delay(client, worker, unique):
    type_id = new_type(client, unique)
    request = worker.request(type_id)
    client.reject_qualification_request(QualificationRequestId=request["QualificationRequestId"])
    error = api_error(lambda: worker.request(type_id))
    assert error.status == 409 and error.code == "AWS.MechanicalTurk.QualificationTypeDoesNotAllowRetake"


def test_retry_before_and_after_the_delay(server, client, worker, unique):
    type_id = new_type(client, unique, RetryDelayInSeconds=100)
    first = worker.request(type_id)
    error = api_error(lambda: worker.request(type_id))
    assert error.code == "AWS.MechanicalTurk.QualificationRequestAlreadyOpen"
    client.reject_qualification_request(QualificationRequestId=first["QualificationRequestId"])
    error = api_error(lambda: worker.request(type_id))
    assert error.code == "AWS.MechanicalTurk.QualificationTypeRetryDelayNotElapsed" and "again after" in error.message
    server.advance(101)
    again = worker.request(type_id)
    assert again["Status"] == "Pending" and again["QualificationRequestId"] != first["QualificationRequestId"]


def test_type_deactivated_mid_request(server, client, worker, unique):
    type_id = new_type(client, unique, Test=question_form(), TestDurationInSeconds=600)
    request = worker.request(type_id)
    client.update_qualification_type(QualificationTypeId=type_id, QualificationTypeStatus="Inactive")
    # The session already open can be finished; new requests are refused.
    assert worker.submit(request["QualificationRequestId"], {"q1": ["a"]})["Status"] == "Pending"
    error = api_error(lambda: server.create_worker().request(type_id))
    assert error.status == 409 and error.code == "AWS.MechanicalTurk.InvalidQualificationTypeState"


def test_inactive_types_cannot_be_requested(client, server, unique):
    type_id = client.create_qualification_type(Name=unique, Description="d", QualificationTypeStatus="Inactive")[
        "QualificationType"]["QualificationTypeId"]
    error = api_error(lambda: server.create_worker().request(type_id))
    assert error.status == 409 and error.code == "AWS.MechanicalTurk.InvalidQualificationTypeState"


def test_type_deleted_mid_request_rejects_open_requests(client, server, unique):
    type_id = new_type(client, unique, Test=question_form(), TestDurationInSeconds=600)
    in_test, waiting = server.create_worker(), server.create_worker()
    session = in_test.request(type_id)
    submitted = waiting.request(type_id)
    waiting.submit(submitted["QualificationRequestId"], {"q1": ["a"]})
    assert len(pending(client, type_id)) == 1
    client.delete_qualification_type(QualificationTypeId=type_id)
    listed = client.list_qualification_requests(MaxResults=100)["QualificationRequests"]
    assert all(r["QualificationTypeId"] != type_id for r in listed)
    error = api_error(lambda: in_test.submit(session["QualificationRequestId"], {"q1": ["a"]}))
    assert error.code == "AWS.MechanicalTurk.InvalidQualificationRequestState" and "Rejected" in error.message
    assert waiting.requests()[0]["Status"] == "Rejected"
    assert api_error(lambda: server.create_worker().request(type_id)).status == 404


def test_blocked_workers_cannot_request(client, worker, unique):
    type_id = new_type(client, unique, AutoGranted=True)
    client.create_worker_block(WorkerId=worker.worker_id, Reason="spam")
    error = api_error(lambda: worker.request(type_id))
    assert error.status == 403 and error.code == "AWS.MechanicalTurk.PermissionDenied"
    client.delete_worker_block(WorkerId=worker.worker_id)
    assert worker.request(type_id)["Status"] == "Granted"


def test_system_types_are_not_requestable(worker):
    error = api_error(lambda: worker.request("2F1QJWKUDD8XADTFD2Q0G6UTO95ALH"))
    assert error.code == "AWS.MechanicalTurk.QualificationTypeNotRequestable"


def test_two_concurrent_requests_open_exactly_one(client, worker, unique):
    type_id = new_type(client, unique, RetryDelayInSeconds=0)
    barrier = threading.Barrier(8)
    outcomes = []

    def attempt():
        barrier.wait()
        try:
            outcomes.append(worker.request(type_id)["Status"])
        except WorkerAPIError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["AWS.MechanicalTurk.QualificationRequestAlreadyOpen"] * 7 + ["Pending"]
    assert len(pending(client, type_id)) == 1


def test_accept_racing_reject_exactly_one_wins(server, requester, client, worker, unique):
    type_id = new_type(client, unique)
    request_id = worker.request(type_id)["QualificationRequestId"]
    clients = [server.client(requester) for _ in range(6)]
    barrier = threading.Barrier(len(clients))
    outcomes = []

    def resolve(i, c):
        barrier.wait()
        try:
            if i % 2:
                c.accept_qualification_request(QualificationRequestId=request_id, IntegerValue=9)
                outcomes.append("accepted")
            else:
                c.reject_qualification_request(QualificationRequestId=request_id)
                outcomes.append("rejected")
        except c.exceptions.RequestError as exc:
            outcomes.append(exc.response["TurkErrorCode"])

    threads = [threading.Thread(target=resolve, args=(i, c)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [o for o in outcomes if o in ("accepted", "rejected")]
    assert len(winners) == 1
    assert outcomes.count("AWS.MechanicalTurk.InvalidQualificationRequestState") == 5
    status = worker.requests()[0]["Status"]
    assert status == ("Granted" if winners == ["accepted"] else "Rejected")


def test_someone_elses_or_unknown_request_does_not_exist(client, other_client, worker, unique):
    type_id = new_type(client, unique)
    request_id = worker.request(type_id)["QualificationRequestId"]
    with turk_error(other_client, "AWS.MechanicalTurk.QualificationRequestDoesNotExist"):
        other_client.accept_qualification_request(QualificationRequestId=request_id)
    with turk_error(other_client, "AWS.MechanicalTurk.QualificationRequestDoesNotExist"):
        other_client.reject_qualification_request(QualificationRequestId="NOSUCHREQUEST")
    with turk_error(other_client, "AWS.MechanicalTurk.PermissionDenied"):
        other_client.list_qualification_requests(QualificationTypeId=type_id)
    assert all(r["QualificationTypeId"] != type_id
               for r in other_client.list_qualification_requests(MaxResults=100)["QualificationRequests"])
    assert len(pending(client, type_id)) == 1


def test_list_qualification_requests_pages_in_submit_order(server, client, unique):
    type_id = new_type(client, unique, RetryDelayInSeconds=0)
    ids = []
    for _ in range(7):
        ids.append(server.create_worker().request(type_id)["QualificationRequestId"])
        server.advance(1)
    pages = list(client.get_paginator("list_qualification_requests").paginate(
        QualificationTypeId=type_id, PaginationConfig={"PageSize": 3}))
    assert [p["NumResults"] for p in pages] == [3, 3, 1, 0] and "NextToken" not in pages[-1]
    assert [r["QualificationRequestId"] for p in pages for r in p["QualificationRequests"]] == ids
    everything = client.list_qualification_requests(MaxResults=100)["QualificationRequests"]
    assert [r["QualificationRequestId"] for r in everything if r["QualificationTypeId"] == type_id] == ids


def test_worker_api_requires_a_token(server, worker):
    for token in ("", "not-a-token"):
        request = urllib.request.Request(server.endpoint + "/api/worker/v1/qualifications",
                                         headers={"Authorization": f"Bearer {token}"} if token else {})
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(request, timeout=10)
        assert info.value.code == 401
        assert json.loads(info.value.read())["error"]["code"] == "AWS.NotAuthorized"


def test_nul_characters_from_a_worker_are_refused_or_match_nothing(worker):
    """Found by tests/fuzz on PostgreSQL, which cannot compare text with U+0000: a 500 there."""
    error = api_error(lambda: worker.list_types(query="a\x00"))
    assert (error.status, error.code) == (400, "AWS.MechanicalTurk.InvalidParameterValue")
    assert error.message == "The value for Query is invalid: it must not contain the character U+0000"
    assert api_error(lambda: worker.request("A%00B")).code == "AWS.MechanicalTurk.QualificationTypeDoesNotExist"
    assert api_error(lambda: worker.submit("A%00B", {"q1": "a"})).code == \
        "AWS.MechanicalTurk.QualificationRequestDoesNotExist"


def test_worker_lists_requestable_types_without_answer_keys(client, worker, unique):
    with_key = new_type(client, unique, Test=question_form(), AnswerKey=answer_key(), TestDurationInSeconds=60)
    client.create_qualification_type(Name=unique + "off", Description="d", QualificationTypeStatus="Inactive")
    found = worker.list_types(query=unique, max_results=100)["QualificationTypes"]
    assert [t["QualificationTypeId"] for t in found] == [with_key]
    assert found[0]["HasTest"] is True and "AnswerKey" not in found[0] and "Test" not in found[0]


def test_answers_are_checked_per_question(client, worker, unique):
    type_id = new_type(client, unique, Test=question_form(), AnswerKey=answer_key(), TestDurationInSeconds=600)
    request_id = worker.request(type_id)["QualificationRequestId"]
    error = api_error(lambda: worker.submit(request_id, {"q9": ["a"]}))
    assert error.status == 400 and "q9" in error.message
    error = api_error(lambda: worker.submit(request_id, {"q1": ["a", "b"]}))
    assert error.status == 400 and [q["QuestionIdentifier"] for q in error.questions] == ["q1"]
    # The session is still open after refused answers.
    assert worker.submit(request_id, {"q1": ["a"]})["Status"] == "Granted"


def test_the_sweeper_records_expiries_idempotently(server, client, worker, unique):
    type_id = new_type(client, unique, Test=question_form(), TestDurationInSeconds=30)
    request_id = worker.request(type_id)["QualificationRequestId"]
    server.advance(31)
    first = run(server.service, sweep, {}, write=True)
    second = run(server.service, sweep, {}, write=True)
    assert first >= 1 and second == 0
    [mine] = [r for r in worker.requests() if r["QualificationRequestId"] == request_id]
    assert mine["Status"] == "Expired"


def test_clock_endpoint_moves_business_time(server):
    def call(body=None):
        request = urllib.request.Request(server.endpoint + "/_openturk/clock", method="POST" if body else "GET",
                                         data=json.dumps(body).encode() if body else None,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())
    before = call()["epoch_ms"]
    after = call({"advance_seconds": 3600})["epoch_ms"]
    assert after - before >= 3600 * 1000
    assert call({"now": "2030-01-01T00:00:00Z"})["now"].startswith("2030-01-01T00:00:0")
    server.clock.set_epoch_ms(after)  # leave the shared server near where it was


def test_openapi_document_is_served(server):
    with urllib.request.urlopen(server.endpoint + "/api/worker/v1/openapi.json", timeout=10) as response:
        document = json.loads(response.read())
    assert document["openapi"].startswith("3.") and "/api/worker/v1/qualifications" in document["paths"]


def test_answers_as_a_question_form_answers_document(client, worker, unique):
    type_id = new_type(client, unique, Test=question_form(), AnswerKey=answer_key("q1", "b"), TestDurationInSeconds=600)
    request_id = worker.request(type_id)["QualificationRequestId"]
    document = ('<QuestionFormAnswers xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
                '2005-10-01/QuestionFormAnswers.xsd"><Answer><QuestionIdentifier>q1</QuestionIdentifier>'
                '<SelectionIdentifier>b</SelectionIdentifier></Answer></QuestionFormAnswers>')
    outcome = worker.submit(request_id, answer=document)
    assert outcome["Status"] == "Granted" and outcome["IntegerValue"] == 1
    broken = worker.request(new_type(client, unique + "x", Test=question_form(), TestDurationInSeconds=600))
    error = api_error(lambda: worker.submit(broken["QualificationRequestId"], answer="<QuestionFormAnswers>"))
    assert error.status == 400 and error.code == "AWS.MechanicalTurk.XMLParseError"


def test_nul_characters_in_hit_and_assignment_paths_match_nothing(worker):
    """Found by tests/fuzz on PostgreSQL (a HIT group id with U+0000 was a 500 there)."""
    assert api_error(lambda: worker.accept_from_group("A%00B")).code == "AWS.MechanicalTurk.NoHITsAvailableInGroupException"
    assert api_error(lambda: worker.preview("A%00B")).code == "AWS.MechanicalTurk.HITDoesNotExist"
    assert api_error(lambda: worker.accept("A%00B")).code == "AWS.MechanicalTurk.HITDoesNotExist"
    assert api_error(lambda: worker.return_assignment("A%00B")).code == "AWS.MechanicalTurk.AssignmentDoesNotExist"
