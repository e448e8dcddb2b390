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
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import NullPool

MIGRATIONS_DIR = str(Path(__file__).with_name("migrations"))
SQLITE_BUSY_TIMEOUT_MS = 30_000


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

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            write = conn.get_execution_options().get("openturk_write", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size * 2, pool_pre_ping=True)


class Database:
    """One engine and its two kinds of transaction."""

    def __init__(self, url: str, *, pool_size: int = 8):
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size)
        self.is_sqlite = url.startswith("sqlite")
        self._write_engine = self.engine.execution_options(openturk_write=True)

    @contextlib.contextmanager
    def transaction(self, *, write: bool):
        """A connection inside a transaction that commits on success and rolls back on error."""
        with (self._write_engine if write else self.engine).begin() as conn:
            yield conn

    def dispose(self) -> None:
        self.engine.dispose()


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
