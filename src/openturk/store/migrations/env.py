"""Alembic environment: one migration tree for SQLite and PostgreSQL."""

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from openturk.store.tables import metadata

config = context.config


def run_migrations() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url"), poolclass=NullPool)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(conn) -> None:
    context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
    if conn.in_transaction():
        conn.commit()


run_migrations()
