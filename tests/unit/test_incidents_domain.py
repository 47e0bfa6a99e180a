"""Incidents and the emergency routine's hold: the pure rules (the cooperation procedure §3.4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from samhandling.domain.incidents.hold import ALL, HoldError, hold_target, holding, new_hold
from samhandling.domain.incidents.incident import (
    AffectedSide,
    IncidentError,
    IncidentStatus,
    PhoneCall,
    change_status,
    log_call,
    needs_downtime_notice,
    new_incident,
)
from samhandling.domain.incidents.proposals import propose_incidents
from samhandling.domain.monitoring.alerts import Alert
from samhandling.domain.monitoring.causes import AlertCause

DETECTED = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def incident(**changes: object):  # type: ignore[no-untyped-def]
    fields: dict[str, object] = dict(title="EPJ hos Gjøvik kommune er nede", side=AffectedSide.PARTNER,
                                     partner_her_ids=("8200",), detected_at=DETECTED, responsible="Kari Nordmann",
                                     contact_person="Ola Nordmann, 900 00 000")
    fields.update(changes)
    return new_incident(**fields)


def test_an_incident_that_lasts_more_than_three_hours_tells_the_acute_downtime_contacts() -> None:
    short = incident()
    assert not needs_downtime_notice(short, DETECTED + 3 * HOUR)  # «mer enn tre timer»: three is not more
    assert needs_downtime_notice(short, DETECTED + 3 * HOUR + timedelta(seconds=1))


def test_an_incident_expected_to_last_more_than_three_hours_tells_them_at_once() -> None:
    long = incident(expected_end=DETECTED + 5 * HOUR)
    assert needs_downtime_notice(long, DETECTED + timedelta(minutes=10))
    assert not needs_downtime_notice(incident(expected_end=DETECTED + 2 * HOUR), DETECTED + HOUR)


def test_the_notice_goes_once() -> None:
    from dataclasses import replace

    told = replace(incident(), downtime_notice_at=DETECTED + 4 * HOUR)
    assert not needs_downtime_notice(told, DETECTED + 10 * HOUR)


def test_an_incident_resolved_within_three_hours_needs_no_notice() -> None:
    fixed = change_status(incident(), IncidentStatus.RESOLVED, by="Kari", at=DETECTED + 2 * HOUR, text="Oppe igjen")
    assert not needs_downtime_notice(fixed, DETECTED + 10 * HOUR)
    assert fixed.duration(DETECTED + 10 * HOUR) == 2 * HOUR


def test_the_lifecycle_records_who_and_when_and_resolved_is_final() -> None:
    found = change_status(incident(), IncidentStatus.IDENTIFIED, by="Kari", at=DETECTED + HOUR, text="Sertifikat")
    watched = change_status(found, IncidentStatus.MONITORING, by="Per", at=DETECTED + 2 * HOUR)
    news = change_status(watched, IncidentStatus.MONITORING, by="Per", at=DETECTED + 3 * HOUR, text="Køen tømmes")
    again = change_status(news, IncidentStatus.INVESTIGATING, by="Per", at=DETECTED + 4 * HOUR, text="Feilet igjen")
    done = change_status(again, IncidentStatus.RESOLVED, by="Kari", at=DETECTED + 5 * HOUR)
    assert [(u.status, u.by) for u in done.updates] == [
        (IncidentStatus.IDENTIFIED, "Kari"), (IncidentStatus.MONITORING, "Per"), (IncidentStatus.MONITORING, "Per"),
        (IncidentStatus.INVESTIGATING, "Per"), (IncidentStatus.RESOLVED, "Kari")]
    assert done.resolved_at == DETECTED + 5 * HOUR and not done.is_open
    with pytest.raises(IncidentError, match="er løst"):
        change_status(done, IncidentStatus.INVESTIGATING, by="Kari", at=DETECTED + 6 * HOUR)
    with pytest.raises(IncidentError, match="ny status eller en oppdatering"):
        change_status(found, IncidentStatus.IDENTIFIED, by="Kari", at=DETECTED + HOUR)
    with pytest.raises(IncidentError, match="før hendelsen ble oppdaget"):
        change_status(found, IncidentStatus.MONITORING, by="Kari", at=DETECTED - HOUR)


@pytest.mark.parametrize(("changes", "wrong"), [
    ({"title": " "}, "tittel"),
    ({"responsible": ""}, "ansvarlig"),
    ({"contact_person": ""}, "kontaktperson"),
    ({"partner_her_ids": ()}, "minst én part"),
    ({"expected_end": DETECTED}, "Forventet slutt"),
    ({"description": "Gjelder pasient 01017012345"}, "fødselsnummer"),
])
def test_an_incident_that_breaks_a_rule_is_refused_with_one_line(changes: dict[str, object], wrong: str) -> None:
    with pytest.raises(IncidentError, match=wrong) as caught:
        incident(**changes)
    assert "\n" not in str(caught.value)


def test_the_phone_log_holds_internal_ids_and_no_patient_data() -> None:
    call = PhoneCall(at=DETECTED + HOUR, caller="Sykepleier, medisinsk avd.", callee="Hjemmesykepleien Gjøvik",
                     about="Utskrivning i dag, epikrise kommer når linjen er oppe", message_id=42, by="Kari")
    logged = log_call(incident(), call)
    assert logged.calls == (call,)
    with pytest.raises(IncidentError, match="fødselsnummer"):
        log_call(incident(), PhoneCall(at=DETECTED, caller="A", callee="B", about="Pasient 010170 12345"))
    with pytest.raises(IncidentError, match="hvem som ringte"):
        log_call(incident(), PhoneCall(at=DETECTED, caller="", callee="B", about="x"))


def test_a_hold_is_on_a_partner_or_on_everything() -> None:
    assert hold_target("alle") == ALL and hold_target(" 8201 ") == "8201"
    with pytest.raises(HoldError, match="verken en HER-id"):
        hold_target("Gjøvik")
    partner = new_hold("8201", reason="EPJ nede", since=DETECTED, by="Kari", existing=[])
    assert holding([partner], ["8201", "8200"]) is partner and holding([partner], ["8202", "8200"]) is None
    organisation = new_hold("8200", reason="Kommunen nede", since=DETECTED, by="Kari", existing=[])
    assert holding([organisation], ["8202", "8200"]) is organisation  # a hold on an organisation covers its services
    everything = new_hold(ALL, reason="Vår EPJ oppgraderes", since=DETECTED, by="Kari", existing=[partner])
    assert holding([partner, everything], ["8202", "8200"]) is everything
    with pytest.raises(HoldError, match="holdes allerede"):
        new_hold("8201", reason="igjen", since=DETECTED, by="Kari", existing=[partner])
    with pytest.raises(HoldError, match="--reason"):
        new_hold("8202", reason=" ", since=DETECTED, by="Kari", existing=[])


def alert(number: int, cause: AlertCause, partner: str | None, since: datetime = DETECTED) -> Alert:
    return Alert(id=number, cause=cause, partner_her_id=partner, opened_at=since, since=since, last_seen_at=since)


def test_monitoring_proposes_incidents_for_a_broken_exchange_not_for_one_message() -> None:
    alerts = [alert(1, AlertCause.POLL_FAILING, None), alert(2, AlertCause.PARTNER_QUIET, "8200"),
              alert(3, AlertCause.NEGATIVE_RECEIPT, "8300"),
              alert(4, AlertCause.RECEIPT_OVERDUE, "8400"), alert(5, AlertCause.RECEIPT_OVERDUE, "8500")]
    proposals = propose_incidents(alerts, [])
    assert [(p.side, p.partner_her_ids, p.alert_ids) for p in proposals] == [
        (AffectedSide.OURS, (), (1,)), (AffectedSide.PARTNER, ("8200",), (2,))]  # by time, then title
    many = [*alerts, alert(6, AlertCause.RECEIPT_EXPIRED, "8600", DETECTED - HOUR)]
    receipts = [p for p in propose_incidents(many, []) if p.alert_ids == (4, 5, 6)]
    assert receipts and receipts[0].title.startswith("Applikasjonskvitteringer mangler fra 3")
    assert receipts[0].since == DETECTED - HOUR
    covered = incident(source_ref="alert:2")
    assert [p.alert_ids for p in propose_incidents(alerts, [covered])] == [(1,)]
