"""Notices of planned changes and downtime, their edits and recipients, freeze periods, and the general mail
outbox.

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Key = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Moment = sa.DateTime(timezone=True)  # always UTC; see samhandling.store.messaging.tables.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "mail_outbox",
        sa.Column("id", Key, autoincrement=True, nullable=False),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("topic", sa.String(30), nullable=False),
        sa.Column("ref", sa.String(100), nullable=True),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=True),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("created_at", Moment, nullable=False),
        sa.Column("claimed_until", Moment, nullable=True),
        sa.Column("sent_at", Moment, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_mail_outbox"),
        sa.UniqueConstraint("key", name="uq_mail_outbox_key"),
    )
    op.create_index("ix_mail_outbox_sent_at_id", "mail_outbox", ["sent_at", "id"])
    op.create_table(
        "notices",
        sa.Column("id", Key, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("responsible", sa.Text(), nullable=False),
        sa.Column("start_at", Moment, nullable=False),
        sa.Column("end_at", Moment, nullable=False),
        sa.Column("contact_name", sa.Text(), nullable=False),
        sa.Column("contact_email", sa.String(254), nullable=True),
        sa.Column("contact_phone", sa.String(20), nullable=True),
        sa.Column("contact_phone_public", sa.Boolean(), nullable=False),
        sa.Column("emergency_routine", sa.Text(), nullable=True),
        sa.Column("message_types", sa.JSON(), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("urgent_reason", sa.Text(), nullable=True),
        sa.Column("freeze_reason", sa.Text(), nullable=True),
        sa.Column("freeze_periods", sa.JSON(), nullable=False),
        sa.Column("created_at", Moment, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("sent_at", Moment, nullable=True),
        sa.Column("published_at", Moment, nullable=True),
        sa.Column("closed_at", Moment, nullable=True),
        sa.CheckConstraint("status IN ('draft', 'planned', 'in_progress', 'completed', 'cancelled')",
                           name="ck_notices_status"),
        sa.CheckConstraint("end_at > start_at", name="ck_notices_window"),
        sa.PrimaryKeyConstraint("id", name="pk_notices"),
    )
    op.create_index("ix_notices_status_start_at", "notices", ["status", "start_at"])
    op.create_table(
        "notice_edits",
        sa.Column("id", Key, autoincrement=True, nullable=False),
        sa.Column("notice_id", Key, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("at", Moment, nullable=False),
        sa.Column("by", sa.String(100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["notice_id"], ["notices.id"], name="fk_notice_edits_notice_id_notices",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_notice_edits"),
    )
    op.create_index("ix_notice_edits_notice_id_id", "notice_edits", ["notice_id", "id"])
    op.create_table(
        "notice_recipients",
        sa.Column("id", Key, autoincrement=True, nullable=False),
        sa.Column("notice_id", Key, nullable=False),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("partner_her_id", sa.String(), nullable=True),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("queued_at", Moment, nullable=True),
        sa.Column("delivered_at", Moment, nullable=True),
        sa.Column("acknowledged_version", sa.Integer(), nullable=True),
        sa.Column("acknowledged_at", Moment, nullable=True),
        sa.Column("acknowledged_by", sa.String(100), nullable=True),
        sa.Column("reminded_version", sa.Integer(), nullable=True),
        sa.Column("reminded_at", Moment, nullable=True),
        sa.Column("escalated_version", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["notice_id"], ["notices.id"], name="fk_notice_recipients_notice_id_notices",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_notice_recipients"),
        sa.UniqueConstraint("notice_id", "key", name="uq_notice_recipients_notice_id_key"),
    )
    op.create_table(
        "freeze_periods",
        sa.Column("id", Key, autoincrement=True, nullable=False),
        sa.Column("organisation", sa.String(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("checked_on", sa.Date(), nullable=True),
        sa.CheckConstraint("last_day >= first_day", name="ck_freeze_periods_days"),
        sa.PrimaryKeyConstraint("id", name="pk_freeze_periods"),
        sa.UniqueConstraint("organisation", "kind", "first_day", name="uq_freeze_periods_organisation_kind_first_day"),
    )


def downgrade() -> None:
    op.drop_table("freeze_periods")
    op.drop_table("notice_recipients")
    op.drop_index("ix_notice_edits_notice_id_id", table_name="notice_edits")
    op.drop_table("notice_edits")
    op.drop_index("ix_notices_status_start_at", table_name="notices")
    op.drop_table("notices")
    op.drop_index("ix_mail_outbox_sent_at_id", table_name="mail_outbox")
    op.drop_table("mail_outbox")
