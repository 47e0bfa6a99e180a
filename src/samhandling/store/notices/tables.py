"""The tables of notices (varsel), on the node's ``metadata`` (imported at the end of
:mod:`samhandling.store.messaging.tables`). Made by migration ``0012_notices``.

- ``notices``: one row per notice, its current version (:class:`samhandling.domain.notices.model.Varsel`).
- ``notice_edits``: every change to a notice, with who, when and the required reason, and the fields before
  and after; never changed or deleted.
- ``notice_recipients``: each recipient of a notice (a partner's contact point for the purpose, our own
  meldingsansvarlig, or a partner not reached), unique per notice and ``key`` (the address, or
  ``part:<HER-id>`` for one not reached); the version last queued and delivered, and the acknowledgement.
- ``freeze_periods``: the freeze periods entered per organisation (``""``: our own), with source and the date
  checked.

Contact persons' phone numbers are kept on the notice; the public channel shows them only when marked public.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from samhandling.store.metadata import Key, UtcDateTime, metadata

notices = Table(
    "notices",
    metadata,
    Column("id", Key, primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("responsible", Text, nullable=False),
    Column("start_at", UtcDateTime, nullable=False),
    Column("end_at", UtcDateTime, nullable=False),
    Column("contact_name", Text, nullable=False),
    Column("contact_email", String(254), nullable=True),
    Column("contact_phone", String(20), nullable=True),
    Column("contact_phone_public", Boolean, nullable=False),
    Column("emergency_routine", Text, nullable=True),
    Column("message_types", JSON, nullable=False),
    Column("audience", JSON, nullable=False),
    Column("status", String(20), nullable=False),
    Column("version", Integer, nullable=False),
    Column("urgent_reason", Text, nullable=True),
    Column("freeze_reason", Text, nullable=True),
    Column("freeze_periods", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("sent_at", UtcDateTime, nullable=True),
    Column("published_at", UtcDateTime, nullable=True),
    Column("closed_at", UtcDateTime, nullable=True),
    CheckConstraint("status IN ('draft', 'planned', 'in_progress', 'completed', 'cancelled')", name="status"),
    CheckConstraint("end_at > start_at", name="window"),
    Index(None, "status", "start_at"),
)

notice_edits = Table(
    "notice_edits",
    metadata,
    Column("id", Key, primary_key=True, autoincrement=True),
    Column("notice_id", Key, ForeignKey("notices.id", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("by", String(100), nullable=False),
    Column("reason", Text, nullable=False),
    Column("action", String(20), nullable=False),
    Column("changes", JSON, nullable=False),
    Index(None, "notice_id", "id"),
)

notice_recipients = Table(
    "notice_recipients",
    metadata,
    Column("id", Key, primary_key=True, autoincrement=True),
    Column("notice_id", Key, ForeignKey("notices.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(300), nullable=False),
    Column("partner_her_id", String, nullable=True),
    Column("email", String(254), nullable=True),
    Column("name", Text, nullable=True),
    Column("version", Integer, nullable=False),
    Column("queued_at", UtcDateTime, nullable=True),
    Column("delivered_at", UtcDateTime, nullable=True),
    Column("acknowledged_version", Integer, nullable=True),
    Column("acknowledged_at", UtcDateTime, nullable=True),
    Column("acknowledged_by", String(100), nullable=True),
    Column("reminded_version", Integer, nullable=True),
    Column("reminded_at", UtcDateTime, nullable=True),
    Column("escalated_version", Integer, nullable=True),
    UniqueConstraint("notice_id", "key"),
)

freeze_periods = Table(
    "freeze_periods",
    metadata,
    Column("id", Key, primary_key=True, autoincrement=True),
    Column("organisation", String, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("first_day", Date, nullable=False),
    Column("last_day", Date, nullable=False),
    Column("name", Text, nullable=True),
    Column("source", Text, nullable=True),
    Column("checked_on", Date, nullable=True),
    CheckConstraint("last_day >= first_day", name="days"),
    UniqueConstraint("organisation", "kind", "first_day"),
)
