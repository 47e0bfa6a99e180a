"""The transport's own id of each message (NHN's message id in the EDI 2.0 API).

Revision ID: 0004
Revises: 0003
Create Date: 2025-02-15
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("transport_ref", sa.String(), nullable=True))
        batch.create_index("ix_messages_transport_ref", ["transport_ref"])


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_index("ix_messages_transport_ref")
        batch.drop_column("transport_ref")
