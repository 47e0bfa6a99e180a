"""Line tests: a test message to a partner whose AppRec proves that the line is up.

The cooperation procedure: «Test-meldinger kan også brukes hvis man er usikker på om systemet er oppe.
Mottatt applikasjonskvittering vil indikere at linje er oppe.» A line test sends a Dialogmelding Notat
(HIS 80603:2006; tema "Uspesifisert notat", code system 7321) whose text says it is a line test, about no
patient, marked as a test in the header: ``MsgInfo/ProcessingStatus`` ``D`` (HIS 80601:2006, code system
Prosesstatus: "D Debugging – brukes også når det sendes testmeldinger"; see
:data:`samhandling.standards.validation.TEST_PROCESSING_STATUS`). The receiver answers it with an AppRec like
any message and does not hand it to the EPJ (:mod:`samhandling.services.messaging.receive`).

Any AppRec proves the line is up: a positive one, or a negative one (then the detail says the test message was
rejected, and why). No AppRec within the timeout is a failed line test, which opens an alert at the next
evaluation (:func:`samhandling.domain.monitoring.transport.evaluate_line_tests`). The round trip time is from the test
message's creation to its AppRec.

:func:`ping` runs one test to the end (``samhandling ping HER``): it sends, fetches and waits for the AppRec.
Inside the node, :func:`start_line_test` and :func:`settle_line_tests` run the scheduled tests across passes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from samhandling.domain.clock import as_utc, utc_now
from samhandling.domain.messaging.messages import MessageState
from samhandling.domain.messaging.parties import Parties, PartyKind
from samhandling.services.messaging.node import NodeParts, fetch
from samhandling.services.messaging.outbox import deliver_due
from samhandling.services.messaging.send import SendOptions, SendRefusedError, submit_document
from samhandling.services.monitoring.monitor import ERROR_TEXTS, partner_resolver
from samhandling.standards.dialogmelding.builders import notat
from samhandling.standards.dialogmelding.codes import OID_TEMA_NOTAT
from samhandling.standards.dialogmelding.model import Dialogmelding
from samhandling.standards.kith import CV
from samhandling.standards.validation import TEST_PROCESSING_STATUS
from samhandling.store.monitoring.values import LineTest
from samhandling.store.unit_of_work import UnitOfWork

LINE_TEST_TOPIC = CV(v="9", dn="Uspesifisert notat", s=OID_TEMA_NOTAT)
"""Tema for notat (7321, HIS 80603:2006 5.2.4): "Uspesifisert notat"; a line test is not a note about a patient."""
LINE_TEST_TEXT = (
    "Linjetest fra samhandling. Dette er en testmelding uten pasientopplysninger; den sendes for å se at linjen "
    "er oppe. Besvar den med applikasjonskvittering som vanlig. Meldingen skal ikke legges i journal."
)
DEFAULT_TIMEOUT = timedelta(minutes=10)


class LineTestError(ValueError):
    """A line test that cannot be started; the message says why, in Norwegian."""


def line_test_document() -> Dialogmelding:
    """The business document of a line test: a Notat saying it is a line test, about no patient."""
    return notat(tekst=LINE_TEST_TEXT, tema="Linjetest", tema_kodet=LINE_TEST_TOPIC)


def local_sender(parties: Parties) -> str:
    """The party a line test goes from: this node's (first) local organisation, else its first local party."""
    local = sorted((p for p in parties if p.local), key=lambda p: (p.kind is not PartyKind.ORGANISATION, p.her_id))
    if not local:
        raise LineTestError("Noden betjener ingen kommunikasjonspart (importer partene med «parties import»).")
    return local[0].her_id


def start_line_test(new_uow: Callable[[], UnitOfWork], options: SendOptions, her_id: str, *,
                    sender_her_id: str | None = None, now: datetime | None = None) -> LineTest:
    """Store and queue a test message to ``her_id`` and record the line test (pending until settled)."""
    at = as_utc("now", now or utc_now())
    with new_uow() as uow:
        parties = uow.parties.all()
    if her_id not in parties:
        raise LineTestError(f"HER-id {her_id} finnes ikke i registeret over kommunikasjonsparter.")
    if parties.is_served_locally(her_id):
        raise LineTestError(f"HER-id {her_id} betjenes av denne noden selv; linjetesten går til en samhandlingspart.")
    partner = partner_resolver(parties)(her_id) or her_id
    sender = sender_her_id or local_sender(parties)
    try:
        (message,) = submit_document(new_uow(), options, line_test_document(), sender_her_id=sender,
                                     receiver_her_id=her_id, processing_status=TEST_PROCESSING_STATUS, now=at)
    except SendRefusedError as exc:
        raise LineTestError(f"Testmeldingen kan ikke sendes: {exc}") from None
    with new_uow() as uow:
        test = uow.monitor.add_line_test(LineTest(her_id=her_id, partner_her_id=partner, message_id=message.id,
                                                  msg_id=message.msg_id, started_at=at))
        uow.commit()
    return test


def settle_line_tests(new_uow: Callable[[], UnitOfWork], *, timeout: timedelta = DEFAULT_TIMEOUT,
                      now: datetime | None = None, test_ids: set[int] | None = None) -> list[LineTest]:
    """Finish the pending line tests (those in ``test_ids``, or all) that have their answer: an AppRec came
    (the line is up), or none within ``timeout`` (failed). Returns the tests finished now."""
    at = as_utc("now", now or utc_now())
    finished = []
    with new_uow() as uow:
        for test in uow.monitor.line_tests(pending=True):
            if test_ids is not None and test.id not in test_ids:
                continue
            done = _outcome(uow, test, at, timeout)
            if done is not None:
                finished.append(uow.monitor.save_line_test(done))
        uow.commit()
    return finished


def _outcome(uow: UnitOfWork, test: LineTest, at: datetime, timeout: timedelta) -> LineTest | None:
    message = uow.messages.get(test.message_id) if test.message_id is not None else None
    if message is None:
        return replace(test, ok=False, finished_at=at, detail="Testmeldingen finnes ikke lenger i lageret.")
    if message.state in (MessageState.RECEIPT_OK, MessageState.RECEIPT_REJECTED):
        trip = max(message.updated_at - message.created_at, timedelta(0))
        seconds = f"{trip.total_seconds():.1f}".replace(".", ",")
        if message.state is MessageState.RECEIPT_OK:
            detail = f"Positiv applikasjonskvittering etter {seconds} sekunder."
        else:
            codes = "; ".join(f"{c} {ERROR_TEXTS.get(c, '')}".strip() for c in message.error_codes)
            detail = (f"Linjen er oppe (kvittering etter {seconds} sekunder), men testmeldingen ble avvist"
                      + (f": {codes}." if codes else "."))
        return replace(test, ok=True, finished_at=message.updated_at, round_trip=trip, detail=detail)
    if at - test.started_at < timeout:
        return None
    waited = f"{timeout.total_seconds():g} sekunder"
    if message.state is MessageState.QUEUED:
        item = uow.outbox.pending(message.id or 0)
        error = f" Siste feil: {item.last_error}" if item is not None and item.last_error else ""
        detail = f"Testmeldingen kom ikke ut av utboksen innen {waited}.{error}"
    else:
        detail = f"Ingen applikasjonskvittering innen {waited} (status «{message.state.label}»)."
    return replace(test, ok=False, finished_at=at, detail=detail)


def due_line_tests(new_uow: Callable[[], UnitOfWork], schedule: Mapping[str, float], *,
                   now: datetime | None = None) -> list[str]:
    """The HER-ids in ``schedule`` (minutes between tests) whose next line test is due: none is pending, and
    the last one began at least that long ago."""
    at = as_utc("now", now or utc_now())
    due = []
    with new_uow() as uow:
        for her_id, minutes in sorted(schedule.items()):
            latest = uow.monitor.line_tests(her_id=her_id, limit=1)
            if not latest or (not latest[0].pending and at - latest[0].started_at >= timedelta(minutes=minutes)):
                due.append(her_id)
    return due


def ping(parts: NodeParts, options: SendOptions, her_id: str, *, timeout: float = 60.0,
         sender_her_id: str | None = None, interval: float = 0.5, clock: Callable[[], datetime] = utc_now,
         sleep: Callable[[float], object] = time.sleep) -> LineTest:
    """Run one line test to ``her_id`` to the end: send the test message, fetch until its AppRec has come or
    ``timeout`` seconds have passed, and return the finished test."""
    test = start_line_test(parts.new_uow, options, her_id, sender_her_id=sender_her_id, now=clock())
    assert test.id is not None
    limit = timedelta(seconds=timeout)
    deadline = time.monotonic() + timeout
    while True:
        deliver_due(parts.new_uow, parts.transport, worker=parts.worker, lease=parts.lease, backoff=parts.backoff)
        fetch(parts)
        at = clock()
        if time.monotonic() >= deadline:
            at = max(at, test.started_at + limit)
        finished = settle_line_tests(parts.new_uow, timeout=limit, now=at, test_ids={test.id})
        if finished:
            return finished[0]
        sleep(interval)
