"""Receipt conflicts on sent messages, and when the node asks the transport about a sent message again.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Key = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Moment = sa.DateTime(timezone=True)  # always UTC; see samhandling.store.messaging.tables.UtcDateTime


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("receipt_conflict", sa.Text(), nullable=True))
    op.create_table(
        "status_checks",
        sa.Column("message_id", Key, nullable=False),
        sa.Column("checks", sa.Integer(), nullable=False),
        sa.Column("next_at", Moment, nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], name="fk_status_checks_message_id_messages",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("message_id", name="pk_status_checks"),
    )
    op.create_index("ix_status_checks_next_at", "status_checks", ["next_at"])


def downgrade() -> None:
    op.drop_index("ix_status_checks_next_at", table_name="status_checks")
    op.drop_table("status_checks")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("receipt_conflict")
