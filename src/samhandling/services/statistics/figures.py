"""The statistics use case: the facts of a period's business messages from the store, and the figures.

The facts are read through the unit of work (``uow.statistics``: messages and their journal moves, set-based),
so the figures are the same on every store; :func:`samhandling.domain.statistics.figures.facts_from` says what
counts as a sending and as the AppRec.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from samhandling.domain.calendar import WorkingCalendar
from samhandling.domain.messaging.messages import MessageState
from samhandling.domain.monitoring.receipts import ReceiptDeadlines
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
    return uow.statistics.facts(query.start, query.end, msg_type=query.msg_type, partner=query.partner)


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
