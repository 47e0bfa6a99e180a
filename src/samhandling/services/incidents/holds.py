"""The emergency routine's hold and release.

While a partner (or the whole transport) is on hold, the messages created for it wait in the outbox with
their creation time; the outbox does not offer them (see ``OutboxRepository.claim``). ``release`` makes them
due at once, in creation order, and the node sends them at its next pass; monitoring then watches their
receipts as usual. Held messages are not failures: monitoring leaves them out (:func:`held_message_ids`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from samhandling.domain.clock import as_utc
from samhandling.domain.incidents.hold import ALL, Hold, HoldError, hold_target, new_hold
from samhandling.store.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HeldFor:
    """A hold and the messages waiting for it."""

    hold: Hold
    waiting: tuple[int, ...]


def place_hold(uow: UnitOfWork, target: str, *, reason: str, by: str, now: datetime,
               incident_id: int | None = None) -> HeldFor:
    """Put ``target`` (a HER-id, or ``all``) on hold. HoldError with one Norwegian line when it cannot be."""
    now = as_utc("now", now)
    with uow:
        target = hold_target(target)
        if target != ALL and uow.parties.get(target) is None:
            raise HoldError(f"HER-id {target} finnes ikke i partsregisteret.")
        if incident_id is not None and uow.incidents.get(incident_id) is None:
            raise HoldError(f"Ingen hendelse med nummer {incident_id}.")
        hold = new_hold(target, reason=reason, since=now, by=by, existing=uow.incidents.holds(),
                        incident_id=incident_id)
        uow.incidents.add_hold(hold)
        waiting = tuple(uow.incidents.waiting(target))
        uow.commit()
    log.info("hold placed", extra={"target": target, "waiting": len(waiting)})
    return HeldFor(hold, waiting)


def release_hold(uow: UnitOfWork, target: str, *, by: str, now: datetime) -> HeldFor:
    """Release the hold on ``target``; its messages are due at once, in creation order."""
    now = as_utc("now", now)
    with uow:
        target = hold_target(target)
        waiting = tuple(uow.incidents.waiting(target))
        released = uow.incidents.release_hold(target, at=now, by=by)
        if released is None:
            what = "Hele transporten" if target == ALL else f"HER-id {target}"
            raise HoldError(f"{what} holdes ikke tilbake.")
        uow.commit()
    log.info("hold released", extra={"target": target, "waiting": len(waiting)})
    return HeldFor(released, waiting)


def holds_now(uow: UnitOfWork) -> list[HeldFor]:
    """The active holds, oldest first, with the messages waiting for each."""
    with uow:
        return [HeldFor(h, tuple(uow.incidents.waiting(h.target))) for h in uow.incidents.holds()]


def held_message_ids(uow: UnitOfWork) -> set[int]:
    """The stored ids of the outgoing messages a hold keeps back now (in an open unit of work)."""
    held: set[int] = set()
    for hold in uow.incidents.holds():
        held.update(uow.incidents.waiting(hold.target))
    return held
