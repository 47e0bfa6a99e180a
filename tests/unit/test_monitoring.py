"""The rules of the daily monitoring: receipt deadlines in working time and the 96 hours, negative AppRecs,
rejected and unanswerable incoming messages, the transport, quiet partners, one finding per partner and
cause, the life of an alert (no flood of mail), the mail itself, and no patient data anywhere."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from itertools import count

import pytest

from samhandling.domain.calendar import OSLO, WorkingCalendar
from samhandling.domain.deviations.deviation import Deviation, DeviationCategory, DeviationSeverity, Measure
from samhandling.domain.deviations.overdue import evaluate_overdue_measures
from samhandling.domain.identifiers import synthetic_person_id
from samhandling.domain.messaging.messages import Direction, MessageState, StoredMessage
from samhandling.domain.monitoring.alerts import (
    Alert,
    AlertState,
    AlertTransitionError,
    acknowledge,
    handled_messages,
    open_alert,
    reconcile,
    resolve,
)
from samhandling.domain.monitoring.causes import AlertCause, Severity
from samhandling.domain.monitoring.findings import Finding
from samhandling.domain.monitoring.mail import alert_mail
from samhandling.domain.monitoring.quiet_partners import evaluate_partner_quiet
from samhandling.domain.monitoring.receipts import ReceiptDeadlines, evaluate_receipts
from samhandling.domain.monitoring.transport import (
    LineTestResult,
    PendingSend,
    PollResult,
    QueueSample,
    RejectedEpjFile,
    StoppedSend,
    evaluate_certificates,
    evaluate_epj_files,
    evaluate_line_tests,
    evaluate_polling,
    evaluate_queue,
    evaluate_sending,
    evaluate_stopped,
)

CAL = WorkingCalendar()
DEADLINES = ReceiptDeadlines()
HOUR = timedelta(hours=1)
FNR = synthetic_person_id(date(1990, 1, 1))
ELEVEN_DIGITS = re.compile(r"(?<![0-9])[0-9]{11}(?![0-9])")
ERROR_TEXTS = {"E35": "Pasienten finnes ikke i mottakersystemet", "E36": "Pasientopplysninger er utilstrekkelig"}

# Services and the organisations they belong to: Gjøvik kommune (100) has two, Hamar kommune (300) one.
ORGANISATION = {"1001": "100", "1002": "100", "3001": "300", "9001": "900"}
NAMES = {"100": "Gjøvik kommune", "300": "Hamar kommune"}
LOCAL = "5001"
_ids = count(1)


def oslo(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=OSLO)


NOW = oslo(2026, 4, 7, 14)  # the Tuesday after Easter 2026


def partner_of(her_id: str) -> str | None:
    return ORGANISATION.get(her_id)


def message(
    state: MessageState,
    created: datetime,
    *,
    updated: datetime | None = None,
    to: str = "1001",
    sender: str | None = None,
    msg_type: str = "INNLEGGELSESRAPPORT",
    error_codes: Iterable[str] = (),
    is_apprec: bool = False,
    msg_id: str | None = None,
    receipt_conflict: str | None = None,
    conflicts_with: int | None = None,
) -> StoredMessage:
    """A stored message with patient data in it (a fødselsnummer), which must never reach a finding."""
    number = next(_ids)
    outgoing = state.direction is Direction.OUTGOING
    return StoredMessage(
        id=number,
        direction=state.direction,
        msg_id=msg_id or f"6f1c0000-0000-4000-8000-{number:012d}",
        msg_type=msg_type,
        standard="PLO 1.6",
        sender_her_id=(LOCAL if outgoing else sender),
        receiver_her_ids=((to,) if outgoing else (LOCAL,)),
        recipient_her_id=(to if outgoing else LOCAL),
        patient_ref=FNR,
        state=state,
        raw=f"<Melding><Fnr>{FNR}</Fnr></Melding>".encode(),
        created_at=created,
        updated_at=updated or created,
        error_codes=tuple(error_codes),
        is_apprec=is_apprec,
        receipt_conflict=receipt_conflict,
        conflicts_with=conflicts_with,
    )


def evaluate(
    *messages: StoredMessage,
    now: datetime = NOW,
    deadlines: ReceiptDeadlines = DEADLINES,
    error_texts: dict[str, str] = ERROR_TEXTS,
    handled: frozenset[tuple[AlertCause, int]] = frozenset(),
) -> list[Finding]:
    return evaluate_receipts(messages, now, CAL, deadlines, partner_of, error_texts=error_texts, handled=handled)


def only(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, findings
    return findings[0]


# --- causes ------------------------------------------------------------------------------------------------


def test_every_cause_has_a_norwegian_title_severity_and_advice() -> None:
    for cause in AlertCause:
        assert cause.label and cause.advice.endswith(".")
        assert isinstance(cause.severity, Severity)
    assert AlertCause.RECEIPT_WARNING.severity is Severity.WARNING
    assert AlertCause.RECEIPT_OVERDUE.severity is Severity.ALERT
    assert AlertCause.RECEIPT_EXPIRED.severity is Severity.ESCALATED
    assert "testmelding" in AlertCause.RECEIPT_OVERDUE.advice
    assert "kontaktpunkt for feilsøking" in AlertCause.NEGATIVE_RECEIPT.advice
    assert "96 timer" in AlertCause.RECEIPT_EXPIRED.label
    assert Severity.ESCALATED.rank > Severity.ALERT.rank > Severity.WARNING.rank


# --- deadlines ---------------------------------------------------------------------------------------------


def test_deadlines_per_message_type() -> None:
    deadlines = ReceiptDeadlines(per_type={"LOG_UTSKRIVNINGSKLAR": (timedelta(minutes=15), timedelta(minutes=30))})
    assert deadlines.for_type("LOG_UTSKRIVNINGSKLAR") == (timedelta(minutes=15), timedelta(minutes=30))
    assert deadlines.for_type("INNLEGGELSESRAPPORT") == (HOUR, 4 * HOUR)
    assert deadlines.reject_after == timedelta(hours=96)
    with pytest.raises(ValueError, match="advarsel for X"):
        ReceiptDeadlines(per_type={"X": (2 * HOUR, HOUR)})
    with pytest.raises(ValueError, match="advarsel"):
        ReceiptDeadlines(warn=timedelta(0))


def test_nothing_before_the_warning() -> None:
    assert evaluate(message(MessageState.SENT, oslo(2026, 4, 7, 13, 30))) == []


def test_warning_after_one_working_hour() -> None:
    sent = message(MessageState.DELIVERED, oslo(2026, 4, 7, 12, 30))
    finding = only(evaluate(sent))
    assert finding.key == (AlertCause.RECEIPT_WARNING, "100")
    assert finding.message_ids == (sent.id,)
    assert finding.since == oslo(2026, 4, 7, 13, 30)
    assert f"Melding {sent.id}: INNLEGGELSESRAPPORT, MsgId {sent.msg_id}" in finding.details[0]


def test_overdue_after_four_working_hours() -> None:
    sent = message(MessageState.SENT, oslo(2026, 4, 7, 9))
    finding = only(evaluate(sent))
    assert finding.cause is AlertCause.RECEIPT_OVERDUE
    assert finding.since == oslo(2026, 4, 7, 13)
    assert "status «Sendt»" in finding.details[0] and "4 arbeidstimer" in finding.details[0]


def test_a_missing_receipt_marked_by_the_node_is_still_watched() -> None:
    assert only(evaluate(message(MessageState.RECEIPT_MISSING, oslo(2026, 4, 7, 9)))).cause is (
        AlertCause.RECEIPT_OVERDUE
    )


def test_working_time_skips_the_weekend() -> None:
    friday = message(MessageState.SENT, oslo(2026, 3, 6, 15))
    assert only(evaluate(friday, now=oslo(2026, 3, 9, 8))).cause is AlertCause.RECEIPT_WARNING
    assert evaluate(friday, now=oslo(2026, 3, 6, 15, 30)) == []
    monday = only(evaluate(friday, now=oslo(2026, 3, 9, 11)))
    assert monday.cause is AlertCause.RECEIPT_OVERDUE and monday.since == oslo(2026, 3, 9, 11)


def test_easter_does_not_count_but_the_96_hours_do() -> None:
    wednesday = message(MessageState.SENT, oslo(2026, 4, 1, 14, 30))
    assert evaluate(wednesday, now=oslo(2026, 4, 1, 15)) == []
    # Maundy Thursday: 21 and a half hours later, but only one and a half working hours.
    assert only(evaluate(wednesday, now=oslo(2026, 4, 2, 12))).cause is AlertCause.RECEIPT_WARNING
    assert only(evaluate(wednesday, now=oslo(2026, 4, 5, 14))).cause is AlertCause.RECEIPT_WARNING
    # After 96 hours it counts as rejected (HITS 1168 §4.1, §9.1), working time or not: on Easter Sunday.
    expired = only(evaluate(wednesday, now=oslo(2026, 4, 5, 14, 30)))
    assert expired.cause is AlertCause.RECEIPT_EXPIRED
    assert expired.cause.severity is Severity.ESCALATED
    assert expired.since == oslo(2026, 4, 5, 14, 30)
    assert "ingen kvittering etter 96 timer: regnes som avvist" in expired.details[0]


def test_a_stricter_deadline_for_a_message_type() -> None:
    deadlines = ReceiptDeadlines(per_type={"LOG_UTSKRIVNINGSKLAR": (timedelta(minutes=15), timedelta(minutes=30))})
    strict = message(MessageState.SENT, oslo(2026, 4, 7, 13, 15), msg_type="LOG_UTSKRIVNINGSKLAR")
    usual = message(MessageState.SENT, oslo(2026, 4, 7, 13, 15))
    finding = only(evaluate(strict, usual, deadlines=deadlines))
    assert finding.cause is AlertCause.RECEIPT_OVERDUE and finding.message_ids == (strict.id,)
    assert "over fristen på 30 minutter arbeidstid" in finding.details[0]


def test_a_message_stuck_in_the_outbox_was_never_delivered() -> None:
    queued = message(MessageState.QUEUED, oslo(2026, 4, 7, 8))
    finding = only(evaluate(queued))
    assert finding.cause is AlertCause.NEVER_DELIVERED
    assert "aldri levert" in finding.details[0] and "«I utboksen»" in finding.details[0]
    assert only(evaluate(message(MessageState.QUEUED, oslo(2026, 4, 7, 12)))).cause is AlertCause.RECEIPT_WARNING
    stale = only(evaluate(message(MessageState.QUEUED, oslo(2026, 4, 1, 9))))
    assert stale.cause is AlertCause.RECEIPT_EXPIRED and "aldri levert" in stale.details[0]


def test_outgoing_receipts_are_watched_only_in_the_outbox() -> None:
    queued = message(MessageState.QUEUED, oslo(2026, 4, 7, 8), is_apprec=True, msg_type="APPREC")
    sent = message(MessageState.SENT, oslo(2026, 4, 7, 8), is_apprec=True, msg_type="APPREC")
    finding = only(evaluate(queued, sent))
    assert finding.cause is AlertCause.NEVER_DELIVERED and finding.message_ids == (queued.id,)
    assert "applikasjonskvittering" in finding.details[0]


def test_negative_receipts_alert_at_once_with_codes_and_texts() -> None:
    rejected = message(
        MessageState.RECEIPT_REJECTED, oslo(2026, 4, 7, 13), updated=oslo(2026, 4, 7, 13, 55), error_codes=["E35"]
    )
    partly = message(
        MessageState.RECEIPT_OK,
        oslo(2026, 4, 7, 13),
        updated=oslo(2026, 4, 7, 13, 50),
        error_codes=["E36", "X42"],
        to="1002",
    )
    fine = message(MessageState.RECEIPT_OK, oslo(2026, 4, 7, 9))
    finding = only(evaluate(rejected, partly, fine))
    assert finding.key == (AlertCause.NEGATIVE_RECEIPT, "100")
    assert finding.message_ids == (partly.id, rejected.id)  # oldest first
    assert finding.since == oslo(2026, 4, 7, 13, 50)
    assert "(status 3): E36 Pasientopplysninger er utilstrekkelig; X42" in finding.details[0]
    assert "(status 2): E35 Pasienten finnes ikke i mottakersystemet" in finding.details[1]
    assert rejected.msg_id in finding.details[1]


def test_received_messages_the_node_rejected_or_could_not_answer() -> None:
    rejected = message(MessageState.REJECTED, oslo(2026, 4, 7, 10), sender="3001", error_codes=["E35"])
    stray_receipt = message(
        MessageState.REJECTED, oslo(2026, 4, 7, 11), sender="3001", is_apprec=True, msg_type="APPREC"
    )
    unknown = message(MessageState.UNANSWERABLE, oslo(2026, 4, 7, 12), sender="7777")
    nameless = message(MessageState.UNANSWERABLE, oslo(2026, 4, 7, 12, 5), sender=None)
    accepted = message(MessageState.ACCEPTED, oslo(2026, 4, 7, 9), sender="3001")
    received, unanswerable = evaluate(rejected, stray_receipt, unknown, nameless, accepted)
    assert received.key == (AlertCause.RECEIVED_REJECTED, "300")
    assert received.message_ids == (rejected.id, stray_receipt.id)
    assert "fra HER-id 3001, avvist" in received.details[0] and "E35 Pasienten finnes ikke" in received.details[0]
    assert "ikke svarer på noe vi har sendt" in received.details[1]
    assert unanswerable.key == (AlertCause.UNANSWERABLE, None)
    assert unanswerable.message_ids == (unknown.id, nameless.id)
    assert "HER-id 7777" in unanswerable.details[0] and "ukjent avsender" in unanswerable.details[1]


def test_one_finding_per_partner_organisation_and_cause() -> None:
    messages = [
        message(MessageState.SENT, oslo(2026, 4, 7, 8) + timedelta(minutes=n), to=("1001", "1002")[n % 2])
        for n in range(100)
    ]
    hamar = message(MessageState.SENT, oslo(2026, 4, 7, 9), to="3001")
    elsewhere = message(MessageState.SENT, oslo(2026, 4, 7, 9), to="4444")
    warned = message(MessageState.SENT, oslo(2026, 4, 7, 12, 30), to="1001")
    findings = evaluate(*reversed(messages), hamar, elsewhere, warned)
    assert [f.key for f in findings] == [
        (AlertCause.RECEIPT_WARNING, "100"),
        (AlertCause.RECEIPT_OVERDUE, None),
        (AlertCause.RECEIPT_OVERDUE, "100"),
        (AlertCause.RECEIPT_OVERDUE, "300"),
    ]
    gjovik = findings[2]
    assert gjovik.message_ids == tuple(m.id for m in messages)
    assert len(gjovik.details) == 100
    assert gjovik.since == oslo(2026, 4, 7, 12)  # the oldest crossed the line first


def test_handled_messages_give_no_finding_again() -> None:
    rejected = message(MessageState.RECEIPT_REJECTED, oslo(2026, 4, 7, 13), error_codes=["E35"])
    assert rejected.id is not None
    assert evaluate(rejected, handled={(AlertCause.NEGATIVE_RECEIPT, rejected.id)}) == []
    assert evaluate(rejected, handled={(AlertCause.RECEIPT_OVERDUE, rejected.id)}) != []


def test_only_stored_messages_and_aware_times() -> None:
    unsaved = StoredMessage(
        direction=Direction.OUTGOING,
        msg_id="x",
        msg_type="T",
        standard="",
        sender_her_id=LOCAL,
        recipient_her_id="1001",
        state=MessageState.SENT,
        raw=b"",
        created_at=oslo(2026, 4, 7, 8),
    )
    with pytest.raises(ValueError, match="lagrede"):
        evaluate(unsaved)
    with pytest.raises(ValueError, match="naive"):
        evaluate(message(MessageState.SENT, oslo(2026, 4, 7, 8)), now=datetime(2026, 4, 7, 14))


# --- the transport -----------------------------------------------------------------------------------------


def test_sending_that_keeps_failing() -> None:
    pending = [
        PendingSend(
            message_id=1,
            recipient_her_id="1001",
            queued_at=oslo(2026, 4, 7, 9),
            attempts=5,
            last_error=f"HTTP 503 for patient {FNR}\n  retry later",
        ),
        PendingSend(
            message_id=2, recipient_her_id="1002", queued_at=oslo(2026, 4, 7, 8), attempts=3, last_error="timeout"
        ),
        PendingSend(
            message_id=3, recipient_her_id="1001", queued_at=oslo(2026, 4, 7, 8), attempts=2, last_error="timeout"
        ),
        PendingSend(message_id=4, recipient_her_id="3001", queued_at=oslo(2026, 4, 7, 8), attempts=9),
    ]
    finding = only(evaluate_sending(pending, partner_of))
    assert finding.key == (AlertCause.SEND_FAILING, "100")
    assert finding.message_ids == (2, 1)
    assert finding.since == oslo(2026, 4, 7, 8)
    assert "5 forsøk" in finding.details[1] and "HTTP 503 for patient 010190*****" in finding.details[1]
    assert "\n" not in finding.details[1]


def test_polling_that_keeps_failing() -> None:
    polls = [
        PollResult(at=oslo(2026, 4, 7, 9, m), ok=(m < 3), error="" if m < 3 else "tilkobling nektet") for m in range(6)
    ]
    finding = only(evaluate_polling(polls))
    assert finding.key == (AlertCause.POLL_FAILING, None)
    assert finding.since == oslo(2026, 4, 7, 9, 3)
    assert finding.details == (
        "3 mislykkede hentinger på rad siden 07.04.2026 kl. 09.03",
        "Siste feil: tilkobling nektet",
    )
    assert evaluate_polling([*polls, PollResult(at=oslo(2026, 4, 7, 9, 6), ok=True)]) == []
    assert evaluate_polling(polls[:5]) == []


def test_a_queue_that_grows() -> None:
    growing = [QueueSample(at=NOW - timedelta(minutes=m), size=50 - m) for m in range(0, 60, 10)]
    finding = only(evaluate_queue(growing, NOW))
    assert finding.key == (AlertCause.QUEUE_GROWING, None)
    assert finding.details == ("Utboksen har vokst fra 0 til 50 meldinger siden 07.04.2026 kl. 13.10",)
    shrinking = [*growing, QueueSample(at=NOW - timedelta(minutes=5), size=60)]
    assert evaluate_queue(shrinking, NOW) == []
    small = [QueueSample(at=NOW - timedelta(minutes=m), size=10 - m) for m in range(3)]
    assert evaluate_queue(small, NOW) == []
    steady = [QueueSample(at=NOW - timedelta(minutes=m), size=30) for m in range(3)]
    assert evaluate_queue(steady, NOW) == []


def test_failed_line_tests() -> None:
    results = [
        LineTestResult(partner_her_id="100", at=oslo(2026, 4, 6, 9), ok=True),
        LineTestResult(partner_her_id="100", at=oslo(2026, 4, 7, 9), ok=False, detail="ingen AppRec"),
        LineTestResult(partner_her_id="100", at=oslo(2026, 4, 7, 10), ok=False, detail="ingen AppRec"),
        LineTestResult(partner_her_id="300", at=oslo(2026, 4, 7, 9), ok=False),
        LineTestResult(partner_her_id="300", at=oslo(2026, 4, 7, 10), ok=True),
    ]
    finding = only(evaluate_line_tests(results))
    assert finding.key == (AlertCause.LINE_TEST_FAILED, "100")
    assert finding.since == oslo(2026, 4, 7, 9)
    assert finding.details == (
        "2 mislykkede linjetester på rad, siste 07.04.2026 kl. 10.00",
        "Siste feil: ingen AppRec",
    )


# --- quiet partners ----------------------------------------------------------------------------------------


def every_working_day(first: date, last: date, skip: Iterable[date] = ()) -> list[date]:
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return [d for d in days if CAL.is_working_day(d) and d not in set(skip)]


def test_a_partner_gone_quiet() -> None:
    # Tuesday after Easter 2026: the last working day before it is Wednesday 1 April.
    history = {
        "100": every_working_day(date(2026, 2, 23), date(2026, 3, 31)),  # every day, then nothing
        "300": every_working_day(date(2026, 2, 23), date(2026, 4, 1)),  # sent on the last working day
        "400": every_working_day(
            date(2026, 2, 23),
            date(2026, 3, 31),  # only 17 of the 20 baseline days
            skip=[date(2026, 3, 10), date(2026, 3, 11), date(2026, 3, 12)],
        ),
        "500": [*every_working_day(date(2026, 2, 23), date(2026, 3, 31)), date(2026, 4, 7)],  # sent today
        "600": every_working_day(date(2026, 2, 23), date(2026, 3, 31), skip=[date(2026, 3, 10)]),  # 19 of 20
    }
    findings = evaluate_partner_quiet(history, NOW, CAL)
    assert [f.key for f in findings] == [(AlertCause.PARTNER_QUIET, "100"), (AlertCause.PARTNER_QUIET, "600")]
    assert findings[0].since == oslo(2026, 4, 1, 8)
    assert findings[0].details == (
        "Siste melding fra parten: 31.03.2026",
        "Sendte på 20 av de 20 arbeidsdagene før den siste arbeidsdagen",
    )


def test_weekends_and_holidays_are_not_quiet() -> None:
    history = {"100": every_working_day(date(2026, 2, 2), date(2026, 3, 6))}
    assert evaluate_partner_quiet(history, oslo(2026, 3, 9, 9), CAL) == []  # Monday: Friday was the last day
    easter = {"100": every_working_day(date(2026, 2, 23), date(2026, 4, 1))}
    assert evaluate_partner_quiet(easter, oslo(2026, 4, 6, 12), CAL) == []  # Easter Monday
    assert evaluate_partner_quiet(easter, oslo(2026, 4, 8, 9), CAL) != []  # Wednesday: Tuesday was silent
    assert evaluate_partner_quiet(easter, oslo(2026, 4, 8, 9), CAL, quiet_days=2) == []


# --- the life of an alert ----------------------------------------------------------------------------------


def overdue(n: int, to: str = "1001") -> list[StoredMessage]:
    return [message(MessageState.SENT, oslo(2026, 4, 7, 8) + timedelta(minutes=i), to=to) for i in range(n)]


def test_no_flood_one_mail_when_it_opens_and_one_when_it_resolves() -> None:
    waiting = overdue(100)
    mails: list[tuple[str, str]] = []

    def run(messages: list[StoredMessage], now: datetime, alerts: list[Alert]) -> list[Alert]:
        result = reconcile(alerts, evaluate(*messages, now=now), now)
        mails.extend(alert_mail(a, NAMES.get(a.partner_her_id or ""), opened) for a, opened in result.notifications)
        return result.opened + result.still_open

    alerts = run(waiting, NOW, [])
    assert len(alerts) == 1 and len(mails) == 1
    alert = alerts[0]
    assert alert.key == (AlertCause.RECEIPT_OVERDUE, "100") and len(alert.message_ids) == 100
    assert alert.state is AlertState.OPEN and alert.opened_at == alert.last_seen_at == NOW
    for minutes in range(10, 120, 10):  # every ten minutes for two hours: more messages, no more mail
        alerts = run([*waiting, *overdue(minutes // 10, to="1002")], NOW + timedelta(minutes=minutes), alerts)
    assert len(alerts) == 1 and len(mails) == 1
    assert len(alerts[0].message_ids) == 111 and alerts[0].opened_at == NOW
    # The receipts come: the cause clears, the alert resolves by itself, one mail says so.
    result = reconcile(alerts, evaluate(now=NOW + 3 * HOUR), NOW + 3 * HOUR)
    assert result.opened == result.still_open == [] and len(result.resolved) == 1
    closed = result.resolved[0]
    assert closed.state is AlertState.RESOLVED and closed.resolved_by is None
    assert closed.resolution == "Årsaken er ikke lenger til stede."
    assert result.notifications == [(closed, False)]


def test_a_warning_that_becomes_an_alert_is_superseded_quietly() -> None:
    sent = message(MessageState.SENT, oslo(2026, 4, 7, 12))
    first = reconcile([], evaluate(sent, now=oslo(2026, 4, 7, 13, 30)), oslo(2026, 4, 7, 13, 30))
    (warning,) = first.opened
    assert warning.cause is AlertCause.RECEIPT_WARNING
    later = oslo(2026, 4, 8, 9)
    second = reconcile([warning], evaluate(sent, now=later), later)
    assert [a.cause for a in second.opened] == [AlertCause.RECEIPT_OVERDUE]
    assert second.resolved == []
    assert [a.resolution for a in second.superseded] == ["Erstattet av varselet «Applikasjonskvittering mangler»."]
    assert [(a.cause, opened) for a, opened in second.notifications] == [(AlertCause.RECEIPT_OVERDUE, True)]


def test_an_overdue_receipt_that_comes_back_negative_is_superseded() -> None:
    sent = message(MessageState.SENT, oslo(2026, 4, 7, 8))
    (alert,) = reconcile([], evaluate(sent), NOW).opened
    rejected = StoredMessage(
        **{**sent.__dict__, "state": MessageState.RECEIPT_REJECTED, "updated_at": NOW, "error_codes": ("E35",)}
    )
    result = reconcile([alert], evaluate(rejected, now=NOW + HOUR), NOW + HOUR)
    assert [a.cause for a in result.opened] == [AlertCause.NEGATIVE_RECEIPT]
    assert [a.cause for a in result.superseded] == [AlertCause.RECEIPT_OVERDUE]


def test_acknowledged_alerts_stay_acknowledged_until_the_cause_is_gone() -> None:
    (alert,) = reconcile([], evaluate(*overdue(3)), NOW).opened
    taken = acknowledge(alert, "Kari Nordmann", NOW + HOUR)
    assert taken.state is AlertState.ACKNOWLEDGED and taken.acknowledged_by == "Kari Nordmann"
    result = reconcile([taken], evaluate(*overdue(4), now=NOW + 2 * HOUR), NOW + 2 * HOUR)
    assert result.notifications == []
    (still,) = result.still_open
    assert still.state is AlertState.ACKNOWLEDGED and len(still.message_ids) == 4
    (gone,) = reconcile([still], [], NOW + 3 * HOUR).resolved
    assert gone.state is AlertState.RESOLVED and gone.acknowledged_by == "Kari Nordmann"


def test_invalid_moves_have_norwegian_errors() -> None:
    (alert,) = reconcile([], evaluate(*overdue(1)), NOW).opened
    with pytest.raises(AlertTransitionError, match="Oppgi hvem"):
        acknowledge(alert, "  ", NOW)
    with pytest.raises(AlertTransitionError, match="før det ble åpnet"):
        acknowledge(alert, "Kari", NOW - HOUR)
    taken = acknowledge(alert, "Kari", NOW)
    with pytest.raises(AlertTransitionError, match="allerede bekreftet av Kari"):
        acknowledge(taken, "Ola", NOW)
    done = resolve(taken, "Ola", NOW + HOUR, note="Ringt mottaker, sendt på nytt.")
    assert done.resolved_by_hand and done.resolution == "Ringt mottaker, sendt på nytt."
    with pytest.raises(AlertTransitionError, match="allerede løst"):
        resolve(done, "Ola", NOW + 2 * HOUR)
    with pytest.raises(AlertTransitionError, match="allerede løst"):
        acknowledge(done, "Ola", NOW + 2 * HOUR)


def test_resolved_by_hand_is_not_raised_again() -> None:
    rejected = message(MessageState.RECEIPT_REJECTED, oslo(2026, 4, 7, 13), error_codes=["E35"])
    (alert,) = reconcile([], evaluate(rejected), NOW).opened
    done = resolve(alert, "Kari", NOW + HOUR)
    later = NOW + 2 * HOUR
    again = reconcile([], evaluate(rejected, now=later, handled=handled_messages([done])), later)
    assert again.notifications == []
    newer = message(MessageState.RECEIPT_REJECTED, oslo(2026, 4, 7, 15), error_codes=["E36"])
    fresh = reconcile([], evaluate(rejected, newer, now=later, handled=handled_messages([done])), later)
    assert [a.message_ids for a in fresh.opened] == [(newer.id,)]


def test_findings_with_one_key_are_merged_and_double_alerts_closed() -> None:
    since = oslo(2026, 4, 7, 9)
    a = Finding(cause=AlertCause.SEND_FAILING, partner_her_id="100", message_ids=(1, 2), since=since, details=("a",))
    b = Finding(
        cause=AlertCause.SEND_FAILING, partner_her_id="100", message_ids=(2, 3), since=since - HOUR, details=("b",)
    )
    (opened,) = reconcile([], [a, b], NOW).opened
    assert opened.message_ids == (1, 2, 3) and opened.since == since - HOUR and opened.details == ("a", "b")
    twin = open_alert(a, NOW + HOUR)
    result = reconcile([twin, opened], [a], NOW + 2 * HOUR)
    assert [x.opened_at for x in result.still_open] == [NOW] and result.superseded == [
        Alert(**{**twin.__dict__, "resolved_at": NOW + 2 * HOUR, "resolution": "Dobbelt varsel for samme årsak."})
    ]


def test_alert_state_follows_its_fields() -> None:
    alert = open_alert(only(evaluate(*overdue(1))), NOW)
    assert alert.state is AlertState.OPEN and alert.severity is Severity.ALERT and alert.id is None
    assert alert.state.label == "Åpent"
    with pytest.raises(ValueError):
        Alert(**{**alert.__dict__, "acknowledged_by": "Kari"})
    with pytest.raises(ValueError):
        Alert(**{**alert.__dict__, "resolved_by": "Kari"})


# --- mail --------------------------------------------------------------------------------------------------


def test_the_mail_when_an_alert_opens() -> None:
    waiting = overdue(30)
    (alert,) = reconcile([], evaluate(*waiting), NOW).opened
    subject, body = alert_mail(alert, "Gjøvik kommune", opened=True)
    assert subject == "[samhandling] Varsel: Applikasjonskvittering mangler – Gjøvik kommune (HER-id 100)"
    assert "Gjelder fra: 07.04.2026 kl. 12.00" in body
    assert "Varselet ble åpnet: 07.04.2026 kl. 14.00" in body
    assert "Meldinger (30):" in body
    assert f"- Melding {waiting[0].id}: INNLEGGELSESRAPPORT, MsgId {waiting[0].msg_id}" in body
    assert "… og 5 til" in body
    assert "Slik følger du opp:" in body and "testmelding" in body
    assert "én e-post når et varsel åpnes og én når det er løst" in body


def test_the_mail_when_an_alert_resolves() -> None:
    (alert,) = reconcile([], evaluate(*overdue(2)), NOW).opened
    with pytest.raises(ValueError, match="ikke er løst"):
        alert_mail(alert, "Gjøvik kommune", opened=False)
    (gone,) = reconcile([acknowledge(alert, "Kari", NOW)], [], NOW + HOUR).resolved
    subject, body = alert_mail(gone, None, opened=False)
    assert subject == "[samhandling] Løst: Applikasjonskvittering mangler – HER-id 100"
    assert "Løst: 07.04.2026 kl. 15.00 (automatisk). Årsaken er ikke lenger til stede." in body
    assert "Bekreftet av: Kari, 07.04.2026 kl. 14.00" in body
    assert "Slik følger du opp" not in body


def test_mail_for_the_whole_node_and_for_unknown_partners() -> None:
    poll = Finding(cause=AlertCause.POLL_FAILING, partner_her_id=None, since=NOW, details=("3 mislykkede",))
    subject, body = alert_mail(open_alert(poll, NOW), None, opened=True)
    assert subject.endswith("– hele noden") and "Detaljer:" in body
    nameless = Finding(cause=AlertCause.UNANSWERABLE, partner_her_id=None, message_ids=(1,), since=NOW)
    assert alert_mail(open_alert(nameless, NOW), None, opened=True)[0].endswith("– ukjent samhandlingspart")


# --- no patient data ---------------------------------------------------------------------------------------


def test_details_never_hold_an_eleven_digit_number() -> None:
    sneaky = f"msg-{FNR}"  # a partner's MsgId may hold anything
    messages = [
        message(MessageState.SENT, oslo(2026, 4, 7, 13), msg_id=sneaky),
        message(MessageState.SENT, oslo(2026, 4, 7, 8), msg_id=sneaky),
        message(MessageState.QUEUED, oslo(2026, 4, 7, 8), msg_id=sneaky),
        message(MessageState.SENT, oslo(2026, 4, 1, 8), msg_id=sneaky),
        message(MessageState.RECEIPT_REJECTED, oslo(2026, 4, 7, 8), msg_id=sneaky, error_codes=[FNR]),
        message(MessageState.REJECTED, oslo(2026, 4, 7, 8), msg_id=sneaky, sender="3001", error_codes=["E35"]),
        message(MessageState.UNANSWERABLE, oslo(2026, 4, 7, 8), msg_id=sneaky, sender=FNR),
        message(MessageState.FAILED, oslo(2026, 4, 7, 8), msg_id=sneaky, sender=FNR),
        message(MessageState.RECEIPT_OK, oslo(2026, 4, 7, 8), msg_id=sneaky, receipt_conflict=f"avvist: {FNR}"),
        message(MessageState.MSGID_CONFLICT, oslo(2026, 4, 7, 8), msg_id=sneaky, sender=FNR, conflicts_with=7),
    ]
    findings = evaluate(*messages, error_texts={"E35": f"Pasient {FNR} ukjent"})
    findings += evaluate_sending(
        [PendingSend(message_id=1, recipient_her_id="1001", queued_at=NOW, attempts=3, last_error=f"feil for {FNR}")],
        partner_of,
    )
    findings += evaluate_polling([PollResult(at=NOW, ok=False, error=FNR)] * 3)
    findings += evaluate_line_tests([LineTestResult(partner_her_id="100", at=NOW, ok=False, detail=FNR)])
    findings.append(Finding(cause=AlertCause.QUEUE_GROWING, partner_her_id=None, since=NOW, details=(FNR,)))
    findings += evaluate_partner_quiet({"100": every_working_day(date(2026, 2, 23), date(2026, 3, 31))}, NOW, CAL)
    late = Measure(description=f"Ring om {FNR}", owner=FNR, deadline=date(2026, 4, 1))  # bypassing the checks
    findings += evaluate_overdue_measures([Deviation(
        title="x", description="x", occurred_at=NOW, category=DeviationCategory.TECHNICAL_FAULT,
        severity=DeviationSeverity.LOW, registered_by="x", registered_at=NOW, measures=(late,), id=1)],
        date(2026, 4, 7))
    # The notices' causes (samhandling.services.notices.monitoring) build their details from notice texts.
    findings += [Finding(cause=cause, partner_her_id="100", since=NOW, details=(f"Varsel «{FNR}»",))
                 for cause in (AlertCause.NOTICE_UNANSWERED, AlertCause.CERTIFICATE_EXPIRING)]
    findings += evaluate_stopped([StoppedSend(message_id=2, msg_type="APPREC", recipient_her_id="1001", stopped_at=NOW,
                                              reason=f"avvist for {FNR}")])
    findings += evaluate_epj_files([RejectedEpjFile(name=f"{FNR}.xml", at=NOW, reason=f"ugyldig fødselsnummer {FNR}")])
    findings += evaluate_certificates([("100", "100", NOW, f"signing-sertifikat {FNR}")])
    assert {f.cause for f in findings} == set(AlertCause)
    for finding in findings:
        assert finding.details
        for line in finding.details:
            assert not ELEVEN_DIGITS.search(line), line
        alert = open_alert(finding, NOW)
        for text in alert_mail(alert, "Gjøvik kommune", opened=True):
            assert not ELEVEN_DIGITS.search(text)
    noted = resolve(open_alert(findings[0], NOW), "Kari", NOW, note=f"gjaldt {FNR}")
    assert not ELEVEN_DIGITS.search(noted.resolution)


def test_times_in_findings_are_utc() -> None:
    finding = only(evaluate(*overdue(1)))
    assert finding.since.tzinfo is UTC


def test_quiet_thresholds_are_checked() -> None:
    with pytest.raises(ValueError, match="stille part"):
        evaluate_partner_quiet({}, NOW, CAL, min_days=21)
    with pytest.raises(ValueError, match="stille part"):
        evaluate_partner_quiet({}, NOW, CAL, quiet_days=0)
