"""The table of the general mail outbox, on the node's ``metadata`` (imported at the end of
:mod:`samhandling.store.messaging.tables`). Made by migration ``0012_notices``.

``mail_outbox``: one row per mail, unique by ``key`` (the sender's idempotency key, e.g. notice, version and
recipient): storing the same mail twice keeps one. ``claimed_until`` holds a mail for the sender sending it;
``sent_at`` is set once the SMTP server took it; ``last_error`` and ``attempts`` say what went wrong. ``topic``
and ``ref`` say what the mail is about (``notice``, the recipient's id), so the sender can record the delivery
in the same transaction. The monitoring keeps its own mails (``monitor_mails``).
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Index, Integer, String, Table, Text

from samhandling.store.metadata import Key, UtcDateTime, metadata

mail_outbox = Table(
    "mail_outbox",
    metadata,
    Column("id", Key, primary_key=True, autoincrement=True),
    Column("key", String(300), nullable=False, unique=True),
    Column("topic", String(30), nullable=False),
    Column("ref", String(100), nullable=True),
    Column("recipients", JSON, nullable=False),
    Column("subject", Text, nullable=False),
    Column("text_body", Text, nullable=False),
    Column("html_body", Text, nullable=True),
    Column("attachments", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("claimed_until", UtcDateTime, nullable=True),
    Column("sent_at", UtcDateTime, nullable=True),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text, nullable=True),
    Index(None, "sent_at", "id"),
)
