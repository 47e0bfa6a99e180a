"""Certificates of ours about to expire (the registers keep the expiry dates): the procedure wants information
about virksomhetssertifikat available to partners, and a certificate change is a change they must hear about.
:func:`propose_certificate_notices` makes one draft certificate-change notice per expiring certificate of our
own organisation (never two for the same certificate), for the meldingsansvarlig to complete and send."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from samhandling.domain.notices.model import Audience, NoticeKind, Varsel
from samhandling.domain.registers.certificates import DEFAULT_WINDOW_DAYS, expiring
from samhandling.services.notices.authoring import create_notice
from samhandling.services.notices.config import NoticeConfig
from samhandling.services.notices.rules_text import certificate_marker
from samhandling.services.notices.templates import template_for
from samhandling.store.notices.unit_of_work import NoticeUnitOfWork


def propose_certificate_notices(new_uow: Callable[[], NoticeUnitOfWork], config: NoticeConfig, *, now: datetime,
                                within_days: int = DEFAULT_WINDOW_DAYS) -> list[Varsel]:
    """Drafts for our certificates expiring within ``within_days`` without a draft or notice already."""
    with new_uow() as uow:
        ours = {p.her_id for p in uow.parties.list(local=True)}
        found = [e for e in expiring(uow.registers.certificates.list(), now, within_days=within_days)
                 if e.certificate.her_id in ours and not e.expired]
        existing = " ".join(n.description for n in uow.notices.list())
        template = template_for(uow, NoticeKind.CERTIFICATE, config)
    made = []
    for notice in found:
        marker = certificate_marker(notice.certificate.her_id, notice.certificate.serial)
        if marker in existing:
            continue
        change = max(now + timedelta(days=8), notice.certificate.valid_to - timedelta(days=7))
        draft = Varsel(kind=NoticeKind.CERTIFICATE, title=f"{template.title} ({notice.certificate.usage.value})",
                       description=f"{template.description}\n\nSertifikatet som går ut "
                       f"{notice.certificate.valid_to:%d.%m.%Y}: {marker}.",
                       responsible=template.responsible, start=change, end=change + timedelta(hours=1),
                       contact_name=template.contact_name, contact_email=template.contact_email,
                       emergency_routine=template.emergency_routine, audience=Audience(everyone=True),
                       created_at=now, created_by="samhandling")
        made.append(create_notice(new_uow, draft, by="samhandling", now=now,
                                  reason="Foreslått: eget virksomhetssertifikat går snart ut"))
    return made
