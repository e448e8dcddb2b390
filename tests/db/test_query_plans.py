"""The hot queries of the assignment lifecycle use the index that finds their rows directly, whatever else
the database holds: a worker with many assignments, a HIT with many. (SQLite chooses among indexes with
equal-looking matches without statistics; a plan through the worker's index scans all their work.)"""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.dialects import sqlite

from openturk.store import assignment_queries as aq
from openturk.store import db as store_db


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    path = tmp_path_factory.mktemp("plans") / "openturk.sqlite3"
    store_db.upgrade(f"sqlite:///{path}")
    connection = sqlite3.connect(path)
    yield connection
    connection.close()


def plan(con, prepared, **params) -> list[str]:
    sql, positional, literals = prepared.compiled(sqlite.dialect())
    values = [literals[name] if name in literals else params[name] for name in positional or ()]
    return [row[3] for row in con.execute("EXPLAIN QUERY PLAN " + sql, values)]


def test_the_workers_assignment_of_a_hit_is_found_by_hit_and_worker(con):
    steps = plan(con, aq._holding, hit="3HITID", worker="AWORKER")
    assert steps == ["SEARCH assignments USING INDEX uq_assignments_hit_worker_holding (hit_id=? AND worker_id=?)"]
