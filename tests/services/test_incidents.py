"""Incidents' use cases: register, follow up, resolve, the phone log, the three-hour rule, and proposals from
monitoring (the cooperation procedure §3.4)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from samhandling.domain.incidents.incident import (
    AffectedSide,
    IncidentError,
    IncidentSource,
    IncidentStatus,
    PhoneCall,
)
from samhandling.domain.monitoring.alerts import Alert
from samhandling.domain.monitoring.causes import AlertCause
from samhandling.services.incidents import incidents as service
from samhandling.store.unit_of_work import UnitOfWork
from tests.support.parties import HOSPITAL, MUNICIPALITY, register

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def form(**changes: object) -> service.IncidentForm:
    fields: dict[str, object] = dict(title="EPJ i Gjøvik er nede", side=AffectedSide.PARTNER,
                                     partner_her_ids=("8201",), responsible="Kari", contact_person="Kari, 900 00 000",
                                     detected_at=NOW - HOUR)
    fields.update(changes)
    return service.IncidentForm(**fields)  # type: ignore[arg-type]


def test_an_incident_is_followed_up_and_resolved_with_who_and_when(new_uow: Callable[[], UnitOfWork]) -> None:
    register(new_uow, HOSPITAL + MUNICIPALITY, local_her_ids={"8100"})
    incident = service.register_incident(new_uow(), form(), by="kari", now=NOW)
    assert incident.id is not None
    assert service.downtime_notices_due(new_uow(), NOW) == []
    assert [i.id for i in service.downtime_notices_due(new_uow(), NOW + 2 * HOUR + 1 * timedelta(seconds=1))] == [
        incident.id]  # three hours since detection, not since registration
    service.update_incident(new_uow(), incident.id, by="per", now=NOW + HOUR, status=IncidentStatus.IDENTIFIED,
                            text="Sertifikatet er utløpt")
    later = service.update_incident(new_uow(), incident.id, by="per", now=NOW + HOUR, expected_end=NOW + 9 * HOUR)
    assert later.updates[-1].text.startswith("Forventet slutt er nå")
    assert [i.id for i in service.downtime_notices_due(new_uow(), NOW + HOUR)] == [incident.id]
    service.record_call(new_uow(), incident.id, PhoneCall(at=NOW, caller="Med. avd.", callee="Hjemmesykepleien",
                                                          about="Utskrivning i dag", by="per"))
    done = service.resolve_incident(new_uow(), incident.id, by="kari", now=NOW + 2 * HOUR)
    assert done.status is IncidentStatus.RESOLVED and done.updates[-1].text == "Meldingene går igjen."
    assert len(done.calls) == 1
    assert service.list_incidents(new_uow(), open_only=True) == []
    with pytest.raises(IncidentError, match="kan ikke endres"):
        service.update_incident(new_uow(), incident.id, by="kari", now=NOW + 3 * HOUR, text="igjen")


def test_bad_input_is_one_line_and_nothing_is_stored(new_uow: Callable[[], UnitOfWork]) -> None:
    register(new_uow, HOSPITAL + MUNICIPALITY, local_her_ids={"8100"})
    with pytest.raises(IncidentError, match="HER-id 9999 finnes ikke"):
        service.register_incident(new_uow(), form(partner_her_ids=("9999",)), by="kari", now=NOW)
    with pytest.raises(IncidentError, match="i framtiden"):
        service.register_incident(new_uow(), form(detected_at=NOW + HOUR), by="kari", now=NOW)
    with pytest.raises(IncidentError, match="Ingen hendelse med nummer 5"):
        service.update_incident(new_uow(), 5, by="kari", now=NOW, text="x")
    incident = service.register_incident(new_uow(), form(), by="kari", now=NOW)
    assert incident.id is not None
    with pytest.raises(IncidentError, match="Ingen lagret melding med id 77"):
        service.record_call(new_uow(), incident.id, PhoneCall(at=NOW, caller="a", callee="b", about="c",
                                                              message_id=77))
    assert service.get_incident(new_uow(), incident.id).calls == ()
    assert len(service.list_incidents(new_uow())) == 1


def test_monitoring_proposes_and_a_person_registers_once(new_uow: Callable[[], UnitOfWork]) -> None:
    register(new_uow, HOSPITAL + MUNICIPALITY, local_her_ids={"8100"})
    with new_uow() as uow:
        poll = uow.monitor.add_alert(Alert(cause=AlertCause.POLL_FAILING, partner_her_id=None, opened_at=NOW - HOUR,
                                           since=NOW - 2 * HOUR, last_seen_at=NOW))
        uow.monitor.add_alert(Alert(cause=AlertCause.NEGATIVE_RECEIPT, partner_her_id="8200", opened_at=NOW,
                                    since=NOW, last_seen_at=NOW))
        uow.commit()
    assert poll.id is not None
    (proposal,) = service.proposals(new_uow())
    assert proposal.alert_ids == (poll.id,) and proposal.side is AffectedSide.OURS
    incident = service.register_proposed(new_uow(), poll.id, responsible="Kari", contact_person="Kari", by="kari",
                                         now=NOW)
    assert incident.source is IncidentSource.MONITORING and incident.detected_at == NOW - 2 * HOUR
    assert service.proposals(new_uow()) == []
    with pytest.raises(IncidentError, match="foreslår ingen hendelse for varsel"):
        service.register_proposed(new_uow(), poll.id, responsible="Kari", contact_person="Kari", by="kari", now=NOW)
