"""The deviation register: the pure rules (the cooperation procedure §2 and §3.2)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from samhandling.domain.deviations.deviation import (
    Deviation,
    DeviationCategory,
    DeviationError,
    DeviationSeverity,
    DeviationSource,
    DeviationStatus,
    MeasureStatus,
    add_measure,
    finish_measure,
    move,
    new_deviation,
    partner_mail,
)
from samhandling.domain.deviations.report import NO_PARTNER, deviation_report

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TODAY = date(2026, 3, 2)


def deviation(**changes: object) -> Deviation:
    fields: dict[str, object] = dict(
        title="Innleggelsesrapport uten legemiddelliste", description="Rapporten manglet legemidler.",
        occurred_at=AT - timedelta(hours=2), category=DeviationCategory.CONTENT_ERROR,
        severity=DeviationSeverity.MEDIUM, registered_by="Kari Nordmann", registered_at=AT,
        partner_her_ids=("8200",), message_ids=(17,))
    fields.update(changes)
    return new_deviation(**fields)  # type: ignore[arg-type]


def test_the_lifecycle_goes_forward_to_closed_with_every_measure_finished() -> None:
    registered = deviation()
    with pytest.raises(DeviationError, match="minst ett tiltak"):
        move(registered, DeviationStatus.MEASURES_DECIDED, at=AT)
    handled = add_measure(registered, description="Ny sjekk i EPJ", owner="Per", deadline=TODAY + timedelta(14),
                          today=TODAY)
    assert handled.status is DeviationStatus.BEING_HANDLED
    decided = move(handled, DeviationStatus.MEASURES_DECIDED, at=AT)
    with pytest.raises(DeviationError, match="1 tiltak som ikke er gjennomført"):
        move(decided, DeviationStatus.CLOSED, at=AT)
    done = finish_measure(decided, 1, MeasureStatus.DONE, at=AT + timedelta(days=3))
    closed = move(done, DeviationStatus.CLOSED, at=AT + timedelta(days=3))
    assert closed.closed_at == AT + timedelta(days=3)
    with pytest.raises(DeviationError, match="tilbake"):
        move(closed, DeviationStatus.REGISTERED, at=AT)
    reopened = move(closed, DeviationStatus.BEING_HANDLED, at=AT + timedelta(days=4))
    assert reopened.closed_at is None
    with pytest.raises(DeviationError, match="lukket"):
        add_measure(closed, description="x", owner="y", deadline=TODAY, today=TODAY)


def test_a_measure_past_its_deadline_and_not_done_is_overdue() -> None:
    with_measures = add_measure(deviation(), description="Opplæring", owner="Per", deadline=TODAY, today=TODAY)
    with_measures = add_measure(with_measures, description="Rutine", owner="Kari", deadline=TODAY, today=TODAY)
    with_measures = finish_measure(with_measures, 2, MeasureStatus.DROPPED, at=AT)
    assert with_measures.overdue_measures(TODAY) == []
    assert [m.description for m in with_measures.overdue_measures(TODAY + timedelta(1))] == ["Opplæring"]
    with pytest.raises(DeviationError, match="allerede gått ut"):
        add_measure(deviation(), description="x", owner="y", deadline=TODAY - timedelta(1), today=TODAY)
    with pytest.raises(DeviationError, match="ikke tiltak nummer 3"):
        finish_measure(with_measures, 3, MeasureStatus.DONE, at=AT)
    with pytest.raises(DeviationError, match="allerede «Forkastet»"):
        finish_measure(with_measures, 2, MeasureStatus.DONE, at=AT)


@pytest.mark.parametrize(("changes", "wrong"), [
    ({"title": ""}, "Tittelen mangler"),
    ({"description": "Pasient 01017012345 fikk feil melding"}, "fødselsnummer"),
    ({"occurred_at": AT + timedelta(hours=1)}, "etter at det ble registrert"),
    ({"message_ids": (0,)}, "interne id-er"),
])
def test_a_deviation_that_breaks_a_rule_is_refused_with_one_line(changes: dict[str, object], wrong: str) -> None:
    with pytest.raises(DeviationError, match=wrong) as caught:
        deviation(**changes)
    assert "\n" not in str(caught.value)


def test_the_mail_to_the_partner_names_internal_ids_and_holds_no_patient_data() -> None:
    subject, body = partner_mail(replace(deviation(), id=7), partner_name="Gjøvik kommune", own_name="Sykehuset")
    assert subject == "[samhandling] Avvik i meldingsutvekslingen: Innleggelsesrapport uten legemiddelliste"
    assert "Våre interne meldingsreferanser: 17" in body and "punkt 3.2" in body and "Avviksnummer hos oss: 7" in body
    assert "Feil i innholdet i en mottatt melding" in body


def test_the_period_report_counts_by_category_partner_and_status_and_measures() -> None:
    first = deviation()
    second = add_measure(deviation(category=DeviationCategory.TECHNICAL_FAULT, partner_her_ids=("8200", "8300"),
                                   source=DeviationSource.INCIDENT),
                         description="Overvåk sertifikater", owner="Per", deadline=TODAY, today=TODAY)
    third = finish_measure(add_measure(deviation(partner_her_ids=()), description="x", owner="y", deadline=TODAY,
                                       today=TODAY), 1, MeasureStatus.DONE, at=AT)
    outside = deviation(occurred_at=datetime(2026, 2, 28, 22, 59, tzinfo=UTC))  # 23.59 on 28 Feb in Oslo
    report = deviation_report([first, second, third, outside], date(2026, 3, 1), date(2026, 3, 31),
                              TODAY + timedelta(1))
    assert report.total == 3
    assert report.by_category[DeviationCategory.CONTENT_ERROR] == 2
    assert report.by_category[DeviationCategory.TECHNICAL_FAULT] == 1
    assert report.by_category[DeviationCategory.AGREEMENT_BREACH] == 0
    assert report.by_partner == {NO_PARTNER: 1, "8200": 2, "8300": 1}
    assert report.by_status[DeviationStatus.BEING_HANDLED] == 2 and report.by_status[DeviationStatus.REGISTERED] == 1
    assert (report.measures_done, report.measures_planned, report.measures_overdue) == (1, 1, 1)
    with pytest.raises(ValueError, match="før den begynner"):
        deviation_report([], date(2026, 3, 2), date(2026, 3, 1), TODAY)
