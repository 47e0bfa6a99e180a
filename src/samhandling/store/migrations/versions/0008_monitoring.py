"""The daily monitoring: alerts, handled messages, transport attempts, queue samples, line tests and mails.

Revision ID: 0008
Revises: 0007
Create Date: 2025-03-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Key = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Moment = sa.DateTime(timezone=True)  # always UTC; see samhandling.store.messaging.tables.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", Key, autoincrement=True, nullable=False),
        sa.Column("cause", sa.String(30), nullable=False),
        sa.Column("partner_her_id", sa.String(), nullable=False),
        sa.Column("opened_at", Moment, nullable=False),
        sa.Column("since", Moment, nullable=False),
        sa.Column("last_seen_at", Moment, nullable=False),
        sa.Column("message_ids", sa.JSON(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("acknowledged_by", sa.Text(), nullable=True),
        sa.Column("acknowledged_at", Moment, nullable=True),
        sa.Column("resolved_at", Moment, nullable=True),
        sa.Column("resolved_by", sa.Text(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_alerts"),
    )
    # At most one open alert per cause and partner ("" for none): no flood of alerts or mails.
    op.create_index(
        "uq_alerts_open_key",
        "alerts",
        ["cause", "partner_her_id"],
        unique=True,
        sqlite_where=sa.text("resolved_at IS NULL"),
        postgresql_where=sa.text("resolved_at IS NULL"),
    )
    op.create_index("ix_alerts_opened_at", "alerts", ["opened_at"])

    op.create_table(
        "monitor_handled",
        sa.Column("cause", sa.String(30), nullable=False),
        sa.Column("message_id", Key, nullable=False),
        sa.Column("alert_id", Key, nullable=True),
        sa.Column("handled_at", Moment, nullable=False),
        sa.PrimaryKeyConstraint("cause", "message_id", name="pk_monitor_handled"),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name="fk_monitor_handled_message_id_messages", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name="fk_monitor_handled_alert_id_alerts", ondelete="SET NULL"
        ),
    )

    op.create_table(
        "transport_attempts",
        sa.Column("id", Key, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("at", Moment, nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("her_id", sa.String(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_transport_attempts"),
        sa.CheckConstraint("kind IN ('send', 'poll')", name="ck_transport_attempts_kind"),
    )
    op.create_index("ix_transport_attempts_kind_at", "transport_attempts", ["kind", "at"])

    op.create_table(
        "queue_samples",
        sa.Column("id", Key, autoincrement=True, nullable=False),
        sa.Column("at", Moment, nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_queue_samples"),
    )
    op.create_index("ix_queue_samples_at", "queue_samples", ["at"])

    op.create_table(
        "line_tests",
        sa.Column("id", Key, autoincrement=True, nullable=False),
        sa.Column("her_id", sa.String(), nullable=False),
        sa.Column("partner_her_id", sa.String(), nullable=False),
        sa.Column("message_id", Key, nullable=True),
        sa.Column("msg_id", sa.String(), nullable=False),
        sa.Column("started_at", Moment, nullable=False),
        sa.Column("finished_at", Moment, nullable=True),
        sa.Column("ok", sa.Boolean(), nullable=True),
        sa.Column("round_trip_seconds", sa.Float(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_line_tests"),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name="fk_line_tests_message_id_messages", ondelete="SET NULL"
        ),
    )
    op.create_index("ix_line_tests_partner_her_id_started_at", "line_tests", ["partner_her_id", "started_at"])
    op.create_index("ix_line_tests_message_id", "line_tests", ["message_id"])

    op.create_table(
        "monitor_mails",
        sa.Column("id", Key, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("alert_id", Key, nullable=True),
        sa.Column("day", sa.Date(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("created_at", Moment, nullable=False),
        sa.Column("sent_at", Moment, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("claim_until", Moment, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_monitor_mails"),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name="fk_monitor_mails_alert_id_alerts", ondelete="CASCADE"
        ),
        sa.CheckConstraint("kind IN ('opened', 'resolved', 'daily')", name="ck_monitor_mails_kind"),
        sa.CheckConstraint("(kind = 'daily') = (alert_id IS NULL)", name="ck_monitor_mails_alert_or_day"),
    )
    # One mail when an alert opens and one when it resolves; one daily summary per day.
    op.create_index(
        "uq_monitor_mails_alert_kind",
        "monitor_mails",
        ["alert_id", "kind"],
        unique=True,
        sqlite_where=sa.text("alert_id IS NOT NULL"),
        postgresql_where=sa.text("alert_id IS NOT NULL"),
    )
    op.create_index(
        "uq_monitor_mails_day",
        "monitor_mails",
        ["day"],
        unique=True,
        sqlite_where=sa.text("kind = 'daily'"),
        postgresql_where=sa.text("kind = 'daily'"),
    )
    op.create_index(
        "ix_monitor_mails_unsent",
        "monitor_mails",
        ["id"],
        sqlite_where=sa.text("sent_at IS NULL"),
        postgresql_where=sa.text("sent_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_table("monitor_mails")
    op.drop_table("line_tests")
    op.drop_table("queue_samples")
    op.drop_table("transport_attempts")
    op.drop_table("monitor_handled")
    op.drop_table("alerts")
