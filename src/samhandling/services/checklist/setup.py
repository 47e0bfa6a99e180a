"""What a checklist run is set up from: the checklist file and the two parties (hospital and municipality).

Part of running the cooperation test checklist (forløpstester, "Sjekkliste for normale test-tilfeller"; see
:mod:`samhandling.services.checklist.runs`). The checklist is data (``samhandling/data/checklist-1.json``,
:mod:`samhandling.domain.checklist.definition`); the parties come from the installation's register: a HER-id may
name the organisation or one of its services, and everything under the two organisations takes part in the run.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from samhandling.domain.checklist.definition import Checklist, ChecklistFormatError, planned_sends, read_checklist
from samhandling.domain.checklist.model import Receiver, Side
from samhandling.domain.checklist.systems import PartySnapshot
from samhandling.domain.messaging.parties import Parties, Party, PartyKind
from samhandling.domain.registers.partners import CATEGORY_TEXT, PartnerCategory
from samhandling.store.unit_of_work import UnitOfWork

CHECKLIST_PACKAGE = "samhandling.data"
DEFAULT_CHECKLIST = "checklist-1.json"


class ChecklistError(ValueError):
    """The run cannot start or a request cannot be met; one Norwegian line."""



# --- the checklist file --------------------------------------------------------------------------------


def bundled_checklist() -> Checklist:
    """The checklist shipped with samhandling (the procedure's 20 cases)."""
    data = resources.files(CHECKLIST_PACKAGE).joinpath(DEFAULT_CHECKLIST).read_bytes()
    return read_checklist(json.loads(data), DEFAULT_CHECKLIST)


def load_checklist(path: Path | None = None) -> Checklist:
    """A region's own checklist file, or the bundled one; :class:`ChecklistError` for one that cannot be used."""
    if path is None:
        return bundled_checklist()
    try:
        return read_checklist(json.loads(path.read_bytes()), str(path))
    except OSError as exc:
        raise ChecklistError(f"{path}: kan ikke lese filen ({exc.strerror})") from None
    except json.JSONDecodeError as exc:
        raise ChecklistError(f"{path}: ugyldig JSON på linje {exc.lineno}: {exc.msg}") from None
    except ChecklistFormatError as exc:
        raise ChecklistError(str(exc)) from None


# --- the parties of a run ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Addresses:
    """The HER-ids of one side for the checklist's receiver roles."""

    organisation: str
    primary: str
    second: str

    def of(self, receiver: Receiver) -> str:
        return {Receiver.PRIMARY: self.primary, Receiver.SECOND: self.second,
                Receiver.ORGANISATION: self.organisation}[receiver]

    def roles(self, her_id: str | None) -> set[Receiver]:
        return {r for r in Receiver if self.of(r) == her_id}


@dataclass(frozen=True)
class RunSetup:
    """The two parties of a run as the register has them: snapshots for the form, every party under the two
    organisations (to register on the nodes and the message server), and the addresses per side."""

    hospital: PartySnapshot
    municipality: PartySnapshot
    parties: tuple[Party, ...]
    addresses: Mapping[Side, Addresses]
    members: Mapping[Side, frozenset[str]]

    def snapshot(self, side: Side) -> PartySnapshot:
        return self.hospital if side is Side.HOSPITAL else self.municipality

    def organisation(self, side: Side) -> str:
        return self.addresses[side].organisation

    def is_municipal_service(self, her_id: str | None) -> bool | None:
        if her_id is None:
            return None
        party = next((p for p in self.parties if p.her_id == her_id), None)
        if party is None:
            return None
        return party.kind is PartyKind.SERVICE and her_id in self.members[Side.MUNICIPALITY]


def resolve_parties(uow: UnitOfWork, hospital_her_id: str, municipality_her_id: str) -> RunSetup:
    """The run's parties from the register. A HER-id may name the organisation or one of its services (then that
    service is the side's first receiver and sender); ChecklistError when either is unknown."""
    with uow:
        parties = uow.parties.all()
        sides: dict[Side, tuple[Party, Addresses, list[Party]]] = {}
        for side, her_id in ((Side.HOSPITAL, hospital_her_id), (Side.MUNICIPALITY, municipality_her_id)):
            sides[side] = _side(parties, her_id, side)
        for side, (organisation, _, _) in sides.items():
            _check_category(uow, organisation, side, swapped=sides[side.other][0])
        snapshots = {side: party_snapshot(uow, organisation) for side, (organisation, _, _) in sides.items()}
    hospital_members = {p.her_id for p in sides[Side.HOSPITAL][2]}
    municipality_members = {p.her_id for p in sides[Side.MUNICIPALITY][2]}
    if hospital_members & municipality_members:
        raise ChecklistError("Sykehuset og kommunen må være to ulike organisasjoner i registeret.")
    return RunSetup(
        hospital=snapshots[Side.HOSPITAL],
        municipality=snapshots[Side.MUNICIPALITY],
        parties=tuple(sides[Side.HOSPITAL][2] + sides[Side.MUNICIPALITY][2]),
        addresses={side: value[1] for side, value in sides.items()},
        members={Side.HOSPITAL: frozenset(hospital_members), Side.MUNICIPALITY: frozenset(municipality_members)},
    )


_EXPECTED = {Side.HOSPITAL: PartnerCategory.HELSEFORETAK, Side.MUNICIPALITY: PartnerCategory.KOMMUNE}
_OPTION = {Side.HOSPITAL: "--hospital", Side.MUNICIPALITY: "--municipality"}


def _category(uow: UnitOfWork, organisation: Party) -> PartnerCategory | None:
    profile = uow.registers.partners.get(organisation.her_id)
    if profile is not None:
        return profile.category
    if organisation.municipality:  # a municipal party in the communication register
        return PartnerCategory.KOMMUNE
    return None


def _check_category(uow: UnitOfWork, organisation: Party, side: Side, *, swapped: Party) -> None:
    """The side's organisation must be of the side's kind (the partner register's category, or the municipality
    number of a municipal party): the form is filled in by role, so swapped sides would reverse it."""
    found = _category(uow, organisation)
    if found is None or found is _EXPECTED[side]:
        return
    hint = ""
    if found is _EXPECTED[side.other] and _category(uow, swapped) in (_EXPECTED[side], None):
        hint = f"; har du byttet om {_OPTION[Side.HOSPITAL]} og {_OPTION[Side.MUNICIPALITY]}?"
    raise ChecklistError(f"{_OPTION[side]} {organisation.her_id} ({organisation.name}) er registrert som "
                         f"{CATEGORY_TEXT[found]}, ikke {CATEGORY_TEXT[_EXPECTED[side]]}{hint}")


def side_problems(checklist: Checklist, setup: RunSetup, cases: Collection[int] | None = None) -> list[str]:
    """What the sides lack for the cases that will run, checked before the run. A case addressed to a second
    service in the municipality (or answering from one) needs the municipality to have two services in the
    register; otherwise the message goes to the organisation and the case's check «Tjenester i kommunen kan være
    mottakere» fails for a reason that is no fault of either system."""
    municipality = setup.addresses[Side.MUNICIPALITY]
    if municipality.second not in (municipality.organisation, municipality.primary):
        return []
    numbers = []
    for case in checklist.cases:
        if cases is not None and case.number not in cases:
            continue
        for planned in planned_sends(case):
            if planned.answers is not None:
                used = planned.answers.receiver if planned.side is Side.MUNICIPALITY else None
            else:
                used = planned.receiver if planned.side.other is Side.MUNICIPALITY else None
            if used is Receiver.SECOND and case.number not in numbers:
                numbers.append(case.number)
    if not numbers:
        return []
    snapshot = setup.snapshot(Side.MUNICIPALITY)
    listed = ", ".join(map(str, numbers[:-1])) + (" og " if len(numbers) > 1 else "") + str(numbers[-1])
    return [f"kommunen {snapshot.name} (HER-id {snapshot.her_id}) har bare én tjeneste i registeret, men tilfelle "
            f"{listed} bruker to ulike tjenester i kommunen; registrer en tjeneste til under {snapshot.name} "
            "(«samhandling parties add») før kjøringen"]


def _side(parties: Parties, her_id: str, side: Side) -> tuple[Party, Addresses, list[Party]]:
    party = parties.get(her_id)
    if party is None:
        raise ChecklistError(f"HER-id {her_id} ({side.label}) finnes ikke i registeret over kommunikasjonsparter "
                             "(importer med «samhandling parties import»).")
    organisation = parties.organisation_of(her_id) or party
    if party.kind is PartyKind.PERSON:
        raise ChecklistError(f"HER-id {her_id} er en person; oppgi organisasjonen eller en tjeneste.")
    services = [p for p in parties.children(organisation.her_id) if p.kind is PartyKind.SERVICE]
    primary = party.her_id if party.kind is PartyKind.SERVICE else (services[0].her_id if services
                                                                   else organisation.her_id)
    others = [s.her_id for s in services if s.her_id != primary]
    second = others[0] if others else organisation.her_id
    members: list[Party] = []

    def walk(parent: Party, depth: int) -> None:
        members.append(parent)
        if depth < 20:
            for child in parties.children(parent.her_id):
                walk(child, depth + 1)

    walk(organisation, 0)
    return organisation, Addresses(organisation.her_id, primary, second), members


def party_snapshot(uow: UnitOfWork, organisation: Party) -> PartySnapshot:
    """The organisation as the form shows it: name, EPJ system and communication module, municipality."""
    profile = uow.registers.partners.get(organisation.her_id)
    municipality = (uow.registers.municipalities.get(organisation.municipality)
                    if organisation.municipality else None)
    return PartySnapshot(
        her_id=organisation.her_id, name=organisation.name,
        epj_system=profile.epj_system if profile else None, epj_version=profile.epj_version if profile else None,
        comm_module=profile.comm_module if profile else None, comm_version=profile.comm_version if profile else None,
        municipality_number=organisation.municipality,
        municipality_name=municipality.name if municipality is not None else None,
    )
