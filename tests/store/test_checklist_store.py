"""Storing checklist runs: the same cases on the in-memory fake, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from samhandling.domain.checklist.judging import CheckResult, MessageEvidence
from samhandling.domain.checklist.model import AppRecOutcome, CaseResult, Check, DocumentKind, RunMode, Side, Trigger
from samhandling.domain.checklist.run import CaseOutcome, ChecklistRun, Mark
from samhandling.domain.checklist.systems import PartySnapshot
from samhandling.services.checklist.report import report_json
from samhandling.store.checklist.repositories import DuplicateRunError, UnknownRunError
from samhandling.store.unit_of_work import UnitOfWork

T0 = datetime(2025, 3, 14, 9, 26, 53, 589793, tzinfo=UTC)

HOSPITAL = PartySnapshot(her_id="8100", name="Sykehuset Innlandet HF", epj_system="DIPS Arena", epj_version="23.1",
                         comm_module="DIPS Communicator", comm_version="5.2")
GJOVIK = PartySnapshot(her_id="8200", name="Gjøvik kommune", epj_system="Gerica", epj_version="8.2",
                       comm_module="Link", comm_version="3.0", municipality_number="3407",
                       municipality_name="Gjøvik")
HAMAR = PartySnapshot(her_id="8300", name="Hamar kommune", epj_system="Profil")


def a_run(run_id: str = "a1b2c3d4e5f6", *, municipality: PartySnapshot = GJOVIK, at: datetime = T0) -> ChecklistRun:
    evidence = MessageEvidence(
        case=3, side=Side.MUNICIPALITY, kind=DocumentKind.INNLEGGELSESRAPPORT, msg_id="m-3", sender_her_id="8201",
        receiver_her_id="8101", answers_msg_id="m-2", apprec=AppRecOutcome.POSITIVE, apprec_msg_id="a-3",
        checks=(CheckResult(Check.REPLY, True, "Svar på m-2 til avsenderen HER-id 8101."),
                CheckResult(Check.TEXT, None, "Testeren må vurdere æøå.")),
    )
    cases = (
        CaseOutcome(number=3, title="Innleggelsesrapport som svar", sender_side="K", result=CaseResult.NOT_RUN,
                    evidence=(evidence,), notes=("K Innleggelsesrapport: Testeren må vurdere.",)),
        CaseOutcome(number=17, title="Avvik", sender_side="K", result=CaseResult.PASSED,
                    note="Gjentar tilfelle 16."),
        CaseOutcome(number=19, title="AppRec", sender_side="K og S", result=CaseResult.FAILED,
                    checks=(CheckResult(Check.ALL_PLO_APPREC, False, "Ikke positiv kvittering: tilfelle 6."),)),
    )
    return ChecklistRun(
        run_id=run_id, checklist_id="forlopstest-plo", checklist_version="1", mode=RunMode.PARTNER,
        trigger=Trigger.COMMUNICATION_MODULE, changed=Side.MUNICIPALITY, started_at=at, finished_at=at + timedelta(
            seconds=5), hospital=HOSPITAL, municipality=municipality, tester_hospital="Pål Håland",
        tester_municipality="Gøril Sæther", patient="081175*****", schemas_checked=True, cases=cases,
    )


def save(new_uow: Callable[[], UnitOfWork], run: ChecklistRun) -> None:
    with new_uow() as uow:
        uow.checklist.add(run, report_json(run))
        uow.commit()


def test_a_run_comes_back_as_stored_with_its_report(new_uow: Callable[[], UnitOfWork]) -> None:
    run = a_run()
    save(new_uow, run)
    with new_uow() as uow:
        stored = uow.checklist.get(run.run_id)
        assert uow.checklist.get("finnes-ikke") is None
    assert stored is not None
    assert stored.run == run
    assert stored.report == report_json(run)
    assert stored.report["municipality"]["name"] == "Gjøvik kommune" and stored.report["patient"] == "081175*****"


def test_a_run_is_stored_once(new_uow: Callable[[], UnitOfWork]) -> None:
    save(new_uow, a_run())
    with pytest.raises(DuplicateRunError), new_uow() as uow:
        uow.checklist.add(a_run(), {})


def test_a_marked_case_replaces_the_run_and_keeps_every_mark(new_uow: Callable[[], UnitOfWork]) -> None:
    run = a_run()
    save(new_uow, run)
    first = Mark(at=T0 + timedelta(hours=1), by="Gøril Sæther", result=CaseResult.PASSED, note="Æøå vises riktig")
    second = Mark(at=T0 + timedelta(hours=2), by="Pål Håland", result=CaseResult.FAILED, note="Feil i Link")
    marked = run.with_mark(3, first).with_mark(3, second)
    with new_uow() as uow:
        uow.checklist.replace(marked, report_json(marked))
        uow.commit()
    with new_uow() as uow:
        stored = uow.checklist.get(run.run_id)
    assert stored is not None and stored.run == marked
    assert stored.run.case(3).result is CaseResult.FAILED and stored.run.case(3).marks == (first, second)
    assert (stored.run.passed, stored.run.failed, stored.run.not_run) == (1, 2, 0)
    assert stored.report["summary"] == {"total": 3, "passed": 1, "failed": 2, "not_run": 0}
    with pytest.raises(UnknownRunError), new_uow() as uow:
        uow.checklist.replace(replace(run, run_id="annen"), {})


def test_history_is_newest_first_and_by_party(new_uow: Callable[[], UnitOfWork]) -> None:
    save(new_uow, a_run("gammel", at=T0))
    save(new_uow, a_run("ny", at=T0 + timedelta(days=1)))
    save(new_uow, a_run("hamar", municipality=HAMAR, at=T0 + timedelta(hours=1)))
    with new_uow() as uow:
        assert [r.run_id for r in uow.checklist.list()] == ["ny", "hamar", "gammel"]
        assert [r.run_id for r in uow.checklist.list(municipality_her_id="8200")] == ["ny", "gammel"]
        assert [r.run_id for r in uow.checklist.list(hospital_her_id="8100", limit=1)] == ["ny"]
        assert uow.checklist.list(hospital_her_id="1") == []
        listed = uow.checklist.list(municipality_her_id="8300")
    assert listed == [a_run("hamar", municipality=HAMAR, at=T0 + timedelta(hours=1))]


def test_what_is_not_committed_is_not_stored(new_uow: Callable[[], UnitOfWork]) -> None:
    with new_uow() as uow:
        uow.checklist.add(a_run(), {})
    with new_uow() as uow:
        assert uow.checklist.get(a_run().run_id) is None
