"""The figures of the cooperation, computed from the facts of each stored business message.

Two volume counts, both labelled wherever they are shown:

- **Meldingsteller** (the national message counter's way, Norsk Helsenett): every message sent, each copy
  (a stored message per recipient) and each resend (every time the message was handed to the transport)
  counted, classified by message type.
- **Unike meldinger** (deduplicated): one per MsgId and recipient.

Percentiles use the *nearest-rank* method: the p-th percentile of n sorted values is the value at rank
ceil(p/100 * n) (1-based); it is always one of the measured values, never interpolated. Times are whole
seconds (truncated).

"Ingen kvittering innen fristen": no AppRec by the alert deadline in working time after the first sending
(``ReceiptDeadlines.for_type``, counted by the ``WorkingCalendar``, HITS 1168 §4.1); a late AppRec counts
here too. Messages whose deadline has not passed at ``now`` and that have no AppRec yet are *pending*.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from samhandling.domain.calendar import WorkingCalendar
from samhandling.domain.messaging.messages import Direction
from samhandling.domain.monitoring.receipts import ReceiptDeadlines

OSLO = ZoneInfo("Europe/Oslo")

DIALOGUE_STARTS = frozenset({"DIALOG_FORESPORSEL", "DIALOG_HELSEOPPLYSNINGER", "LOG_UTSKRIVNINGSKLAR"})
"""Message types that open a dialogue whose answer is timed: Forespørsel, Helseopplysninger and Melding om
utskrivningsklar pasient. The answer refers to them by RefToParent or RefToConversation (HITS 1218)."""


class Receipt(StrEnum):
    OK = "ok"
    REJECTED = "rejected"


@dataclass(frozen=True, kw_only=True)
class MessageFacts:
    """What the statistics need of one stored business message (one per recipient; never an AppRec).

    ``partner`` is the other party: the recipient of an outgoing message, the sender of an incoming one.
    ``sent_at`` holds every time an outgoing message was handed to the transport (resends included); for an
    incoming message the time it was received.
    """

    direction: Direction
    msg_type: str
    partner: str
    msg_id: str
    sent_at: tuple[datetime, ...]
    receipt: Receipt | None = None
    receipt_at: datetime | None = None
    error_codes: tuple[str, ...] = ()
    parent_ref: str | None = None
    conversation_ref: str | None = None

    @property
    def first_at(self) -> datetime:
        return min(self.sent_at)

    @property
    def sendings(self) -> int:
        return len(self.sent_at)


def period_key(moment: datetime, by: str) -> str:
    """The period (Norwegian local time) a moment falls in: ``day`` 2026-03-05, ``week`` 2026-W10,
    ``month`` 2026-03, ``year`` 2026."""
    local = moment.astimezone(OSLO)
    if by == "day":
        return local.date().isoformat()
    if by == "week":
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    if by == "month":
        return f"{local.year}-{local.month:02d}"
    if by == "year":
        return str(local.year)
    raise ValueError(f"Ukjent periode «{by}»; bruk day, week, month eller year.")


@dataclass(frozen=True)
class VolumeRow:
    period: str
    partner: str
    msg_type: str
    direction: str
    counter: int
    """Meldingsteller: copies and resends included."""
    unique: int
    """One per MsgId and recipient."""


def volumes(facts: Iterable[MessageFacts], by: str = "month") -> list[VolumeRow]:
    """Both counts per period (of each sending), partner, message type and direction."""
    counter: Counter[tuple[str, str, str, str]] = Counter()
    unique: dict[tuple[str, str, str, str], set[tuple[str, str]]] = defaultdict(set)
    for f in facts:
        for moment in f.sent_at:
            key = (period_key(moment, by), f.partner, f.msg_type, f.direction.value)
            counter[key] += 1
        first = (period_key(f.first_at, by), f.partner, f.msg_type, f.direction.value)
        unique[first].add((f.msg_id, f.partner))
    keys = sorted(set(counter) | set(unique))
    return [VolumeRow(*k, counter=counter[k], unique=len(unique[k])) for k in keys]


@dataclass(frozen=True)
class ReceiptShares:
    total: int = 0
    positive: int = 0
    negative: int = 0
    negative_by_code: dict[str, int] = field(default_factory=dict)
    missing: int = 0
    """No AppRec within the deadline (late ones included)."""
    pending: int = 0

    def share(self, count: int) -> float:
        decided = self.total - self.pending
        return count / decided if decided else 0.0


def receipt_shares(
    facts: Iterable[MessageFacts], *, now: datetime, calendar: WorkingCalendar, deadlines: ReceiptDeadlines
) -> ReceiptShares:
    """Shares of outgoing messages with a positive AppRec, a negative one (by error code), none in time."""
    total = positive = negative = missing = pending = 0
    codes: Counter[str] = Counter()
    for f in facts:
        if f.direction is not Direction.OUTGOING:
            continue
        total += 1
        deadline = calendar.add_working_time(f.first_at, deadlines.for_type(f.msg_type)[1])
        in_time = f.receipt is not None and f.receipt_at is not None and f.receipt_at <= deadline
        if in_time and f.receipt is Receipt.OK:
            positive += 1
        elif in_time and f.receipt is Receipt.REJECTED:
            negative += 1
            codes.update(f.error_codes or ("(uten feilkode)",))
        elif f.receipt is None and now < deadline:
            pending += 1
        else:
            missing += 1
    return ReceiptShares(total, positive, negative, dict(sorted(codes.items())), missing, pending)


def percentile(values: Sequence[int], p: float) -> int | None:
    """Nearest rank: the value at rank ceil(p/100 * n) of the sorted values; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class TimeSummary:
    count: int
    median: int | None
    p90: int | None
    p99: int | None


def summarise(seconds: Sequence[int]) -> TimeSummary:
    return TimeSummary(len(seconds), percentile(seconds, 50), percentile(seconds, 90), percentile(seconds, 99))


def receipt_times(facts: Iterable[MessageFacts]) -> dict[tuple[str, str], TimeSummary]:
    """AppRec time from the first sending, per (partner, month of sending), in whole seconds."""
    grouped: dict[tuple[str, str], list[int]] = defaultdict(list)
    for f in facts:
        if f.direction is Direction.OUTGOING and f.receipt_at is not None:
            seconds = int((f.receipt_at - f.first_at).total_seconds())
            grouped[(f.partner, period_key(f.first_at, "month"))].append(seconds)
    return {k: summarise(v) for k, v in sorted(grouped.items())}


def dialogue_answer_times(facts: Sequence[MessageFacts]) -> dict[tuple[str, str], TimeSummary]:
    """Time from a dialogue start (:data:`DIALOGUE_STARTS`) to the first answer from the partner, per
    (partner, message type). The answer goes the other way and refers to the start's MsgId by RefToParent,
    else by RefToConversation (HITS 1218)."""
    answers: dict[tuple[str, str], datetime] = {}
    for f in facts:
        for ref in {f.parent_ref, f.conversation_ref} - {None}:
            assert ref is not None
            key = (f.direction.value, ref)
            answers[key] = min(answers.get(key, f.first_at), f.first_at)
    grouped: dict[tuple[str, str], list[int]] = defaultdict(list)
    for f in facts:
        if f.msg_type not in DIALOGUE_STARTS:
            continue
        other = Direction.INCOMING if f.direction is Direction.OUTGOING else Direction.OUTGOING
        answered = answers.get((other.value, f.msg_id))
        if answered is not None and answered >= f.first_at:
            grouped[(f.partner, f.msg_type)].append(int((answered - f.first_at).total_seconds()))
    return {k: summarise(v) for k, v in sorted(grouped.items())}


def silent_partners(facts: Iterable[MessageFacts], partners: Iterable[str], msg_type: str) -> list[str]:
    """The partners that have exchanged no message of ``msg_type`` (either direction): gaps in adoption."""
    seen = {f.partner for f in facts if f.msg_type == msg_type}
    return sorted(set(partners) - seen)


_RECEIPT_STATES = {"receipt_ok": Receipt.OK, "receipt_rejected": Receipt.REJECTED}


def facts_from(
    *, direction: Direction, msg_type: str, msg_id: str, sender: str | None, recipient: str | None,
    created_at: datetime, error_codes: Sequence[str], parent_ref: str | None, conversation_ref: str | None,
    moves: Sequence[tuple[str, datetime]],
) -> MessageFacts | None:
    """The facts of a stored business message from its journal's moves (state value, time), in order.

    Sendings are the moves to «sent» (a resend is another one); an AppRec that came before any (before the
    transport's confirmation) makes the creation the sending. The receipt is the first move to a receipt state.
    None for a message not (yet) sent, or without a partner.
    """
    outgoing = direction is Direction.OUTGOING
    partner = recipient if outgoing else sender
    if partner is None:
        return None
    receipt = next(((s, at) for s, at in moves if s in _RECEIPT_STATES), None) if outgoing else None
    sent = tuple(at for s, at in moves if s == "sent") if outgoing else (created_at,)
    if not sent:
        if receipt is None:
            return None
        sent = (created_at,)
    kind = _RECEIPT_STATES[receipt[0]] if receipt else None
    return MessageFacts(
        direction=direction, msg_type=msg_type, partner=partner, msg_id=msg_id, sent_at=sent, receipt=kind,
        receipt_at=receipt[1] if receipt else None,
        error_codes=tuple(error_codes) if kind is Receipt.REJECTED else (),
        parent_ref=parent_ref, conversation_ref=conversation_ref,
    )
