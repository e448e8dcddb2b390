"""The legacy listings' page numbers over changing data. A client walking the pages in turn gets each page
from right after the previous one's last row (keyset, ops/bookmarks.py): every row that stays in the
listing is seen once, even when rows before the walk's position go away between two pages, where an
OFFSET page would skip one. A page asked for out of turn is counted from the start (OFFSET)."""

from __future__ import annotations

import pytest

from .helpers import call, error_code, text, texts


@pytest.fixture
def creds(server):
    return server.new_requester("pages")


def ok(response):
    assert response.status_code == 200 and error_code(response) is None, response.text
    return response


def create_type(server, creds, name: str) -> str:
    response = ok(call(server.endpoint, creds, "CreateQualificationType",
                       {"Name": name, "Description": "d", "QualificationTypeStatus": "Active"}))
    return text(response, "QualificationType/QualificationTypeId")


def holders_page(server, creds, type_id: str, number: int, size: int = 2):
    response = ok(call(server.endpoint, creds, "GetQualificationsForQualificationType",
                       {"QualificationTypeId": type_id, "PageSize": str(size), "PageNumber": str(number)}))
    return texts(response, ".//Qualification/SubjectId"), text(response, ".//TotalNumResults")


@pytest.fixture
def holders(server, creds, unique):
    type_id = create_type(server, creds, f"{unique}-held")
    workers = [server.create_worker().worker_id for _ in range(7)]
    for worker in workers:
        ok(call(server.endpoint, creds, "AssignQualification",
                {"QualificationTypeId": type_id, "WorkerId": worker, "IntegerValue": "1", "SendNotification": "false"}))
    return type_id, workers


def test_a_walk_through_the_pages_sees_every_holder_once_in_order(server, creds, holders):
    type_id, workers = holders
    pages = [holders_page(server, creds, type_id, n) for n in (1, 2, 3, 4, 5)]
    assert [ids for ids, _ in pages] == [workers[0:2], workers[2:4], workers[4:6], workers[6:7], []]
    assert {total for _, total in pages} == {"7"}


def test_a_walk_goes_on_after_its_last_row_when_earlier_rows_go_away(server, creds, holders):
    type_id, workers = holders
    assert holders_page(server, creds, type_id, 1)[0] == workers[0:2]
    ok(call(server.endpoint, creds, "RevokeQualification", {"QualificationTypeId": type_id, "SubjectId": workers[0]}))
    # OFFSET 2 would now start at workers[3] and workers[2] would never be shown
    assert holders_page(server, creds, type_id, 2) == (workers[2:4], "6")
    assert holders_page(server, creds, type_id, 3) == (workers[4:6], "6")
    # Asked for out of turn (no page 1 of this size was served), page 2 is counted from the start
    assert holders_page(server, creds, type_id, 2, size=3) == (workers[4:7], "6")


def test_a_walk_by_name_skips_nothing_when_a_type_is_disposed(server, creds, unique):
    ids = {name: create_type(server, creds, f"{unique}-{name}") for name in ("a", "b", "c", "d", "e")}
    base = {"Query": unique, "MustBeRequestable": "true", "MustBeOwnedByCaller": "true", "PageSize": "2",
            "SortDirection": "Ascending"}

    def page(number: int) -> list[str]:
        response = ok(call(server.endpoint, creds, "SearchQualificationTypes", {**base, "PageNumber": str(number)}))
        return [name.removeprefix(f"{unique}-") for name in texts(response, ".//QualificationType/Name")]

    assert page(1) == ["a", "b"]
    ok(call(server.endpoint, creds, "DisposeQualificationType", {"QualificationTypeId": ids["a"]}))
    assert page(2) == ["c", "d"]
    assert page(3) == ["e"]
    descending = {**base, "SortDirection": "Descending", "PageNumber": "2"}   # out of turn: from the start
    assert texts(ok(call(server.endpoint, creds, "SearchQualificationTypes", descending)),
                 ".//QualificationType/Name") == [f"{unique}-c", f"{unique}-b"]


def test_a_walk_of_the_requests_by_type_descending(server, creds, unique):
    types = [create_type(server, creds, f"{unique}-{i}") for i in range(2)]
    for i in range(5):
        server.create_worker().request(types[i % 2])
        server.advance(1)
    base = {"SortProperty": "QualificationTypeId", "SortDirection": "Descending", "PageSize": "2"}
    everything = ok(call(server.endpoint, creds, "GetQualificationRequests", {**base, "PageSize": "10"}))
    expected = texts(everything, ".//QualificationRequestId")
    walked = [texts(ok(call(server.endpoint, creds, "GetQualificationRequests", {**base, "PageNumber": str(n)})),
                    ".//QualificationRequestId") for n in (1, 2, 3)]
    assert sum(walked, []) == expected and [len(p) for p in walked] == [2, 2, 1]
    ordered = [text(everything, f".//QualificationRequest[{i}]/QualificationTypeId") for i in range(1, 6)]
    assert ordered == sorted(ordered, reverse=True)


def test_a_walk_of_the_blocked_workers_after_an_unblock(server, creds):
    workers = [server.create_worker().worker_id for _ in range(5)]
    for worker in workers:
        ok(call(server.endpoint, creds, "BlockWorker", {"WorkerId": worker, "Reason": "r"}))

    def page(number: int) -> list[str]:
        response = ok(call(server.endpoint, creds, "GetBlockedWorkers", {"PageSize": "2", "PageNumber": str(number)}))
        return texts(response, ".//WorkerBlock/WorkerId")

    assert page(1) == workers[0:2]
    ok(call(server.endpoint, creds, "UnblockWorker", {"WorkerId": workers[1]}))
    assert page(2) == workers[2:4]
    assert page(3) == workers[4:5]
