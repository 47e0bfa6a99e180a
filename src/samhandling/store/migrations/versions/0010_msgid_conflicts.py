"""A received message whose MsgId was used again with other content is kept beside the first one.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04

``messages.conflicts_with`` holds the id of the message first received with the same MsgId, sender and
recipient; such a row is outside the duplicate rule, so the unique index ``uq_messages_duplicate`` leaves it out.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Key = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
COLUMNS = ["msg_id", "sender_her_id", "recipient_her_id", "direction"]


def upgrade() -> None:
    op.drop_index("uq_messages_duplicate", table_name="messages")
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("conflicts_with", Key, nullable=True))
    where = sa.text("msg_id <> '' AND conflicts_with IS NULL")
    op.create_index("uq_messages_duplicate", "messages", COLUMNS, unique=True, sqlite_where=where,
                    postgresql_where=where)


def downgrade() -> None:
    kept = op.get_bind().execute(sa.text("SELECT COUNT(*) FROM messages WHERE conflicts_with IS NOT NULL")).scalar()
    if kept:  # nothing is lost: those messages have no place in the older schema
        raise RuntimeError(f"{kept} mottatte meldinger med gjenbrukt MsgId finnes; de kan ikke lagres i eldre skjema.")
    op.drop_index("uq_messages_duplicate", table_name="messages")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("conflicts_with")
    where = sa.text("msg_id <> ''")
    op.create_index("uq_messages_duplicate", "messages", COLUMNS, unique=True, sqlite_where=where,
                    postgresql_where=where)
