"""The deviation register's use cases: from each source once, measures, the period report (JSON, CSV, PDF)."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader

from samhandling.domain.deviations.deviation import (
    DeviationCategory,
    DeviationError,
    DeviationSource,
    DeviationStatus,
    MeasureStatus,
)
from samhandling.domain.incidents.incident import AffectedSide
from samhandling.domain.messaging.messages import Direction, MessageState, StoredMessage
from samhandling.domain.monitoring.alerts import Alert
from samhandling.domain.monitoring.causes import AlertCause
from samhandling.services.deviations import register as service
from samhandling.services.deviations import report as reports
from samhandling.services.incidents.incidents import IncidentForm, register_incident
from samhandling.store.unit_of_work import UnitOfWork
from tests.support.parties import HOSPITAL, MUNICIPALITY, register

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def received_avvik(new_uow: Callable[[], UnitOfWork]) -> int:
    with new_uow() as uow:
        message = uow.messages.add(StoredMessage(
            direction=Direction.INCOMING, msg_id="b0a1e2f3-0000-4000-8000-000000000001", msg_type="DIALOG_AVVIK",
            standard="Dialogmelding 1.0", sender_her_id="8201", receiver_her_ids=("8101",), recipient_her_id="8101",
            state=MessageState.RECEIVED, raw=b"<MsgHead/>", created_at=NOW - 2 * DAY, updated_at=NOW - 2 * DAY))
        uow.commit()
    assert message.id is not None
    return message.id


def test_a_deviation_from_each_source_is_registered_once(new_uow: Callable[[], UnitOfWork]) -> None:
    register(new_uow, HOSPITAL + MUNICIPALITY, local_her_ids={"8100"})
    with new_uow() as uow:
        alert = uow.monitor.add_alert(Alert(cause=AlertCause.NEGATIVE_RECEIPT, partner_her_id="8200",
                                            opened_at=NOW - DAY, since=NOW - DAY, last_seen_at=NOW - DAY,
                                            details=("Melding 7 avvist",)))
        uow.commit()
    assert alert.id is not None
    message_id = received_avvik(new_uow)
    incident = register_incident(new_uow(), IncidentForm(title="EPJ nede", side=AffectedSide.PARTNER,
                                                         partner_her_ids=("8201",), responsible="Kari",
                                                         contact_person="Kari", detected_at=NOW - 5 * DAY),
                                 by="kari", now=NOW)
    assert incident.id is not None
    made = [
        service.from_alert(new_uow(), alert.id, by="kari", now=NOW),
        service.from_received_avvik(new_uow(), message_id, by="kari", now=NOW),
        service.from_incident(new_uow(), incident.id, by="kari", now=NOW),
        service.from_procedure_rule(new_uow(), "notice:3:lead", title="Varsel sendt med under en ukes frist",
                                    description="Varsel 3 ble sendt 4 dager før endringen.", by="kari", now=NOW),
        service.register_deviation(new_uow(), service.DeviationForm(
            title="Feil mottaker", description="Gikk til feil tjeneste.",
            category=DeviationCategory.WRONG_PATIENT_OR_RECIPIENT, partner_her_ids=("8202",)), by="kari", now=NOW),
    ]
    assert [d.source for d in made] == [DeviationSource.ALERT, DeviationSource.RECEIVED_AVVIK,
                                        DeviationSource.INCIDENT, DeviationSource.PROCEDURE_RULE,
                                        DeviationSource.MANUAL]
    assert made[1].message_ids == (message_id,) and made[1].partner_her_ids == ("8201",)
    assert made[0].partner_her_ids == ("8200",) and made[0].occurred_at == NOW - DAY
    again = service.from_alert(new_uow(), alert.id, by="per", now=NOW + DAY)
    assert again.id == made[0].id
    assert service.from_incident(new_uow(), incident.id, by="per", now=NOW).id == made[2].id
    assert len(service.list_deviations(new_uow())) == 5
    with pytest.raises(DeviationError, match="er ikke en mottatt tilbakemelding"):
        service.from_received_avvik(new_uow(), _outgoing_id(new_uow), by="kari", now=NOW)
    with pytest.raises(DeviationError, match="Ingen varsel med nummer 404"):
        service.from_alert(new_uow(), 404, by="kari", now=NOW)


def _outgoing_id(new_uow: Callable[[], UnitOfWork]) -> int:
    with new_uow() as uow:
        message = uow.messages.add(StoredMessage(
            direction=Direction.OUTGOING, msg_id="b0a1e2f3-0000-4000-8000-000000000002", msg_type="DIALOG_NOTAT",
            standard="Dialogmelding 1.0", sender_her_id="8101", receiver_her_ids=("8201",), recipient_her_id="8201",
            state=MessageState.QUEUED, raw=b"<MsgHead/>", created_at=NOW, updated_at=NOW))
        uow.commit()
    assert message.id is not None
    return message.id


def test_measures_and_the_period_report_as_json_csv_and_pdf(new_uow: Callable[[], UnitOfWork]) -> None:
    register(new_uow, HOSPITAL + MUNICIPALITY, local_her_ids={"8100"})
    form = service.DeviationForm(title="Innleggelsesrapport uten legemidler", description="Manglet legemidler.",
                                 category=DeviationCategory.CONTENT_ERROR, occurred_at=NOW - 3 * DAY,
                                 partner_her_ids=("8200",))
    first = service.register_deviation(new_uow(), form, by="kari", now=NOW)
    assert first.id is not None
    service.new_measure(new_uow(), first.id, description="Sjekk i EPJ", owner="Per", deadline=date(2026, 3, 12),
                        now=NOW)
    service.new_measure(new_uow(), first.id, description="Opplæring", owner="Kari", deadline=date(2026, 3, 31),
                        now=NOW)
    service.end_measure(new_uow(), first.id, 2, MeasureStatus.DONE, now=NOW)
    with pytest.raises(DeviationError, match="1 tiltak som ikke er gjennomført"):
        service.close_deviation(new_uow(), first.id, now=NOW)
    decided = service.set_status(new_uow(), first.id, DeviationStatus.MEASURES_DECIDED, now=NOW)
    assert decided.status is DeviationStatus.MEASURES_DECIDED
    service.register_deviation(new_uow(), service.DeviationForm(
        title="Teknisk feil", description="Linjen var nede.", category=DeviationCategory.TECHNICAL_FAULT,
        occurred_at=NOW - 40 * DAY), by="kari", now=NOW)  # February: outside the period

    report, names = reports.build_report(new_uow(), date(2026, 3, 1), date(2026, 3, 31), now=NOW + 5 * DAY)
    data = reports.report_json(report, names)
    assert data["total"] == 1 and data["by_category"]["innholdsfeil"] == 1
    assert data["by_partner"] == [{"her_id": "8200", "name": "Gjøvik kommune", "count": 1}]
    assert data["measures"] == {"done": 1, "dropped": 0, "planned": 1, "overdue": 1}
    assert data["deviations"][0]["measures"][0]["overdue"] is True
    lines = reports.report_csv(report).splitlines()
    assert lines[0].startswith("Nr;Skjedde;Tittel") and len(lines) == 2 and ";Gjøvik" not in lines[1]
    assert lines[1].endswith(";2;1;1")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(reports.report_pdf(report, names))).pages)
    text = " ".join(text.split())
    assert "Avviksrapport for samarbeidsutvalget" in text and "Perioden 01.03.2026–31.03.2026" in text
    assert "Gjøvik kommune (8200)" in text and "Innleggelsesrapport uten legemidler" in text
    assert "På overtid 1" in text and "Teknisk feil 0" in text


def test_overdue_measures_are_alerted_once_to_our_own_side_and_the_alert_resolves_when_done(
    new_uow: Callable[[], UnitOfWork],
) -> None:
    from samhandling.domain.calendar import WorkingCalendar
    from samhandling.services.monitoring.monitor import MonitorConfig, evaluate

    register(new_uow, HOSPITAL + MUNICIPALITY, local_her_ids={"8100"})
    form = service.DeviationForm(title="Feil mottaker", description="Gikk til feil tjeneste.",
                                 category=DeviationCategory.WRONG_PATIENT_OR_RECIPIENT, partner_her_ids=("8200",))
    deviation = service.register_deviation(new_uow(), form, by="kari", now=NOW)
    assert deviation.id is not None
    service.new_measure(new_uow(), deviation.id, description="Rett adressen", owner="Per", deadline=date(2026, 3, 11),
                        now=NOW)
    config = MonitorConfig(calendar=WorkingCalendar())
    evaluate(new_uow, config, now=NOW + DAY, send_mail=False)  # the deadline's day: not overdue yet
    with new_uow() as uow:
        assert [a for a in uow.monitor.open_alerts() if a.cause is AlertCause.MEASURE_OVERDUE] == []
    evaluate(new_uow, config, now=NOW + 2 * DAY, send_mail=False)
    evaluate(new_uow, config, now=NOW + 3 * DAY, send_mail=False)
    with new_uow() as uow:
        (alert,) = [a for a in uow.monitor.open_alerts() if a.cause is AlertCause.MEASURE_OVERDUE]
    assert alert.partner_her_id is None
    assert alert.details == (f"Avvik {deviation.id}, tiltak 1: «Rett adressen» (Per), frist 11.03.2026",)
    service.end_measure(new_uow(), deviation.id, 1, MeasureStatus.DONE, now=NOW + 3 * DAY)
    evaluate(new_uow, config, now=NOW + 4 * DAY, send_mail=False)
    with new_uow() as uow:
        assert [a for a in uow.monitor.open_alerts() if a.cause is AlertCause.MEASURE_OVERDUE] == []


def test_a_failed_checklist_case_is_a_broken_procedure_rule_registered_once(
    new_uow: Callable[[], UnitOfWork],
) -> None:
    from samhandling.services.checklist.report import report_json as checklist_json
    from tests.store.test_checklist_store import a_run

    register(new_uow, HOSPITAL + MUNICIPALITY, local_her_ids={"8100"})
    run = a_run()
    with new_uow() as uow:
        uow.checklist.add(run, checklist_json(run))
        uow.commit()
    (made,) = service.from_checklist_run(new_uow(), run.run_id, by="kari", now=NOW)
    assert made.source is DeviationSource.PROCEDURE_RULE and made.source_ref == f"checklist:{run.run_id}:19"
    assert made.category is DeviationCategory.ROUTINE_NOT_FOLLOWED and made.partner_her_ids == ("8200",)
    assert "Ikke positiv kvittering: tilfelle 6" in made.description
    assert [d.id for d in service.from_checklist_run(new_uow(), run.run_id, by="kari", now=NOW)] == [made.id]
    with pytest.raises(DeviationError, match="Ingen kjøring av sjekklisten"):
        service.from_checklist_run(new_uow(), "finnes-ikke", by="kari", now=NOW)
