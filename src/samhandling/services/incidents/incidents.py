"""Register, follow up and resolve incidents; the emergency routine's phone log; the three-hour notices.

Every function takes the moment it acts at (``now``) from its caller, so that the rules can be run for any
moment; a command passes the clock. Rule breaches are :class:`IncidentError` with one Norwegian line, and
nothing is stored then.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime

from samhandling.domain.clock import as_utc, written
from samhandling.domain.incidents.incident import (
    AffectedSide,
    Incident,
    IncidentError,
    IncidentSource,
    IncidentStatus,
    PhoneCall,
    change_status,
    log_call,
    needs_downtime_notice,
    new_incident,
)
from samhandling.domain.incidents.proposals import IncidentProposal, propose_incidents
from samhandling.store.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class IncidentForm:
    """What a person fills in to register an incident."""

    title: str
    side: AffectedSide
    responsible: str
    contact_person: str
    description: str = ""
    partner_her_ids: tuple[str, ...] = ()
    message_types: tuple[str, ...] = ()
    detected_at: datetime | None = None
    """When it was detected; ``now`` when not given."""
    expected_end: datetime | None = None
    source: IncidentSource = IncidentSource.MANUAL
    source_ref: str | None = None


def register_incident(uow: UnitOfWork, form: IncidentForm, *, by: str, now: datetime) -> Incident:
    now = as_utc("now", now)
    detected = as_utc("detected_at", form.detected_at) if form.detected_at is not None else now
    if detected > now:
        raise IncidentError("En hendelse kan ikke være oppdaget i framtiden.")
    with uow:
        for her_id in form.partner_her_ids:
            if uow.parties.get(her_id) is None:
                raise IncidentError(f"HER-id {her_id} finnes ikke i partsregisteret.")
        incident = new_incident(
            title=form.title.strip(), description=form.description.strip(), side=form.side,
            partner_her_ids=tuple(dict.fromkeys(form.partner_her_ids)), message_types=form.message_types,
            detected_at=detected, expected_end=form.expected_end, responsible=form.responsible.strip(),
            contact_person=form.contact_person.strip(), source=form.source, source_ref=form.source_ref,
            created_by=by)
        stored = uow.incidents.add(incident)
        uow.commit()
    log.info("incident registered", extra={"incident": stored.id, "side": stored.side.value})
    return stored


def get_incident(uow: UnitOfWork, incident_id: int) -> Incident:
    with uow:
        found = uow.incidents.get(incident_id)
    if found is None:
        raise IncidentError(f"Ingen hendelse med nummer {incident_id}.")
    return found


def list_incidents(uow: UnitOfWork, *, open_only: bool = False, limit: int | None = None) -> list[Incident]:
    with uow:
        return uow.incidents.list(open_only=open_only, limit=limit)


def update_incident(uow: UnitOfWork, incident_id: int, *, by: str, now: datetime, status: IncidentStatus | None = None,
                    text: str = "", expected_end: datetime | None = None) -> Incident:
    """A status change or follow-up information (or a new expected end), recorded with who and when."""
    now = as_utc("now", now)
    with uow:
        incident = uow.incidents.get(incident_id)
        if incident is None:
            raise IncidentError(f"Ingen hendelse med nummer {incident_id}.")
        if expected_end is not None:
            if expected_end <= incident.detected_at:
                raise IncidentError("Forventet slutt må komme etter at hendelsen ble oppdaget.")
            incident = replace(incident, expected_end=as_utc("expected_end", expected_end))
            text = text or f"Forventet slutt er nå {written(expected_end)}."
        changed = change_status(incident, status or incident.status, by=by, at=now, text=text)
        uow.incidents.save(changed)
        uow.commit()
    log.info("incident updated", extra={"incident": incident_id, "status": changed.status.value})
    return changed


def resolve_incident(uow: UnitOfWork, incident_id: int, *, by: str, now: datetime, text: str = "") -> Incident:
    return update_incident(uow, incident_id, by=by, now=now, status=IncidentStatus.RESOLVED,
                           text=text or "Meldingene går igjen.")


def record_call(uow: UnitOfWork, incident_id: int, call: PhoneCall) -> Incident:
    with uow:
        incident = uow.incidents.get(incident_id)
        if incident is None:
            raise IncidentError(f"Ingen hendelse med nummer {incident_id}.")
        if call.message_id is not None and uow.messages.get(call.message_id) is None:
            raise IncidentError(f"Ingen lagret melding med id {call.message_id}.")
        changed = log_call(incident, call)
        uow.incidents.save(changed)
        uow.commit()
    return changed


def proposals(uow: UnitOfWork) -> list[IncidentProposal]:
    """The incidents monitoring's open alerts point at, leaving out those an open incident covers."""
    with uow:
        return propose_incidents(uow.monitor.open_alerts(), uow.incidents.list(open_only=True))


def register_proposed(uow: UnitOfWork, alert_id: int, *, responsible: str, contact_person: str, by: str,
                      now: datetime, expected_end: datetime | None = None) -> Incident:
    """Register the incident monitoring proposes for the open alert ``alert_id``."""
    found = [p for p in proposals(uow) if alert_id in p.alert_ids]
    if not found:
        raise IncidentError(f"Overvåkingen foreslår ingen hendelse for varsel {alert_id} (det er løst, dekket av "
                            "en åpen hendelse, eller gjelder bare enkeltmeldinger).")
    proposal = found[0]
    form = IncidentForm(title=proposal.title, side=proposal.side, responsible=responsible,
                        contact_person=contact_person, partner_her_ids=proposal.partner_her_ids,
                        detected_at=proposal.since, expected_end=expected_end, source=IncidentSource.MONITORING,
                        source_ref=proposal.source_ref,
                        description="Foreslått av overvåkingen fra varsel " + ", ".join(map(str, proposal.alert_ids)))
    return register_incident(uow, form, by=by, now=now)


def downtime_notices_due(uow: UnitOfWork, now: datetime) -> list[Incident]:
    """The incidents whose acute-downtime notice is due at ``now`` (more than three hours, told nobody yet)."""
    with uow:
        return [i for i in uow.incidents.list() if needs_downtime_notice(i, now)]
