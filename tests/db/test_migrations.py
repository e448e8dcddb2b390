"""The Alembic tree creates exactly the tables the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, select, text
from sqlalchemy.pool import NullPool

from openturk.store import db as store_db
from openturk.store.tables import metadata, qualification_types

from ..conftest import fresh_database_url


def test_migrations_match_the_table_definitions(tmp_path):
    url = fresh_database_url(tmp_path)
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"render_as_batch": True}), metadata)
    engine.dispose()
    assert diff == []
    assert store_db.current_revision(url) == store_db.head_revision()


def test_upgrade_is_idempotent_and_seeds_system_types_once(tmp_path):
    url = fresh_database_url(tmp_path)
    store_db.upgrade(url)
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        ids = conn.execute(select(qualification_types.c.qualification_type_id)
                           .where(qualification_types.c.owner_id.is_(None))).scalars().all()
    engine.dispose()
    assert sorted(ids) == sorted(["2F1QJWKUDD8XADTFD2Q0G6UTO95ALH", "2ARFPLSP75KLA8M8DH1HTEQVJT3SY6",
                                  "00000000000000000071", "00000000000000000040", "000000000000000000L0",
                                  "00000000000000000060", "00000000000000000000", "000000000000000000E0",
                                  "00000000000000000070", "000000000000000000S0"])


def test_sqlite_connections_use_wal_and_foreign_keys(tmp_path):
    database = store_db.Database(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with database.transaction(write=False) as conn:
        assert conn.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute_sql("PRAGMA synchronous").fetchone()[0] == 1   # NORMAL
        assert conn.execute_sql("PRAGMA busy_timeout").fetchone()[0] == store_db.SQLITE_BUSY_TIMEOUT_MS
    database.dispose()


BEYOND_32_BITS = 3_000_000_000


def test_every_seq_counts_beyond_32_bits(tmp_path):
    """Migration 0005: on PostgreSQL every `seq` column and its sequence are BIGINT (a SERIAL stopped at
    2,147,483,647); on SQLite they are the 64-bit rowid. A qualification history row is numbered past
    2^31 on both."""
    url = fresh_database_url(tmp_path)
    engine = create_engine(url, poolclass=NullPool)
    tables = sorted(t.name for t in metadata.sorted_tables if "seq" in t.c)
    row = {"t": "T", "w": "AW", "at": 1, "e": "Granted", "s": "Granted", "src": "test"}
    insert = ("INSERT INTO qualification_history (qualification_type_id, worker_id, at_ms, event, new_status, "
              "source{}) VALUES (:t, :w, :at, :e, :s, :src{}) RETURNING seq")
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            kinds = dict(conn.execute(text(
                "SELECT table_name, data_type FROM information_schema.columns WHERE column_name = 'seq' "
                "AND table_schema = current_schema()")).all())
            assert kinds == {name: "bigint" for name in tables}
            sequences = dict(conn.execute(text(
                "SELECT sequencename, data_type FROM pg_sequences WHERE schemaname = current_schema()")).all())
            assert {f"{name}_seq_seq": "bigint" for name in tables}.items() <= sequences.items()
            conn.execute(text("SELECT setval('qualification_history_seq_seq', :n)"), {"n": BEYOND_32_BITS})
        else:
            conn.execute(text(insert.format(", seq", ", :seq")), {**row, "seq": BEYOND_32_BITS})
        assert conn.execute(text(insert.format("", "")), row).scalar_one() == BEYOND_32_BITS + 1
    engine.dispose()
