"""The tables of the daily monitoring, on the same ``metadata`` as the node's own tables (imported at the end
of :mod:`samhandling.store.messaging.tables`). Made by migration ``0008_monitoring``.

- ``alerts``: every alert, open, acknowledged or resolved (:class:`samhandling.domain.monitoring.alerts.Alert`).
  ``partner_her_id`` is ``""`` for an alert without a partner (node-wide, or an unknown sender), so that the
  unique index ``uq_alerts_open_key`` holds: at most one OPEN alert per cause and partner (SQL never equates
  NULLs, an empty string it does).
- ``monitor_handled``: (cause, message) pairs a person has followed up and resolved by hand; the rules do not
  raise them again.
- ``transport_attempts``: the latest sends and polls of the transport, ok or failed with the error (only the
  newest are kept).
- ``queue_samples``: how many items the outbox held at each evaluation (the last day is kept).
- ``line_tests``: every line test: the test message, when it went, and the outcome with the round trip time.
- ``monitor_mails``: every mail of the monitoring, sent or waiting to be sent again: one when an alert opens
  and one when it resolves (unique per alert and kind), and one daily summary per day.

None of them holds patient data: alerts and mails carry message ids, types, MsgIds, codes, HER-ids and times,
and their free text is masked for eleven-digit runs before it is stored.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    text,
)

from samhandling.store.metadata import Key, UtcDateTime, metadata

alerts = Table(
    "alerts",
    metadata,
    Column("id", Key, primary_key=True, autoincrement=True),
    Column("cause", String(30), nullable=False),
    Column("partner_her_id", String, nullable=False),
    Column("opened_at", UtcDateTime, nullable=False),
    Column("since", UtcDateTime, nullable=False),
    Column("last_seen_at", UtcDateTime, nullable=False),
    Column("message_ids", JSON, nullable=False),
    Column("details", JSON, nullable=False),
    Column("acknowledged_by", Text, nullable=True),
    Column("acknowledged_at", UtcDateTime, nullable=True),
    Column("resolved_at", UtcDateTime, nullable=True),
    Column("resolved_by", Text, nullable=True),
    Column("resolution", Text, nullable=False),
    Index(
        "uq_alerts_open_key",
        "cause",
        "partner_her_id",
        unique=True,
        sqlite_where=text("resolved_at IS NULL"),
        postgresql_where=text("resolved_at IS NULL"),
    ),
    Index(None, "opened_at"),
)

monitor_handled = Table(
    "monitor_handled",
    metadata,
    Column("cause", String(30), primary_key=True),
    Column("message_id", Key, ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True),
    Column("alert_id", Key, ForeignKey("alerts.id", ondelete="SET NULL"), nullable=True),
    Column("handled_at", UtcDateTime, nullable=False),
)

transport_attempts = Table(
    "transport_attempts",
    metadata,
    Column("id", Key, primary_key=True, autoincrement=True),
    Column("kind", String(8), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("her_id", String, nullable=True),
    Column("error", Text, nullable=False),
    CheckConstraint("kind IN ('send', 'poll')", name="kind"),
    Index(None, "kind", "at"),
)

queue_samples = Table(
    "queue_samples",
    metadata,
    Column("id", Key, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("size", Integer, nullable=False),
    Index(None, "at"),
)

line_tests = Table(
    "line_tests",
    metadata,
    Column("id", Key, primary_key=True, autoincrement=True),
    Column("her_id", String, nullable=False),
    Column("partner_her_id", String, nullable=False),
    Column("message_id", Key, ForeignKey("messages.id", ondelete="SET NULL"), nullable=True),
    Column("msg_id", String, nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime, nullable=True),
    Column("ok", Boolean, nullable=True),
    Column("round_trip_seconds", Float, nullable=True),
    Column("detail", Text, nullable=False),
    Index(None, "partner_her_id", "started_at"),
    Index(None, "message_id"),
)

monitor_mails = Table(
    "monitor_mails",
    metadata,
    Column("id", Key, primary_key=True, autoincrement=True),
    Column("kind", String(10), nullable=False),
    Column("alert_id", Key, ForeignKey("alerts.id", ondelete="CASCADE"), nullable=True),
    Column("day", Date, nullable=True),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("recipients", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime, nullable=True),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("claim_until", UtcDateTime, nullable=True),
    CheckConstraint("kind IN ('opened', 'resolved', 'daily')", name="kind"),
    CheckConstraint("(kind = 'daily') = (alert_id IS NULL)", name="alert_or_day"),
    Index(
        "uq_monitor_mails_alert_kind",
        "alert_id",
        "kind",
        unique=True,
        sqlite_where=text("alert_id IS NOT NULL"),
        postgresql_where=text("alert_id IS NOT NULL"),
    ),
    Index(
        "uq_monitor_mails_day",
        "day",
        unique=True,
        sqlite_where=text("kind = 'daily'"),
        postgresql_where=text("kind = 'daily'"),
    ),
    Index(
        "ix_monitor_mails_unsent",
        "id",
        sqlite_where=text("sent_at IS NULL"),
        postgresql_where=text("sent_at IS NULL"),
    ),
)
