"""Which messages a hold keeps back, as SQL: a hold on a party covers the party and everything under it (a hold on
an organisation holds the messages to its services and persons), and a hold on ``*`` covers every recipient.
Used by the outbox's claim and by the holds' count of waiting messages, so both agree."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, exists, or_, select

from samhandling.domain.incidents.hold import ALL, LEVELS
from samhandling.store.incidents.tables import holds
from samhandling.store.messaging.tables import parties


def chain(recipient: Any) -> list[Any]:
    """``recipient`` and its ancestors up to :data:`LEVELS` levels, as SQL expressions (NULL above the top)."""
    found = [recipient]
    for _ in range(LEVELS):
        above = parties.alias()
        found.append(select(above.c.parent_her_id).where(above.c.her_id == found[-1]).scalar_subquery())
    return found


def covers(target: Any, recipient: Any) -> ColumnElement[bool]:
    """Whether a hold on ``target`` covers a message to ``recipient``."""
    return or_(*(target == level for level in chain(recipient)))


def is_held(recipient: Any) -> ColumnElement[bool]:
    """Whether an active hold keeps a message to ``recipient`` back."""
    return exists(select(holds.c.id).where(and_(holds.c.released_at.is_(None),
                                                or_(holds.c.target == ALL, covers(holds.c.target, recipient)))))
