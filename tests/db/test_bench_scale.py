"""The scale benchmark's code paths at a tiny size (`python -m bench --scale` runs them at 10M rows):
the skew of holders per type, the bulk loader (executemany on SQLite, COPY on PostgreSQL), the rows
it writes as the server reads them, the deep NextToken it builds, and the size measurement."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from bench import bulkload, scale
from bench.population import worker_id
from openturk.clock import SystemClock
from openturk.store import tables
from openturk.store.db import Database
from openturk.store.invariants import check
from openturk.testing import TestServer

from ..conftest import fresh_database_url

WORKERS, QUALIFICATIONS, TYPES = 500, 2_000, 6


def test_the_default_shape_is_skewed_and_adds_up():
    counts = bulkload.holder_counts(1_000_000, 10_000_000, 1_000)
    assert sum(counts) == 10_000_000
    assert counts[:2] == [1_000_000, 1_000_000]            # some types held by every worker
    assert counts[9] < 200_000 and counts[99] < 20_000 and counts[-1] < 1_000   # and many small ones
    assert counts == sorted(counts, reverse=True)


def test_an_impossible_shape_is_refused():
    with pytest.raises(ValueError, match="cannot spread"):
        bulkload.holder_counts(10, 101, 10)


def test_holders_wrap_around_and_stay_in_worker_order():
    assert list(bulkload.holder_indexes(0, 3, 10)) == [0, 1, 2]
    held = list(bulkload.holder_indexes(1, 8, 10))         # offset 104,729 % 10 = 9: wraps
    assert held == sorted(held) and len(set(held)) == 8 and 9 in held


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    url = fresh_database_url(tmp_path_factory.mktemp("scale"))
    server = TestServer(url).start()
    owner = server.new_requester("scale")
    client = server.client(owner)
    type_ids = scale.create_types(client, TYPES)
    counts = bulkload.holder_counts(WORKERS, QUALIFICATIONS, TYPES)
    database = Database(url, pool_size=1)
    now = SystemClock().epoch_ms()
    timings = bulkload.load(database, type_ids, counts, WORKERS, owner["RequesterId"], now)
    yield {"server": server, "client": client, "owner": owner, "db": database, "types": type_ids,
           "counts": counts, "timings": timings}
    database.dispose()
    server.stop()


def test_the_loader_writes_every_row_and_a_consistent_history(loaded):
    db, client = loaded["db"], loaded["client"]
    assert {"workers_s", "qualifications_s", "history_s"} <= set(loaded["timings"])
    for type_id, n in zip(loaded["types"], loaded["counts"], strict=True):
        page = client.list_workers_with_qualification_type(QualificationTypeId=type_id)
        assert page["NumResults"] == min(n, 10)
    with db.engine.connect() as conn:
        count = lambda table: conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()  # noqa: E731
        assert (count("workers"), count("qualifications"), count("qualification_history")) == \
            (WORKERS, QUALIFICATIONS, QUALIFICATIONS)
    # One 'Granted' history row per qualification, as AssociateQualificationWithWorker writes it.
    assert check(db) == []


def test_the_foreign_keys_hold_after_the_load(loaded):
    """On PostgreSQL the loader drops the qualifications' foreign keys for its COPY: they are back."""
    with loaded["db"].engine.connect() as conn, pytest.raises(IntegrityError):
        conn.execute(tables.qualifications.insert().values(
            qualification_type_id=loaded["types"][0], worker_id="ANOSUCHWORKER", status="Granted",
            integer_value=1, grant_ms=0, updated_ms=0, version=1))
        conn.commit()


def test_the_server_reads_the_loaded_scores(loaded):
    rank = 3
    type_id = loaded["types"][rank]
    worker = next(bulkload.holder_indexes(rank, loaded["counts"][rank], WORKERS))
    score = loaded["client"].get_qualification_score(QualificationTypeId=type_id, WorkerId=worker_id(worker))
    assert score["Qualification"]["IntegerValue"] == bulkload.value_of(rank, worker)
    assert score["Qualification"]["Status"] == "Granted"


def test_the_deep_token_is_the_one_the_server_hands_out(loaded):
    """The benchmark builds the NextToken of the page half-way through the biggest type; walking the
    pages through the API reaches the same token."""
    big, holders = loaded["types"][0], loaded["counts"][0]
    owner = loaded["owner"]
    creds = (owner["AccessKeyId"], owner["SecretAccessKey"])
    fx = scale.fixture(loaded["server"], loaded["db"], big, holders, creds)
    client, token, seen = loaded["client"], None, 0
    while seen < holders // 2:
        more = {"NextToken": token} if token else {}
        page = client.list_workers_with_qualification_type(
            QualificationTypeId=big, MaxResults=min(100, holders // 2 - seen), **more)
        seen += page["NumResults"]
        token = page["NextToken"]
    assert fx.deep_token == token
    page = client.list_workers_with_qualification_type(QualificationTypeId=big, MaxResults=100,
                                                       NextToken=token)
    assert page["Qualifications"][0]["WorkerId"] == fx.deep_first_worker == worker_id(holders // 2)
    assert fx.score == bulkload.value_of(0, holders // 2)


def test_the_size_is_measured_per_table(loaded):
    size = scale.database_size(loaded["db"])
    assert size["total_bytes"] > 0
    assert {"qualifications", "qualification_history", "workers"} <= set(size["tables_bytes"])
    assert sum(size["tables_bytes"].values()) <= size["total_bytes"]
