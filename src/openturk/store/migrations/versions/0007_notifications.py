"""Notifications: a HIT type's notification settings, the transactional outbox of event documents, the
requesters' inbox (Transport Email), and the expiration each HIT's HITExpired event was sent for.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

Seq = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TRANSPORTS = "transport IN ('Email', 'SQS', 'SNS')"


def upgrade() -> None:
    with op.batch_alter_table("hits") as batch:
        batch.add_column(sa.Column("noted_expiration_ms", sa.BigInteger(), nullable=True))
    # HITs that expired before notifications existed have nothing to announce.
    op.execute("UPDATE hits SET noted_expiration_ms = expiration_ms")
    op.create_index("ix_hits_unnoted_expiration", "hits", ["expiration_ms"],
                    sqlite_where=sa.text("noted_expiration_ms IS NULL"),
                    postgresql_where=sa.text("noted_expiration_ms IS NULL"))
    op.create_table(
        "notification_settings",
        sa.Column("hit_type_id", sa.String(64), nullable=False),
        sa.Column("requester_id", sa.String(64), nullable=False),
        sa.Column("destination", sa.Text(), nullable=False),
        sa.Column("transport", sa.String(8), nullable=False),
        sa.Column("version", sa.String(16), nullable=False),
        sa.Column("event_types", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_ms", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(TRANSPORTS, name=op.f("ck_notification_settings_transport")),
        sa.ForeignKeyConstraint(["hit_type_id"], ["hit_types.hit_type_id"],
                                name=op.f("fk_notification_settings_hit_type_id_hit_types")),
        sa.ForeignKeyConstraint(["requester_id"], ["requesters.requester_id"],
                                name=op.f("fk_notification_settings_requester_id_requesters")),
        sa.PrimaryKeyConstraint("hit_type_id", name=op.f("pk_notification_settings")),
    )
    op.create_table(
        "notification_outbox",
        sa.Column("seq", Seq, autoincrement=True, nullable=False),
        sa.Column("event_doc_id", sa.String(64), nullable=False),
        sa.Column("requester_id", sa.String(64), nullable=False),
        sa.Column("hit_type_id", sa.String(64), nullable=True),
        sa.Column("event_type", sa.String(32), nullable=False),
        sa.Column("transport", sa.String(8), nullable=False),
        sa.Column("destination", sa.Text(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_ms", sa.BigInteger(), nullable=False),
        sa.Column("lease_until_ms", sa.BigInteger(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_ms", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("status IN ('Pending', 'Sent')", name=op.f("ck_notification_outbox_status")),
        sa.CheckConstraint(TRANSPORTS, name=op.f("ck_notification_outbox_transport")),
        sa.ForeignKeyConstraint(["requester_id"], ["requesters.requester_id"],
                                name=op.f("fk_notification_outbox_requester_id_requesters")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_notification_outbox")),
        sa.UniqueConstraint("event_doc_id", name=op.f("uq_notification_outbox_event_doc_id")),
    )
    op.create_index("ix_notification_outbox_status_next", "notification_outbox", ["status", "next_attempt_ms"])
    op.create_index("ix_notification_outbox_requester_seq", "notification_outbox", ["requester_id", "seq"])
    op.create_table(
        "requester_messages",
        sa.Column("seq", Seq, autoincrement=True, nullable=False),
        sa.Column("requester_id", sa.String(64), nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.Column("destination", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["requester_id"], ["requesters.requester_id"],
                                name=op.f("fk_requester_messages_requester_id_requesters")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_requester_messages")),
    )
    op.create_index("ix_requester_messages_requester_seq", "requester_messages", ["requester_id", "seq"])


def downgrade() -> None:
    op.drop_table("requester_messages")
    op.drop_table("notification_outbox")
    op.drop_table("notification_settings")
    op.drop_index("ix_hits_unnoted_expiration", "hits")
    with op.batch_alter_table("hits") as batch:
        batch.drop_column("noted_expiration_ms")
