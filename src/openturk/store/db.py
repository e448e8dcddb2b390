"""Engines, connection settings, transactions and schema upgrades, for SQLite and PostgreSQL.

SQLite: WAL journal (readers never block the writer), foreign keys on, a busy timeout, and
`synchronous=NORMAL` (in WAL mode a committed transaction survives a process crash; a power loss can
lose the last transactions but never corrupts the file — see docs/reliability.md). Python's sqlite3
transaction handling is switched off so that we emit BEGIN ourselves: `BEGIN IMMEDIATE` for writes
(takes the write lock up front, so two writers queue on busy_timeout instead of failing with
"database is locked" half-way), plain `BEGIN` for reads (one consistent snapshot).
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Boolean, Engine, create_engine, event, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import NullPool

MIGRATIONS_DIR = str(Path(__file__).with_name("migrations"))
SQLITE_BUSY_TIMEOUT_MS = 30_000
# PostgreSQL: a pooled connection idle for longer than this is pinged when it is checked out (see make_engine).
IDLE_PING_SECONDS = 5.0


class StaleConnection(Exception):
    """The database connection was found dead before the transaction did anything: the connection has been
    dropped from the pool and the whole transaction can be run again (ops/runner.py does)."""


def make_engine(url: str, *, pool_size: int = 8) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               pool_size=pool_size, max_overflow=pool_size)

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn, _record):
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see module docstring)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cur.close()

        return engine
    # A fixed pool: requests beyond it wait for a connection (up to the pool timeout, 30 s) rather than open
    # short-lived overflow connections, which PostgreSQL pays for with a new backend process each time.
    return _ping_when_idle(create_engine(url, pool_size=pool_size, max_overflow=0))


def make_loop_engine(url: str, *, pool_size: int = 8):
    """PostgreSQL for the event loop: asyncpg behind SQLAlchemy's asyncio pool, used from synchronous code run
    with `sqlalchemy.util.greenlet_spawn` (its DBAPI adapter awaits each call on the loop). Created on the
    loop that uses it; the same pool rules as `make_engine`.

    asyncpg rather than psycopg's AsyncConnection: psycopg registers and unregisters its socket with the
    loop at every wait (24 epoll_ctl calls per UpdateQualificationType, strace), asyncpg's socket is a
    transport that stays registered; a round trip costs it about half the client CPU (docs/benchmarks.md)."""
    import asyncpg
    from sqlalchemy.ext.asyncio import create_async_engine
    dsn, timeout = asyncpg_arguments(url)
    engine = create_async_engine("postgresql+asyncpg://", pool_size=pool_size, max_overflow=0,
                                 async_creator=lambda: asyncpg.connect(dsn, **timeout))
    _ping_when_idle(engine.sync_engine)
    return engine


def asyncpg_arguments(url: str) -> tuple[str, dict]:
    """The database URL as a libpq connection URI, which asyncpg reads itself (sslmode, sslrootcert,
    host=/socket/dir, ... mean what they mean to psycopg; other parameters become server settings, as
    application_name and options are), and libpq's connect_timeout as asyncpg's `timeout`."""
    parsed = make_url(url)
    query = dict(parsed.query)
    timeout = query.pop("connect_timeout", None)
    dsn = parsed.set(drivername="postgresql", query=query).render_as_string(hide_password=False)
    return dsn, {} if timeout is None else {"timeout": float(timeout)}


def _ping_when_idle(engine: Engine) -> Engine:
    # Not pool_pre_ping: that is one more round trip per transaction (a tenth of a GetQualificationType's
    # server CPU, docs/benchmarks.md). A connection that has been idle for a while is pinged instead (after
    # a database restart or an idle timeout the pool finds out there); one that dies under load is dropped
    # by Database.transaction, which has the transaction re-run when nothing was done yet.
    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn, record, _proxy):
        if time.monotonic() - record.info.get("idle_since", float("inf")) > IDLE_PING_SECONDS:
            if not engine.dialect.do_ping(dbapi_conn):
                raise DisconnectionError()      # the pool replaces the connection and checks out again
    return engine


class Prepared:
    """A SQLAlchemy Core statement compiled once per dialect and then run on the DBAPI cursor.

    SQLAlchemy writes the SQL (and its dialect differences); executing the compiled string directly
    on the driver costs ~5 µs where a full SQLAlchemy execution costs ~40 µs, which matters on the
    request path. Values fixed in the statement (literals) are merged with the call's parameters.
    """

    __slots__ = ("statement", "writes", "_compiled", "_booleans", "_names")

    def __init__(self, statement):
        self.statement = statement
        self.writes = bool(getattr(statement, "is_dml", False))    # INSERT, UPDATE or DELETE
        # By driver (pysqlite, psycopg, asyncpg): the same dialect writes parameters differently for each.
        self._compiled: dict[str, tuple[str, tuple[str, ...] | None, dict]] = {}
        self._names: dict[str, list[str]] = {}     # the result's column names (see Tx._rows)
        columns = getattr(statement, "selected_columns", None)
        if columns is None and getattr(statement, "_returning", None):
            columns = statement._returning
        self._booleans = tuple(c.name for c in (columns or ()) if isinstance(c.type, Boolean))

    def compiled(self, dialect) -> tuple[str, tuple[str, ...] | None, dict]:
        entry = self._compiled.get(dialect.driver)
        if entry is None:
            compiled = self.statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
            positional = tuple(compiled.positiontup) if compiled.positional else None
            entry = (compiled.string, positional, dict(compiled.params))
            self._compiled[dialect.driver] = entry
        return entry


class Tx:
    """A DBAPI connection inside one transaction (or, on PostgreSQL, outside any: see `transactional`). The
    store's queries run through it."""

    __slots__ = ("cursor", "dialect", "transactional", "_writes_left", "_savepoints", "statements")

    def __init__(self, cursor, dialect, *, transactional: bool = True, single_write: bool = False):
        self.cursor = cursor
        self.dialect = dialect
        # False: PostgreSQL in autocommit (reads, and a `single_write` operation's first attempt) — each
        # statement is atomic by itself and sees its own snapshot, and a row lock ends with its statement.
        self.transactional = transactional
        self._writes_left = 1 if single_write else None
        self._savepoints = 0
        self.statements = 0       # completed: a transaction that failed before any may be re-run elsewhere

    def execute(self, prepared: Prepared, params: dict | None = None):
        if prepared.writes and self._writes_left is not None:
            if self._writes_left == 0:     # a second write outside a transaction would not be atomic with the first
                raise RuntimeError("a single_write operation wrote twice")
            self._writes_left -= 1
        sql, positional, defaults = prepared.compiled(self.dialect)
        values = {**defaults, **params} if params else defaults
        if positional is not None:
            self.cursor.execute(sql, tuple(values[name] for name in positional))
        else:
            self.cursor.execute(sql, values)
        self.statements += 1
        return self.cursor

    def _rows(self, prepared: Prepared, rows) -> list[dict]:
        # The same SQL always answers the same columns: their names are read once per statement (psycopg
        # builds a Column object per column each time `description` is read: 4% of a PostgreSQL read).
        names = prepared._names.get(self.dialect.driver)
        if names is None:
            names = prepared._names[self.dialect.driver] = [d[0] for d in self.cursor.description]
        out = [dict(zip(names, row)) for row in rows]
        for name in prepared._booleans:   # SQLite returns 0/1 for BOOLEAN columns
            for item in out:
                if item[name] is not None:
                    item[name] = bool(item[name])
        return out

    def one(self, prepared: Prepared, params: dict | None = None) -> dict | None:
        row = self.execute(prepared, params).fetchone()
        return None if row is None else self._rows(prepared, [row])[0]

    def all(self, prepared: Prepared, params: dict | None = None) -> list[dict]:
        return self._rows(prepared, self.execute(prepared, params).fetchall())

    def scalar(self, prepared: Prepared, params: dict | None = None):
        row = self.execute(prepared, params).fetchone()
        return None if row is None else row[0]

    def rowcount(self, prepared: Prepared, params: dict | None = None) -> int:
        return self.execute(prepared, params).rowcount

    def execute_sql(self, sql: str):
        """Plain SQL without parameters (pragmas, savepoints)."""
        self.cursor.execute(sql)
        return self.cursor

    def insert_unique(self, prepared: Prepared, params: dict) -> bool:
        """Insert inside a savepoint; False (and nothing inserted) if a unique constraint refused it."""
        self._savepoints += 1
        name = f"sp{self._savepoints}"
        self.cursor.execute(f"SAVEPOINT {name}")
        try:
            self.execute(prepared, params)
        except self.dialect.loaded_dbapi.IntegrityError:
            self.cursor.execute(f"ROLLBACK TO SAVEPOINT {name}")
            self.cursor.execute(f"RELEASE SAVEPOINT {name}")
            return False
        self.cursor.execute(f"RELEASE SAVEPOINT {name}")
        return True


class Database:
    """One connection pool and its two kinds of transaction."""

    def __init__(self, url: str, *, pool_size: int = 8):
        self.url = url
        self.pool_size = pool_size
        self.engine = make_engine(url, pool_size=pool_size)
        self.dialect = self.engine.dialect
        self.is_sqlite = url.startswith("sqlite")
        self._loop_engine = None

    def loop_engine(self):
        """PostgreSQL's engine for work run on the event loop (`on_loop` transactions), made on first use."""
        if self._loop_engine is None:
            self._loop_engine = make_loop_engine(self.url, pool_size=self.pool_size)
        return self._loop_engine

    async def dispose_loop_engine(self) -> None:
        """Close the event loop's connections (on that loop, before it stops)."""
        if self._loop_engine is not None:
            engine, self._loop_engine = self._loop_engine, None
            await engine.dispose()

    def transaction(self, *, write: bool, on_loop: bool = False, single_write: bool = False):
        """A `Tx` that commits on success and rolls back on error. SQLite: BEGIN IMMEDIATE for writes,
        BEGIN for reads. PostgreSQL: writes in a READ COMMITTED transaction that the driver begins
        implicitly; reads in autocommit, each statement on its own snapshot — what READ COMMITTED gives
        statements inside a transaction too — without the BEGIN and COMMIT round trips. `single_write`
        (PostgreSQL): a write whose only writing statement guards itself runs in autocommit too (the Tx
        refuses a second write), two round trips fewer.

        `on_loop` (PostgreSQL): the caller runs in a greenlet on the event loop (web.execution), and the
        transaction uses the loop's connections, whose I/O the loop awaits instead of a thread blocking."""
        if self.is_sqlite:
            return self._sqlite_transaction(write)
        engine = self.loop_engine().sync_engine if on_loop else self.engine
        return self._postgres_transaction(write and not single_write, single_write, engine)

    @contextlib.contextmanager
    def _postgres_transaction(self, transactional: bool, single_write: bool, engine: Engine):
        fairy = engine.raw_connection()
        tx = None
        try:
            connection = fairy.dbapi_connection     # psycopg's Connection, or SQLAlchemy's adapter of asyncpg's
            if connection.autocommit == transactional:  # a client-side switch while no transaction is open
                connection.autocommit = not transactional
            tx = Tx(connection.cursor(), engine.dialect, transactional=transactional, single_write=single_write)
            try:
                yield tx
            except BaseException as exc:
                if engine.dialect.is_disconnect(exc, connection, tx.cursor):
                    fairy.invalidate(exc)
                    if tx.statements == 0:
                        raise StaleConnection() from exc
                elif not connection.autocommit:
                    connection.rollback()
                raise
            if not connection.autocommit:
                connection.commit()
            tx.cursor.close()
        finally:
            fairy.close()

    @contextlib.contextmanager
    def _sqlite_transaction(self, write: bool):
        fairy = self.engine.raw_connection()
        try:
            cursor = fairy.driver_connection.cursor()
            cursor.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield Tx(cursor, self.dialect)
            except BaseException:
                _sqlite_rollback(cursor)
                raise
            cursor.execute("COMMIT")
            cursor.close()
        finally:
            fairy.close()

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_rollback(cursor) -> None:
    try:
        cursor.execute("ROLLBACK")
    except Exception:  # noqa: BLE001 - the transaction may already be gone (e.g. after an error in COMMIT)
        pass


# -- schema -----------------------------------------------------------------------------------

def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", MIGRATIONS_DIR)
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(url: str) -> str | None:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def upgrade(url: str) -> None:
    """Bring the schema to the newest revision (`openturk db upgrade`)."""
    command.upgrade(alembic_config(url), "head")
