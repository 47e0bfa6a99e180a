"""The emergency routine's hold (nødrutine, the cooperation procedure §3.4).

During downtime of a partner, or of our own side, the PLO messages that are created are kept and sent when the
fault is fixed. An operator puts a partner, or the whole transport, on hold: messages to it wait in the outbox
with their creation time, nothing is lost or reordered, and a release sends them in creation order. Held
messages are not failures, and monitoring does not alert on them beyond one "held" line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from samhandling.domain.identifiers import HerId
from samhandling.domain.messaging.parties import Party

ALL = "*"
"""The target of a hold on the whole transport."""


class HoldError(ValueError):
    """A hold that cannot be placed or released; one Norwegian line."""


@dataclass(frozen=True, kw_only=True)
class Hold:
    target: str
    """A partner's HER-id, or :data:`ALL`."""
    reason: str
    since: datetime
    by: str
    incident_id: int | None = None

    @property
    def is_everything(self) -> bool:
        return self.target == ALL

    @property
    def label(self) -> str:
        return "hele transporten" if self.is_everything else f"HER-id {self.target}"


def hold_target(value: str) -> str:
    """A hold's target from what an operator wrote: ``all``/``alle`` or a HER-id."""
    cleaned = value.strip()
    if cleaned.lower() in ("all", "alle", ALL):
        return ALL
    try:
        return str(HerId(cleaned))
    except ValueError:
        raise HoldError(f"«{value}» er verken en HER-id eller «all».") from None


def new_hold(target: str, *, reason: str, since: datetime, by: str, existing: list[Hold],
             incident_id: int | None = None) -> Hold:
    if not reason.strip():
        raise HoldError("Oppgi hvorfor meldingene holdes tilbake (--reason).")
    if not by.strip():
        raise HoldError("Oppgi hvem som holder meldingene tilbake.")
    if any(h.target == target for h in existing):
        what = "Hele transporten" if target == ALL else f"HER-id {target}"
        raise HoldError(f"{what} holdes allerede tilbake.")
    return Hold(target=target, reason=reason.strip(), since=since, by=by.strip(), incident_id=incident_id)


LEVELS = 3
"""How far up the register's hierarchy a hold reaches (person → service → organisation → its parent)."""


def recipient_chain(parties: Mapping[str, Party], recipient_her_id: str | None) -> list[str]:
    """``recipient_her_id`` and the parties above it in the register, nearest first: a hold on any of them
    holds a message to the recipient (a hold on an organisation covers its services and persons)."""
    found: list[str] = []
    current = recipient_her_id
    while current is not None and len(found) <= LEVELS:
        found.append(current)
        party = parties.get(current)
        current = party.parent_her_id if party is not None else None
    return found


def holding(holds: list[Hold], chain: Sequence[str]) -> Hold | None:
    """The hold that keeps back a message to the first of ``chain`` (the recipient and the parties above it,
    :func:`recipient_chain`), if any; a hold on everything first."""
    for hold in holds:
        if hold.is_everything:
            return hold
    for hold in holds:
        if hold.target in chain:
            return hold
    return None
