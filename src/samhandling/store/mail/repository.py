"""The general mail outbox's repository, on the database and in memory.

A mail is stored once per ``key`` (:meth:`MailOutbox.add` returns the stored one when the key is there), claimed
by the sender for a while before it is sent (so two senders never send it both), and marked sent only after the
SMTP server took it. A mail that failed stays waiting with its error and is tried again.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection, Row, and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from samhandling.domain.clock import as_utc
from samhandling.store.mail.tables import mail_outbox


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # "text/calendar", …
    content: str


@dataclass(frozen=True, kw_only=True)
class OutgoingMail:
    """A mail in the outbox: plain text (and optionally HTML) with text attachments."""

    id: int | None = None
    key: str
    topic: str
    ref: str | None = None
    recipients: tuple[str, ...]
    subject: str
    text_body: str
    html_body: str | None = None
    attachments: tuple[Attachment, ...] = ()
    created_at: datetime
    claimed_until: datetime | None = None
    sent_at: datetime | None = None
    attempts: int = 0
    last_error: str | None = None

    def __post_init__(self) -> None:
        if not self.recipients:
            raise ValueError("a mail needs at least one recipient")
        object.__setattr__(self, "created_at", as_utc("created_at", self.created_at))


class MailOutbox(Protocol):
    def add(self, mail: OutgoingMail) -> OutgoingMail:
        """Store ``mail``; when a mail with its key is stored already, that one (unchanged)."""
        ...

    def get(self, mail_id: int) -> OutgoingMail | None: ...

    def by_key(self, key: str) -> OutgoingMail | None: ...

    def waiting(self, now: datetime, limit: int = 100) -> builtins.list[OutgoingMail]:
        """Unsent mails not claimed by someone at ``now``, oldest first."""
        ...

    def claim(self, mail_id: int, *, now: datetime, until: datetime) -> OutgoingMail | None:
        """Take the unsent mail for sending until ``until``; None when it is sent or claimed by another."""
        ...

    def mark_sent(self, mail_id: int, *, at: datetime) -> None: ...

    def mark_failed(self, mail_id: int, error: str, *, at: datetime) -> None: ...

    def list(self, topic: str | None = None) -> builtins.list[OutgoingMail]: ...


def _from(row: Row[Any]) -> OutgoingMail:
    m = row._mapping
    return OutgoingMail(
        id=m["id"], key=m["key"], topic=m["topic"], ref=m["ref"], recipients=tuple(m["recipients"]),
        subject=m["subject"], text_body=m["text_body"], html_body=m["html_body"],
        attachments=tuple(Attachment(**a) for a in m["attachments"]), created_at=m["created_at"],
        claimed_until=m["claimed_until"], sent_at=m["sent_at"], attempts=m["attempts"], last_error=m["last_error"],
    )


class SqlMailOutbox:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, mail: OutgoingMail) -> OutgoingMail:
        existing = self.by_key(mail.key)
        if existing is not None:
            return existing
        values = {
            "key": mail.key, "topic": mail.topic, "ref": mail.ref, "recipients": list(mail.recipients),
            "subject": mail.subject, "text_body": mail.text_body, "html_body": mail.html_body,
            "attachments": [a.__dict__ for a in mail.attachments], "created_at": mail.created_at,
            "claimed_until": None, "sent_at": None, "attempts": 0, "last_error": None,
        }
        try:
            with self._c.begin_nested():
                new_id = self._c.execute(mail_outbox.insert().values(**values).returning(mail_outbox.c.id)).scalar_one()
        except IntegrityError:  # stored by another sender meanwhile
            found = self.by_key(mail.key)
            assert found is not None
            return found
        return replace(mail, id=new_id, claimed_until=None, sent_at=None, attempts=0, last_error=None)

    def get(self, mail_id: int) -> OutgoingMail | None:
        row = self._c.execute(select(mail_outbox).where(mail_outbox.c.id == mail_id)).first()
        return None if row is None else _from(row)

    def by_key(self, key: str) -> OutgoingMail | None:
        row = self._c.execute(select(mail_outbox).where(mail_outbox.c.key == key)).first()
        return None if row is None else _from(row)

    def waiting(self, now: datetime, limit: int = 100) -> builtins.list[OutgoingMail]:
        query = (select(mail_outbox)
                 .where(mail_outbox.c.sent_at.is_(None),
                        or_(mail_outbox.c.claimed_until.is_(None), mail_outbox.c.claimed_until <= now))
                 .order_by(mail_outbox.c.id).limit(limit))
        return [_from(r) for r in self._c.execute(query)]

    def claim(self, mail_id: int, *, now: datetime, until: datetime) -> OutgoingMail | None:
        taken = self._c.execute(
            update(mail_outbox)
            .where(mail_outbox.c.id == mail_id, mail_outbox.c.sent_at.is_(None),
                   or_(mail_outbox.c.claimed_until.is_(None), mail_outbox.c.claimed_until <= now))
            .values(claimed_until=until, attempts=mail_outbox.c.attempts + 1)
        ).rowcount
        return self.get(mail_id) if taken else None

    def mark_sent(self, mail_id: int, *, at: datetime) -> None:
        self._c.execute(update(mail_outbox).where(and_(mail_outbox.c.id == mail_id, mail_outbox.c.sent_at.is_(None)))
                        .values(sent_at=at, claimed_until=None, last_error=None))

    def mark_failed(self, mail_id: int, error: str, *, at: datetime) -> None:
        self._c.execute(update(mail_outbox).where(mail_outbox.c.id == mail_id)
                        .values(claimed_until=None, last_error=error[:2000]))

    def list(self, topic: str | None = None) -> builtins.list[OutgoingMail]:
        query = select(mail_outbox).order_by(mail_outbox.c.id)
        if topic is not None:
            query = query.where(mail_outbox.c.topic == topic)
        return [_from(r) for r in self._c.execute(query)]


@dataclass
class MailData:
    mails: dict[int, OutgoingMail] = field(default_factory=dict)
    last_id: int = 0


class FakeMailOutbox:
    def __init__(self, data: MailData) -> None:
        self._d = data

    def add(self, mail: OutgoingMail) -> OutgoingMail:
        existing = self.by_key(mail.key)
        if existing is not None:
            return existing
        self._d.last_id += 1
        stored = replace(mail, id=self._d.last_id, claimed_until=None, sent_at=None, attempts=0, last_error=None)
        self._d.mails[stored.id] = stored  # type: ignore[index]
        return stored

    def get(self, mail_id: int) -> OutgoingMail | None:
        return self._d.mails.get(mail_id)

    def by_key(self, key: str) -> OutgoingMail | None:
        return next((m for m in self._d.mails.values() if m.key == key), None)

    def waiting(self, now: datetime, limit: int = 100) -> builtins.list[OutgoingMail]:
        found = [m for m in sorted(self._d.mails.values(), key=lambda m: m.id or 0)
                 if m.sent_at is None and (m.claimed_until is None or m.claimed_until <= now)]
        return found[:limit]

    def claim(self, mail_id: int, *, now: datetime, until: datetime) -> OutgoingMail | None:
        mail = self._d.mails.get(mail_id)
        if mail is None or mail.sent_at is not None or (mail.claimed_until is not None and mail.claimed_until > now):
            return None
        self._d.mails[mail_id] = taken = replace(mail, claimed_until=until, attempts=mail.attempts + 1)
        return taken

    def mark_sent(self, mail_id: int, *, at: datetime) -> None:
        mail = self._d.mails[mail_id]
        if mail.sent_at is None:
            self._d.mails[mail_id] = replace(mail, sent_at=at, claimed_until=None, last_error=None)

    def mark_failed(self, mail_id: int, error: str, *, at: datetime) -> None:
        self._d.mails[mail_id] = replace(self._d.mails[mail_id], claimed_until=None, last_error=error[:2000])

    def list(self, topic: str | None = None) -> builtins.list[OutgoingMail]:
        return [m for m in sorted(self._d.mails.values(), key=lambda m: m.id or 0) if topic in (None, m.topic)]
