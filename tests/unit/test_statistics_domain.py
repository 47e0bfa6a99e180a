"""The statistics figures against a small hand-checked data set."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from samhandling.domain.calendar import WorkingCalendar
from samhandling.domain.messaging.messages import Direction
from samhandling.domain.monitoring.receipts import ReceiptDeadlines
from samhandling.domain.statistics import (
    MessageFacts,
    Receipt,
    dialogue_answer_times,
    percentile,
    receipt_shares,
    receipt_times,
    silent_partners,
    volumes,
)

OUT, IN = Direction.OUTGOING, Direction.INCOMING
# Thursday 2026-03-05 10:00 Oslo (09:00 UTC).
T = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)


def fact(msg_id: str, partner: str = "A", **kw: object) -> MessageFacts:
    values: dict[str, object] = {"direction": OUT, "msg_type": "LOG_INNLAGT", "partner": partner,
                                 "msg_id": msg_id, "sent_at": (T,)}
    values.update(kw)
    return MessageFacts(**values)  # type: ignore[arg-type]


def test_the_counter_counts_copies_and_resends_the_unique_count_does_not() -> None:
    facts = [
        fact("m1", "A", sent_at=(T, T + timedelta(hours=5))),  # sent, then resent after a missing receipt
        fact("m1", "B"),  # the copy of m1 to B
        fact("m2", "A"),
    ]
    rows = {(r.partner, r.period): (r.counter, r.unique) for r in volumes(facts, "month")}
    assert rows == {("A", "2026-03"): (3, 2), ("B", "2026-03"): (1, 1)}


def test_percentiles_are_nearest_rank() -> None:
    values = list(range(1, 11))  # 1..10
    assert percentile(values, 50) == 5
    assert percentile(values, 90) == 9
    assert percentile(values, 99) == 10
    assert percentile([7], 99) == 7
    assert percentile([], 50) is None


def test_receipt_times_per_partner_and_month() -> None:
    facts = [fact(f"m{i}", receipt=Receipt.OK, receipt_at=T + timedelta(seconds=s))
             for i, s in enumerate([60, 120, 30, 600])]
    summary = receipt_times(facts)[("A", "2026-03")]
    assert (summary.count, summary.median, summary.p90, summary.p99) == (4, 60, 600, 600)


def test_receipt_deadline_is_counted_in_working_days() -> None:
    calendar = WorkingCalendar()
    deadlines = ReceiptDeadlines(warn=timedelta(hours=4), alert=timedelta(hours=8))
    friday = datetime(2026, 3, 6, 14, 0, tzinfo=UTC)  # 15:00 Oslo: 8 working hours end on Monday
    monday_morning = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
    facts = [
        fact("in-time", sent_at=(friday,), receipt=Receipt.OK, receipt_at=monday_morning),
        fact("rejected", sent_at=(friday,), receipt=Receipt.REJECTED, receipt_at=monday_morning,
             error_codes=("E10",)),
        fact("late", sent_at=(T,), receipt=Receipt.OK, receipt_at=T + timedelta(days=3)),
        fact("none", sent_at=(T,)),
        fact("waiting", sent_at=(friday,)),
    ]
    shares = receipt_shares(facts, now=monday_morning, calendar=calendar, deadlines=deadlines)
    assert (shares.total, shares.positive, shares.negative, shares.missing, shares.pending) == (5, 1, 1, 2, 1)
    assert shares.negative_by_code == {"E10": 1}
    assert shares.share(shares.missing) == 0.5


def test_dialogue_answer_time_and_silent_partners() -> None:
    start = fact("q1", msg_type="DIALOG_FORESPORSEL")
    answer = fact("s1", direction=IN, msg_type="DIALOG_SVAR", sent_at=(T + timedelta(hours=2),), parent_ref="q1")
    times = dialogue_answer_times([start, answer])
    assert times[("A", "DIALOG_FORESPORSEL")].median == 7200
    assert silent_partners([start, answer], ["A", "B"], "DIALOG_FORESPORSEL") == ["B"]


def test_the_deadline_skips_easter() -> None:
    # Default alert deadline: 4 working hours (08-16). Sent Wednesday 1 April 2026 14:00 Oslo (CEST): 2 hours that
    # day; Maundy Thursday, Good Friday, the weekend and Easter Monday are closed; the other 2 end Tuesday 10:00.
    sent = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)
    deadline = datetime(2026, 4, 7, 8, 0, tzinfo=UTC)
    facts = [
        fact("in-time", sent_at=(sent,), receipt=Receipt.OK, receipt_at=deadline - timedelta(minutes=1)),
        fact("late", sent_at=(sent,), receipt=Receipt.OK, receipt_at=deadline + timedelta(minutes=1)),
        fact("waiting", sent_at=(sent,)),
    ]
    shares = receipt_shares(facts, now=deadline - timedelta(minutes=5), calendar=WorkingCalendar(),
                            deadlines=ReceiptDeadlines())
    assert (shares.positive, shares.missing, shares.pending) == (1, 1, 1)


def test_an_answer_found_by_its_conversation_ref() -> None:
    start = fact("u1", direction=IN, msg_type="LOG_UTSKRIVNINGSKLAR")
    answer = fact("a1", msg_type="LOG_BEKREFTELSE", sent_at=(T + timedelta(minutes=45),), conversation_ref="u1")
    late_answer = fact("a2", msg_type="LOG_BEKREFTELSE", sent_at=(T + timedelta(hours=5),), conversation_ref="u1")
    times = dialogue_answer_times([start, late_answer, answer])
    assert times[("A", "LOG_UTSKRIVNINGSKLAR")].median == 45 * 60
