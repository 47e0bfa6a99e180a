"""Storing incidents, holds and deviations: the same behaviour in memory, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from samhandling.domain.deviations.deviation import (
    DeviationCategory,
    DeviationSeverity,
    DeviationSource,
    DeviationStatus,
    MeasureStatus,
    add_measure,
    finish_measure,
    new_deviation,
    record_told,
)
from samhandling.domain.incidents.hold import ALL, Hold, HoldError
from samhandling.domain.incidents.incident import (
    AffectedSide,
    IncidentStatus,
    PhoneCall,
    change_status,
    log_call,
    new_incident,
)
from samhandling.store.deviations.repository import DeviationQuery, UnknownDeviationError
from samhandling.store.incidents.repository import UnknownIncidentError
from samhandling.store.unit_of_work import UnitOfWork

AT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def test_an_incident_keeps_its_history_and_phone_log(new_uow: Callable[[], UnitOfWork]) -> None:
    incident = new_incident(title="Meldingstjeneren svarer ikke", side=AffectedSide.OURS, detected_at=AT,
                            responsible="Kari", contact_person="Kari, 900 00 000", message_types=("DIALOG_NOTAT",),
                            expected_end=AT + 5 * HOUR, created_by="kari")
    with new_uow() as uow:
        stored = uow.incidents.add(incident)
        uow.commit()
    assert stored.id is not None
    changed = change_status(stored, IncidentStatus.IDENTIFIED, by="Per", at=AT + HOUR, text="Sertifikat utløpt")
    changed = log_call(changed, PhoneCall(at=AT + 2 * HOUR, caller="Medisinsk avd.", callee="Hjemmesykepleien",
                                          about="Utskrivning", message_id=12, by="per"))
    changed = replace(changed, downtime_notice_at=AT + HOUR)
    with new_uow() as uow:
        uow.incidents.save(changed)
        uow.commit()
    with new_uow() as uow:
        assert uow.incidents.get(stored.id) == changed
        assert uow.incidents.list(open_only=True) == [changed]
        done = change_status(changed, IncidentStatus.RESOLVED, by="Per", at=AT + 4 * HOUR)
        uow.incidents.save(done)
        uow.commit()
    with new_uow() as uow:
        assert uow.incidents.list(open_only=True) == []
        assert [i.status for i in uow.incidents.list()] == [IncidentStatus.RESOLVED]
        with pytest.raises(UnknownIncidentError, match="nummer 99"):
            uow.incidents.save(replace(done, id=99))


def test_one_active_hold_per_target_and_a_released_hold_can_be_placed_again(
    new_uow: Callable[[], UnitOfWork],
) -> None:
    partner = Hold(target="8201", reason="EPJ nede", since=AT, by="kari")
    with new_uow() as uow:
        uow.incidents.add_hold(partner)
        uow.incidents.add_hold(Hold(target=ALL, reason="Oppgradering", since=AT + HOUR, by="kari"))
        uow.commit()
    with new_uow() as uow:
        with pytest.raises(HoldError, match="HER-id 8201 holdes allerede"):
            uow.incidents.add_hold(replace(partner, since=AT + 2 * HOUR))
        assert [h.target for h in uow.incidents.holds()] == ["8201", ALL]
        assert uow.incidents.release_hold("8201", at=AT + 3 * HOUR, by="per") == partner
        assert uow.incidents.release_hold("8201", at=AT + 3 * HOUR, by="per") is None
        uow.incidents.add_hold(replace(partner, since=AT + 4 * HOUR))
        uow.commit()
    with new_uow() as uow:
        assert [h.since for h in uow.incidents.holds()] == [AT + HOUR, AT + 4 * HOUR]


def test_a_deviation_keeps_its_measures_and_who_was_told(new_uow: Callable[[], UnitOfWork]) -> None:
    deviation = new_deviation(title="Feil mottaker", description="Rapporten gikk til feil tjeneste.",
                              occurred_at=AT, category=DeviationCategory.WRONG_PATIENT_OR_RECIPIENT,
                              severity=DeviationSeverity.HIGH, registered_by="kari", registered_at=AT + HOUR,
                              source=DeviationSource.ALERT, source_ref="alert:4", partner_her_ids=("8200", "8300"),
                              message_ids=(5, 6))
    with new_uow() as uow:
        stored = uow.deviations.add(deviation)
        uow.commit()
    assert stored.id is not None
    changed = add_measure(stored, description="Rett adressen", owner="Per", deadline=date(2026, 3, 9),
                          today=date(2026, 3, 2))
    changed = add_measure(changed, description="Opplæring", owner="Kari", deadline=date(2026, 3, 20),
                          today=date(2026, 3, 2))
    changed = finish_measure(changed, 1, MeasureStatus.DONE, at=AT + 5 * HOUR)
    changed = record_told(changed, at=AT + 2 * HOUR, by="kari", to="feil@gjovik.kommune.no")
    with new_uow() as uow:
        uow.deviations.save(changed)
        uow.commit()
    with new_uow() as uow:
        got = uow.deviations.get(stored.id)
        assert got is not None
        assert [(m.id, m.description, m.status) for m in got.measures] == [
            (1, "Rett adressen", MeasureStatus.DONE), (2, "Opplæring", MeasureStatus.PLANNED)]
        assert got.told == changed.told and got.status is DeviationStatus.BEING_HANDLED
        assert got.partner_her_ids == ("8200", "8300") and got.message_ids == (5, 6)
        assert [d.id for d in uow.deviations.list(DeviationQuery(partner_her_id="8300"))] == [stored.id]
        assert uow.deviations.list(DeviationQuery(partner_her_id="8400")) == []
        assert [d.id for d in uow.deviations.list(DeviationQuery(source=DeviationSource.ALERT,
                                                                 source_ref="alert:4"))] == [stored.id]
        assert uow.deviations.list(DeviationQuery(occurred_from=AT + HOUR)) == []
        with pytest.raises(UnknownDeviationError, match="nummer 77"):
            uow.deviations.save(replace(got, id=77))


def test_nothing_is_kept_when_the_unit_of_work_is_not_committed(new_uow: Callable[[], UnitOfWork]) -> None:
    with new_uow() as uow:
        uow.incidents.add_hold(Hold(target="8201", reason="x", since=AT, by="kari"))
    with new_uow() as uow:
        assert uow.incidents.holds() == []
