"""Workers, their qualifications, the score history, worker inboxes and worker blocks.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workers",
        sa.Column("worker_id", sa.String(64), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=True),
        sa.Column("locale_country", sa.String(2), nullable=True),
        sa.Column("locale_subdivision", sa.String(3), nullable=True),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("worker_id", name=op.f("pk_workers")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_workers_token_hash")),
    )
    op.create_table(
        "qualifications",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("qualification_type_id", sa.String(64), nullable=False),
        sa.Column("worker_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("integer_value", sa.Integer(), nullable=True),
        sa.Column("grant_ms", sa.BigInteger(), nullable=False),
        sa.Column("updated_ms", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint("status IN ('Granted', 'Revoked')", name=op.f("ck_qualifications_status")),
        sa.ForeignKeyConstraint(["qualification_type_id"], ["qualification_types.qualification_type_id"],
                                name=op.f("fk_qualifications_qualification_type_id_qualification_types")),
        sa.ForeignKeyConstraint(["worker_id"], ["workers.worker_id"],
                                name=op.f("fk_qualifications_worker_id_workers")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_qualifications")),
        sa.UniqueConstraint("qualification_type_id", "worker_id", name="uq_qualifications_type_worker"),
    )
    op.create_index("ix_qualifications_type_status_seq", "qualifications",
                    ["qualification_type_id", "status", "seq"])
    op.create_table(
        "qualification_history",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("qualification_type_id", sa.String(64), nullable=False),
        sa.Column("worker_id", sa.String(64), nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("old_status", sa.String(16), nullable=True),
        sa.Column("new_status", sa.String(16), nullable=False),
        sa.Column("old_value", sa.Integer(), nullable=True),
        sa.Column("new_value", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("requester_id", sa.String(64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.CheckConstraint("event IN ('Granted', 'ScoreChanged', 'Revoked', 'Regranted')",
                           name=op.f("ck_qualification_history_event")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_qualification_history")),
    )
    op.create_index("ix_qualification_history_type_worker_seq", "qualification_history",
                    ["qualification_type_id", "worker_id", "seq"])
    op.create_table(
        "worker_messages",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("worker_id", sa.String(64), nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("qualification_type_id", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(["worker_id"], ["workers.worker_id"],
                                name=op.f("fk_worker_messages_worker_id_workers")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_worker_messages")),
    )
    op.create_index("ix_worker_messages_worker_seq", "worker_messages", ["worker_id", "seq"])
    op.create_table(
        "worker_blocks",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("requester_id", sa.String(64), nullable=False),
        sa.Column("worker_id", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["requester_id"], ["requesters.requester_id"],
                                name=op.f("fk_worker_blocks_requester_id_requesters")),
        sa.ForeignKeyConstraint(["worker_id"], ["workers.worker_id"],
                                name=op.f("fk_worker_blocks_worker_id_workers")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_worker_blocks")),
        sa.UniqueConstraint("requester_id", "worker_id", name="uq_worker_blocks_requester_worker"),
    )
    op.create_index("ix_worker_blocks_requester_seq", "worker_blocks", ["requester_id", "seq"])


def downgrade() -> None:
    op.drop_table("worker_blocks")
    op.drop_table("worker_messages")
    op.drop_table("qualification_history")
    op.drop_table("qualifications")
    op.drop_table("workers")
