"""The tables of the deviation register, on the node's ``metadata``. Made by migration
``0013_incidents_deviations``.

- ``deviations``: one row per deviation: what, when, category, severity, status, where it came from.
- ``deviation_measures``: its measures (tiltak), in the order added, with owner, deadline and status, and when
  an overdue measure was alerted (once).
- ``deviation_told``: each time the partner's troubleshooting contact was told (§3.2).
"""

from __future__ import annotations

from sqlalchemy import JSON, CheckConstraint, Column, Date, ForeignKey, Index, Integer, String, Table, Text

from samhandling.store.metadata import Key, UtcDateTime, metadata

deviations = Table(
    "deviations",
    metadata,
    Column("id", Key, primary_key=True, autoincrement=True),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("category", String(40), nullable=False),
    Column("severity", String(10), nullable=False),
    Column("status", String(20), nullable=False),
    Column("source", String(20), nullable=False),
    Column("source_ref", Text, nullable=True),
    Column("partner_her_ids", JSON, nullable=False),
    Column("message_ids", JSON, nullable=False),
    Column("registered_by", Text, nullable=False),
    Column("registered_at", UtcDateTime, nullable=False),
    Column("closed_at", UtcDateTime, nullable=True),
    CheckConstraint("status IN ('registrert', 'under_behandling', 'tiltak_besluttet', 'lukket')", name="status"),
    Index(None, "occurred_at"),
    Index(None, "source", "source_ref"),
)

deviation_measures = Table(
    "deviation_measures",
    metadata,
    Column("deviation_id", Key, ForeignKey("deviations.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("description", Text, nullable=False),
    Column("owner", Text, nullable=False),
    Column("deadline", Date, nullable=False),
    Column("status", String(20), nullable=False),
    Column("done_at", UtcDateTime, nullable=True),
    Column("overdue_alerted_at", UtcDateTime, nullable=True),
    CheckConstraint("status IN ('planlagt', 'gjennomfort', 'forkastet')", name="status"),
    Index(None, "status", "deadline"),
)

deviation_told = Table(
    "deviation_told",
    metadata,
    Column("deviation_id", Key, ForeignKey("deviations.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("at", UtcDateTime, nullable=False),
    Column("by", Text, nullable=False),
    Column("to", Text, nullable=False),
)
