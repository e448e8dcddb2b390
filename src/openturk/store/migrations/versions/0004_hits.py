"""HITs: HIT types, HITs, request tokens, the money ledger; the worker's Adult attribute; the remaining
system qualification types.

The balance becomes integer cents that always equal the sum of the requester's ledger entries: each
existing requester's AvailableBalance becomes a Deposit entry of the same amount.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SYSTEM_CREATION_MS = 1128124800000
SYSTEM_TYPES = [
    ("00000000000000000000", "Worker_PercentAssignmentsSubmitted",
     "The percentage of assignments the Worker has accepted that were submitted (100 below 100 assignments)."),
    ("000000000000000000E0", "Worker_PercentAssignmentsReturned",
     "The percentage of assignments the Worker has accepted that were returned (0 below 100 assignments)."),
    ("00000000000000000070", "Worker_PercentAssignmentsAbandoned",
     "The percentage of assignments the Worker has accepted that were abandoned (0 below 100 assignments)."),
    ("000000000000000000S0", "Worker_PercentAssignmentsRejected",
     "The percentage of assignments the Worker has submitted that were rejected (0 below 100 assignments)."),
]

Seq = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "ledger",
        sa.Column("seq", Seq, autoincrement=True, nullable=False),
        sa.Column("requester_id", sa.String(64), nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("hit_id", sa.String(64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint("kind IN ('Deposit', 'Reserve', 'Refund')", name=op.f("ck_ledger_kind")),
        sa.ForeignKeyConstraint(["requester_id"], ["requesters.requester_id"],
                                name=op.f("fk_ledger_requester_id_requesters")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_ledger")),
    )
    op.create_index("ix_ledger_requester_seq", "ledger", ["requester_id", "seq"])

    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT requester_id, available_balance, created_ms FROM requesters")).fetchall()
    with op.batch_alter_table("requesters") as batch:
        batch.add_column(sa.Column("balance_cents", sa.BigInteger(), nullable=False, server_default="0"))
    for requester_id, balance, created_ms in rows:
        cents = int((Decimal(balance) * 100).to_integral_value())
        conn.execute(sa.text("UPDATE requesters SET balance_cents = :c WHERE requester_id = :r"),
                     {"c": cents, "r": requester_id})
        conn.execute(sa.text("INSERT INTO ledger (requester_id, at_ms, kind, amount_cents, note) "
                             "VALUES (:r, :t, 'Deposit', :c, 'opening balance')"),
                     {"r": requester_id, "t": created_ms, "c": cents})
    with op.batch_alter_table("requesters") as batch:
        batch.drop_column("available_balance")
        batch.alter_column("balance_cents", server_default=None)

    with op.batch_alter_table("workers") as batch:
        batch.add_column(sa.Column("adult", sa.Boolean(), nullable=True))

    op.create_table(
        "hit_types",
        sa.Column("seq", Seq, autoincrement=True, nullable=False),
        sa.Column("hit_type_id", sa.String(64), nullable=False),
        sa.Column("requester_id", sa.String(64), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("keywords", sa.Text(), nullable=True),
        sa.Column("reward_cents", sa.BigInteger(), nullable=False),
        sa.Column("assignment_duration_in_seconds", sa.BigInteger(), nullable=False),
        sa.Column("auto_approval_delay_in_seconds", sa.BigInteger(), nullable=False),
        sa.Column("qualification_requirements", sa.Text(), nullable=False),
        sa.Column("masters", sa.Boolean(), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["requester_id"], ["requesters.requester_id"],
                                name=op.f("fk_hit_types_requester_id_requesters")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_hit_types")),
        sa.UniqueConstraint("hit_type_id", name=op.f("uq_hit_types_hit_type_id")),
        sa.UniqueConstraint("requester_id", "fingerprint", name="uq_hit_types_requester_fingerprint"),
    )
    op.create_table(
        "hit_type_qualifications",
        sa.Column("hit_type_id", sa.String(64), nullable=False),
        sa.Column("qualification_type_id", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["hit_type_id"], ["hit_types.hit_type_id"],
                                name=op.f("fk_hit_type_qualifications_hit_type_id_hit_types")),
        sa.PrimaryKeyConstraint("hit_type_id", "qualification_type_id", name=op.f("pk_hit_type_qualifications")),
    )
    op.create_index("ix_hit_type_qualifications_qualification_type_id", "hit_type_qualifications",
                    ["qualification_type_id", "hit_type_id"])
    op.create_table(
        "hits",
        sa.Column("seq", Seq, autoincrement=True, nullable=False),
        sa.Column("hit_id", sa.String(64), nullable=False),
        sa.Column("hit_type_id", sa.String(64), nullable=False),
        sa.Column("requester_id", sa.String(64), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("requester_annotation", sa.Text(), nullable=True),
        sa.Column("max_assignments", sa.Integer(), nullable=False),
        sa.Column("creation_ms", sa.BigInteger(), nullable=False),
        sa.Column("expiration_ms", sa.BigInteger(), nullable=False),
        sa.Column("reviewing", sa.Boolean(), nullable=False),
        sa.Column("review_status", sa.String(32), nullable=False),
        sa.Column("disposed_ms", sa.BigInteger(), nullable=True),
        sa.Column("reserved_cents", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint("review_status IN ('NotReviewed', 'MarkedForReview', 'ReviewedAppropriate', "
                           "'ReviewedInappropriate')", name=op.f("ck_hits_review_status")),
        sa.ForeignKeyConstraint(["hit_type_id"], ["hit_types.hit_type_id"], name=op.f("fk_hits_hit_type_id_hit_types")),
        sa.ForeignKeyConstraint(["requester_id"], ["requesters.requester_id"],
                                name=op.f("fk_hits_requester_id_requesters")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_hits")),
        sa.UniqueConstraint("hit_id", name=op.f("uq_hits_hit_id")),
    )
    op.create_index("ix_hits_requester_seq", "hits", ["requester_id", "seq"])
    op.create_index("ix_hits_hit_type_seq", "hits", ["hit_type_id", "seq"])
    op.create_table(
        "request_tokens",
        sa.Column("requester_id", sa.String(64), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("hit_id", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("requester_id", "scope", "token", name=op.f("pk_request_tokens")),
    )

    qt = sa.table("qualification_types", *(sa.column(c) for c in (
        "qualification_type_id", "owner_id", "name", "name_key", "description", "keywords", "search_text",
        "status", "is_requestable", "auto_granted", "creation_ms", "version")))
    existing = {r[0] for r in conn.execute(sa.text("SELECT qualification_type_id FROM qualification_types"))}
    op.bulk_insert(qt, [
        {"qualification_type_id": tid, "owner_id": None, "name": name, "name_key": name, "description": desc,
         "keywords": None, "search_text": f"{name}\n{desc}\n".casefold(), "status": "Active",
         "is_requestable": False, "auto_granted": False, "creation_ms": SYSTEM_CREATION_MS, "version": 1}
        for tid, name, desc in SYSTEM_TYPES if tid not in existing])


def downgrade() -> None:
    conn = op.get_bind()
    conn.execute(sa.text("DELETE FROM qualification_types WHERE qualification_type_id IN :ids")
                 .bindparams(sa.bindparam("ids", expanding=True)), {"ids": [t[0] for t in SYSTEM_TYPES]})
    for table in ("request_tokens", "hits", "hit_type_qualifications", "hit_types"):
        op.drop_table(table)
    with op.batch_alter_table("workers") as batch:
        batch.drop_column("adult")
    with op.batch_alter_table("requesters") as batch:
        batch.add_column(sa.Column("available_balance", sa.String(32), server_default="10000.00", nullable=False))
    rows = conn.execute(sa.text("SELECT requester_id, balance_cents FROM requesters")).fetchall()
    for requester_id, cents in rows:
        conn.execute(sa.text("UPDATE requesters SET available_balance = :b WHERE requester_id = :r"),
                     {"b": f"{cents // 100}.{cents % 100:02d}", "r": requester_id})
    with op.batch_alter_table("requesters") as batch:
        batch.drop_column("balance_cents")
    op.drop_table("ledger")
