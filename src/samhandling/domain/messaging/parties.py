"""Communication parties: the ones the node serves (local) and its partners.

A communication party (kommunikasjonspart) is anything with a HER-id in NHN's address register: an
organisation, a service within it (tjeneste, e.g. a ward or the municipality's office for health and
care services), or a person. They form a hierarchy: services and persons belong to an organisation or
to another service. The node serves a party when the party or one of the levels above it is local.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from samhandling.domain.identifiers import HerId


class PartyKind(StrEnum):
    ORGANISATION = "organisation"
    SERVICE = "service"
    PERSON = "person"


@dataclass(frozen=True, kw_only=True)
class Party:
    """A communication party. The HER-id is kept exactly as given (a string of digits, never a number)."""

    her_id: str
    name: str
    kind: PartyKind
    parent_her_id: str | None = None
    local: bool = False
    """Served by this node (its messages arrive here and are sent from here)."""
    municipality: str | None = None
    """The municipality number (kommunenummer) of a municipal party, e.g. "4601"."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", PartyKind(self.kind))
        HerId(self.her_id)  # raises ValueError, in Norwegian, for an empty or non-numeric HER-id
        if self.parent_her_id is not None:
            HerId(self.parent_her_id)
            if self.parent_her_id == self.her_id:
                raise ValueError("En kommunikasjonspart kan ikke være sin egen overordnede.")
        if not self.name.strip():
            raise ValueError("En kommunikasjonspart må ha et navn.")


class Parties:
    """A set of parties with their hierarchy; answers questions about a HER-id without I/O."""

    def __init__(self, parties: Iterable[Party] = ()) -> None:
        self._by_her_id: dict[str, Party] = {p.her_id: p for p in parties}

    def __iter__(self) -> Iterator[Party]:
        return iter(self._by_her_id.values())

    def __len__(self) -> int:
        return len(self._by_her_id)

    def __contains__(self, her_id: object) -> bool:
        return her_id in self._by_her_id

    def get(self, her_id: str) -> Party | None:
        return self._by_her_id.get(her_id)

    def children(self, her_id: str) -> list[Party]:
        """The parties directly below ``her_id``, by name."""
        return sorted((p for p in self if p.parent_her_id == her_id), key=lambda p: (p.name, p.her_id))

    def ancestors(self, her_id: str) -> list[Party]:
        """The known parties above ``her_id``, nearest first; stops at a parent that is not known.

        Raises ValueError for a hierarchy with a loop.
        """
        found: list[Party] = []
        seen = {her_id}
        party = self.get(her_id)
        while party is not None and party.parent_her_id is not None:
            if party.parent_her_id in seen:
                raise ValueError(f"Partshierarkiet har en løkke ved HER-id {party.parent_her_id}.")
            seen.add(party.parent_her_id)
            party = self.get(party.parent_her_id)
            if party is not None:
                found.append(party)
        return found

    def path(self, her_id: str) -> list[Party]:
        """From the top known level down to the party itself (the order of service-based addressing)."""
        party = self.get(her_id)
        if party is None:
            return []
        return [*reversed(self.ancestors(her_id)), party]

    def organisation_of(self, her_id: str) -> Party | None:
        """The topmost known organisation above or at ``her_id``."""
        return next((p for p in self.path(her_id) if p.kind is PartyKind.ORGANISATION), None)

    def is_served_locally(self, her_id: str) -> bool:
        """Whether this node serves ``her_id``: it is known and it or a level above it is local."""
        party = self.get(her_id)
        return party is not None and (party.local or any(p.local for p in self.ancestors(her_id)))

    def served_locally(self) -> list[Party]:
        """Every known party this node serves, by HER-id."""
        return sorted((p for p in self if self.is_served_locally(p.her_id)), key=lambda p: p.her_id)
