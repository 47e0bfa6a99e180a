"""Receipts that do not come: a sent message without AppRec by its deadline is marked as missing one.

HITS 1168 §4: the sender follows up a message that gets no application receipt. A message still waiting
(sent or delivered, not an AppRec itself) when its deadline has passed moves to ``receipt_missing``; a late
AppRec still moves it on (to OK or rejected). The daily monitoring builds its warnings and alerts on this.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from samhandling.domain.messages import Direction, MessageState, utc_now
from samhandling.store.repositories import MessageQuery
from samhandling.store.unit_of_work import UnitOfWork

WAITING = frozenset({MessageState.SENT, MessageState.DELIVERED})


def mark_missing_receipts(new_uow: Callable[[], UnitOfWork], deadline: timedelta, *,
                          now: datetime | None = None) -> list[int]:
    """Move every sent message older than ``deadline`` without an AppRec to ``receipt_missing``."""
    at = now or utc_now()
    with new_uow() as uow:
        overdue = uow.messages.list(MessageQuery(direction=Direction.OUTGOING, states=WAITING, is_apprec=False,
                                                 created_before=at - deadline, limit=None, oldest_first=True))
        for message in overdue:
            assert message.id is not None
            hours = (at - message.created_at).total_seconds() / 3600
            uow.messages.update_state(message.id, MessageState.RECEIPT_MISSING, at=at,
                                      detail=f"Ingen applikasjonskvittering etter {hours:.0f} timer.")
        uow.commit()
    return [m.id for m in overdue if m.id is not None]
