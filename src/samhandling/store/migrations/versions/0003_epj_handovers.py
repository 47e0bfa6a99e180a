"""Which received messages the node has handed over to the EPJ's inbox folder.

Revision ID: 0003
Revises: 0002
Create Date: 2025-02-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Key = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Moment = sa.DateTime(timezone=True)  # always UTC; see samhandling.store.messaging.tables.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "epj_handovers",
        sa.Column("message_id", Key, nullable=False),
        sa.Column("handed_over_at", Moment, nullable=False),
        sa.PrimaryKeyConstraint("message_id", name="pk_epj_handovers"),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name="fk_epj_handovers_message_id_messages", ondelete="CASCADE"
        ),
    )


def downgrade() -> None:
    op.drop_table("epj_handovers")
