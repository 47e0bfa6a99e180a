"""Sending a notice: the rules (the one-week lead and the freeze periods of our own organisation and of every
affected partner, each overridable with a recorded reason), the recipients (each affected partner's contact
point for the notice's purpose, plus our own meldingsansvarlig; a partner without one is kept as not reached),
and their mails, stored in the same transaction in the general mail outbox. The mails go with
:func:`deliver_notices`, which records each recipient's delivery as the SMTP server takes its mail."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from samhandling.domain.notices.freeze import OWN, FreezePeriod, periods_touching
from samhandling.domain.notices.model import NoticeEdit, NoticeError, NoticeKind, NoticeStatus, Varsel
from samhandling.domain.notices.recipients import Recipient
from samhandling.domain.notices.rules import check_send, freeze_breach, lead_breach
from samhandling.domain.notices.tokens import make_token
from samhandling.domain.registers.contacts import PURPOSE_TEXT
from samhandling.services.mail.outbox import OutboxRun, deliver_outbox
from samhandling.services.notices.config import NoticeConfig
from samhandling.services.notices.mails import TOPIC, MailWhat, notice_mail
from samhandling.store.mail.repository import OutgoingMail
from samhandling.store.notices.unit_of_work import NoticeUnitOfWork


@dataclass(frozen=True)
class Target:
    """A recipient to be: a partner's contact point, a partner without one (``email`` None), or ours."""

    partner_her_id: str | None
    email: str | None
    name: str | None


@dataclass(frozen=True)
class SendResult:
    notice: Varsel
    recipients: tuple[Recipient, ...]

    @property
    def not_reached(self) -> tuple[str, ...]:
        return tuple(r.partner_her_id or "" for r in self.recipients if not r.reached)


def get_notice(uow: NoticeUnitOfWork, notice_id: int) -> Varsel:
    notice = uow.notices.get(notice_id)
    if notice is None:
        raise NoticeError(f"Varsel {notice_id} finnes ikke.")
    return notice


def affected_partners(uow: NoticeUnitOfWork, notice: Varsel) -> list[str]:
    """The HER-ids of the active partners ``notice`` concerns (not our own organisation), sorted."""
    ours = {p.her_id for p in uow.parties.list(local=True)}
    found = []
    for profile in uow.registers.partners.list():
        if profile.her_id in ours or not profile.active:
            continue
        if notice.audience.matches(profile.her_id, (profile.epj_system, profile.comm_module)):
            found.append(profile.her_id)
    known = {p.her_id for p in uow.registers.partners.list()}
    unknown = [h for h in notice.audience.partners if h not in known]
    if unknown:
        raise NoticeError(f"Ukjent samarbeidspart: {', '.join(unknown)} (se «samhandling partners list»).")
    return sorted(found)


def targets(uow: NoticeUnitOfWork, notice: Varsel, config: NoticeConfig) -> list[Target]:
    found = []
    for her_id in affected_partners(uow, notice):
        contact = uow.registers.contacts.get(her_id, notice.purpose)
        found.append(Target(her_id, contact.email if contact else None, contact.name if contact else None))
    found.extend(Target(None, address.lower(), "Meldingsansvarlig (egen)") for address in config.meldingsansvarlig)
    return found


def freeze_periods_for(uow: NoticeUnitOfWork, notice: Varsel, config: NoticeConfig) -> list[FreezePeriod]:
    """The freeze periods touching the notice's window: ours and every affected partner's."""
    stored = uow.notices.freeze_periods()
    found: list[FreezePeriod] = []
    for organisation in (OWN, *affected_partners(uow, notice)):
        found.extend(periods_touching(organisation, notice.start, notice.end, stored, config.freeze_defaults))
    return found


def check_rules(uow: NoticeUnitOfWork, notice: Varsel, config: NoticeConfig, *, now: datetime,
                urgent_reason: str | None, freeze_reason: str | None) -> Varsel:
    """The notice with the overrides used recorded, or NoticeError naming each rule broken."""
    periods = freeze_periods_for(uow, notice, config)
    standing = check_send(notice, now, periods, urgent_reason=urgent_reason, freeze_reason=freeze_reason)
    if standing:
        hints = {"lead": "send som hastevarsel med --urgent-reason", "freeze": "overstyr med --freeze-reason"}
        raise NoticeError(" ".join(f"{b.text} Avvist ({hints[b.rule]})." for b in standing))
    lead = lead_breach(notice, now)
    freeze = freeze_breach(notice, periods)
    return notice.with_changes(
        urgent_reason=(urgent_reason or "").strip() or None if lead is not None else None,
        freeze_reason=(freeze_reason or "").strip() or None if freeze is not None else None,
        freeze_periods=tuple(p.describe() for p in freeze.periods) if freeze is not None else (),
    )


def queue_mail(uow: NoticeUnitOfWork, notice: Varsel, recipient: Recipient, what: MailWhat, config: NoticeConfig,
               *, now: datetime, reason: str | None = None) -> OutgoingMail | None:
    """Store the mail ``what`` for ``recipient`` in the outbox (once per notice, version, what and address)."""
    if recipient.email is None or recipient.id is None or notice.id is None:
        return None
    token = None
    if not recipient.own and config.secret:
        token = make_token(config.secret, notice.id, notice.version, recipient.id, now=now)
    mail = notice_mail(notice, what, (recipient.email,), config, now=now, key_for=recipient.email,
                       recipient_id=recipient.id, token=token, reason=reason)
    return uow.mail.add(mail)


def notify_all(uow: NoticeUnitOfWork, notice: Varsel, config: NoticeConfig, what: MailWhat, *, now: datetime,
               reason: str | None = None) -> tuple[Recipient, ...]:
    """(Re-)notify every recipient of ``notice``'s current version: those found now and those notified before."""
    assert notice.id is not None
    previous = {r.key: r for r in uow.notices.recipients(notice.id)}
    wanted = [Recipient(notice_id=notice.id, partner_her_id=t.partner_her_id, email=t.email, name=t.name)
              for t in targets(uow, notice, config)]
    for key, old in previous.items():
        if key not in {w.key for w in wanted}:
            wanted.append(old)
    stored = []
    for candidate in wanted:
        prior = previous.get(candidate.key)
        base = prior if prior is not None else candidate
        if base.reached and base.version == notice.version and base.queued_at is not None:
            stored.append(base)  # this version is queued for it already
            queue_mail(uow, notice, base, what, config, now=now, reason=reason)
            continue
        updated = uow.notices.put_recipient(Recipient(**{
            **base.__dict__, "name": candidate.name or base.name, "version": notice.version,
            "queued_at": now if base.reached else None, "delivered_at": None}))
        queue_mail(uow, notice, updated, what, config, now=now, reason=reason)
        stored.append(updated)
    return tuple(stored)


def send_notice(new_uow: Callable[[], NoticeUnitOfWork], config: NoticeConfig, notice_id: int, *, by: str,
                now: datetime, urgent_reason: str | None = None, freeze_reason: str | None = None) -> SendResult:
    """Send a draft: check the rules, mark it planned, and queue its mail to every recipient."""
    with new_uow() as uow:
        notice = get_notice(uow, notice_id)
        if notice.status is not NoticeStatus.DRAFT:
            raise NoticeError(f"Varsel {notice_id} er allerede sendt (status «{notice.status.label}»); "
                              "endringer sendes med «notices edit».")
        if notice.kind is NoticeKind.MINOR:
            raise NoticeError("En mindre endring sendes ikke på e-post; publiser den med «notices publish».")
        checked = check_rules(uow, notice, config, now=now, urgent_reason=urgent_reason, freeze_reason=freeze_reason)
        sent = checked.with_changes(status=NoticeStatus.PLANNED, sent_at=now, published_at=now)
        uow.notices.save(sent)
        recipients = notify_all(uow, sent, config, MailWhat.NOTICE, now=now)
        if not any(r.reached for r in recipients):
            raise NoticeError(f"Ingen mottakere: ingen berørt part har kontaktpunkt for «{PURPOSE_TEXT[sent.purpose]}»"
                              " og SAMHANDLING_MELDINGSANSVARLIG er ikke satt.")
        reason = "Sendt til mottakerne" + ("; " + "; ".join(sent.deviations) if sent.deviations else "")
        _register_breaches(uow, sent, by=by, now=now)
        uow.notices.add_edit(NoticeEdit(notice_id=notice_id, version=sent.version, at=now, by=by, reason=reason,
                                        action="sent", changes={"status": {"before": "draft", "after": "planned"}}))
        uow.commit()
    return SendResult(sent, recipients)


def _register_breaches(uow: NoticeUnitOfWork, notice: Varsel, *, by: str, now: datetime) -> None:
    """The overrides used to send (less than a week's lead, a change in a freeze period) go to the deviation
    register as broken rules of the procedure (§3.3), once per notice version and rule."""
    from samhandling.services.deviations.register import record_rule_breach

    rules = (("lead", notice.urgent_reason, "Varsel sendt med kortere frist enn én uke"),
             ("freeze", notice.freeze_reason, "Planlagt endring i en frysperiode"))
    for rule, reason, title in rules:
        if reason:
            record_rule_breach(uow, f"notice:{notice.id}:v{notice.version}:{rule}",
                               title=f"{title}: {notice.title}"[:200],
                               description=f"Varsel {notice.id} ({notice.title}). Begrunnelse: {reason}", by=by,
                               now=now, partner_her_ids=tuple(notice.audience.partners))


def record_delivery(uow: NoticeUnitOfWork, mail: OutgoingMail, at: datetime) -> None:
    """The outbox's ``on_sent``: the recipient's mail of its current version went; its answer is due from now."""
    if mail.topic != TOPIC or mail.ref is None:
        return
    _, _, version, what, _ = mail.key.split(":", 4)
    if what not in (MailWhat.NOTICE.value, MailWhat.CANCELLED.value):
        return
    recipient = uow.notices.recipient(int(mail.ref))
    if recipient is not None and recipient.version == int(version[1:]) and recipient.delivered_at is None:
        uow.notices.put_recipient(Recipient(**{**recipient.__dict__, "delivered_at": at}))


def deliver_notices(new_uow: Callable[[], NoticeUnitOfWork], config: NoticeConfig, *,
                    now: Callable[[], datetime]) -> OutboxRun:
    """Send the waiting mails of the general outbox, recording each notice recipient's delivery."""
    return deliver_outbox(new_uow, config.smtp, config.sender, now=now, on_sent=record_delivery)
