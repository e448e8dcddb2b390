"""The worker API cells of `make bench` (bench/workers.py) at a small size: the requests built in setup do
what the cells count on (each accept accepts, each submit submits, the search answers the page the
benchmark expects), and the rows inserted beside the API leave the database consistent."""

from __future__ import annotations

import http.client
import json
from types import SimpleNamespace

import pytest

from bench import workers as bench_workers
from bench.cells import HIT_QUESTION
from openturk.store.db import Database
from openturk.store.invariants import check
from openturk.testing import TestServer

from openturk.store import db as store_db

# warm-up + duration of 2 ms at MAX_RATE: a pool of 1 + 12 requests per cell
ARGS = SimpleNamespace(warmup=0.001, duration=0.001)


def send(server: TestServer, request) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request(request.method, request.path, body=request.body or None, headers=dict(request.headers))
        answer = conn.getresponse()
        return answer.status, json.loads(answer.read())
    finally:
        conn.close()


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    # The benchmark runs on SQLite (bench/workers.py inserts with the sqlite3 cursor).
    url = f"sqlite:///{tmp_path_factory.mktemp('bench-workers') / 'openturk.sqlite3'}"
    store_db.upgrade(url)
    server = TestServer(url).start()
    owner = server.new_requester("bench hits", balance="100000.00")
    mturk = server.client(owner)
    gate = mturk.create_qualification_type(Name="bench HIT gate", QualificationTypeStatus="Active",
                                           Description="The gate.")["QualificationType"]["QualificationTypeId"]
    hit_type = mturk.create_hit_type(
        Title="bench: label an image", Description="d", Reward="0.01", AssignmentDurationInSeconds=86400,
        QualificationRequirements=[
            {"QualificationTypeId": gate, "Comparator": "GreaterThanOrEqualTo", "IntegerValues": [50]},
            {"QualificationTypeId": "00000000000000000071", "Comparator": "In",
             "LocaleValues": [{"Country": "US"}, {"Country": "CA"}]}])["HITTypeId"]
    db = Database(url, pool_size=1)
    fx = bench_workers.setup(db, f"127.0.0.1:{server.port}", owner["RequesterId"], hit_type, gate, HIT_QUESTION,
                             accept_cells=2, submit_cells=1, search=True, args=ARGS)
    yield SimpleNamespace(server=server, db=db, fx=fx, owner=owner, mturk=mturk)
    db.dispose()
    server.stop()


def test_each_accept_request_accepts_a_new_assignment(bench):
    pool = bench.fx.accept
    assert len(pool.requests) >= 2 * bench.fx.per_cell       # both accept cells get requests of their own
    first, second = pool.take(bench.fx.per_cell), pool.take(bench.fx.per_cell)
    assert not set(map(id, first)) & set(map(id, second))
    before = bench_workers.assignment_count(bench.db, bench.owner["RequesterId"], "Accepted")
    for request in first:
        status, answer = send(bench.server, request)
        assert status == 201, answer
        assert answer["Assignment"]["AssignmentStatus"] == "Accepted"
    assert bench_workers.assignment_count(bench.db, bench.owner["RequesterId"], "Accepted") == before + len(first)
    status, answer = send(bench.server, first[0])        # sent twice: refused, which the cells count as an error
    assert status == 409, answer


def test_each_submit_request_submits_an_assignment_accepted_in_setup(bench):
    requests = bench.fx.submit.take(bench.fx.per_cell)
    for request in requests:
        status, answer = send(bench.server, request)
        assert status == 200, answer
        assert answer["Assignment"]["AssignmentStatus"] == "Submitted"
    assert bench_workers.assignment_count(bench.db, bench.owner["RequesterId"], "Submitted") == len(requests)


def test_a_pool_hands_out_each_request_once():
    pool = bench_workers.Pool(list(range(5)))
    assert pool.take(2) == [0, 1] and pool.take(3) == [2, 3, 4]
    with pytest.raises(RuntimeError, match="used up"):
        pool.take(1)


@pytest.mark.parametrize("target", ["search", "search:query"])
def test_the_search_answers_the_page_the_benchmark_expects(bench, target):
    status, answer = send(bench.server, bench.fx.search[target])
    assert status == 200, answer
    groups = answer["HITGroups"]
    assert [g["HITGroupId"] for g in groups] == bench.fx.expected[target]
    assert len(groups) == bench_workers.SEARCH_PAGE and answer["NextToken"]
    assert all(g["NumberOfHITs"] == bench_workers.SEARCH_GROUP_HITS for g in groups)
    if target == "search:query":
        assert all(bench_workers.SEARCH_QUERY in g["Keywords"] for g in groups)


def test_the_searched_groups_have_five_requirements_some_hiding_them(bench):
    discoverable = {g for page in bench.fx.expected.values() for g in page}
    types = bench.mturk.list_hits(MaxResults=100)["HITs"]
    searched = [h for h in types if h["Title"].startswith("bench search group")]
    assert searched and all(len(h["QualificationRequirements"]) == 5 for h in searched)
    newest = {h["HITTypeId"] for h in searched}
    assert newest - discoverable, "some of the newest groups are hidden from the searching worker"


def test_the_database_adds_up_after_the_setup_and_the_cells(bench):
    assert check(bench.db) == []
