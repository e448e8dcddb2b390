"""The legacy operations over the same data as the 2017 API: page numbers and totals, sorting, the rules
that differ (AssignQualification, UpdateQualificationScore), blocks, and what each API sees of the other."""

from __future__ import annotations

import threading

import httpx
import pytest

from .helpers import call, error_code, text, texts


@pytest.fixture
def creds(server):
    return server.new_requester("ops")


@pytest.fixture
def client(server, creds):
    return server.client(creds)


def create(server, creds, name: str, **params) -> str:
    response = call(server.endpoint, creds, "CreateQualificationType",
                    {"Name": name, "Description": "d", "QualificationTypeStatus": "Active", **params})
    assert error_code(response) is None, response.text
    return text(response, "QualificationType/QualificationTypeId")


def ok(response):
    assert response.status_code == 200 and error_code(response) is None, response.text
    return response


def test_search_pages_by_number_and_sorts_by_name(server, creds, unique):
    for name in ("b", "C", "a", "B", "c"):
        create(server, creds, f"{unique}-{name}")
    base = {"Query": unique, "MustBeRequestable": "true", "MustBeOwnedByCaller": "true", "PageSize": "2"}
    # "SortDirection ... Default: Descending"; names in code-point order (upper case first)
    pages = [ok(call(server.endpoint, creds, "SearchQualificationTypes", {**base, "PageNumber": str(n)}))
             for n in (1, 2, 3, 4)]
    assert [texts(p, ".//QualificationType/Name") for p in pages] == [
        [f"{unique}-c", f"{unique}-b"], [f"{unique}-a", f"{unique}-C"], [f"{unique}-B"], []]
    assert [(text(p, ".//NumResults"), text(p, ".//TotalNumResults"), text(p, ".//PageNumber")) for p in pages] == [
        ("2", "5", "1"), ("2", "5", "2"), ("1", "5", "3"), ("0", "5", "4")]
    ascending = ok(call(server.endpoint, creds, "SearchQualificationTypes",
                        {**base, "PageSize": "10", "SortDirection": "Ascending", "SortProperty": "Name"}))
    assert texts(ascending, ".//QualificationType/Name") == [f"{unique}-{n}" for n in ("B", "C", "a", "b", "c")]
    assert error_code(call(server.endpoint, creds, "SearchQualificationTypes",
                           {**base, "SortDirection": "Sideways"})) == "AWS.MechanicalTurk.InvalidParameterValue"


def test_search_without_owner_finds_other_requesters_types(server, creds, unique):
    other = server.new_requester("other")
    create(server, other, f"{unique}-theirs")
    base = {"Query": unique, "MustBeRequestable": "false"}
    assert texts(call(server.endpoint, creds, "SearchQualificationTypes", base), ".//QualificationType/Name") == [
        f"{unique}-theirs"]
    assert texts(call(server.endpoint, creds, "SearchQualificationTypes", {**base, "MustBeOwnedByCaller": "true"}),
                 ".//QualificationType/Name") == []
    # AnswerKeys are the owner's: never shown to others
    assert error_code(call(server.endpoint, creds, "SearchQualificationTypes", {"Query": unique})) == (
        "AWS.MissingParameters")


def test_get_qualification_requests_pages_and_sorts(server, creds, client, unique):
    first, second = create(server, creds, f"{unique}-1"), create(server, creds, f"{unique}-2")
    workers = [server.create_worker() for _ in range(3)]
    submitted = []
    for type_id, worker in ((second, workers[0]), (first, workers[1]), (second, workers[2])):
        submitted.append(worker.request(type_id)["QualificationRequestId"])
        server.advance(1)
    by_time = ok(call(server.endpoint, creds, "GetQualificationRequests", {}))
    assert texts(by_time, ".//QualificationRequest/QualificationRequestId") == submitted
    assert (text(by_time, ".//NumResults"), text(by_time, ".//TotalNumResults")) == ("3", "3")
    newest = ok(call(server.endpoint, creds, "GetQualificationRequests",
                     {"SortDirection": "Descending", "PageSize": "1", "PageNumber": "1"}))
    assert texts(newest, ".//QualificationRequestId") == [submitted[2]]
    assert (text(newest, ".//NumResults"), text(newest, ".//TotalNumResults")) == ("1", "3")
    by_type = ok(call(server.endpoint, creds, "GetQualificationRequests", {"SortProperty": "QualificationTypeId"}))
    expected = sorted(zip((second, first, second), range(3)))
    assert texts(by_type, ".//QualificationRequestId") == [submitted[i] for _, i in expected]
    one_type = ok(call(server.endpoint, creds, "GetQualificationRequests",
                       {"QualificationTypeId": second, "SortProperty": "Expiration"}))   # boto 2's default
    assert texts(one_type, ".//QualificationRequestId") == [submitted[0], submitted[2]]
    assert texts(one_type, ".//QualificationRequest/SubjectId") == [workers[0].worker_id, workers[2].worker_id]
    # the same requests through the 2017 API
    listed = client.list_qualification_requests(MaxResults=100)["QualificationRequests"]
    assert [r["QualificationRequestId"] for r in listed] == submitted
    # and rejected through the legacy one: the worker is told the reason
    ok(call(server.endpoint, creds, "RejectQualificationRequest",
            {"QualificationRequestId": submitted[1], "Reason": "not this time"}))
    assert "not this time" in workers[1].messages()[-1]["Text"]
    assert texts(call(server.endpoint, creds, "GetQualificationRequests", {}), ".//QualificationRequestId") == [
        submitted[0], submitted[2]]


def test_someone_elses_requests_are_theirs(server, creds, unique):
    type_id = create(server, creds, unique)
    request = server.create_worker().request(type_id)["QualificationRequestId"]
    other = server.new_requester("other")
    assert error_code(call(server.endpoint, other, "GetQualificationRequests", {"QualificationTypeId": type_id})) == (
        "AWS.MechanicalTurk.PermissionDenied")
    assert error_code(call(server.endpoint, other, "GrantQualification", {"QualificationRequestId": request})) == (
        "AWS.MechanicalTurk.QualificationRequestDoesNotExist")


def test_assign_refuses_a_held_qualification_but_regrants_a_revoked_one(server, creds, client, unique):
    type_id = create(server, creds, unique)
    worker = server.create_worker()
    assign = {"QualificationTypeId": type_id, "WorkerId": worker.worker_id, "IntegerValue": "4"}
    ok(call(server.endpoint, creds, "AssignQualification", assign))
    assert [m["Subject"] for m in worker.messages()] == [f"You have been granted a Qualification: {unique}"]
    again = call(server.endpoint, creds, "AssignQualification", {**assign, "IntegerValue": "5"})
    assert error_code(again) == "AWS.MechanicalTurk.QualificationAlreadyExists"
    assert texts(again, ".//Data/Value") == [type_id, worker.worker_id]
    # the 2017 API re-scores instead, as it always did
    client.associate_qualification_with_worker(QualificationTypeId=type_id, WorkerId=worker.worker_id, IntegerValue=5,
                                               SendNotification=False)
    ok(call(server.endpoint, creds, "RevokeQualification", {"SubjectId": worker.worker_id,
                                                           "QualificationTypeId": type_id}))
    ok(call(server.endpoint, creds, "AssignQualification", {**assign, "SendNotification": "false"}))
    score = ok(call(server.endpoint, creds, "GetQualificationScore", {"QualificationTypeId": type_id,
                                                                      "SubjectId": worker.worker_id}))
    assert (text(score, ".//IntegerValue"), text(score, ".//Status")) == ("4", "Granted")
    history = [row["event"] for row in _history(server, type_id, worker.worker_id)]
    assert history == ["Granted", "ScoreChanged", "Revoked", "Regranted"]


def test_concurrent_assigns_grant_once(server, creds, unique):
    type_id = create(server, creds, unique)
    worker = server.create_worker()
    barrier, codes = threading.Barrier(6), []

    def assign():
        barrier.wait()
        codes.append(error_code(call(server.endpoint, creds, "AssignQualification",
                                     {"QualificationTypeId": type_id, "WorkerId": worker.worker_id})))
    threads = [threading.Thread(target=assign) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes.count(None) == 1 and codes.count("AWS.MechanicalTurk.QualificationAlreadyExists") == 5, codes


def test_update_qualification_score_needs_a_granted_qualification(server, creds, client, unique):
    type_id = create(server, creds, unique)
    worker = server.create_worker()
    update = {"QualificationTypeId": type_id, "SubjectId": worker.worker_id, "IntegerValue": "9"}
    assert error_code(call(server.endpoint, creds, "UpdateQualificationScore", update)) == (
        "AWS.MechanicalTurk.QualificationDoesNotExist")
    client.associate_qualification_with_worker(QualificationTypeId=type_id, WorkerId=worker.worker_id, IntegerValue=1,
                                               SendNotification=False)
    ok(call(server.endpoint, creds, "UpdateQualificationScore", update))
    assert client.get_qualification_score(QualificationTypeId=type_id, WorkerId=worker.worker_id)[
        "Qualification"]["IntegerValue"] == 9
    assert worker.messages() == []   # UpdateQualificationScore has no SendNotification: the worker is not told
    assert error_code(call(server.endpoint, creds, "UpdateQualificationScore",
                           {k: v for k, v in update.items() if k != "IntegerValue"})) == "AWS.MissingParameters"
    other = server.new_requester("other")
    assert error_code(call(server.endpoint, other, "UpdateQualificationScore", update)) == (
        "AWS.MechanicalTurk.PermissionDenied")


def test_holders_by_status_and_page(server, creds, unique):
    type_id = create(server, creds, unique)
    workers = [server.create_worker() for _ in range(5)]
    for n, worker in enumerate(workers):
        ok(call(server.endpoint, creds, "AssignQualification", {"QualificationTypeId": type_id,
                                                                "WorkerId": worker.worker_id, "IntegerValue": str(n)}))
    ok(call(server.endpoint, creds, "RevokeQualification", {"SubjectId": workers[1].worker_id,
                                                           "QualificationTypeId": type_id}))
    page = ok(call(server.endpoint, creds, "GetQualificationsForQualificationType",
                   {"QualificationTypeId": type_id, "PageSize": "3", "PageNumber": "2"}))
    assert texts(page, ".//Qualification/SubjectId") == [workers[4].worker_id]
    assert (text(page, ".//NumResults"), text(page, ".//TotalNumResults"), text(page, ".//PageNumber")) == (
        "1", "4", "2")
    revoked = ok(call(server.endpoint, creds, "GetQualificationsForQualificationType",
                      {"QualificationTypeId": type_id, "Status": "Revoked"}))
    assert texts(revoked, ".//Qualification/SubjectId") == [workers[1].worker_id]
    assert texts(revoked, ".//Qualification/Status") == ["Revoked"]


def test_block_unblock_and_list_blocked_workers(server, creds, client):
    workers = [server.create_worker().worker_id for _ in range(3)]
    for worker in workers:
        ok(call(server.endpoint, creds, "BlockWorker", {"WorkerId": worker, "Reason": f"why {worker}"}))
    assert error_code(call(server.endpoint, creds, "BlockWorker", {"WorkerId": workers[0]})) == "AWS.MissingParameters"
    ok(call(server.endpoint, creds, "UnblockWorker", {"WorkerId": workers[1]}))
    ok(call(server.endpoint, creds, "UnblockWorker", {"WorkerId": workers[1], "Reason": "None"}))   # not blocked: fine
    page = ok(call(server.endpoint, creds, "GetBlockedWorkers", {"PageSize": "1", "PageNumber": "2"}))
    assert texts(page, ".//WorkerBlock/WorkerId") == [workers[2]]
    assert texts(page, ".//WorkerBlock/Reason") == [f"why {workers[2]}"]
    assert (text(page, ".//NumResults"), text(page, ".//TotalNumResults")) == ("1", "2")
    # MTurkR asks for 65535 a page
    everything = ok(call(server.endpoint, creds, "GetBlockedWorkers", {"PageSize": "65535"}))
    assert texts(everything, ".//WorkerBlock/WorkerId") == [workers[0], workers[2]]
    assert [b["WorkerId"] for b in client.list_worker_blocks()["WorkerBlocks"]] == [workers[0], workers[2]]
    for operation in ("BlockWorker", "UnblockWorker"):        # the model's message, as in the JSON API
        refused = call(server.endpoint, creds, operation, {"WorkerId": "not-a-worker", "Reason": "r"})
        assert error_code(refused) == "AWS.MechanicalTurk.InvalidParameterValue"
        assert text(refused, ".//Errors/Error/Message").startswith("WorkerId is invalid.")


def test_legacy_and_2017_apis_and_the_worker_api_see_the_same_types(server, creds, client, unique):
    """Created through the legacy API: read through boto3 and offered to workers (worker API); created through
    boto3: read, scored and disposed through the legacy API."""
    legacy_type = create(server, creds, f"{unique}-legacy", Keywords="old", AutoGranted="1", AutoGrantedValue="3")
    seen = client.get_qualification_type(QualificationTypeId=legacy_type)["QualificationType"]
    assert (seen["Name"], seen["Keywords"], seen["AutoGranted"], seen["AutoGrantedValue"]) == (
        f"{unique}-legacy", "old", True, 3)
    worker = server.create_worker()
    assert [t["QualificationTypeId"] for t in worker.list_types(query=unique)["QualificationTypes"]] == [legacy_type]
    assert worker.request(legacy_type)["Status"] == "Granted"
    score = ok(call(server.endpoint, creds, "GetQualificationScore", {"QualificationTypeId": legacy_type,
                                                                      "SubjectId": worker.worker_id}))
    assert text(score, ".//IntegerValue") == "3"

    modern = client.create_qualification_type(Name=f"{unique}-boto3", Description="new", QualificationTypeStatus="Active",
                                              RetryDelayInSeconds=30)["QualificationType"]["QualificationTypeId"]
    got = ok(call(server.endpoint, creds, "GetQualificationType", {"QualificationTypeId": modern}))
    assert (text(got, ".//Name"), text(got, ".//RetryDelayInSeconds")) == (f"{unique}-boto3", "30")
    ok(call(server.endpoint, creds, "UpdateQualificationType", {"QualificationTypeId": modern,
                                                               "QualificationTypeStatus": "Inactive"}))
    assert client.get_qualification_type(QualificationTypeId=modern)["QualificationType"][
        "QualificationTypeStatus"] == "Inactive"
    ok(call(server.endpoint, creds, "DisposeQualificationType", {"QualificationTypeId": modern}))
    with pytest.raises(client.exceptions.RequestError):
        client.get_qualification_type(QualificationTypeId=modern)


def _history(server, type_id: str, worker_id: str) -> list[dict]:
    from openturk.store import worker_queries as wq
    with server.service.db.transaction(write=False) as tx:
        return wq.qualification_history(tx, type_id, worker_id)


def test_the_worker_pages_show_what_the_legacy_api_made(server, creds, unique):
    """The worker pages (landed after this API): a type created and a qualification assigned through the
    legacy API are on the worker's pages."""
    type_id = create(server, creds, f"{unique}-paged", Description="offered on the pages")
    worker = server.create_worker()
    ok(call(server.endpoint, creds, "AssignQualification", {"QualificationTypeId": type_id,
                                                            "WorkerId": worker.worker_id, "IntegerValue": "77"}))
    with httpx.Client(base_url=server.endpoint, follow_redirects=False, timeout=30) as http:
        assert http.get("/worker/login", params={"token": worker.token}).status_code == 303
        listing = http.get("/worker/types", params={"query": unique})
        assert listing.status_code == 200 and f"{unique}-paged" in listing.text
        held = http.get("/worker/qualifications")
        assert held.status_code == 200 and f"{unique}-paged" in held.text and "77" in held.text
