"""The tables of incidents and holds, on the node's ``metadata``. Made by migration ``0013_incidents_deviations``.

- ``incidents``: one row per incident (the cooperation procedure §3.4): what is affected, when it was detected,
  its status, and when the acute-downtime contacts were told (at most once).
- ``incident_updates``: the incident's history, oldest first: each status change or follow-up, by whom, when.
- ``incident_calls``: the emergency routine's phone log (internal message ids only; no patient data).
- ``holds``: the emergency routine's holds; an active hold has no ``released_at``. At most one active hold per
  target (a HER-id, or ``*`` for the whole transport).
"""

from __future__ import annotations

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Index, Integer, String, Table, Text, text

from samhandling.store.metadata import Key, UtcDateTime, metadata

incidents = Table(
    "incidents",
    metadata,
    Column("id", Key, primary_key=True, autoincrement=True),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("side", String(10), nullable=False),
    Column("partner_her_ids", JSON, nullable=False),
    Column("message_types", JSON, nullable=False),
    Column("detected_at", UtcDateTime, nullable=False),
    Column("expected_end", UtcDateTime, nullable=True),
    Column("status", String(20), nullable=False),
    Column("source", String(20), nullable=False),
    Column("source_ref", Text, nullable=True),
    Column("resolved_at", UtcDateTime, nullable=True),
    Column("downtime_notice_at", UtcDateTime, nullable=True),
    Column("responsible", Text, nullable=False),
    Column("contact_person", Text, nullable=False),
    Column("created_by", Text, nullable=False),
    CheckConstraint("side IN ('egen', 'partner')", name="side"),
    CheckConstraint("status IN ('investigating', 'identified', 'monitoring', 'resolved')", name="status"),
    Index(None, "status", "detected_at"),
)

incident_updates = Table(
    "incident_updates",
    metadata,
    Column("incident_id", Key, ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("at", UtcDateTime, nullable=False),
    Column("by", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("text", Text, nullable=False),
)

incident_calls = Table(
    "incident_calls",
    metadata,
    Column("incident_id", Key, ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("at", UtcDateTime, nullable=False),
    Column("caller", Text, nullable=False),
    Column("callee", Text, nullable=False),
    Column("about", Text, nullable=False),
    Column("message_id", Key, nullable=True),
    Column("by", Text, nullable=False),
)

holds = Table(
    "holds",
    metadata,
    Column("id", Key, primary_key=True, autoincrement=True),
    Column("target", String, nullable=False),
    Column("reason", Text, nullable=False),
    Column("since", UtcDateTime, nullable=False),
    Column("by", Text, nullable=False),
    Column("incident_id", Key, ForeignKey("incidents.id", ondelete="SET NULL"), nullable=True),
    Column("released_at", UtcDateTime, nullable=True),
    Column("released_by", Text, nullable=True),
    Index("ux_holds_active_target", "target", unique=True, sqlite_where=text("released_at IS NULL"),
          postgresql_where=text("released_at IS NULL")),
)
