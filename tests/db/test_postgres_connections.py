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


def test_a_single_write_runs_in_autocommit_first_and_in_a_transaction_after_a_lost_race(database):
    from openturk.ops.context import Conflict
    seen = []

    def update(ctx):
        seen.append((ctx.conn.transactional, ctx.conn.cursor.connection.autocommit))
        if not ctx.conn.transactional:
            raise Conflict()        # as a compare-and-set that lost a race would
        return "done"

    assert run(service(database), update, {}, write=True, single_write=True) == "done"
    assert seen == [(False, True), (True, False)]


def test_a_single_write_may_not_write_twice(database):
    touch = Prepared(qualification_types.update().where(qualification_types.c.seq == -1).values(version=0))
    with database.transaction(write=True, single_write=True) as tx:
        tx.rowcount(touch)
        with pytest.raises(RuntimeError, match="wrote twice"):
            tx.rowcount(touch)
    with database.transaction(write=True) as tx:        # a transaction may write as often as it likes
        assert [tx.rowcount(touch) for _ in range(3)] == [0, 0, 0]


def test_the_event_loop_uses_asyncpg_and_the_same_statements(database):
    from sqlalchemy.util import greenlet_spawn

    from ..conftest import run_coroutine

    def read(ctx):
        return ctx.conn.dialect.driver, len(ctx.conn.all(COUNT, {"n": 3}))

    async def on_loop():
        try:
            return await greenlet_spawn(run, service(database), read, {}, write=False, on_loop=True)
        finally:
            await database.dispose_loop_engine()

    assert run_coroutine(on_loop()) == ("asyncpg", 3)
    assert run(service(database), read, {}, write=False) == ("psycopg", 3)     # compiled once per driver


def test_a_loop_connection_killed_between_requests_is_replaced_and_the_request_succeeds(database):
    from sqlalchemy.util import greenlet_spawn

    from ..conftest import run_coroutine

    def backend(ctx):
        return ctx.conn.scalar(BACKEND_PID)

    def read(ctx):
        return len(ctx.conn.all(COUNT, {"n": 3}))

    async def scenario():
        try:
            before = await greenlet_spawn(run, service(database), backend, {}, write=False, on_loop=True)
            admin = Database(database.url, pool_size=1)
            with admin.transaction(write=True) as tx:
                tx.execute_sql(f"SELECT pg_terminate_backend({before})")
            admin.dispose()
            count = await greenlet_spawn(run, service(database), read, {}, write=False, on_loop=True)
            after = await greenlet_spawn(run, service(database), backend, {}, write=False, on_loop=True)
            return count, before != after
        finally:
            await database.dispose_loop_engine()

    assert run_coroutine(scenario()) == (3, True)
