"""The node's tables (SQLAlchemy Core). The schema itself is made by the migrations in ``migrations/versions``,
which must match these definitions (a test compares them).

- ``parties``: communication parties, with their hierarchy (``parent_her_id``).
- ``messages``: every message received or sent, byte for byte, with its key fields. The unique index
  ``uq_messages_duplicate`` is the duplicate rule: one row per MsgId, sender, recipient and direction.
  A message without a readable MsgId (stored as "") is exempt; SQL never equates NULLs, so a message
  from an unidentifiable sender is exempt too; and so is a message whose MsgId was used again with other
  content (``conflicts_with``: the id of the first), which is kept beside the first.
- ``message_receivers``: everyone a message is addressed to, the primary receiver at position 0.
- ``journal``: every state change of a message (and notes on it, such as a receipt conflict).
- ``status_checks``: when the transport's status of a sent message is asked for next.
- ``outbox``: what waits for the transport; at most one unfinished item per message.
- ``patients``: the optional patient directory of a local party (for AppRec E35, "Pasienten finnes ikke i
  mottakersystemet", HIS 80415:2012 kap. 6.3): one row per party and patient identifier.
- ``msh_messages`` and ``msh_deliveries``: the local message server (``samhandling msh serve``, the EDI 2.0
  API of Norsk Helsenett served on one machine): every business document posted to it, and its delivery to
  each receiver with transport state, read marking and the receiver's application receipt.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    text,
)

from samhandling.store.metadata import Key, UtcDateTime, metadata

parties = Table(
    "parties",
    metadata,
    Column("her_id", String, primary_key=True),
    Column("name", Text, nullable=False),
    Column("kind", String(20), nullable=False),
    Column(
        "parent_her_id",
        String,
        # Deferred, so that a hierarchy can be loaded in any order within one transaction.
        ForeignKey("parties.her_id", ondelete="RESTRICT", deferrable=True, initially="DEFERRED"),
        nullable=True,
    ),
    Column("local", Boolean, nullable=False),
    Column("municipality", String, nullable=True),
    CheckConstraint("kind IN ('organisation', 'service', 'person')", name="kind"),
    CheckConstraint("parent_her_id IS NULL OR parent_her_id <> her_id", name="not_own_parent"),
    Index(None, "parent_her_id"),
)

messages = Table(
    "messages",
    metadata,
    Column("id", Key, primary_key=True, autoincrement=True),
    Column("direction", String(8), nullable=False),
    Column("msg_id", String, nullable=False),
    Column("msg_type", String, nullable=False),
    Column("standard", String, nullable=False),
    Column("sender_her_id", String, nullable=True),
    Column("recipient_her_id", String, nullable=True),
    Column("conversation_ref", String, nullable=True),
    Column("parent_ref", String, nullable=True),
    Column("patient_ref", String, nullable=True),
    Column("state", String(20), nullable=False),
    Column("raw", LargeBinary, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("linked_to_msg_id", String, nullable=True),
    Column("error_codes", JSON, nullable=False),
    Column("is_apprec", Boolean, nullable=False),
    Column("original_msg_id", String, nullable=True),
    Column("transport_ref", String, nullable=True),
    Column("receipt_conflict", Text, nullable=True),
    Column("conflicts_with", Key, nullable=True),
    CheckConstraint("direction IN ('incoming', 'outgoing')", name="direction"),
    Index(
        "uq_messages_duplicate",
        "msg_id",
        "sender_her_id",
        "recipient_her_id",
        "direction",
        unique=True,
        sqlite_where=text("msg_id <> '' AND conflicts_with IS NULL"),
        postgresql_where=text("msg_id <> '' AND conflicts_with IS NULL"),
    ),
    Index(None, "direction", "state", "updated_at"),
    Index(None, "original_msg_id"),
    Index("ix_messages_transport_ref", "transport_ref"),
    Index(None, "conversation_ref"),
    Index(None, "linked_to_msg_id"),
    Index(None, "patient_ref"),
    Index(None, "created_at"),
)

message_receivers = Table(
    "message_receivers",
    metadata,
    Column("message_id", Key, ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("her_id", String, nullable=False),
    Index(None, "her_id"),
)

journal = Table(
    "journal",
    metadata,
    Column("id", Key, primary_key=True, autoincrement=True),
    Column("message_id", Key, ForeignKey("messages.id", ondelete="CASCADE"), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("state", String(20), nullable=False),
    Column("detail", Text, nullable=False),
    Index(None, "message_id", "id"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Key, primary_key=True, autoincrement=True),
    Column("message_id", Key, ForeignKey("messages.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("claimed_by", String, nullable=True),
    Column("claim_token", String(32), nullable=True),
    Column("lease_until", UtcDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("done_at", UtcDateTime, nullable=True),
    Index(
        "uq_outbox_unfinished_message",
        "message_id",
        unique=True,
        sqlite_where=text("done_at IS NULL"),
        postgresql_where=text("done_at IS NULL"),
    ),
    Index(
        "ix_outbox_due",
        "next_attempt_at",
        "id",
        sqlite_where=text("done_at IS NULL"),
        postgresql_where=text("done_at IS NULL"),
    ),
)

status_checks = Table(
    "status_checks",
    metadata,
    Column("message_id", Key, ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True),
    Column("checks", Integer, nullable=False),
    Column("next_at", UtcDateTime, nullable=False),
    Index(None, "next_at"),
)
"""When the node asks the transport about a sent message again (delivery and AppRec status), and how many times
it has asked: a message that has not moved is asked about at a growing interval, only while it waits."""

patients = Table(
    "patients",
    metadata,
    Column("party_her_id", String, ForeignKey("parties.her_id", ondelete="CASCADE"), primary_key=True),
    Column("patient_id", String, primary_key=True),
    Column("name", Text, nullable=True),
)


epj_handovers = Table(
    "epj_handovers",
    metadata,
    Column("message_id", Key, ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True),
    Column("handed_over_at", UtcDateTime, nullable=False),
)
"""Received messages written to the EPJ's inbox folder: each is handed over once."""


msh_messages = Table(
    "msh_messages",
    metadata,
    Column("id", Key, primary_key=True, autoincrement=True),
    Column("public_id", String(36), nullable=False),
    Column("sender_her_id", String, nullable=False),
    Column("business_document_id", String, nullable=False),
    Column("gen_date", UtcDateTime, nullable=False),
    Column("is_apprec", Boolean, nullable=False),
    Column("content_type", String, nullable=False),
    Column("document", LargeBinary, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index("uq_msh_messages_public_id", "public_id", unique=True),
    # The server's duplicate rule: the same MsgId from the same sender is the same message.
    Index("uq_msh_messages_sender_document", "sender_her_id", "business_document_id", unique=True),
    Index(None, "gen_date"),
)
"""Business documents posted to the local message server, byte for byte. ``public_id`` is the API's message
id (a UUID); an AppRec the server made for a receiver is a message here too (``is_apprec``)."""

msh_deliveries = Table(
    "msh_deliveries",
    metadata,
    Column("message_id", Key, ForeignKey("msh_messages.id", ondelete="CASCADE"), primary_key=True),
    Column("receiver_her_id", String, primary_key=True),
    Column("position", Integer, nullable=False),
    Column("state", String(12), nullable=False),
    Column("read_at", UtcDateTime, nullable=True),
    Column("acknowledged_at", UtcDateTime, nullable=True),
    Column("apprec_status", String(20), nullable=True),
    Column("apprec_errors", JSON, nullable=True),
    Column("apprec_message_id", Key, ForeignKey("msh_messages.id", ondelete="SET NULL"), nullable=True),
    Column("apprec_at", UtcDateTime, nullable=True),
    CheckConstraint("state IN ('Unconfirmed', 'Acknowledged', 'Rejected')", name="state"),
    CheckConstraint(
        "apprec_status IS NULL OR apprec_status IN ('Ok', 'Rejected', 'OkErrorInMessagePart')", name="apprec_status"
    ),
    Index(None, "receiver_her_id", "read_at"),
    Index(None, "apprec_message_id"),
)
"""One row per receiver of a message on the local message server (the primary receiver at position 0): its
transport delivery state, when it was read, and the application receipt it sent, if any."""
