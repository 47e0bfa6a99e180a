"""The statistics use case: the facts of a period's business messages from the store, and the figures.

The facts are read through the unit of work (messages and their journals), so the figures are the same on
every store. Sendings are the journal's moves to «Sendt» (a resend is a second one); the AppRec is the first
move to a receipt state. A store-side aggregate for large stores is left for ``store/statistics``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from samhandling.domain.calendar import WorkingCalendar
from samhandling.domain.messages import Direction, MessageState, StoredMessage
from samhandling.domain.monitoring import ReceiptDeadlines
from samhandling.domain.statistics import (
    MessageFacts,
    Receipt,
    ReceiptShares,
    TimeSummary,
    dialogue_answer_times,
    receipt_shares,
    receipt_times,
    volumes,
)
from samhandling.domain.statistics.figures import VolumeRow
from samhandling.store.repositories import MessageQuery
from samhandling.store.unit_of_work import UnitOfWork

_RECEIPTS = {MessageState.RECEIPT_OK: Receipt.OK, MessageState.RECEIPT_REJECTED: Receipt.REJECTED}


@dataclass(frozen=True, kw_only=True)
class StatsQuery:
    start: datetime
    end: datetime
    """Exclusive."""
    partner: str | None = None
    msg_type: str | None = None
    by: str = "month"


@dataclass(frozen=True)
class Figures:
    query: StatsQuery
    volumes: list[VolumeRow]
    receipts: ReceiptShares
    receipt_times: dict[tuple[str, str], TimeSummary]
    answer_times: dict[tuple[str, str], TimeSummary]


def facts_of(uow: UnitOfWork, query: StatsQuery) -> list[MessageFacts]:
    """The facts of every business message (no AppRec) created in the period, filtered as asked."""
    found: list[MessageFacts] = []
    stored = uow.messages.list(
        MessageQuery(is_apprec=False, created_from=query.start, created_before=query.end, msg_type=query.msg_type,
                     oldest_first=True, limit=None)
    )
    for message in stored:
        facts = _facts(uow, message)
        if facts is not None and (query.partner is None or facts.partner == query.partner):
            found.append(facts)
    return found


def _facts(uow: UnitOfWork, message: StoredMessage) -> MessageFacts | None:
    outgoing = message.direction is Direction.OUTGOING
    partner = message.recipient_her_id if outgoing else message.sender_her_id
    if message.id is None or partner is None:
        return None
    journal = uow.messages.journal(message.id)
    if outgoing:
        sent = tuple(e.at for e in journal if e.state is MessageState.SENT)
        # An AppRec may come before the transport's confirmation: the message was sent when it was queued.
        if not sent:
            if not any(e.state in _RECEIPTS for e in journal):
                return None
            sent = (message.created_at,)
    else:
        sent = (message.created_at,)
    receipt = next((e for e in journal if e.state in _RECEIPTS), None) if outgoing else None
    return MessageFacts(
        direction=message.direction, msg_type=message.msg_type, partner=partner, msg_id=message.msg_id,
        sent_at=sent, receipt=_RECEIPTS[receipt.state] if receipt else None,
        receipt_at=receipt.at if receipt else None,
        error_codes=message.error_codes if receipt and receipt.state is MessageState.RECEIPT_REJECTED else (),
        parent_ref=message.parent_ref, conversation_ref=message.conversation_ref,
    )


def compute(
    facts: Sequence[MessageFacts], query: StatsQuery, *, now: datetime, calendar: WorkingCalendar,
    deadlines: ReceiptDeadlines,
) -> Figures:
    return Figures(
        query=query,
        volumes=volumes(facts, query.by),
        receipts=receipt_shares(facts, now=now, calendar=calendar, deadlines=deadlines),
        receipt_times=receipt_times(facts),
        answer_times=dialogue_answer_times(facts),
    )


def statistics(
    uow: UnitOfWork, query: StatsQuery, *, now: datetime, calendar: WorkingCalendar | None = None,
    deadlines: ReceiptDeadlines | None = None,
) -> Figures:
    with uow:
        facts = facts_of(uow, query)
    return compute(facts, query, now=now, calendar=calendar or WorkingCalendar(),
                   deadlines=deadlines or ReceiptDeadlines())
