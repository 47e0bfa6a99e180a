"""What the notices give the daily monitoring (:func:`samhandling.services.monitoring.monitor.gather`): an alert for a
partner that has not answered a notice even after the reminder (one alert per partner and cause, naming the
notices, however many there are: no flood), and a warning for each certificate of ours that runs out within the
window without a successor. Read only; a unit of work without notices (the plain one) gives only the
certificates."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from samhandling.domain.monitoring.causes import AlertCause
from samhandling.domain.monitoring.findings import Finding
from samhandling.domain.notices.model import NoticeStatus, show_moment
from samhandling.domain.notices.recipients import RecipientState
from samhandling.domain.registers.certificates import DEFAULT_WINDOW_DAYS, USAGE_TEXT, expiring
from samhandling.store.unit_of_work import UnitOfWork


def notice_findings(uow: UnitOfWork, at: datetime) -> list[Finding]:
    found: list[Finding] = []
    ours = {p.her_id for p in uow.parties.list(local=True)}
    for notice in expiring(uow.registers.certificates.list(), at, within_days=DEFAULT_WINDOW_DAYS):
        c = notice.certificate
        if c.her_id in ours and not notice.expired:
            found.append(Finding(cause=AlertCause.CERTIFICATE_EXPIRING, partner_her_id=c.her_id,
                                 since=at,
                                 details=(f"Sertifikat for {USAGE_TEXT[c.usage]} (serienummer {c.serial}) går ut "
                                          f"{show_moment(c.valid_to)}, om {notice.days_left} dager.",)))
    notices = getattr(uow, "notices", None)
    if notices is None:
        return found
    unanswered: dict[str, list[str]] = defaultdict(list)
    since: dict[str, datetime] = {}
    for n in notices.list((NoticeStatus.PLANNED, NoticeStatus.IN_PROGRESS)):
        for r in notices.recipients(n.id):
            if (r.own or r.escalated_version != r.version or r.partner_her_id is None
                    or r.state(at) is not RecipientState.OVERDUE):
                continue
            unanswered[r.partner_her_id].append(f"Varsel {n.id} «{n.title}» ({show_moment(n.start)}), sendt til "
                                                f"{r.email}, er ikke bekreftet.")
            deadline = r.deadline()
            if deadline is not None:
                since[r.partner_her_id] = min(since.get(r.partner_her_id, deadline), deadline)
    for partner, lines in sorted(unanswered.items()):
        found.append(Finding(cause=AlertCause.NOTICE_UNANSWERED, partner_her_id=partner,
                             since=since.get(partner, at), details=tuple(lines)))
    return found
