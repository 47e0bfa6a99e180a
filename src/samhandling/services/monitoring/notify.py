"""The monitoring's mail: who gets it, how it is stored, and how it goes out over SMTP.

Every mail is stored before it is sent (``uow.monitor``: one when an alert opens, one when it resolves, one
daily summary per day) and sent afterwards, outside the transaction. A mail the SMTP server does not take is
kept with its error and tried again at the next evaluation: never lost, and never a crash of the node.

Recipients: our own meldingsansvarlig (``SAMHANDLING_MELDINGSANSVARLIG``), and, when the fault concerns a
partner, that partner's contact point for troubleshooting from the contact list (purpose ``feilsoking``): the
cooperation procedure asks to «Varsle samhandlingspart dersom feil mistenkes eller avdekkes». A warning
(:attr:`AlertCause.RECEIPT_WARNING`: "no action needed yet") is for ourselves only; it suspects nothing yet.

The SMTP server is ``SAMHANDLING_SMTP_URL`` (:class:`samhandling.services.mail.smtp.SmtpServer`); the sending itself
is :func:`samhandling.services.mail.smtp.send_messages`. Mail carries no patient data: the texts come from
:func:`samhandling.domain.monitoring.mail.alert_mail` and the daily summary, and are masked for eleven-digit runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from samhandling.domain.clock import utc_now
from samhandling.domain.monitoring.alerts import Alert
from samhandling.domain.monitoring.causes import AlertCause
from samhandling.domain.monitoring.mail import alert_mail
from samhandling.domain.privacy import redact_person_ids
from samhandling.domain.registers.contacts import ContactPurpose
from samhandling.services.mail.smtp import MAIL_POLICY, SmtpServer, send_messages
from samhandling.services.mail.smtp import SMTP_TIMEOUT as SMTP_TIMEOUT  # re-exported
from samhandling.services.mail.smtp import SmtpUrlError as SmtpUrlError  # re-exported
from samhandling.store.monitoring.values import MailKind, MonitorMail
from samhandling.store.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

CLAIM = timedelta(minutes=2)
"""How long a sender holds a mail it is sending; another sender may take it after that."""
OURS_ONLY = frozenset({AlertCause.RECEIPT_WARNING, AlertCause.NOTICE_UNANSWERED, AlertCause.CERTIFICATE_EXPIRING})
"""Causes mailed to our own meldingsansvarlig only, not to the partner."""


@dataclass(frozen=True)
class NotifyConfig:
    """Whether and where the monitoring mails: the SMTP server (None: no mail), the sender, and our own
    meldingsansvarlig (built from the settings by :meth:`samhandling.bootstrap.Node.monitor_config`)."""

    smtp: SmtpServer | None = None
    sender: str = "samhandling@localhost"
    meldingsansvarlig: tuple[str, ...] = ()

    @property
    def enabled(self) -> bool:
        return self.smtp is not None


def split_addresses(text: str | None) -> tuple[str, ...]:
    """Comma- or semicolon-separated addresses, without blanks and repeats."""
    if not text:
        return ()
    found = (a.strip() for a in text.replace(";", ",").split(","))
    return tuple(dict.fromkeys(a for a in found if a))


# --- storing mails ---------------------------------------------------------------------------------------


def troubleshooting_contact(uow: UnitOfWork, partner_her_id: str | None) -> str | None:
    """The e-mail of the partner's contact point for troubleshooting (the contact list), if any."""
    if partner_her_id is None:
        return None
    contact = uow.registers.contacts.get(partner_her_id, ContactPurpose.FEILSOKING)
    return contact.email if contact is not None else None


def alert_recipients(uow: UnitOfWork, alert: Alert, config: NotifyConfig) -> tuple[str, ...]:
    """Our meldingsansvarlig, and the partner's troubleshooting contact when the fault concerns the partner."""
    found = list(config.meldingsansvarlig)
    if alert.cause not in OURS_ONLY and not alert.cause.node_wide:
        contact = troubleshooting_contact(uow, alert.partner_her_id)
        if contact is not None:
            found.append(contact)
    return tuple(dict.fromkeys(found))


def partner_name(uow: UnitOfWork, her_id: str | None) -> str | None:
    if her_id is None:
        return None
    party = uow.parties.get(her_id)
    return party.name if party is not None else None


def queue_alert_mail(uow: UnitOfWork, alert: Alert, opened: bool, config: NotifyConfig, *, at: datetime
                     ) -> MonitorMail | None:
    """Store the one mail for ``alert`` opening (``opened``) or resolving; None when mail is off, nobody is to
    get it, or the alert has that mail already."""
    if not config.enabled or alert.id is None:
        return None
    recipients = alert_recipients(uow, alert, config)
    if not recipients:
        log.warning("alert mail without recipients", extra={"alert_id": alert.id, "cause": alert.cause.value})
        return None
    subject, body = alert_mail(alert, partner_name(uow, alert.partner_her_id), opened)
    return uow.monitor.add_mail(MonitorMail(
        kind=MailKind.OPENED if opened else MailKind.RESOLVED, alert_id=alert.id, subject=subject, body=body,
        recipients=recipients, created_at=at,
    ))


def queue_daily_mail(uow: UnitOfWork, day: date, subject: str, body: str, config: NotifyConfig, *, at: datetime
                     ) -> MonitorMail | None:
    """Store the daily summary of ``day`` for our meldingsansvarlig; None when mail is off or it exists."""
    if not config.enabled or not config.meldingsansvarlig:
        return None
    return uow.monitor.add_mail(MonitorMail(kind=MailKind.DAILY, day=day, subject=subject, body=body,
                                            recipients=config.meldingsansvarlig, created_at=at))


# --- sending ---------------------------------------------------------------------------------------------


@dataclass
class MailRun:
    """What one delivery of stored mails did: the mail ids sent and failed, and the last error."""

    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    error: str | None = None


def email_message(mail: MonitorMail, sender: str) -> EmailMessage:
    message = EmailMessage(policy=MAIL_POLICY)
    message["From"] = sender
    message["To"] = ", ".join(mail.recipients)
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(mail.created_at)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no automatic replies to this
    message.set_content(mail.body, charset="utf-8")
    return message


def deliver_mails(new_uow: Callable[[], UnitOfWork], config: NotifyConfig, *, now: datetime | None = None,
                  limit: int = 100) -> MailRun:
    """Send the stored mails not sent yet, over one SMTP connection; record each outcome.

    Never raises for a fault of the SMTP server or the network: the mail stays unsent with its error, and
    the next call tries again.
    """
    run = MailRun()
    if config.smtp is None:
        return run
    at = now or utc_now()
    with new_uow() as uow:
        waiting = uow.monitor.unsent_mails(limit=limit)
    if not waiting:
        return run
    claimed: list[MonitorMail] = []
    with new_uow() as uow:
        for mail in waiting:
            assert mail.id is not None
            taken = uow.monitor.claim_mail(mail.id, now=at, until=at + CLAIM)
            if taken is not None:
                claimed.append(taken)
        uow.commit()
    if not claimed:
        return run
    outcomes = _send(config.smtp, config.sender, claimed)
    with new_uow() as uow:
        for mail, error in zip(claimed, outcomes, strict=True):
            assert mail.id is not None
            if error is None:
                uow.monitor.mail_sent(mail.id, at=utc_now())
                run.sent.append(mail.id)
            else:
                uow.monitor.mail_failed(mail.id, error, at=utc_now())
                run.failed.append(mail.id)
                run.error = error
        uow.commit()
    if run.failed:
        log.warning("mail failed", extra={"failed": len(run.failed), "error": redact_person_ids(run.error or "")})
    if run.sent:
        log.info("mail sent", extra={"sent": len(run.sent)})
    return run


def _send(server: SmtpServer, sender: str, mails: Sequence[MonitorMail]) -> list[str | None]:
    """Send each mail; the error text for each that failed (None for sent). One connection for all."""
    return send_messages(server, sender, [(email_message(mail, sender), mail.recipients) for mail in mails])
