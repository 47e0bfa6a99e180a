"""The general mail outbox: a mail is stored in the use case's transaction (:meth:`MailOutbox.add`, idempotent by
key) and sent afterwards by :func:`deliver_outbox`, one at a time, each outcome recorded at once.

The order makes a crash harmless: a mail is claimed (for :data:`CLAIM`) and committed before it goes, and marked
sent, with the use case's own record of the delivery (``on_sent``), in its own transaction right after the SMTP
server took it. A sender killed while sending leaves the unsent mails claimed; they go at the next run once the
claim runs out, and the mails already taken are never sent again. A mail the server refuses stays waiting with
its error and is tried at the next run. The Message-ID comes from the key, so a receiver can tell a repeat.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from types import TracebackType
from typing import Protocol, Self, TypeVar

from samhandling.domain.clock import utc_now
from samhandling.domain.privacy import redact_person_ids
from samhandling.services.mail.smtp import MAIL_POLICY, SmtpServer, iter_send
from samhandling.store.mail.repository import MailOutbox, OutgoingMail

log = logging.getLogger(__name__)

CLAIM = timedelta(minutes=2)


class MailUnitOfWork(Protocol):
    @property
    def mail(self) -> MailOutbox: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None: ...

    def commit(self) -> None: ...


U = TypeVar("U", bound=MailUnitOfWork)


@dataclass
class OutboxRun:
    """What one delivery did: the mail ids sent and failed, and the last error."""

    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    error: str | None = None


def message_id(mail: OutgoingMail, sender: str) -> str:
    domain = sender.rpartition("@")[2] or "localhost"
    return f"<{hashlib.sha256(mail.key.encode()).hexdigest()[:32]}@{domain}>"


def build_email(mail: OutgoingMail, sender: str) -> EmailMessage:
    """The mail as sent: plain text, HTML as the alternative when there is one, and the attachments."""
    message = EmailMessage(policy=MAIL_POLICY)
    message["From"] = sender
    message["To"] = ", ".join(mail.recipients)
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(mail.created_at)
    message["Message-ID"] = message_id(mail, sender)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no automatic replies to this
    message.set_content(mail.text_body, charset="utf-8")
    if mail.html_body is not None:
        message.add_alternative(mail.html_body, subtype="html", charset="utf-8")
    for attachment in mail.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(attachment.content.encode("utf-8"), maintype=maintype, subtype=subtype,
                               filename=attachment.filename)
    return message


def deliver_outbox(new_uow: Callable[[], U], smtp: SmtpServer | None, sender: str, *,
                   now: Callable[[], datetime] = utc_now, on_sent: Callable[[U, OutgoingMail, datetime], None]
                   | None = None, limit: int = 100) -> OutboxRun:
    """Send the waiting mails; record each outcome as soon as it is known. Never raises for a fault of the
    SMTP server or the network. ``smtp`` None: mail is off and everything waits."""
    run = OutboxRun()
    if smtp is None:
        return run
    at = now()
    with new_uow() as uow:
        claimed = [taken for mail in uow.mail.waiting(at, limit=limit) if mail.id is not None
                   and (taken := uow.mail.claim(mail.id, now=at, until=at + CLAIM)) is not None]
        uow.commit()
    if not claimed:
        return run
    outcomes = iter_send(smtp, sender, [(build_email(m, sender), m.recipients) for m in claimed])
    for mail, error in zip(claimed, outcomes, strict=True):
        assert mail.id is not None
        moment = now()
        with new_uow() as uow:
            if error is None:
                uow.mail.mark_sent(mail.id, at=moment)
                if on_sent is not None:
                    on_sent(uow, mail, moment)
                run.sent.append(mail.id)
            else:
                uow.mail.mark_failed(mail.id, error, at=moment)
                run.failed.append(mail.id)
                run.error = error
            uow.commit()
    if run.failed:
        log.warning("mail failed", extra={"failed": len(run.failed), "error": redact_person_ids(run.error or "")})
    return run
