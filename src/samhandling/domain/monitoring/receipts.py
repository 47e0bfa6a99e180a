"""The receipt rules: every message the node sends is watched until its application receipt (AppRec) comes.

Its deadlines depend on the message type (:class:`ReceiptDeadlines`): a warning and then an alert after some
working time (counted by a :class:`~samhandling.domain.calendar.WorkingCalendar`), and after 96 hours of
wall-clock time the message counts as rejected and the alert is escalated (HITS 1168:2016 §4.1 and §9.1, see
below). A message still waiting in the outbox, because the transport or the partner is down, is watched by the
same deadlines, and its alert says it was never delivered.

Negative AppRecs (status 2, avvist) and AppRecs with status 3 (OK, error in a part) are found with their error
codes. The store keeps status 3 as a positive receipt with error codes, so that is how the facts show it. So
are received messages the node rejected, and messages it could not answer because the sender is unknown.

The 96 hours: HITS 1168:2016 (Bruk av applikasjonskvittering) §4.1 says an AppRec shall be received within
96 hours counted from the GenDate of the message, and that a sender with no AppRec within 96 hours shall
regard it as a negative AppRec; §9.1 says the message is then to be regarded as rejected and that this
time-out shall be notified at once to whoever sent it. Since Errata 4 to HIS 80415:2012 the receiver may
still take the message in after 96 hours and answer with a positive AppRec, so a late receipt still moves the
message on. The stored message's ``created_at`` stands in for GenDate: the node writes both when it makes
the message. §4.1 also lets a message standard set stricter deadlines, which the per-type deadlines are for.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from samhandling.domain.calendar import WorkingCalendar
from samhandling.domain.clock import as_utc
from samhandling.domain.messaging.messages import Direction, MessageState, StoredMessage
from samhandling.domain.monitoring.causes import AlertCause
from samhandling.domain.monitoring.findings import AlertKey, Finding, Hit, aggregate, stamp

_DEFAULT_WARN = timedelta(hours=1)
_DEFAULT_ALERT = timedelta(hours=4)
NINETY_SIX_HOURS = timedelta(hours=96)
"""HITS 1168:2016 §4.1 and §9.1: no AppRec within 96 hours from GenDate counts as a negative one."""


@dataclass(frozen=True, kw_only=True)
class ReceiptDeadlines:
    """How long a sent message may wait for its AppRec.

    ``warn`` and ``alert`` are working time (a calendar counts them); ``per_type`` overrides both for a
    message type (MsgHead's ``MsgInfo/Type``, e.g. ``"LOG_UTSKRIVNINGSKLAR"``), as a message standard may ask
    for stricter deadlines (HITS 1168 §4.1). ``reject_after`` is wall-clock time: after it the message counts
    as rejected (HITS 1168 §4.1, §9.1).
    """

    warn: timedelta = _DEFAULT_WARN
    alert: timedelta = _DEFAULT_ALERT
    reject_after: timedelta = NINETY_SIX_HOURS
    per_type: Mapping[str, tuple[timedelta, timedelta]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "per_type", dict(self.per_type))
        for name, (warn, alert) in [("", (self.warn, self.alert)), *self.per_type.items()]:
            where = f" for {name}" if name else ""
            if not timedelta(0) < warn <= alert:
                raise ValueError(
                    f"Fristen for advarsel{where} må være positiv og ikke lengre enn fristen for "
                    f"varsel ({warn} og {alert})."
                )
        if self.reject_after <= timedelta(0):
            raise ValueError("Tiden før en melding uten kvittering regnes som avvist, må være positiv.")

    def for_type(self, msg_type: str) -> tuple[timedelta, timedelta]:
        """The warning and alert deadlines (working time) of a message type."""
        return self.per_type.get(msg_type, (self.warn, self.alert))


WAITING_FOR_RECEIPT = frozenset(
    {MessageState.QUEUED, MessageState.SENT, MessageState.DELIVERED, MessageState.RECEIPT_MISSING}
)
"""Outgoing states in which a message still waits for its AppRec (queued again after a missing one, too)."""


def evaluate_receipts(
    messages: Iterable[StoredMessage],
    now: datetime,
    calendar: WorkingCalendar,
    deadlines: ReceiptDeadlines,
    partner_of: Callable[[str], str | None],
    *,
    error_texts: Mapping[str, str] | None = None,
    handled: Collection[tuple[AlertCause, int]] = frozenset(),
) -> list[Finding]:
    """The receipt findings among stored messages, one per partner organisation and cause.

    Outgoing messages waiting for an AppRec give a warning, then an alert (``never_delivered`` for one still
    in the outbox, ``receipt_overdue`` otherwise), and after 96 hours ``receipt_expired``; each message
    appears under its most serious cause only. Negative AppRecs (status 2) and positive ones with error codes
    (status 3) give ``negative_receipt``. Incoming messages the node rejected give ``received_rejected``,
    those it could not answer ``unanswerable``, a MsgId used again with other content ``msgid_reused``.
    Outgoing AppRecs are watched only while in the outbox.

    ``partner_of`` maps a HER-id to its partner organisation's HER-id (None when unknown): the recipient's
    for an outgoing message, the sender's for an incoming one. ``error_texts`` gives the text of an AppRec
    error code (code system 8221). ``handled`` holds (cause, message id) pairs a person has followed up and
    resolved by hand (:func:`~samhandling.domain.monitoring.alerts.handled_messages`); they give no finding again.
    """
    at = as_utc("now", now)
    texts = error_texts or {}
    hits: dict[AlertKey, list[Hit]] = defaultdict(list)
    for message in messages:
        found = _receipt_problem(message, at, calendar, deadlines, texts)
        if found is None:
            continue
        cause, since, line = found
        if message.id is None:
            raise ValueError("Bare lagrede meldinger (med id) kan overvåkes.")
        if (cause, message.id) in handled:
            continue
        outgoing = message.direction is Direction.OUTGOING
        counterpart = message.recipient_her_id if outgoing else message.sender_her_id
        partner = partner_of(counterpart) if counterpart else None
        hits[(cause, partner)].append(Hit(message.id, since, f"Melding {message.id}: {_describe(message)}, {line}"))
    return aggregate(hits)


def _receipt_problem(
    message: StoredMessage,
    now: datetime,
    calendar: WorkingCalendar,
    deadlines: ReceiptDeadlines,
    texts: Mapping[str, str],
) -> tuple[AlertCause, datetime, str] | None:
    """The cause a message gives, when it began, and the message's line in the finding; None for no cause."""
    state, tz = message.state, calendar.tz
    if message.direction is Direction.INCOMING:
        if state is MessageState.REJECTED:
            what = "applikasjonskvittering som ikke svarer på noe vi har sendt" if message.is_apprec else "avvist"
            return (
                AlertCause.RECEIVED_REJECTED,
                message.updated_at,
                f"fra {_sender(message)}, {what} {stamp(message.updated_at, tz)}{_codes(message, texts)}",
            )
        if state is MessageState.UNANSWERABLE:
            return (
                AlertCause.UNANSWERABLE,
                message.updated_at,
                f"fra {_sender(message)}, mottatt {stamp(message.created_at, tz)}{_codes(message, texts)}",
            )
        if state is MessageState.FAILED:
            return (
                AlertCause.INBOUND_FAILED,
                message.updated_at,
                f"fra {_sender(message)}, mottatt {stamp(message.created_at, tz)}",
            )
        if state is MessageState.MSGID_CONFLICT:
            return (
                AlertCause.MSGID_REUSED,
                message.updated_at,
                f"fra {_sender(message)}, mottatt {stamp(message.created_at, tz)}, samme MsgId som melding "
                f"{message.conflicts_with}",
            )
        return None
    if state in WAITING_FOR_RECEIPT and (state is MessageState.QUEUED or not message.is_apprec):
        return _waiting_problem(message, now, calendar, deadlines)
    if message.is_apprec:
        return None
    if message.receipt_conflict is not None and state in (MessageState.RECEIPT_OK, MessageState.RECEIPT_REJECTED):
        return (
            AlertCause.RECEIPT_CONFLICT,
            message.updated_at,
            f"har «{state.label}»{_codes(message, texts)}, men fikk også et annet svar",
        )
    if state is MessageState.RECEIPT_REJECTED:
        return (
            AlertCause.NEGATIVE_RECEIPT,
            message.updated_at,
            f"avvist {stamp(message.updated_at, tz)} (status 2){_codes(message, texts)}",
        )
    if state is MessageState.RECEIPT_OK and message.error_codes:
        return (
            AlertCause.NEGATIVE_RECEIPT,
            message.updated_at,
            f"OK med feil i delmelding {stamp(message.updated_at, tz)} (status 3){_codes(message, texts)}",
        )
    return None


def _waiting_problem(
    message: StoredMessage, now: datetime, calendar: WorkingCalendar, deadlines: ReceiptDeadlines
) -> tuple[AlertCause, datetime, str] | None:
    created, tz = message.created_at, calendar.tz
    queued = message.state is MessageState.QUEUED
    line = f"laget {stamp(created, tz)}, status «{message.state.label}»" + (" – aldri levert" if queued else "")
    if now - created >= deadlines.reject_after:
        hours = deadlines.reject_after / timedelta(hours=1)
        return (
            AlertCause.RECEIPT_EXPIRED,
            created + deadlines.reject_after,
            f"{line}, ingen kvittering etter {hours:.0f} timer: regnes som avvist",
        )
    warn, alert = deadlines.for_type(message.msg_type)
    waited = calendar.working_time_between(created, now)
    if waited >= alert:
        cause = AlertCause.NEVER_DELIVERED if queued else AlertCause.RECEIPT_OVERDUE
        return cause, calendar.add_working_time(created, alert), f"{line}, over fristen på {_hours(alert)}"
    if waited >= warn:
        return (
            AlertCause.RECEIPT_WARNING,
            calendar.add_working_time(created, warn),
            f"{line}, over fristen for advarsel på {_hours(warn)}",
        )
    return None


def _describe(message: StoredMessage) -> str:
    kind = "applikasjonskvittering" if message.is_apprec else (message.msg_type or "ukjent type")
    return f"{kind}, MsgId {message.msg_id or '(mangler)'}"


def _sender(message: StoredMessage) -> str:
    return f"HER-id {message.sender_her_id}" if message.sender_her_id else "ukjent avsender"


def _codes(message: StoredMessage, texts: Mapping[str, str]) -> str:
    if not message.error_codes:
        return ""
    return ": " + "; ".join(f"{code} {texts[code]}" if code in texts else code for code in message.error_codes)


def _hours(duration: timedelta) -> str:
    """A deadline in Norwegian: "4 arbeidstimer", "1 arbeidstime", "30 minutter arbeidstid"."""
    hours, rest = divmod(duration, timedelta(hours=1))
    if rest:
        return f"{duration // timedelta(minutes=1)} minutter arbeidstid"
    return f"{hours} arbeidstime{'' if hours == 1 else 'r'}"
