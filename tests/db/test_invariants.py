"""store.invariants: a busy server's database passes; each kind of damage is reported."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from openturk.store.db import Database
from openturk.store.invariants import check, check_connection
from openturk.testing import TestServer

from ..api.helpers import answer_key, question_form
from ..api.hit_helpers import external_question
from ..conftest import fresh_database_url, run_cli


EXTERNAL = external_question()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A server of its own, with every kind of row the operations write."""
    url = fresh_database_url(tmp_path_factory.mktemp("invariants"))
    server = TestServer(url).start()
    client = server.client(server.new_requester("owner"))
    server.new_requester("someone else")
    made = lambda name, **extra: client.create_qualification_type(  # noqa: E731
        Name=name, Description="d", QualificationTypeStatus="Active", **extra)["QualificationType"]["QualificationTypeId"]
    plain, auto, tested = made("plain", Keywords="k"), made("auto", AutoGranted=True), made(
        "tested", Test=question_form(), AnswerKey=answer_key(), TestDurationInSeconds=60)
    for value in (1, 2, 2, 3):
        client.associate_qualification_with_worker(QualificationTypeId=plain, WorkerId="AINV1", IntegerValue=value)
    client.disassociate_qualification_from_worker(QualificationTypeId=plain, WorkerId="AINV1", Reason="r")
    client.associate_qualification_with_worker(QualificationTypeId=plain, WorkerId="AINV1", IntegerValue=4)
    worker = server.create_worker()
    worker.request(auto)
    request = worker.request(tested)
    worker.submit(request["QualificationRequestId"], {"q1": ["a"]})
    pending = worker.request(plain)
    client.accept_qualification_request(QualificationRequestId=pending["QualificationRequestId"], IntegerValue=9)
    client.delete_qualification_type(QualificationTypeId=made("doomed"))
    worker.request(made("waiting"))     # left Pending
    # Money: a HIT kept, a HIT whose type changed (reservation re-computed), a HIT deleted (refunded).
    hit = dict(Title="t", Description="d", Reward="0.10", AssignmentDurationInSeconds=60, LifetimeInSeconds=600,
               Question=EXTERNAL)
    client.create_hit(MaxAssignments=3, **hit)
    changed = client.create_hit(MaxAssignments=12, **hit)["HIT"]["HITId"]
    dearer = client.create_hit_type(Title="t", Description="d", Reward="0.25", AssignmentDurationInSeconds=60)
    client.update_hit_type_of_hit(HITId=changed, HITTypeId=dearer["HITTypeId"])
    client.create_additional_assignments_for_hit(HITId=changed, NumberOfAdditionalAssignments=2)
    deleted = client.create_hit(MaxAssignments=1, **hit)["HIT"]["HITId"]
    client.update_expiration_for_hit(HITId=deleted, ExpireAt=0)
    client.delete_hit(HITId=deleted)
    database = Database(url)
    yield {"url": url, "database": database, "plain": plain, "worker": worker.worker_id}
    database.dispose()
    server.stop()


def damage(world, sql: str, **params) -> list[str]:
    """Apply `sql` in a transaction that is rolled back after checking: each test sees the intact world."""
    database = world["database"]
    with database.engine.connect() as conn:
        if database.is_sqlite:
            conn.exec_driver_sql("BEGIN")
        conn.execute(text(sql), params)
        problems = check_connection(conn)   # this connection sees its own uncommitted damage
        conn.rollback()
    return problems


def test_a_database_written_by_the_operations_is_consistent(world):
    assert check(world["database"]) == []


def test_the_suites_shared_database_is_consistent_too(server, database_url):
    database = Database(database_url)
    try:
        assert check(database) == []
    finally:
        database.dispose()


@pytest.mark.parametrize("sql, expected", [
    ("UPDATE qualifications SET integer_value = 5 WHERE worker_id = 'AINV1'", "but its history ends at"),
    ("UPDATE qualifications SET version = version + 1 WHERE worker_id = 'AINV1'", "but its history ends at"),
    ("UPDATE qualification_history SET old_value = 7 WHERE worker_id = 'AINV1' AND event = 'Regranted'",
     "starts at"),
    ("DELETE FROM qualification_history WHERE worker_id = 'AINV1'", "has no history"),
    ("UPDATE qualification_types SET name_key = 'other' WHERE name = 'plain'", "reserves the name"),
    ("UPDATE qualification_types SET description = 'changed behind its back' WHERE name = 'plain'", "search text"),
    ("UPDATE qualification_types SET disposed_ms = NULL WHERE name = 'doomed'", "disposed_ms"),
    ("UPDATE qualification_requests SET resolved_ms = NULL WHERE status = 'Granted'", "contradict"),
    ("UPDATE qualification_requests SET owner_id = (SELECT MIN(requester_id) FROM requesters WHERE requester_id "
     "<> qualification_requests.owner_id)", "someone other than its type's owner"),
    ("UPDATE requesters SET balance_cents = balance_cents + 1", "but their ledger adds up to"),
    ("DELETE FROM ledger WHERE kind = 'Deposit'", "but their ledger adds up to"),
    ("UPDATE hits SET reserved_cents = reserved_cents + 1 WHERE disposed_ms IS NULL", "but its ledger entries"),
    ("UPDATE hits SET reserved_cents = 5 WHERE disposed_ms IS NOT NULL", "deleted: True"),
])
def test_each_kind_of_damage_is_reported(world, sql, expected):
    problems = damage(world, sql)
    assert any(expected in p for p in problems), problems


def test_a_half_applied_delete_or_grant_is_reported(world):
    """DeleteQualificationType rejects the open requests in its transaction; a Granted request's grant is
    written with it."""
    problems = damage(world, "UPDATE qualification_types SET status = 'Disposing', disposed_ms = 1 "
                             "WHERE name = 'waiting'")
    assert any("is still Pending although its type was deleted" in p for p in problems), problems
    problems = damage(world, "DELETE FROM qualifications WHERE worker_id = :w", w=world["worker"])
    assert any("is Granted but its worker never held the qualification" in p for p in problems), problems


def test_openturk_db_check_reports_and_exits(world):
    ok = run_cli("db", "check", "--database-url", world["url"])
    assert ok.returncode == 0 and "consistent" in ok.stdout, ok.stderr
    database = world["database"]
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE qualifications SET integer_value = 99 WHERE worker_id = 'AINV1'"))
    try:
        bad = run_cli("db", "check", "--database-url", world["url"])
        assert bad.returncode == 1 and "AINV1" in bad.stdout and "but its history ends at" in bad.stdout
    finally:
        with database.engine.begin() as conn:
            conn.execute(text("UPDATE qualifications SET integer_value = 4 WHERE worker_id = 'AINV1'"))
