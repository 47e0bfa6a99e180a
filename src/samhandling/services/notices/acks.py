"""Acknowledgements (procedure §3.3: the recipient answers within two working days): by the signed one-click
link in the mail, or recorded by hand by our meldingsansvarlig. Overdue answers are followed up once: the
recipient is reminded, and when the reminder is not answered by the end of the next working day the recipient
is marked escalated: the daily monitoring then opens one alert per partner for our own meldingsansvarlig
(:mod:`samhandling.services.notices.monitoring`, cause ``notice_unanswered``), mailed once, never a flood."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from samhandling.domain.notices.model import NoticeError, NoticeStatus, Varsel
from samhandling.domain.notices.recipients import Recipient, RecipientState
from samhandling.domain.notices.rules import end_of_working_days
from samhandling.domain.notices.tokens import read_token
from samhandling.services.notices.config import NoticeConfig
from samhandling.services.notices.mails import MailWhat
from samhandling.services.notices.sending import get_notice, queue_mail
from samhandling.store.notices.unit_of_work import NoticeUnitOfWork


@dataclass(frozen=True)
class Acknowledged:
    notice: Varsel
    recipient: Recipient
    already: bool


def _acknowledge(uow: NoticeUnitOfWork, notice: Varsel, recipient: Recipient, version: int, *, by: str,
                 now: datetime) -> Acknowledged:
    if notice.status is NoticeStatus.CANCELLED:
        raise NoticeError(f"Varsel {notice.id} er avlyst; det er ikke noe å bekrefte.")
    if version < recipient.version:
        raise NoticeError("Varselet er endret siden denne lenken ble sendt; bruk lenken i det nyeste varselet.")
    if recipient.acknowledged_version is not None and recipient.acknowledged_version >= version:
        return Acknowledged(notice, recipient, True)
    updated = uow.notices.put_recipient(Recipient(**{**recipient.__dict__, "acknowledged_version": version,
                                                     "acknowledged_at": now, "acknowledged_by": by[:100]}))
    uow.commit()
    return Acknowledged(notice, updated, False)


def acknowledge_link(new_uow: Callable[[], NoticeUnitOfWork], config: NoticeConfig, token: str, *,
                     now: datetime) -> Acknowledged:
    """Acknowledge by the one-click link's token; TokenError or NoticeError (Norwegian) when it cannot be."""
    claim = read_token(config.secret, token, now=now)
    with new_uow() as uow:
        recipient = uow.notices.recipient(claim.recipient_id)
        if recipient is None or recipient.notice_id != claim.notice_id:
            raise NoticeError("Lenken viser til et varsel som ikke finnes.")
        notice = get_notice(uow, claim.notice_id)
        return _acknowledge(uow, notice, recipient, claim.version, by=f"lenke ({recipient.email})", now=now)


def acknowledge_by_hand(new_uow: Callable[[], NoticeUnitOfWork], notice_id: int, who: str, *, by: str,
                        now: datetime) -> Acknowledged:
    """Record an answer given otherwise (phone, mail): ``who`` is the partner's HER-id or the address."""
    with new_uow() as uow:
        notice = get_notice(uow, notice_id)
        wanted = who.strip().lower()
        found = [r for r in uow.notices.recipients(notice_id)
                 if r.reached and not r.own and wanted in (r.partner_her_id, r.email)]
        if not found:
            raise NoticeError(f"«{who}» er ikke mottaker av varsel {notice_id}; oppgi partens HER-id eller adressen.")
        return _acknowledge(uow, notice, found[0], notice.version, by=by, now=now)


@dataclass(frozen=True)
class Overdue:
    notice: Varsel
    recipient: Recipient
    deadline: datetime


def overdue(new_uow: Callable[[], NoticeUnitOfWork], config: NoticeConfig, *, now: datetime) -> list[Overdue]:
    """Every partner recipient whose answer is overdue, on notices still open."""
    found = []
    with new_uow() as uow:
        for notice in uow.notices.list((NoticeStatus.PLANNED, NoticeStatus.IN_PROGRESS)):
            for r in uow.notices.recipients(notice.id):
                if not r.own and r.state(now, config.calendar) is RecipientState.OVERDUE:
                    deadline = r.deadline(config.calendar)
                    assert deadline is not None
                    found.append(Overdue(notice, r, deadline))
    return found


@dataclass(frozen=True)
class FollowUp:
    reminded: tuple[Recipient, ...]
    escalated: tuple[int, ...]


def follow_up(new_uow: Callable[[], NoticeUnitOfWork], config: NoticeConfig, *, now: datetime) -> FollowUp:
    """Remind each overdue recipient once per version; mark it escalated (for the monitoring's alert) once per
    version when the reminder is not answered by the end of the next working day."""
    reminded: list[Recipient] = []
    escalated: list[int] = []
    late = overdue(new_uow, config, now=now)
    with new_uow() as uow:
        by_notice: dict[int, list[Recipient]] = {}
        for item in late:
            r, n = item.recipient, item.notice
            if r.reminded_version != r.version:
                updated = uow.notices.put_recipient(Recipient(**{**r.__dict__, "reminded_version": r.version,
                                                                 "reminded_at": now}))
                queue_mail(uow, n, updated, MailWhat.REMINDER, config, now=now)
                reminded.append(updated)
            elif (r.reminded_at is not None and now >= end_of_working_days(r.reminded_at, 1, config.calendar)
                  and r.escalated_version != r.version):
                by_notice.setdefault(n.id or 0, []).append(r)
        from samhandling.services.deviations.register import record_rule_breach

        for notice_id, recipients in by_notice.items():
            for r in recipients:
                uow.notices.put_recipient(Recipient(**{**r.__dict__, "escalated_version": r.version}))
                partner = (r.partner_her_id,) if r.partner_her_id else ()
                record_rule_breach(uow, f"notice:{notice_id}:v{r.version}:ack:{r.partner_her_id or r.email}",
                                   title=f"Varsel {notice_id} er ikke bekreftet innen to arbeidsdager",
                                   description=f"Mottakeren har ikke bekreftet varsel {notice_id} (versjon "
                                   f"{r.version}) innen fristen, heller ikke etter påminnelse "
                                   "(samhandlingsprosedyren 3.3).",
                                   by="samhandling", now=now, partner_her_ids=partner)
            escalated.append(notice_id)
        uow.commit()
    return FollowUp(tuple(reminded), tuple(escalated))
