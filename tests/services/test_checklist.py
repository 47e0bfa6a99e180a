"""The cooperation test checklist: the checklist as data, the judging, the coverage rule, and the runner.

The runner tests carry out the whole checklist between two samhandling nodes over the local message server (a
real process on a free port), once as it should go and once per injected fault, each of which must fail
exactly the right case(s). Partner mode runs against a partner that is not there, and one that only answers
part of it: waits end with "ikke kjørt", never hang, and the tester marks what is left.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree

from samhandling.bootstrap import checklist_nodes, receive_options, send_options
from samhandling.domain.checklist.coverage import coverage
from samhandling.domain.checklist.definition import AnswerRef, ChecklistFormatError, planned_sends, read_checklist
from samhandling.domain.checklist.json_form import case_details_from_json, case_details_json
from samhandling.domain.checklist.judging import Answered, MessageEvidence, MessageFacts, judge_case, judge_message
from samhandling.domain.checklist.model import (
    AppRecOutcome,
    CaseResult,
    Check,
    DocumentKind,
    Receiver,
    RunMode,
    Side,
    Trigger,
)
from samhandling.domain.checklist.run import CaseOutcome, ChecklistRun, Mark
from samhandling.domain.checklist.systems import PartySnapshot
from samhandling.domain.identifiers import synthetic_person_id
from samhandling.domain.messaging.parties import Party
from samhandling.services.checklist.documents import build_document, document_text, missing_parts, with_patient_id
from samhandling.services.checklist.runs import (
    ChecklistError,
    RunOptions,
    RunRequest,
    Tamper,
    mark_case,
    run_automatic,
    run_partner,
)
from samhandling.services.checklist.setup import bundled_checklist, resolve_parties
from samhandling.services.checklist.sides import Outgoing
from samhandling.services.messaging.node import NodeParts, run_forever
from samhandling.services.messaging.reception import ReceiveOptions
from samhandling.services.messaging.send import SendOptions, submit_document
from samhandling.settings import Settings
from samhandling.standards.dialogmelding.builders import foresporsel
from samhandling.standards.message import msg_type_for
from samhandling.standards.msghead import Patient, person_ident
from samhandling.standards.plo.examples.admission_report import innleggelsesrapport
from samhandling.standards.plo.examples.logistics import melding_om_innlagt_pasient
from samhandling.standards.plo.examples.story import PATIENT_FNR
from samhandling.standards.registry import write_content
from samhandling.store.fakes import FakeUnitOfWork
from samhandling.transport.base import Envelope, Inbound
from samhandling.transport.directory import DirectoryTransport
from tests.support.parties import HOSPITAL, MUNICIPALITY

T0 = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)
ALL = set(range(1, 21))


# --- the checklist as data -----------------------------------------------------------------------------


def test_the_bundled_checklist_has_the_procedures_twenty_cases_as_written() -> None:
    checklist = bundled_checklist()
    assert [c.number for c in checklist.cases] == list(range(1, 21))
    assert checklist.title == "Sjekkliste for normale test-tilfeller"
    senders = {c.number: c.sender_label for c in checklist.cases}
    assert [n for n, s in senders.items() if s == "K"] == [1, 3, 5, 7, 14, 15, 16, 17]
    assert [n for n, s in senders.items() if s == "S"] == [2, 4, 6, 8, 20]
    assert [n for n, s in senders.items() if s == "K og S"] == [9, 10, 11, 12, 13, 18, 19]
    case16, case17 = checklist.case(16), checklist.case(17)
    assert (case17.title, case17.kind, case17.answers) == (case16.title, case16.kind, case16.answers)
    assert case17.note is not None and "gjentar tilfelle 16" in case17.note.lower()
    assert checklist.case(19).summary and checklist.case(19).checks == (Check.ALL_PLO_APPREC,)
    assert "æ" in (checklist.case(9).text or "").lower() and "å" in (checklist.case(9).text or "").lower()
    assert checklist.case(3).answers == (AnswerRef(case=2),) and Check.REPLY in checklist.case(3).checks
    assert Check.COMPLETE in checklist.case(1).checks


def test_each_case_sends_one_message_per_side_and_receiver_or_answer() -> None:
    checklist = bundled_checklist()
    assert [(p.side, p.receiver) for p in planned_sends(checklist.case(9))] == [
        (Side.MUNICIPALITY, Receiver.PRIMARY), (Side.MUNICIPALITY, Receiver.SECOND),
        (Side.HOSPITAL, Receiver.PRIMARY), (Side.HOSPITAL, Receiver.SECOND)]
    assert [(p.side, p.answers) for p in planned_sends(checklist.case(18))] == [
        (Side.MUNICIPALITY, AnswerRef(case=9, receiver=Receiver.PRIMARY)), (Side.MUNICIPALITY, AnswerRef(case=10)),
        (Side.HOSPITAL, AnswerRef(case=9, receiver=Receiver.PRIMARY)), (Side.HOSPITAL, AnswerRef(case=10))]
    assert planned_sends(checklist.case(19)) == ()


def _document(*cases: dict) -> dict:  # type: ignore[type-arg]
    return {"id": "egen", "version": "2", "title": "Egen sjekkliste", "source": "Regionens egen", "cases": list(cases)}


def test_a_region_can_add_cases_without_code() -> None:
    own = read_checklist(_document(
        {"number": 1, "title": "Forespørsel", "sender": "S", "send": "foresporsel", "checks": ["delivered"]},
        {"number": 2, "title": "Svar", "sender": "K", "send": "svar", "answers": [{"case": 1}], "text": "Svar æøå",
         "checks": ["delivered", "apprec"]},
        {"number": 3, "title": "Avvik på siste forespørsel", "sender": "K", "send": "avvik",
         "answers": [{"kind": "foresporsel"}], "checks": ["apprec"]},
    ))
    assert own.case(1).receivers == (Receiver.PRIMARY,)
    assert own.case(2).checks == (Check.DELIVERED, Check.APPREC, Check.REPLY)  # an answer is always checked as one
    assert own.case(3).answers == (AnswerRef(kind=DocumentKind.FORESPORSEL),)


@pytest.mark.parametrize(("case", "message"), [
    ({"number": 1, "title": "x", "sender": "K", "send": "brev", "checks": ["delivered"]}, "ukjent verdi «brev»"),
    ({"number": 1, "title": "x", "sender": "X", "send": "avvik", "checks": ["delivered"]}, "K, S eller KS"),
    ({"number": 1, "title": "x", "sender": "K", "send": "svar", "answers": [{"case": 2}], "checks": ["reply"]},
     "svarer på tilfelle 2"),
    ({"number": 1, "title": "x", "sender": "K", "send": "avvik", "checks": []}, "minst én kontroll"),
    ({"number": 1, "title": "x", "sender": "K", "send": None, "checks": ["delivered"]}, "tilfelle uten melding"),
    ({"number": 1, "title": "x", "sender": "K", "send": "avvik", "checks": ["delivered"], "extra": 1},
     "ukjent felt «extra»"),
])
def test_a_wrong_checklist_file_is_refused_with_the_place(case: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ChecklistFormatError) as caught:
        read_checklist(_document(case), "egen.json")
    assert "egen.json: cases[0]" in str(caught.value) and message in str(caught.value)


def test_an_answer_must_come_from_the_other_side() -> None:
    with pytest.raises(ChecklistFormatError, match="sendes ikke av den andre siden"):
        read_checklist(_document(
            {"number": 1, "title": "x", "sender": "K", "send": "foresporsel", "checks": ["delivered"]},
            {"number": 2, "title": "y", "sender": "K", "send": "svar", "answers": [{"case": 1}], "checks": ["reply"]},
        ))


# --- judging -------------------------------------------------------------------------------------------

GOOD = MessageFacts(
    delivered=True, recipient_her_id="8101", addressed_her_id="8101", intended_her_id="8101", findings=(),
    schema_checked=True, apprec=AppRecOutcome.POSITIVE, answered=Answered(msg_id="m-1", sender_her_id="8101"),
    parent_ref="m-1", text_sent="Blåbær på Ørsta", text_received="Blåbær på Ørsta", missing_parts=(),
    to_municipality=True, receiver_is_municipal_service=True,
)
EVERY = [Check.DELIVERED, Check.VALID, Check.APPREC, Check.REPLY, Check.TEXT, Check.COMPLETE, Check.SERVICES]


def _failed(facts: MessageFacts) -> dict[Check, str]:
    return {c.check: c.detail for c in judge_message(EVERY, facts) if c.passed is False}


def test_a_message_that_is_right_in_every_way_passes_every_check() -> None:
    results = judge_message(EVERY, GOOD)
    assert [r.check for r in results] == EVERY and all(r.passed for r in results)


def test_each_fault_fails_its_own_check_and_says_what_was_wrong() -> None:
    assert _failed(replace(GOOD, addressed_her_id="8100")).keys() == {Check.REPLY}
    assert "ikke til avsenderen 8101" in _failed(replace(GOOD, addressed_her_id="8100"))[Check.REPLY]
    assert "RefToParent er m-9" in _failed(replace(GOOD, parent_ref="m-9"))[Check.REPLY]
    broken = "BlÃ¥bÃ¦r pÃ¥ Ã\u0098rsta"
    assert _failed(replace(GOOD, text_received=broken)) == {
        Check.TEXT: f"Sendt «Blåbær på Ørsta», mottatt «{broken}»."}
    assert _failed(replace(GOOD, apprec=AppRecOutcome.MISSING, waited_seconds=2.0)) == {
        Check.APPREC: "Ingen kvittering innen 2 s."}
    assert _failed(replace(GOOD, apprec=AppRecOutcome.NEGATIVE, apprec_errors=("S01",))) == {
        Check.APPREC: "Negativ kvittering mottatt (S01)."}
    assert _failed(replace(GOOD, findings=("T02 /MsgHead: feil",))) == {Check.VALID: "T02 /MsgHead: feil"}
    assert _failed(replace(GOOD, missing_parts=("CAVE",))) == {Check.COMPLETE: "Mangler: CAVE."}
    assert _failed(replace(GOOD, receiver_is_municipal_service=False)).keys() == {Check.SERVICES}
    assert _failed(replace(GOOD, delivered=False, waited_seconds=3.0))[Check.DELIVERED] == \
        "Meldingen kom ikke fram innen 3 s."


def test_what_cannot_be_seen_is_left_open_and_the_text_of_a_partner_is_judged_by_its_letters() -> None:
    partner = replace(GOOD, delivered=None, text_sent=None, apprec=AppRecOutcome.UNKNOWN, waited_seconds=5.0)
    by_check = {r.check: r for r in judge_message(EVERY, partner)}
    assert by_check[Check.DELIVERED].passed is None and by_check[Check.APPREC].passed is None
    assert by_check[Check.TEXT].passed is True  # æøå, and no signs of a wrong encoding
    mangled = {r.check: r for r in judge_message([Check.TEXT], replace(partner, text_received="BlÃ¥bÃ¦r"))}
    assert mangled[Check.TEXT].passed is False
    plain = {r.check: r for r in judge_message([Check.TEXT], replace(partner, text_received="Hei"))}
    assert plain[Check.TEXT].passed is None
    to_hospital = judge_message([Check.SERVICES], replace(GOOD, to_municipality=False))
    assert to_hospital == ()  # the hospital's receivers are not the municipality's services


def _evidence(*checks: bool | None, problem: str | None = None) -> MessageEvidence:
    from samhandling.domain.checklist.judging import CheckResult

    return MessageEvidence(case=1, side=Side.MUNICIPALITY, kind=DocumentKind.AVVIK, msg_id="m", sender_her_id="1",
                           receiver_her_id="2", checks=tuple(CheckResult(Check.DELIVERED, c) for c in checks),
                           problem=problem)


def test_a_case_fails_on_any_failure_is_not_run_when_anything_is_open_and_passes_otherwise() -> None:
    assert judge_case([_evidence(True, True)]) is CaseResult.PASSED
    assert judge_case([_evidence(True, False), _evidence(None)]) is CaseResult.FAILED
    assert judge_case([_evidence(True, None)]) is CaseResult.NOT_RUN
    assert judge_case([_evidence(problem="Fant ingen mottatt melding å svare på.")]) is CaseResult.NOT_RUN
    assert judge_case([]) is CaseResult.NOT_RUN


def test_case_details_survive_json() -> None:
    case = CaseOutcome(number=9, title="Forespørsel", sender_side="K og S", result=CaseResult.PASSED,
                       evidence=(_evidence(True, None),), notes=("Testeren må vurdere.",),
                       marks=(Mark(at=T0, by="Pål", result=CaseResult.PASSED, note="Så fint ut"),))
    details = case_details_from_json(case_details_json(case))
    assert (details.evidence, details.notes, details.marks) == (case.evidence, case.notes, case.marks)


def test_a_run_keeps_the_test_patient_masked_only() -> None:
    party = PartySnapshot(her_id="8100", name="Sykehuset")
    with pytest.raises(ValueError, match="maskert"):
        ChecklistRun(run_id="r", checklist_id="c", checklist_version="1", mode=RunMode.AUTOMATIC,
                     trigger=Trigger.SYSTEM, changed=Side.HOSPITAL, started_at=T0, finished_at=None, hospital=party,
                     municipality=party, patient=PATIENT_FNR)


# --- coverage -----------------------------------------------------------------------------------------


def _snapshot(her_id: str, name: str, epj: str | None, version: str = "1", link: str = "Link") -> PartySnapshot:
    return PartySnapshot(her_id=her_id, name=name, epj_system=epj, epj_version=version, comm_module=link,
                         comm_version="5")


def _run(run_id: str, hospital: PartySnapshot, municipality: PartySnapshot, *, passed: bool = True,
         at: datetime = T0) -> ChecklistRun:
    result = CaseResult.PASSED if passed else CaseResult.FAILED
    return ChecklistRun(run_id=run_id, checklist_id="c", checklist_version="1", mode=RunMode.AUTOMATIC,
                        trigger=Trigger.SYSTEM, changed=Side.HOSPITAL, started_at=at, finished_at=at,
                        hospital=hospital, municipality=municipality, patient="081175*****",
                        cases=(CaseOutcome(number=1, title="x", sender_side="K", result=result),))


def test_coverage_names_the_municipal_epj_systems_each_hospital_change_is_missing() -> None:
    dips_1 = _snapshot("8100", "Sykehuset Innlandet HF", "DIPS Arena", "22.1")
    dips_2 = _snapshot("8100", "Sykehuset Innlandet HF", "DIPS Arena", "23.1")
    gjovik = _snapshot("8200", "Gjøvik kommune", "Gerica")
    hamar = _snapshot("8300", "Hamar kommune", "Profil")
    lillehammer = _snapshot("8400", "Lillehammer kommune", "gerica ")  # the same system, written differently
    elverum = _snapshot("8500", "Elverum kommune", None)
    runs = [
        _run("a", dips_1, gjovik), _run("b", dips_1, hamar),
        _run("c", dips_2, lillehammer, at=T0 + timedelta(days=30)),
        _run("d", dips_2, hamar, passed=False, at=T0 + timedelta(days=31)),
    ]
    found = coverage(runs, hospitals=[dips_2], municipalities=[gjovik, hamar, lillehammer, elverum])
    old, new = found.hospitals
    assert (old.current, old.missing, [t.run_id for t in old.tested]) == (False, (), ["a", "b"])
    assert (new.current, new.missing, [t.run_id for t in new.tested]) == (True, ("Profil",), ["c"])
    assert found.without_epj == ("Elverum kommune",)
    by_name = {m.name: m for m in found.municipalities}
    assert by_name["Gjøvik kommune"].tested and by_name["Gjøvik kommune"].last_passed_run == "a"
    assert not by_name["Elverum kommune"].tested and by_name["Elverum kommune"].last_passed_run is None


def test_a_municipality_that_changed_its_systems_since_its_last_passed_run_is_not_covered() -> None:
    hospital = _snapshot("8100", "Sykehuset", "DIPS Arena")
    before = _snapshot("8200", "Gjøvik kommune", "Gerica", "8.1")
    now = replace(before, epj_version="8.2")
    found = coverage([_run("a", hospital, before)], hospitals=[hospital], municipalities=[now])
    (municipality,) = found.municipalities
    assert not municipality.tested and municipality.last_passed_run == "a"
    assert municipality.last_passed_configuration == before.configuration


# --- documents ----------------------------------------------------------------------------------------


def test_the_documents_are_the_complete_examples_and_dialog_texts() -> None:
    assert missing_parts(build_document(DocumentKind.INNLEGGELSESRAPPORT, text=None)) == ()
    emptied = replace(innleggelsesrapport(), legemiddelinfo=[], info_kartlegging_funksjonsniva=None)
    assert missing_parts(emptied) == ("IPLOS (kartlegging av funksjonsnivå)", "legemidler")
    question = build_document(DocumentKind.FORESPORSEL, text="Kan dere svare før kl. 10? Æøå")
    assert document_text(question) == "Kan dere svare før kl. 10? Æøå"
    answer = build_document(DocumentKind.SVAR, text="Ja", answered=question)
    assert document_text(answer) == "Ja" and answer.notat[0].foresporsel == question.foresporsel[0]
    for kind in DocumentKind:
        assert msg_type_for(build_document(kind, text="æøå")) == kind.msg_type


def test_another_synthetic_test_patient_replaces_the_examples_patient_everywhere() -> None:
    other = synthetic_person_id(date(1950, 6, 1), rng=random.Random(3))
    document = with_patient_id(innleggelsesrapport(), other)
    written = etree.tostring(write_content(document), encoding="unicode")
    assert other in written and PATIENT_FNR not in written
    assert PATIENT_FNR in etree.tostring(write_content(innleggelsesrapport()), encoding="unicode")


# --- the runner, automatic mode -----------------------------------------------------------------------


def _register(uow: FakeUnitOfWork, parties: list[Party], local: set[str]) -> None:
    with uow:
        for p in parties:
            uow.parties.add(replace(p, local=p.her_id in local))
        uow.commit()


@pytest.fixture
def installation(tmp_path: Path, schema_dir: Path) -> tuple[FakeUnitOfWork, Settings]:
    """The installation a run starts from: only the two parties and their services in the register."""
    main = FakeUnitOfWork()
    _register(main, HOSPITAL + MUNICIPALITY, local=set())
    return main, Settings(home=tmp_path / "hjem", schema_dir=schema_dir, database_url="sqlite://")


def _automatic(installation: tuple[FakeUnitOfWork, Settings], tamper: Tamper | None = None, *,
               timeout: float = 20.0, evidence: Path | None = None) -> ChecklistRun:
    main, settings = installation
    request = RunRequest(hospital="8100", municipality="8200", tester_hospital="Pål Håland",
                         tester_municipality="Gøril Sæther", timeout=timeout)
    return run_automatic(lambda: main, checklist_nodes(settings), request,
                         RunOptions(tamper=tamper or Tamper(), evidence_dir=evidence))


def _results(run: ChecklistRun) -> dict[int, CaseResult]:
    return {c.number: c.result for c in run.cases}


@pytest.mark.process
def test_a_full_automatic_run_between_two_nodes_passes_all_twenty_cases(
    installation: tuple[FakeUnitOfWork, Settings], tmp_path: Path
) -> None:
    started = time.monotonic()
    run = _automatic(installation, evidence=tmp_path / "bevis")
    assert time.monotonic() - started < 60
    assert _results(run) == dict.fromkeys(ALL, CaseResult.PASSED), [c.problems() for c in run.cases]
    assert (run.passed, run.failed, run.not_run, run.all_passed) == (20, 0, 0, True)
    assert run.schemas_checked and run.patient == "081175*****"
    assert (run.hospital.name, run.municipality.name, run.tester_municipality) == (
        "Sykehuset Innlandet HF", "Gjøvik kommune", "Gøril Sæther")

    # what each case checked
    case3 = run.case(3)
    (reply,) = case3.evidence
    assert reply.answers_msg_id == run.case(2).evidence[0].msg_id and reply.receiver_her_id == "8101"
    assert {c.check for c in reply.checks} == {Check.DELIVERED, Check.VALID, Check.APPREC, Check.REPLY,
                                               Check.COMPLETE}
    valid = next(c for c in reply.checks if c.check is Check.VALID)
    assert valid.detail == "Gyldig mot de offisielle skjemaene."
    case9 = run.case(9)
    assert {(e.side, e.receiver_her_id) for e in case9.evidence} == {
        (Side.MUNICIPALITY, "8101"), (Side.MUNICIPALITY, "8100"), (Side.HOSPITAL, "8201"), (Side.HOSPITAL, "8202")}
    assert [c.passed for c in case9.checks] == [True, True]  # addressing, per side
    services = [c for e in run.case(11).evidence for c in e.checks if c.check is Check.SERVICES]
    assert [c.detail for c in services] == ["Tjenesten HER-id 8201 ble nådd.", "Tjenesten HER-id 8202 ble nådd."]
    plo = run.case(19).evidence
    assert sorted({e.case for e in plo}) == [1, 2, 3, 4, 6, 8, 20]
    assert all(e.apprec is AppRecOutcome.POSITIVE and e.apprec_msg_id for e in plo)
    assert run.case(17).note is not None and "Gjentar tilfelle 16" in run.case(17).note

    # one XML file per message and AppRec, exactly as exchanged
    messages = [e for c in run.cases if c.number != 19 for e in c.evidence]
    files = sorted((tmp_path / "bevis").iterdir())
    assert len(files) == len(messages) + sum(1 for e in messages if e.apprec_msg_id) == 62
    assert all(any(e.msg_id in f.name for f in files) for e in messages)
    assert "Æ, Ø og Å" in next(f for f in files if f.name.startswith("09-")).read_text(encoding="utf-8")

    with installation[0] as uow:
        stored = uow.checklist.get(run.run_id)
    assert stored is not None and stored.run == run and stored.report["summary"]["passed"] == 20


class WrongReplyAddress(Tamper):
    """Case 3's Innleggelsesrapport goes to the hospital organisation, not to the ward that sent case 2."""

    def outgoing(self, outgoing: Outgoing) -> Outgoing:
        return replace(outgoing, receiver_her_id="8100") if outgoing.case == 3 else outgoing


class BrokenLetters(Tamper):
    """Case 9's question is written by a system that reads UTF-8 as ISO-8859-1 (the municipality's side)."""

    def outgoing(self, outgoing: Outgoing) -> Outgoing:
        if outgoing.case != 9 or outgoing.side is not Side.MUNICIPALITY:
            return outgoing
        mangled = (outgoing.text or "").encode("utf-8").decode("iso-8859-1")
        return replace(outgoing, document=foresporsel(sporsmal=mangled))


class NoAppRec(Tamper):
    """The municipality receives case 4's Helseopplysninger but never answers it."""

    def outbound(self, case: int, side: Side, envelope: Envelope) -> Envelope | None:
        return None if case == 4 and side is Side.MUNICIPALITY and envelope.is_apprec else envelope


class Rejected(Tamper):
    """The municipality's transport reports a signature fault on case 6, so its node rejects it (AppRec S01)."""

    def inbound(self, case: int, side: Side, inbound: Inbound) -> Inbound | None:
        if case == 6 and side is Side.MUNICIPALITY and b"LOG_UTSKRIVNINGSKLAR" in inbound.payload:
            return replace(inbound, faults=("S01",))
        return inbound


@pytest.mark.parametrize(("tamper", "failed", "check"), [
    (WrongReplyAddress(), {3}, Check.REPLY),
    (BrokenLetters(), {9}, Check.TEXT),
    (NoAppRec(), {4, 19}, Check.APPREC),
    (Rejected(), {6, 19}, Check.APPREC),
], ids=["wrong-reply-address", "broken-aeoeaa", "missing-apprec", "negative-apprec"])
@pytest.mark.process
def test_each_injected_fault_fails_exactly_the_right_cases(
    installation: tuple[FakeUnitOfWork, Settings], tamper: Tamper, failed: set[int], check: Check
) -> None:
    started = time.monotonic()
    run = _automatic(installation, tamper, timeout=3.0)
    assert time.monotonic() - started < 60  # the missing AppRec costs one timeout, not a hang
    assert {n for n, r in _results(run).items() if r is CaseResult.FAILED} == failed
    assert {n for n, r in _results(run).items() if r is CaseResult.PASSED} == ALL - failed
    first = run.case(min(failed))
    assert {c.check for e in first.evidence for c in e.checks if c.passed is False} == {check}
    if 19 in failed:
        assert run.case(19).checks[0].passed is False and f"tilfelle {min(failed)}" in run.case(19).checks[0].detail
    if isinstance(tamper, Rejected):
        (evidence,) = run.case(6).evidence
        assert evidence.apprec is AppRecOutcome.NEGATIVE and evidence.apprec_errors == ("S01",)
        assert any("Negativ kvittering mottatt (S01)" in p for p in run.case(6).problems())
    if isinstance(tamper, NoAppRec):
        assert any("Ingen kvittering innen" in p for p in run.case(4).problems())


def test_unknown_parties_and_an_invalid_patient_stop_the_run_before_anything_starts(
    installation: tuple[FakeUnitOfWork, Settings]
) -> None:
    main, settings = installation
    with pytest.raises(ChecklistError, match=r"HER-id 9999 .* finnes ikke"):
        run_automatic(lambda: main, checklist_nodes(settings), RunRequest(hospital="9999", municipality="8200"))
    with pytest.raises(ChecklistError, match="Testpasienten"):
        run_automatic(lambda: main, checklist_nodes(settings), RunRequest(hospital="8100", municipality="8200",
                                                                           patient_id="08117530274"))


def test_the_addresses_of_a_run_come_from_the_register(installation: tuple[FakeUnitOfWork, Settings]) -> None:
    main, _ = installation
    setup = resolve_parties(main, "8100", "8202")  # a service named: it is the municipality's first receiver
    assert setup.addresses[Side.HOSPITAL].primary == "8101" and setup.addresses[Side.HOSPITAL].second == "8100"
    assert (setup.addresses[Side.MUNICIPALITY].primary, setup.addresses[Side.MUNICIPALITY].second) == ("8202", "8201")
    assert setup.municipality.name == "Gjøvik kommune" and setup.municipality.municipality_number == "3407"
    assert {p.her_id for p in setup.parties} == {"8100", "8101", "8102", "8200", "8201", "8202"}


# --- partner mode -------------------------------------------------------------------------------------


@pytest.fixture
def municipality_installation(tmp_path: Path, schema_dir: Path) -> tuple[FakeUnitOfWork, Settings, Path]:
    """An installation that serves the municipality, with a shared folder as its transport."""
    main = FakeUnitOfWork()
    _register(main, HOSPITAL + MUNICIPALITY, local={"8200"})
    return main, Settings(home=tmp_path / "kommune", schema_dir=schema_dir), tmp_path / "nett"


def test_partner_mode_without_an_answer_ends_every_wait_and_leaves_the_cases_not_run(
    municipality_installation: tuple[FakeUnitOfWork, Settings, Path]
) -> None:
    main, settings, network = municipality_installation
    started = time.monotonic()
    run = run_partner(lambda: main, receive_options(settings), send_options(settings),
                      DirectoryTransport(network), RunRequest(hospital="8100", municipality="8200", timeout=0.2))
    assert time.monotonic() - started < 30
    assert run.mode is RunMode.PARTNER and _results(run) == dict.fromkeys(ALL, CaseResult.NOT_RUN)
    assert all(c.to_mark for c in run.cases)
    assert any("Ingen Melding om innlagt pasient fra Sykehuset Innlandet HF" in n for n in run.case(2).notes)
    assert any("Fant ingen mottatt melding å svare på" in n for n in run.case(3).notes)
    (ours,) = run.case(1).evidence  # sent, but nobody answered
    assert ours.msg_id is not None and ours.apprec is AppRecOutcome.UNKNOWN

    marked = mark_case(main, run.run_id, 1, CaseResult.PASSED, by="Gøril Sæther", note="Vist riktig i EPJ",
                       now=T0)
    assert marked.case(1).result is CaseResult.PASSED and not marked.case(1).to_mark
    assert marked.case(1).marks == (Mark(at=T0, by="Gøril Sæther", result=CaseResult.PASSED,
                                         note="Vist riktig i EPJ"),)
    again = mark_case(main, run.run_id, 1, CaseResult.FAILED, by="Pål Håland", note="Feil i visningen")
    assert again.case(1).result is CaseResult.FAILED and len(again.case(1).marks) == 2
    with main as uow:
        stored = uow.checklist.get(run.run_id)
    assert stored is not None and stored.run == again and stored.report["cases"][0]["result"] == "failed"
    with pytest.raises(ChecklistError, match="har ikke tilfelle 21"):
        mark_case(main, run.run_id, 21, CaseResult.PASSED, by="x")
    with pytest.raises(ChecklistError, match="Ingen kjøring"):
        mark_case(main, "finnes-ikke", 1, CaseResult.PASSED, by="x")


def test_partner_mode_judges_what_the_partner_sends_and_answers(
    municipality_installation: tuple[FakeUnitOfWork, Settings, Path]
) -> None:
    """The partner (a hospital node of its own on the same network) answers every message with an AppRec and
    has sent its Melding om innlagt pasient and two Forespørsler; it sends nothing else."""
    main, settings, network = municipality_installation
    partner = FakeUnitOfWork()
    _register(partner, HOSPITAL + MUNICIPALITY, local={"8100"})
    options = SendOptions(schemas=settings.schemas, max_bytes=settings.max_message_bytes)
    who = Patient(family_name="Ørnhøi", given_name="Åse", ident=[person_ident(PATIENT_FNR)])
    submit_document(partner, options, melding_om_innlagt_pasient(), sender_her_id="8101",
                    receiver_her_id="8201", patient=who)
    for receiver in ("8201", "8202"):
        submit_document(partner, options, foresporsel(sporsmal="Hvem følger opp sårstellet? Æ Ø Å"),
                        sender_her_id="8101", receiver_her_id=receiver, patient=who)
    parts = NodeParts(new_uow=lambda: partner, transport=DirectoryTransport(network),
                      receive_options=ReceiveOptions(schemas=None, max_bytes=settings.max_message_bytes),
                      worker="partner")
    stop = threading.Event()
    thread = threading.Thread(target=run_forever, args=(parts, stop), kwargs={"interval": 0.02}, daemon=True)
    thread.start()
    try:
        run = run_partner(lambda: main, receive_options(settings), send_options(settings),
                          DirectoryTransport(network), RunRequest(hospital="8100", municipality="8200", timeout=1.0))
    finally:
        stop.set()
        thread.join(timeout=10)
    results = _results(run)
    assert CaseResult.FAILED not in results.values(), [c.problems() for c in run.cases]
    assert results[1] is CaseResult.PASSED  # ours, answered with a positive AppRec by the partner
    assert results[2] is CaseResult.PASSED  # theirs, valid and answered by us
    assert results[3] is CaseResult.PASSED  # ours, in answer to theirs: to the sender, with ConversationRef
    assert results[4] is CaseResult.NOT_RUN  # the partner never sent it
    partners_questions = [e for e in run.case(9).evidence if e.side is Side.HOSPITAL]
    assert {e.receiver_her_id for e in partners_questions} == {"8201", "8202"}
    text = [c for e in partners_questions for c in e.checks if c.check is Check.TEXT]
    assert [c.passed for c in text] == [True, True]
    assert results[9] is CaseResult.NOT_RUN  # what our questions look like at the partner, the tester sees
    assert any("Testeren må vurdere" in n for n in run.case(9).notes)


def test_partner_mode_needs_exactly_one_side_served_here(tmp_path: Path) -> None:
    main = FakeUnitOfWork()
    _register(main, HOSPITAL + MUNICIPALITY, local=set())
    settings = Settings(home=tmp_path)
    with pytest.raises(ChecklistError, match="nøyaktig én av partene"):
        run_partner(lambda: main, receive_options(settings), send_options(settings),
                    DirectoryTransport(tmp_path / "nett"), RunRequest(hospital="8100", municipality="8200"))
