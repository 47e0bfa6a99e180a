"""Telling the contact points for acute downtime about an incident (the cooperation procedure §3.4).

:func:`tell` is run at every node pass (and by ``incidents notify``): an incident that has lasted, or is expected
to last, more than three hours gets its notice at once, to the ``akutt_nedetid`` contact point of each affected
partner (every active partner when our own side is down and no partner is named) and to our own
meldingsansvarlig; after that, each follow-up and the resolution go to the same addresses. Every mail goes
through the general mail outbox, one per recipient, stored once by its key (so a pass repeated after a crash
stores nothing twice), and the outbox records when each was delivered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from samhandling.domain.clock import as_utc, utc_now
from samhandling.domain.incidents.incident import AffectedSide, Incident, IncidentUpdate, needs_downtime_notice
from samhandling.domain.incidents.mails import IncidentMailKind, incident_mail
from samhandling.domain.registers.contacts import ContactPurpose
from samhandling.services.notices.config import NoticeConfig
from samhandling.store.mail.repository import OutgoingMail
from samhandling.store.notices.unit_of_work import NoticeUnitOfWork

log = logging.getLogger(__name__)

TOPIC = "incident"
RECENTLY_RESOLVED = timedelta(days=7)
"""How long after its resolution an incident is still looked at (its resolution mail may be pending)."""


def recipients(uow: NoticeUnitOfWork, incident: Incident, config: NoticeConfig) -> tuple[list[str], list[str]]:
    """The addresses to tell, and the partners (HER-ids) without an acute-downtime contact point."""
    ours = {p.her_id for p in uow.parties.list(local=True)}
    partners: list[str] = []
    if incident.partner_her_ids:
        for her_id in incident.partner_her_ids:
            partners.append(_partner_of(uow, her_id))
    elif incident.side is AffectedSide.OURS:
        partners = [p.her_id for p in uow.registers.partners.list() if p.active and p.her_id not in ours]
    addresses, missing = [], []
    for her_id in dict.fromkeys(partners):
        contact = uow.registers.contacts.get(her_id, ContactPurpose.AKUTT_NEDETID)
        if contact is None:
            missing.append(her_id)
        else:
            addresses.append(contact.email.lower())
    addresses += [a.lower() for a in config.meldingsansvarlig]
    return list(dict.fromkeys(addresses)), missing


def _partner_of(uow: NoticeUnitOfWork, her_id: str) -> str:
    """The partner (with a profile in the register) a service or person belongs to, or the HER-id itself."""
    current: str | None = her_id
    for _ in range(10):  # bounded: the register's hierarchy is shallow
        if current is None:
            break
        if uow.registers.partners.get(current) is not None:
            return current
        party = uow.parties.get(current)
        current = party.parent_her_id if party is not None else None
    return her_id


def _queue(uow: NoticeUnitOfWork, incident: Incident, kind: IncidentMailKind, sequence: int, config: NoticeConfig,
           now: datetime) -> list[OutgoingMail]:
    assert incident.id is not None
    addresses, missing = recipients(uow, incident, config)
    if missing and kind is IncidentMailKind.NOTICE:
        log.warning("incident partners without acute-downtime contact", extra={"incident": incident.id,
                                                                               "partners": missing})
    names = {h: (p.name if (p := uow.parties.get(h)) is not None else f"HER-id {h}") for h in incident.partner_her_ids}
    update: IncidentUpdate | None
    if kind is IncidentMailKind.UPDATE:
        update = incident.updates[sequence - 1]
    else:  # the notice carries the latest news there is
        update = incident.updates[-1] if incident.updates and kind is IncidentMailKind.NOTICE else None
    subject, body = incident_mail(incident, kind, own_name=config.organisation, partner_names=names, update=update)
    return [uow.mail.add(OutgoingMail(key=f"{TOPIC}:{incident.id}:{kind.value}:{sequence}:{address}", topic=TOPIC,
                                      ref=str(incident.id), recipients=(address,), subject=subject, text_body=body,
                                      created_at=now))
            for address in addresses]


def tell(uow: NoticeUnitOfWork, config: NoticeConfig, *, now: datetime) -> list[OutgoingMail]:
    """Store the incident mails due at ``now`` in the outbox (and record the notice on the incident)."""
    now = as_utc("now", now)
    queued: list[OutgoingMail] = []
    with uow:
        for incident in uow.incidents.list(resolved_since=now - RECENTLY_RESOLVED):  # not the whole history
            if incident.downtime_notice_at is None:
                if not needs_downtime_notice(incident, now):
                    continue
                queued += _queue(uow, incident, IncidentMailKind.NOTICE, 0, config, now)
                incident = replace(incident, downtime_notice_at=now)
                uow.incidents.save(incident)
                log.info("incident notice queued", extra={"incident": incident.id})
                if incident.is_open:
                    continue
            told = incident.downtime_notice_at
            assert told is not None
            for number, update in enumerate(incident.updates, 1):
                if update.at <= told or (not incident.is_open and number == len(incident.updates)):
                    continue
                queued += _queue(uow, incident, IncidentMailKind.UPDATE, number, config, now)
            if not incident.is_open:
                queued += _queue(uow, incident, IncidentMailKind.RESOLVED, len(incident.updates), config, now)
        uow.commit()
    return queued


class IncidentStep:
    """One node pass for incidents: the mails due stored in the general outbox, which the notices' step
    delivers in the same pass."""

    def __init__(self, new_uow: Callable[[], NoticeUnitOfWork], config: NoticeConfig,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.new_uow, self.config, self.clock = new_uow, config, clock

    def __call__(self) -> dict[str, int]:
        return {"queued": len(tell(self.new_uow(), self.config, now=self.clock()))}
