"""Initial schema: server meta, requesters, qualification types and the system qualification types.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# 2005-10-01T00:00:00Z, the date of the first MTurk API version: the CreationTime of system types.
SYSTEM_CREATION_MS = 1128124800000

# (QualificationTypeId, Name, Description) — ids from the MTurk documentation (spec §6.1).
SYSTEM_TYPES = [
    ("2F1QJWKUDD8XADTFD2Q0G6UTO95ALH", "Masters",
     "Workers who have demonstrated excellence across a wide range of HITs (production Masters)."),
    ("2ARFPLSP75KLA8M8DH1HTEQVJT3SY6", "Masters",
     "Workers who have demonstrated excellence across a wide range of HITs (sandbox Masters)."),
    ("00000000000000000071", "Worker_Locale",
     "The location of the Worker, as given in their mailing address (a country and subdivision)."),
    ("00000000000000000040", "Worker_NumberHITsApproved",
     "The total number of HITs submitted by the Worker that have been approved."),
    ("000000000000000000L0", "Worker_PercentAssignmentsApproved",
     "The percentage of assignments the Worker has submitted that were approved (100 below 100 assignments)."),
    ("00000000000000000060", "Worker_Adult",
     "Whether the Worker has agreed to work on HITs with potentially offensive content (1) or not (0)."),
]


def upgrade() -> None:
    op.create_table(
        "server_meta",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_server_meta")),
    )
    op.create_table(
        "requesters",
        sa.Column("requester_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("access_key_id", sa.String(128), nullable=False),
        sa.Column("secret_access_key", sa.String(128), nullable=False),
        sa.Column("available_balance", sa.String(32), server_default="10000.00", nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("requester_id", name=op.f("pk_requesters")),
        sa.UniqueConstraint("access_key_id", name=op.f("uq_requesters_access_key_id")),
    )
    qt = op.create_table(
        "qualification_types",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("qualification_type_id", sa.String(64), nullable=False),
        sa.Column("owner_id", sa.String(64), nullable=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("name_key", sa.String(255), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("keywords", sa.Text(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("test", sa.Text(), nullable=True),
        sa.Column("test_duration_in_seconds", sa.BigInteger(), nullable=True),
        sa.Column("answer_key", sa.Text(), nullable=True),
        sa.Column("retry_delay_in_seconds", sa.BigInteger(), nullable=True),
        sa.Column("is_requestable", sa.Boolean(), nullable=False),
        sa.Column("auto_granted", sa.Boolean(), nullable=False),
        sa.Column("auto_granted_value", sa.Integer(), nullable=True),
        sa.Column("creation_ms", sa.BigInteger(), nullable=False),
        sa.Column("disposed_ms", sa.BigInteger(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint("status IN ('Active', 'Inactive', 'Disposing')",
                           name=op.f("ck_qualification_types_status")),
        sa.ForeignKeyConstraint(["owner_id"], ["requesters.requester_id"],
                                name=op.f("fk_qualification_types_owner_id_requesters")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_qualification_types")),
        sa.UniqueConstraint("qualification_type_id", name=op.f("uq_qualification_types_qualification_type_id")),
        sa.UniqueConstraint("owner_id", "name_key", name="uq_qualification_types_owner_name"),
    )
    op.create_index("ix_qualification_types_status_seq", "qualification_types", ["status", "seq"])
    op.create_index("ix_qualification_types_owner_seq", "qualification_types", ["owner_id", "seq"])
    op.bulk_insert(qt, [
        {"qualification_type_id": type_id, "owner_id": None, "name": name, "name_key": name,
         "description": description, "keywords": None, "search_text": f"{name}\n{description}\n".casefold(),
         "status": "Active", "is_requestable": False,
         "auto_granted": False, "creation_ms": SYSTEM_CREATION_MS, "version": 1}
        for type_id, name, description in SYSTEM_TYPES
    ])


def downgrade() -> None:
    op.drop_table("qualification_types")
    op.drop_table("requesters")
    op.drop_table("server_meta")
