"""Telling the partner about a deviation (the cooperation procedure §3.2: tell the partner when a fault is
suspected or found): one mail to the partner's troubleshooting contact point (purpose ``feilsoking``) through
the general mail outbox, without patient data, recorded on the deviation."""

from __future__ import annotations

import logging
from datetime import datetime

from samhandling.domain.clock import as_utc
from samhandling.domain.deviations.deviation import Deviation, DeviationError, partner_mail, record_told
from samhandling.domain.registers.contacts import ContactPurpose
from samhandling.store.mail.repository import OutgoingMail
from samhandling.store.notices.unit_of_work import NoticeUnitOfWork

log = logging.getLogger(__name__)

TOPIC = "deviation"


def tell_partner(uow: NoticeUnitOfWork, deviation_id: int, *, organisation: str, by: str, now: datetime,
                 partner_her_id: str | None = None) -> tuple[Deviation, list[OutgoingMail]]:
    """Store the mail to each named partner's troubleshooting contact (the deviation's partners, or the one
    given), signed by our ``organisation``, and record on the deviation who was told."""
    now = as_utc("now", now)
    with uow:
        deviation = uow.deviations.get(deviation_id)
        if deviation is None:
            raise DeviationError(f"Ingen avvik med nummer {deviation_id}.")
        partners = (partner_her_id,) if partner_her_id else deviation.partner_her_ids
        if not partners:
            raise DeviationError(f"Avvik {deviation_id} nevner ingen samhandlingspart; oppgi --partner HER-id.")
        mails = []
        for her_id in partners:
            contact = uow.registers.contacts.get(her_id, ContactPurpose.FEILSOKING)
            if contact is None:
                raise DeviationError(f"HER-id {her_id} har ikke noe kontaktpunkt for feilsøking i kontaktlisten "
                                     "(samhandling contacts gaps).")
            party = uow.parties.get(her_id)
            subject, body = partner_mail(deviation, partner_name=party.name if party else f"HER-id {her_id}",
                                         own_name=organisation)
            sequence = len(deviation.told)
            mails.append(uow.mail.add(OutgoingMail(
                key=f"{TOPIC}:{deviation_id}:{sequence}:{contact.email.lower()}", topic=TOPIC, ref=str(deviation_id),
                recipients=(contact.email.lower(),), subject=subject, text_body=body, created_at=now)))
            deviation = record_told(deviation, at=now, by=by, to=contact.email.lower())
        uow.deviations.save(deviation)
        uow.commit()
    log.info("deviation told to partner", extra={"deviation": deviation_id, "mails": len(mails)})
    return deviation, mails
