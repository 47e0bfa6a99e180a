"""The municipalities of the region: the seed data, and finding a municipality by number or name.

The seed ships with samhandling: ``samhandling/data/innlandet.json``, the 46 municipalities of Innlandet
(county 34) from Statistics Norway's classification of municipalities (SSB, klassifikasjon 131), valid from
1 January 2024. Another region loads its own with ``samhandling partners seed FILE``, in the format
``{"region": …, "municipalities": [{"number": "3401", "name": "Kongsvinger"}, …]}``. A municipality
without a partner of category ``kommune`` yet is a partner-to-be (:mod:`samhandling.domain.registers.partners`);
agreements are made per municipality (:mod:`samhandling.services.registers.agreements`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any

from samhandling.domain.clock import utc_now
from samhandling.domain.registers.contacts import fold
from samhandling.domain.registers.partners import Entity, Municipality, municipality_number_problem
from samhandling.services.registers.files import read_json
from samhandling.services.registers.journal import RegisterInputError, record_change
from samhandling.store.registers.repositories import MunicipalityInUseError
from samhandling.store.unit_of_work import UnitOfWork

SEED_PACKAGE = "samhandling.data"
DEFAULT_SEED = "innlandet.json"
SEED_ACTOR = "samhandling (startdata)"


@dataclass(frozen=True)
class Seed:
    region: str | None
    municipalities: tuple[Municipality, ...]


@dataclass(frozen=True)
class SeedResult:
    created: int
    updated: int
    unchanged: int
    removed: int = 0


def bundled_seed() -> bytes:
    """The seed shipped with samhandling: the 46 municipalities of Innlandet (2024)."""
    return resources.files(SEED_PACKAGE).joinpath(DEFAULT_SEED).read_bytes()


def read_seed(data: bytes, name: str = DEFAULT_SEED) -> Seed:
    """Read a seed file; :class:`RegisterInputError` naming the entry and field."""
    document = read_json(data, name)
    if not isinstance(document, dict) or not isinstance(document.get("municipalities"), list):
        raise RegisterInputError(f'{name}: JSON-filen må være et objekt med listen "municipalities"')
    region = document.get("region")
    if region is not None and not isinstance(region, str):
        raise RegisterInputError(f"{name}: region må være tekst")
    found: list[Municipality] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(document["municipalities"]):
        where = f"{name}: municipalities[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("number"), str) or not isinstance(
            entry.get("name"), str
        ):
            raise RegisterInputError(f'{where}: må være et objekt med tekstene "number" og "name"')
        if entry["number"] in seen:
            raise RegisterInputError(
                f"{where}.number: kommunenummer {entry['number']} står to ganger (også i municipalities"
                f"[{seen[entry['number']]}])"
            )
        seen[entry["number"]] = i
        try:
            found.append(Municipality(number=entry["number"], name=entry["name"].strip(), region=region))
        except ValueError as exc:
            raise RegisterInputError(f"{where}: {exc}") from None
    if not found:
        raise RegisterInputError(f"{name}: listen over kommuner er tom")
    return Seed(region, tuple(found))


def load_seed(
    uow: UnitOfWork, seed: Seed, *, by: str, replace_all: bool = False, now: datetime | None = None
) -> SeedResult:
    """Add the seed's municipalities and update their names; with ``replace_all`` also remove the ones the
    seed lacks (refused for one with agreements)."""
    at = now or utc_now()
    created = updated = unchanged = removed = 0
    with uow:
        stored = {m.number: m for m in uow.registers.municipalities.list()}
        for municipality in seed.municipalities:
            before = stored.get(municipality.number)
            if before == municipality:
                unchanged += 1
                continue
            uow.registers.municipalities.put(municipality)
            record_change(uow, by=by, at=at, entity=Entity.MUNICIPALITY, key=municipality.number,
                          before=_municipality_values(before), after=_municipality_values(municipality))
            created += before is None
            updated += before is not None
        if replace_all:
            wanted = {m.number for m in seed.municipalities}
            for number, municipality in stored.items():
                if number in wanted:
                    continue
                try:
                    uow.registers.municipalities.remove(number)
                except MunicipalityInUseError as exc:
                    raise RegisterInputError(str(exc)) from None
                record_change(uow, by=by, at=at, entity=Entity.MUNICIPALITY, key=number,
                              before=_municipality_values(municipality), after=None)
                removed += 1
        uow.commit()
    return SeedResult(created, updated, unchanged, removed)


def ensure_seeded(uow: UnitOfWork) -> bool:
    """On first use (no municipality registered), load the bundled seed. Returns whether it did."""
    with uow:
        if uow.registers.municipalities.list():
            return False
    load_seed(uow, read_seed(bundled_seed()), by=SEED_ACTOR)
    return True


def _municipality_values(municipality: Municipality | None) -> dict[str, Any] | None:
    return None if municipality is None else {"name": municipality.name, "region": municipality.region}


def municipality_names(uow: UnitOfWork) -> dict[str, str]:
    """Number → name of every registered municipality, within an open unit of work."""
    return {m.number: m.name for m in uow.registers.municipalities.list()}


def list_municipalities(uow: UnitOfWork) -> list[Municipality]:
    with uow:
        return uow.registers.municipalities.list()


def resolve_municipality(uow: UnitOfWork, text: str) -> Municipality:
    """A municipality by number ("3403") or name ("Hamar", any case); :class:`RegisterInputError` if none."""
    with uow:
        return lookup_municipality(uow, text)


def lookup_municipality(uow: UnitOfWork, text: str) -> Municipality:
    """:func:`resolve_municipality` within an open unit of work."""
    wanted = text.strip()
    found = uow.registers.municipalities.get(wanted)
    if found is not None:
        return found
    by_name = [m for m in uow.registers.municipalities.list() if fold(m.name) == fold(wanted)]
    if len(by_name) == 1:
        return by_name[0]
    if municipality_number_problem(wanted) is None:
        raise RegisterInputError(f"Kommune {wanted} finnes ikke i registeret (last den med «partners seed»).")
    raise RegisterInputError(f"Ingen kommune heter «{wanted[:60]}» i registeret.")
