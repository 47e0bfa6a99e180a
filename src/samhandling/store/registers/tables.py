"""The tables of the cooperation's registers, on the same ``metadata`` as the node's own tables (imported at the
end of :mod:`samhandling.store.messaging.tables`). Made by migration ``0006_registers``.

- ``municipalities``: the region's municipalities (seed data), by four-digit number.
- ``partner_profiles``: what the cooperation knows about a partner beyond the address register; one row per
  partner, on the partner's row in ``parties`` (no second copy of the parties).
- ``contact_points``: a partner's contact point per purpose (the contact and notification list).
- ``party_certificates``: certificates (virksomhetssertifikat) per communication party.
- ``message_capabilities``: the messages a party can receive, from its CPP.
- ``agreements``: local supplementary agreements per municipality and area, with the attached document.
- ``register_journal``: every change to the above: who, when, what (field-level before/after).
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
    LargeBinary,
    String,
    Table,
    Text,
)

from samhandling.store.metadata import Key, UtcDateTime, metadata

municipalities = Table(
    "municipalities",
    metadata,
    Column("number", String(4), primary_key=True),
    Column("name", Text, nullable=False),
    Column("region", Text, nullable=True),
)

partner_profiles = Table(
    "partner_profiles",
    metadata,
    Column("her_id", String, ForeignKey("parties.her_id", ondelete="CASCADE"), primary_key=True),
    Column("category", String(20), nullable=False),
    Column("organisation_number", String(9), nullable=True),
    Column("domain", Text, nullable=True),
    Column("epj_system", Text, nullable=True),
    Column("epj_version", Text, nullable=True),
    Column("comm_module", Text, nullable=True),
    Column("comm_version", Text, nullable=True),
    Column("active", Boolean, nullable=False),
    Column("note", Text, nullable=True),
    CheckConstraint("category IN ('helseforetak', 'kommune', 'legekontor', 'annen')", name="category"),
    Index(None, "organisation_number"),
)

contact_points = Table(
    "contact_points",
    metadata,
    Column("partner_her_id", String, ForeignKey("partner_profiles.her_id", ondelete="CASCADE"), primary_key=True),
    Column("purpose", String(20), primary_key=True),
    Column("name", Text, nullable=False),
    Column("email", Text, nullable=False),
    Column("phone", String(20), nullable=True),
    Column("staffed_24_7", Boolean, nullable=False),
    CheckConstraint(
        "purpose IN ('feilsoking', 'planlagt_nedetid', 'akutt_nedetid', 'sertifikat')", name="purpose"
    ),
)

party_certificates = Table(
    "party_certificates",
    metadata,
    Column("her_id", String, ForeignKey("parties.her_id", ondelete="CASCADE"), primary_key=True),
    Column("serial", String(64), primary_key=True),
    Column("usage", String(12), nullable=False),
    Column("subject", Text, nullable=False),
    Column("issuer", Text, nullable=True),
    Column("valid_from", UtcDateTime, nullable=False),
    Column("valid_to", UtcDateTime, nullable=False),
    CheckConstraint("usage IN ('signing', 'encryption')", name="usage"),
    Index(None, "valid_to"),
)

message_capabilities = Table(
    "message_capabilities",
    metadata,
    Column("her_id", String, ForeignKey("parties.her_id", ondelete="CASCADE"), primary_key=True),
    Column("service", String, primary_key=True),
    Column("action", String, primary_key=True),
    Column("message_version", String, nullable=True),
    Column("namespace", Text, nullable=True),
    Column("process", Text, nullable=True),
    Column("process_version", String, nullable=True),
    Column("source", Text, nullable=True),
)

agreements = Table(
    "agreements",
    metadata,
    Column("municipality", String(4), ForeignKey("municipalities.number", ondelete="RESTRICT"), primary_key=True),
    Column("area", String(30), primary_key=True),
    Column("status", String(20), nullable=False),
    Column("signed_on", Date, nullable=True),
    Column("valid_from", Date, nullable=True),
    Column("valid_to", Date, nullable=True),
    Column("contact", Text, nullable=True),
    Column("note", Text, nullable=True),
    Column("document_name", Text, nullable=True),
    Column("document_sha256", String(64), nullable=True),
    Column("document", LargeBinary, nullable=True),
    CheckConstraint(
        "area IN ('journaltilgang', 'video', 'felleskomponenter', 'hjemmeoppfolging')", name="area"
    ),
    CheckConstraint("status IN ('under_arbeid', 'signert', 'utlopt')", name="status"),
)

register_journal = Table(
    "register_journal",
    metadata,
    Column("id", Key, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", Text, nullable=False),
    Column("entity", String(20), nullable=False),
    Column("key", Text, nullable=False),
    Column("action", String(10), nullable=False),
    Column("changes", JSON, nullable=False),
    CheckConstraint("action IN ('created', 'updated', 'deleted')", name="action"),
    Index(None, "entity", "key", "id"),
    Index(None, "at"),
)

REGISTER_TABLES = (
    municipalities,
    partner_profiles,
    contact_points,
    party_certificates,
    message_capabilities,
    agreements,
    register_journal,
)
