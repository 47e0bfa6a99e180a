"""The node's first schema: parties, messages with their receivers, journal and outbox.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Key = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Moment = sa.DateTime(timezone=True)  # always UTC; see samhandling.store.messaging.tables.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "parties",
        sa.Column("her_id", sa.String(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("parent_her_id", sa.String(), nullable=True),
        sa.Column("local", sa.Boolean(), nullable=False),
        sa.Column("municipality", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("her_id", name="pk_parties"),
        sa.ForeignKeyConstraint(
            ["parent_her_id"],
            ["parties.her_id"],
            name="fk_parties_parent_her_id_parties",
            ondelete="RESTRICT",
            deferrable=True,
            initially="DEFERRED",
        ),
        sa.CheckConstraint("kind IN ('organisation', 'service', 'person')", name="ck_parties_kind"),
        sa.CheckConstraint("parent_her_id IS NULL OR parent_her_id <> her_id", name="ck_parties_not_own_parent"),
    )
    op.create_index("ix_parties_parent_her_id", "parties", ["parent_her_id"])

    op.create_table(
        "messages",
        sa.Column("id", Key, autoincrement=True, nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("msg_id", sa.String(), nullable=False),
        sa.Column("msg_type", sa.String(), nullable=False),
        sa.Column("standard", sa.String(), nullable=False),
        sa.Column("sender_her_id", sa.String(), nullable=True),
        sa.Column("recipient_her_id", sa.String(), nullable=True),
        sa.Column("conversation_ref", sa.String(), nullable=True),
        sa.Column("parent_ref", sa.String(), nullable=True),
        sa.Column("patient_ref", sa.String(), nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", Moment, nullable=False),
        sa.Column("updated_at", Moment, nullable=False),
        sa.Column("linked_to_msg_id", sa.String(), nullable=True),
        sa.Column("error_codes", sa.JSON(), nullable=False),
        sa.Column("is_apprec", sa.Boolean(), nullable=False),
        sa.Column("original_msg_id", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_messages"),
        sa.CheckConstraint("direction IN ('incoming', 'outgoing')", name="ck_messages_direction"),
    )
    # The duplicate rule: the same MsgId from the same sender to the same recipient, per direction.
    op.create_index(
        "uq_messages_duplicate",
        "messages",
        ["msg_id", "sender_her_id", "recipient_her_id", "direction"],
        unique=True,
        sqlite_where=sa.text("msg_id <> ''"),
        postgresql_where=sa.text("msg_id <> ''"),
    )
    op.create_index("ix_messages_direction_state_updated_at", "messages", ["direction", "state", "updated_at"])
    op.create_index("ix_messages_original_msg_id", "messages", ["original_msg_id"])
    op.create_index("ix_messages_conversation_ref", "messages", ["conversation_ref"])
    op.create_index("ix_messages_linked_to_msg_id", "messages", ["linked_to_msg_id"])
    op.create_index("ix_messages_patient_ref", "messages", ["patient_ref"])
    op.create_index("ix_messages_created_at", "messages", ["created_at"])

    op.create_table(
        "message_receivers",
        sa.Column("message_id", Key, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("her_id", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("message_id", "position", name="pk_message_receivers"),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name="fk_message_receivers_message_id_messages", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_message_receivers_her_id", "message_receivers", ["her_id"])

    op.create_table(
        "journal",
        sa.Column("id", Key, autoincrement=True, nullable=False),
        sa.Column("message_id", Key, nullable=False),
        sa.Column("at", Moment, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_journal"),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name="fk_journal_message_id_messages", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_journal_message_id_id", "journal", ["message_id", "id"])

    op.create_table(
        "outbox",
        sa.Column("id", Key, autoincrement=True, nullable=False),
        sa.Column("message_id", Key, nullable=False),
        sa.Column("created_at", Moment, nullable=False),
        sa.Column("next_attempt_at", Moment, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(), nullable=True),
        sa.Column("claim_token", sa.String(32), nullable=True),
        sa.Column("lease_until", Moment, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("done_at", Moment, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name="fk_outbox_message_id_messages", ondelete="CASCADE"
        ),
    )
    # At most one unfinished send per message.
    op.create_index(
        "uq_outbox_unfinished_message",
        "outbox",
        ["message_id"],
        unique=True,
        sqlite_where=sa.text("done_at IS NULL"),
        postgresql_where=sa.text("done_at IS NULL"),
    )
    op.create_index(
        "ix_outbox_due",
        "outbox",
        ["next_attempt_at", "id"],
        sqlite_where=sa.text("done_at IS NULL"),
        postgresql_where=sa.text("done_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_table("journal")
    op.drop_table("message_receivers")
    op.drop_table("messages")
    op.drop_table("parties")
