"""Qualification requests: test sessions, pending requests and their outcomes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

OPEN = "status IN ('TestInProgress', 'Pending')"


def upgrade() -> None:
    op.create_table(
        "qualification_requests",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("qualification_request_id", sa.String(64), nullable=False),
        sa.Column("qualification_type_id", sa.String(64), nullable=False),
        sa.Column("owner_id", sa.String(64), nullable=False),
        sa.Column("worker_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("test", sa.Text(), nullable=True),
        sa.Column("answer_key", sa.Text(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("requested_ms", sa.BigInteger(), nullable=False),
        sa.Column("test_deadline_ms", sa.BigInteger(), nullable=True),
        sa.Column("submit_ms", sa.BigInteger(), nullable=True),
        sa.Column("resolved_ms", sa.BigInteger(), nullable=True),
        sa.Column("integer_value", sa.Integer(), nullable=True),
        sa.Column("score", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint("status IN ('TestInProgress', 'Pending', 'Granted', 'Rejected', 'Expired')",
                           name=op.f("ck_qualification_requests_status")),
        sa.ForeignKeyConstraint(["qualification_type_id"], ["qualification_types.qualification_type_id"],
                                name=op.f("fk_qualification_requests_qualification_type_id_qualification_types")),
        sa.ForeignKeyConstraint(["owner_id"], ["requesters.requester_id"],
                                name=op.f("fk_qualification_requests_owner_id_requesters")),
        sa.ForeignKeyConstraint(["worker_id"], ["workers.worker_id"],
                                name=op.f("fk_qualification_requests_worker_id_workers")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_qualification_requests")),
        sa.UniqueConstraint("qualification_request_id",
                            name=op.f("uq_qualification_requests_qualification_request_id")),
    )
    op.create_index("ix_qualification_requests_owner_status_submit", "qualification_requests",
                    ["owner_id", "status", "submit_ms", "seq"])
    op.create_index("ix_qualification_requests_type_status_submit", "qualification_requests",
                    ["qualification_type_id", "status", "submit_ms", "seq"])
    op.create_index("ix_qualification_requests_worker_type_seq", "qualification_requests",
                    ["worker_id", "qualification_type_id", "seq"])
    op.create_index("uq_qualification_requests_open", "qualification_requests",
                    ["worker_id", "qualification_type_id"], unique=True,
                    sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))
    op.create_index("ix_qualification_requests_status_deadline", "qualification_requests",
                    ["status", "test_deadline_ms"])


def downgrade() -> None:
    op.drop_table("qualification_requests")
