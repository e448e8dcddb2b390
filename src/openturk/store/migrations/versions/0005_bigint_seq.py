"""64-bit `seq` columns on the tables of the first three revisions (the HIT tables have them already).

On PostgreSQL a SERIAL `seq` is a 32-bit integer whose sequence stops at 2,147,483,647: a busy deployment's
qualification history or messages would reach it. The columns and their sequences become BIGINT. On
SQLite an INTEGER PRIMARY KEY is the 64-bit rowid already (and must stay spelled INTEGER to remain the
rowid), so nothing changes there.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = ("qualification_types", "qualifications", "qualification_history", "worker_messages", "worker_blocks",
          "qualification_requests")


def _retype(kind: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN seq TYPE {kind}")
        op.execute(f"ALTER SEQUENCE {table}_seq_seq AS {kind}")


def upgrade() -> None:
    _retype("BIGINT")


def downgrade() -> None:
    _retype("INTEGER")
