"""The local message server (``samhandling msh serve``): posted business documents and their deliveries.

Revision ID: 0005
Revises: 0004
Create Date: 2025-03-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Key = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Moment = sa.DateTime(timezone=True)  # always UTC; see samhandling.store.messaging.tables.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "msh_messages",
        sa.Column("id", Key, autoincrement=True, nullable=False),
        sa.Column("public_id", sa.String(36), nullable=False),
        sa.Column("sender_her_id", sa.String(), nullable=False),
        sa.Column("business_document_id", sa.String(), nullable=False),
        sa.Column("gen_date", Moment, nullable=False),
        sa.Column("is_apprec", sa.Boolean(), nullable=False),
        sa.Column("content_type", sa.String(), nullable=False),
        sa.Column("document", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", Moment, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_msh_messages"),
    )
    op.create_index("uq_msh_messages_public_id", "msh_messages", ["public_id"], unique=True)
    # The duplicate rule: the same MsgId from the same sender is the same message.
    op.create_index(
        "uq_msh_messages_sender_document", "msh_messages", ["sender_her_id", "business_document_id"], unique=True
    )
    op.create_index("ix_msh_messages_gen_date", "msh_messages", ["gen_date"])

    op.create_table(
        "msh_deliveries",
        sa.Column("message_id", Key, nullable=False),
        sa.Column("receiver_her_id", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("read_at", Moment, nullable=True),
        sa.Column("acknowledged_at", Moment, nullable=True),
        sa.Column("apprec_status", sa.String(20), nullable=True),
        sa.Column("apprec_errors", sa.JSON(), nullable=True),
        sa.Column("apprec_message_id", Key, nullable=True),
        sa.Column("apprec_at", Moment, nullable=True),
        sa.PrimaryKeyConstraint("message_id", "receiver_her_id", name="pk_msh_deliveries"),
        sa.ForeignKeyConstraint(
            ["message_id"], ["msh_messages.id"], name="fk_msh_deliveries_message_id_msh_messages", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["apprec_message_id"],
            ["msh_messages.id"],
            name="fk_msh_deliveries_apprec_message_id_msh_messages",
            ondelete="SET NULL",
        ),
        sa.CheckConstraint("state IN ('Unconfirmed', 'Acknowledged', 'Rejected')", name="ck_msh_deliveries_state"),
        sa.CheckConstraint(
            "apprec_status IS NULL OR apprec_status IN ('Ok', 'Rejected', 'OkErrorInMessagePart')",
            name="ck_msh_deliveries_apprec_status",
        ),
    )
    op.create_index("ix_msh_deliveries_receiver_her_id_read_at", "msh_deliveries", ["receiver_her_id", "read_at"])
    op.create_index("ix_msh_deliveries_apprec_message_id", "msh_deliveries", ["apprec_message_id"])


def downgrade() -> None:
    op.drop_table("msh_deliveries")
    op.drop_table("msh_messages")
