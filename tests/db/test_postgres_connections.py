"""PostgreSQL connections without pool_pre_ping (store/db.py): reads in autocommit, and a pooled connection
that died is replaced without the request failing. Runs in the PostgreSQL pass of `make test`."""

from __future__ import annotations

import types

import pytest
from sqlalchemy import bindparam, select, text

from openturk.ops.runner import run
from openturk.store.db import Database, Prepared
from openturk.store.tables import qualification_types

from ..conftest import backend, fresh_database_url

pytestmark = pytest.mark.skipif(backend() != "postgresql", reason="PostgreSQL only (the second pass of make test)")

BACKEND_PID = Prepared(select(text("pg_backend_pid()")))
COUNT = Prepared(select(qualification_types.c.seq).where(qualification_types.c.owner_id.is_(None))
                 .order_by(qualification_types.c.seq).limit(bindparam("n")))


@pytest.fixture
def database(tmp_path):
    db = Database(fresh_database_url(tmp_path), pool_size=1)     # one connection: the pool must reuse it
    yield db
    db.dispose()


def service(db):
    return types.SimpleNamespace(db=db, clock=types.SimpleNamespace(epoch_ms=lambda: 0), settings=None,
                                 token_key=b"k")


def backend_pid(db) -> int:
    with db.transaction(write=False) as tx:
        return tx.scalar(BACKEND_PID)


def test_reads_run_in_autocommit_and_writes_in_a_transaction(database):
    with database.transaction(write=False) as tx:
        assert tx.cursor.connection.autocommit is True
    with database.transaction(write=True) as tx:
        assert tx.cursor.connection.autocommit is False
        tx.execute_sql("SELECT 1")
        assert tx.cursor.connection.info.transaction_status.name == "INTRANS"


def test_a_connection_killed_between_requests_is_replaced_and_the_request_succeeds(database, tmp_path):
    before = backend_pid(database)
    admin = Database(database.url, pool_size=1)
    with admin.transaction(write=True) as tx:
        tx.execute_sql(f"SELECT pg_terminate_backend({before})")
    admin.dispose()

    def read(ctx):
        return len(ctx.conn.all(COUNT, {"n": 3}))

    assert run(service(database), read, {}, write=False) == 3
    assert backend_pid(database) != before          # a new connection took the dead one's place
