"""The line test's message: marked as a test (ProcessingStatus D, HIS 80601), about no patient, valid against the
official schemas, and exempt from the patient rules only as long as it names no patient."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from samhandling.domain.messaging.parties import Parties, Party, PartyKind
from samhandling.services.messaging.send import SendOptions
from samhandling.services.monitoring.line_test import (
    LINE_TEST_TEXT,
    LineTestError,
    due_line_tests,
    line_test_document,
    local_sender,
    start_line_test,
)
from samhandling.standards.message import compose, message_bytes
from samhandling.standards.msghead import party
from samhandling.standards.schemas import SchemaSet
from samhandling.standards.validation import TEST_PROCESSING_STATUS, is_test_message, validate_message
from samhandling.store.fakes import FakeUnitOfWork
from samhandling.store.monitoring.values import LineTest
from tests.support.parties import HOSPITAL, MUNICIPALITY, patient, register

T = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def _message(*, status: str | None, with_patient: bool = False, fnr: str | None = None) -> bytes:
    head = compose(line_test_document(), sender=party("Sykehuset Innlandet HF", "8100"),
                   receiver=party("Gjøvik kommune", "8200", service=party("Hjemmesykepleien", "8201")),
                   patient=patient(fnr) if with_patient else None, processing_status=status)
    return message_bytes(head)


def test_a_test_message_without_patient_is_valid_and_an_ordinary_one_is_not(schemas: SchemaSet) -> None:
    test = validate_message(_message(status=TEST_PROCESSING_STATUS), schemas=schemas)
    assert test.valid, test.findings
    assert test.head is not None and is_test_message(test.head)
    assert LINE_TEST_TEXT.encode() in _message(status="D")
    ordinary = validate_message(_message(status=None), schemas=schemas)
    assert ordinary.codes == ["E36"] and ordinary.head is not None and not is_test_message(ordinary.head)
    production = validate_message(_message(status="P"), schemas=schemas)
    assert production.codes == ["E36"]
    wrong_patient = validate_message(_message(status="D", with_patient=True, fnr="15076500566"), schemas=schemas)
    # a test message that names a patient is checked as any other (name and a wrong number: HIS 80415:2012 §3.3.4)
    assert wrong_patient.codes == ["E36"] and [n.code for n in wrong_patient.notes] == ["E31"]


def test_who_sends_and_what_can_be_tested() -> None:
    with pytest.raises(LineTestError, match="betjener ingen"):
        local_sender(Parties(MUNICIPALITY))
    local = Parties([Party(her_id="8101", name="Avdeling", kind=PartyKind.SERVICE, local=True),
                     Party(her_id="8100", name="Sykehuset", kind=PartyKind.ORGANISATION, local=True)])
    assert local_sender(local) == "8100"

    store = FakeUnitOfWork()
    register(lambda: store, HOSPITAL + MUNICIPALITY, local_her_ids={"8100"})
    options = SendOptions(schemas=None, max_bytes=10**6)
    with pytest.raises(LineTestError, match="finnes ikke"):
        start_line_test(lambda: store, options, "4242", now=T)
    with pytest.raises(LineTestError, match="betjenes av denne noden"):
        start_line_test(lambda: store, options, "8101", now=T)
    test = start_line_test(lambda: store, options, "8201", now=T)
    assert test.pending and test.partner_her_id == "8200" and test.started_at == T
    assert due_line_tests(lambda: store, {"8201": 60, "8202": 60}, now=T + timedelta(hours=2)) == ["8202"]
    with store as uow:  # finished an hour ago: the next is due
        uow.monitor.save_line_test(LineTest(**{**test.__dict__, "ok": True, "finished_at": T}))
        uow.commit()
    assert due_line_tests(lambda: store, {"8201": 60}, now=T + timedelta(minutes=59)) == []
    assert due_line_tests(lambda: store, {"8201": 60}, now=T + timedelta(minutes=60)) == ["8201"]
