"""Assignments and bonuses: the assignments and bonus_payments tables, the workers' assignment counts, the
sender of a worker's message, and the ledger's payment kinds with the reference that makes each payment
unique.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

Seq = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WORKER_COUNTS = ("accepted", "submitted", "approved", "rejected", "returned", "abandoned")
OLD_KINDS = "kind IN ('Deposit', 'Reserve', 'Refund')"
NEW_KINDS = "kind IN ('Deposit', 'Reserve', 'Refund', 'Release', 'Reward', 'Fee', 'Bonus', 'BonusFee')"
HOLDING = "status IN ('Accepted', 'Submitted', 'Approved', 'Rejected')"


def upgrade() -> None:
    with op.batch_alter_table("workers") as batch:
        for name in WORKER_COUNTS:
            batch.add_column(sa.Column(f"{name}_count", sa.BigInteger(), nullable=False, server_default="0"))
    with op.batch_alter_table("worker_messages") as batch:
        batch.add_column(sa.Column("requester_id", sa.String(64), nullable=True))
    with op.batch_alter_table("ledger") as batch:
        batch.add_column(sa.Column("ref", sa.String(64), nullable=True))
        batch.drop_constraint(op.f("ck_ledger_kind"), type_="check")
        batch.create_check_constraint("kind", NEW_KINDS)
    op.create_index("uq_ledger_kind_ref", "ledger", ["kind", "ref"], unique=True,
                    sqlite_where=sa.text("ref IS NOT NULL"), postgresql_where=sa.text("ref IS NOT NULL"))

    op.create_table(
        "assignments",
        sa.Column("seq", Seq, autoincrement=True, nullable=False),
        sa.Column("assignment_id", sa.String(64), nullable=False),
        sa.Column("hit_id", sa.String(64), nullable=False),
        sa.Column("requester_id", sa.String(64), nullable=False),
        sa.Column("worker_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("accept_ms", sa.BigInteger(), nullable=False),
        sa.Column("deadline_ms", sa.BigInteger(), nullable=False),
        sa.Column("submit_ms", sa.BigInteger(), nullable=True),
        sa.Column("auto_approval_ms", sa.BigInteger(), nullable=True),
        sa.Column("decision_ms", sa.BigInteger(), nullable=True),
        sa.Column("end_ms", sa.BigInteger(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("requester_feedback", sa.Text(), nullable=True),
        sa.Column("reward_cents", sa.BigInteger(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.CheckConstraint("status IN ('Accepted', 'Submitted', 'Approved', 'Rejected', 'Returned', 'Abandoned')",
                           name=op.f("ck_assignments_status")),
        sa.ForeignKeyConstraint(["hit_id"], ["hits.hit_id"], name=op.f("fk_assignments_hit_id_hits")),
        sa.ForeignKeyConstraint(["requester_id"], ["requesters.requester_id"],
                                name=op.f("fk_assignments_requester_id_requesters")),
        sa.ForeignKeyConstraint(["worker_id"], ["workers.worker_id"], name=op.f("fk_assignments_worker_id_workers")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_assignments")),
        sa.UniqueConstraint("assignment_id", name=op.f("uq_assignments_assignment_id")),
    )
    op.create_index("ix_assignments_hit_status_seq", "assignments", ["hit_id", "status", "seq"])
    op.create_index("ix_assignments_worker_seq", "assignments", ["worker_id", "seq"])
    op.create_index("ix_assignments_worker_status", "assignments", ["worker_id", "status"])
    op.create_index("ix_assignments_requester_worker", "assignments", ["requester_id", "worker_id"])
    op.create_index("ix_assignments_status_deadline", "assignments", ["status", "deadline_ms"])
    op.create_index("ix_assignments_status_auto_approval", "assignments", ["status", "auto_approval_ms"])
    op.create_index("uq_assignments_hit_worker_holding", "assignments", ["hit_id", "worker_id"], unique=True,
                    sqlite_where=sa.text(HOLDING), postgresql_where=sa.text(HOLDING))

    op.create_table(
        "bonus_payments",
        sa.Column("seq", Seq, autoincrement=True, nullable=False),
        sa.Column("bonus_id", sa.String(64), nullable=False),
        sa.Column("requester_id", sa.String(64), nullable=False),
        sa.Column("hit_id", sa.String(64), nullable=False),
        sa.Column("assignment_id", sa.String(64), nullable=False),
        sa.Column("worker_id", sa.String(64), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("fee_cents", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("grant_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["requester_id"], ["requesters.requester_id"],
                                name=op.f("fk_bonus_payments_requester_id_requesters")),
        sa.ForeignKeyConstraint(["assignment_id"], ["assignments.assignment_id"],
                                name=op.f("fk_bonus_payments_assignment_id_assignments")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_bonus_payments")),
        sa.UniqueConstraint("bonus_id", name=op.f("uq_bonus_payments_bonus_id")),
    )
    op.create_index("ix_bonus_payments_hit_seq", "bonus_payments", ["hit_id", "seq"])
    op.create_index("ix_bonus_payments_assignment_seq", "bonus_payments", ["assignment_id", "seq"])
    op.create_index("ix_bonus_payments_worker_seq", "bonus_payments", ["worker_id", "seq"])


def downgrade() -> None:
    op.drop_table("bonus_payments")
    op.drop_table("assignments")
    op.drop_index("uq_ledger_kind_ref", "ledger")
    op.execute("DELETE FROM ledger WHERE kind NOT IN ('Deposit', 'Reserve', 'Refund')")
    with op.batch_alter_table("ledger") as batch:
        batch.drop_constraint(op.f("ck_ledger_kind"), type_="check")
        batch.create_check_constraint("kind", OLD_KINDS)
        batch.drop_column("ref")
    with op.batch_alter_table("worker_messages") as batch:
        batch.drop_column("requester_id")
    with op.batch_alter_table("workers") as batch:
        for name in WORKER_COUNTS:
            batch.drop_column(f"{name}_count")
