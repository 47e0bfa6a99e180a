"""Use cases of the cooperation's registers: partners and their communication parties, municipalities (seed
data), receivable message types from CPPs, certificates, the contact and notification list, local
supplementary agreements, and the journal of every change to them.

The rules live in the domain (:mod:`samhandling.domain.registers`, ``contacts``, ``certificates``,
``agreements``); this module reads files, checks a whole input before it writes anything, writes in one unit
of work, and journals each change with who made it (``by``). Every fault a user can mend is a
:class:`RegisterInputError` with one Norwegian line that names the place (file, row, field); then nothing is
stored.

Formats:

- partners: the address register's answers and the parties JSON of ``samhandling parties import``
  (:mod:`samhandling.services.parties`, reused), optionally with a ``"partners"`` list of profiles; exported as
  that JSON (which imports again) or as CSV;
- contacts: CSV with the columns :data:`CONTACT_COLUMNS`, exported the same way, and as PDF;
- agreements: CSV with the columns :data:`AGREEMENT_COLUMNS` or JSON ``{"agreements": [...]}``;
- seed: ``{"region": …, "municipalities": [{"number": "3401", "name": "Kongsvinger"}, …]}``.
"""

from __future__ import annotations

import csv
import getpass
import hashlib
import html
import io
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from importlib import resources
from typing import Any

from samhandling.domain.agreements import (
    Agreement,
    AgreementArea,
    AgreementDocument,
    AgreementStatus,
)
from samhandling.domain.certificates import (
    DEFAULT_WINDOW_DAYS,
    Certificate,
    CertificateUsage,
    ExpiryNotice,
    expiring,
)
from samhandling.domain.contacts import (
    PURPOSE_TEXT,
    REASON_TEXT,
    ContactPoint,
    ContactPurpose,
    Deviation,
    Gap,
    find_deviations,
    find_gaps,
    fold,
    normalise_email,
    normalise_phone,
)
from samhandling.domain.messages import utc_now
from samhandling.domain.parties import Parties, Party, PartyKind
from samhandling.domain.registers import (
    Action,
    Entity,
    MessageCapability,
    Municipality,
    PartnerCategory,
    PartnerProfile,
    RegisterChange,
    field_changes,
    municipality_number_problem,
    organisation_number_problem,
)
from samhandling.services.parties import (
    ImportedParty,
    PartyImportError,
    PartySource,
    check,
    merge,
    party_json,
    read_party_file,
)
from samhandling.standards.adresseregister import RegisterError, looks_like_xml, read_register_element
from samhandling.standards.cpp import (
    CertificateInfo,
    CppError,
    is_collaboration,
    read_certificates,
    read_cpp_element,
    read_register_details,
)
from samhandling.standards.parsing import DEFAULT_MAX_BYTES, parse_xml
from samhandling.store.register_repositories import MunicipalityInUseError
from samhandling.store.unit_of_work import UnitOfWork

SEED_PACKAGE = "samhandling.data"
DEFAULT_SEED = "innlandet.json"
SEED_ACTOR = "samhandling (startdata)"

CONTACT_COLUMNS = ("partner_her_id", "purpose", "name", "email", "phone", "staffed_24_7")
AGREEMENT_COLUMNS = ("municipality", "area", "status", "signed_on", "valid_from", "valid_to", "contact", "note")
PARTNER_COLUMNS = (
    "her_id", "name", "category", "organisation_number", "municipality", "municipality_name", "domain",
    "epj_system", "epj_version", "comm_module", "comm_version", "active", "receives",
)
PROFILE_FIELDS = (
    "category", "organisation_number", "domain", "epj_system", "epj_version", "comm_module", "comm_version",
    "active", "note",
)

_YES = frozenset({"ja", "j", "yes", "y", "true", "1", "x"})
_NO = frozenset({"nei", "n", "no", "false", "0", ""})


class RegisterInputError(ValueError):
    """Input that cannot be used: one Norwegian line naming the place. Nothing was stored."""


def current_user() -> str:
    """Who makes a change, when ``--by`` does not say: the operating system's user."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for the uid, e.g. in a container
        return "ukjent"


# --- journal -------------------------------------------------------------------------------------------


def _journal(
    uow: UnitOfWork,
    *,
    by: str,
    at: datetime,
    entity: Entity,
    key: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
) -> RegisterChange | None:
    """Journal the change from ``before`` to ``after`` (None: did not exist / removed); nothing when equal."""
    changes = field_changes(before, after)
    if before is not None and after is not None and not changes:
        return None
    action = Action.CREATED if before is None else Action.DELETED if after is None else Action.UPDATED
    entry = RegisterChange(at=at, by=by, entity=entity, key=key, action=action, changes=changes)
    return uow.registers.journal.add(entry)


def journal_entries(
    uow: UnitOfWork, *, entity: Entity | None = None, key: str | None = None, limit: int | None = None
) -> list[RegisterChange]:
    """The journal, oldest first (the newest ``limit`` entries when given)."""
    with uow:
        return uow.registers.journal.list(entity=entity, key=key, limit=limit)


def change_json(change: RegisterChange) -> dict[str, Any]:
    return {
        "id": change.id,
        "at": change.at.isoformat(),
        "by": change.by,
        "entity": change.entity.value,
        "key": change.key,
        "action": change.action.value,
        "changes": change.changes,
    }


# --- seed: the region's municipalities ---------------------------------------------------------------


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
    document = _json_document(data, name)
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
            _journal(uow, by=by, at=at, entity=Entity.MUNICIPALITY, key=municipality.number,
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
                _journal(uow, by=by, at=at, entity=Entity.MUNICIPALITY, key=number,
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


def list_municipalities(uow: UnitOfWork) -> list[Municipality]:
    with uow:
        return uow.registers.municipalities.list()


def resolve_municipality(uow: UnitOfWork, text: str) -> Municipality:
    """A municipality by number ("3403") or name ("Hamar", any case); :class:`RegisterInputError` if none."""
    with uow:
        return _resolve_municipality(uow, text)


def _resolve_municipality(uow: UnitOfWork, text: str) -> Municipality:
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


# --- partners ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerView:
    """A partner: its party and its profile."""

    party: Party
    profile: PartnerProfile
    municipality_name: str | None = None


@dataclass(frozen=True)
class PartnerList:
    partners: list[PartnerView]
    to_be: list[Municipality]
    """Municipalities without a partner of category ``kommune`` yet (no known HER-id)."""


@dataclass(frozen=True)
class PartnerDetails:
    view: PartnerView
    path: list[Party]
    members: list[tuple[int, Party]]
    """The parties below the partner with their depth (1: directly below), depth first, by name."""
    contacts: list[ContactPoint]
    certificates: list[Certificate]
    capabilities: list[MessageCapability]
    agreements: list[Agreement]


@dataclass(frozen=True, kw_only=True)
class PartnerFields:
    """Fields to set on a partner; None leaves a field as it is, "" clears a text field."""

    name: str | None = None
    kind: PartyKind | None = None
    parent_her_id: str | None = None
    municipality: str | None = None
    category: PartnerCategory | None = None
    organisation_number: str | None = None
    domain: str | None = None
    epj_system: str | None = None
    epj_version: str | None = None
    comm_module: str | None = None
    comm_version: str | None = None
    active: bool | None = None
    note: str | None = None


def _party_values(party: Party | None) -> dict[str, Any] | None:
    if party is None:
        return None
    values = party_json(party)
    values.pop("her_id")
    if party.kind is PartyKind.PERSON:
        values["name"] = "(person)"  # the journal keeps no names of persons in the address register
    return values


def _profile_values(profile: PartnerProfile | None) -> dict[str, Any] | None:
    return None if profile is None else profile.values()


def _municipality_names(uow: UnitOfWork) -> dict[str, str]:
    return {m.number: m.name for m in uow.registers.municipalities.list()}


def _view(uow: UnitOfWork, her_id: str) -> PartnerView:
    party = uow.parties.get(her_id)
    profile = uow.registers.partners.get(her_id)
    if party is None or profile is None:
        raise RegisterInputError(f"Ingen samarbeidspart med HER-id {her_id}.")
    names = _municipality_names(uow)
    return PartnerView(party, profile, names.get(party.municipality or ""))


def list_partners(
    uow: UnitOfWork, *, search: str | None = None, municipality: str | None = None, active: bool | None = None
) -> PartnerList:
    """The partners by HER-id, and the municipalities that are partners-to-be.

    ``search`` matches a HER-id of the partner or of a party below it, the municipality number, or (any case)
    a part of the name of the partner, a party below it, or its municipality. ``municipality`` is a number or
    a name.
    """
    with uow:
        parties = uow.parties.all()
        names = _municipality_names(uow)
        wanted_municipality = _resolve_municipality(uow, municipality).number if municipality else None
        partners = []
        for profile in uow.registers.partners.list():
            party = parties.get(profile.her_id)
            if party is None:
                continue
            view = PartnerView(party, profile, names.get(party.municipality or ""))
            if active is not None and profile.active != active:
                continue
            if wanted_municipality is not None and party.municipality != wanted_municipality:
                continue
            if search and not _matches(view, parties, search):
                continue
            partners.append(view)
        kommuner = {
            v.party.municipality
            for v in _all_views(uow, parties, names)
            if v.profile.category is PartnerCategory.KOMMUNE
        }
        to_be = [
            m
            for m in uow.registers.municipalities.list()
            if m.number not in kommuner
            and (wanted_municipality is None or m.number == wanted_municipality)
            and (not search or search.strip() == m.number or fold(search.strip()) in fold(m.name))
            and active is None
        ]
    return PartnerList(partners, to_be)


def _all_views(uow: UnitOfWork, parties: Parties, names: Mapping[str, str]) -> list[PartnerView]:
    views = []
    for profile in uow.registers.partners.list():
        party = parties.get(profile.her_id)
        if party is not None:
            views.append(PartnerView(party, profile, names.get(party.municipality or "")))
    return views


def _members(parties: Parties, her_id: str) -> list[tuple[int, Party]]:
    found: list[tuple[int, Party]] = []

    def walk(parent: str, depth: int) -> None:
        for child in parties.children(parent):
            if depth > 50:
                return
            found.append((depth, child))
            walk(child.her_id, depth + 1)

    walk(her_id, 1)
    return found


def _matches(view: PartnerView, parties: Parties, search: str) -> bool:
    text = search.strip()
    if not text:
        return True
    members = [p for _, p in _members(parties, view.party.her_id)]
    if text.isdigit() and (text in (view.party.her_id, view.party.municipality) or any(
        p.her_id == text for p in members
    )):
        return True
    folded = fold(text)
    names = [view.party.name, view.municipality_name or "", *(p.name for p in members)]
    return any(folded in fold(name) for name in names)


def get_partner(uow: UnitOfWork, her_id: str) -> PartnerDetails:
    """Everything the registers know about one partner; :class:`RegisterInputError` for an unknown one."""
    with uow:
        view = _view(uow, her_id)
        parties = uow.parties.all()
        members = _members(parties, her_id)
        own = {her_id, *(p.her_id for _, p in members)}
        certificates = [c for c in uow.registers.certificates.list() if c.her_id in own]
        capabilities = [c for c in uow.registers.capabilities.list() if c.her_id in own]
        agreements = (
            uow.registers.agreements.list(view.party.municipality)
            if view.profile.category is PartnerCategory.KOMMUNE and view.party.municipality
            else []
        )
        return PartnerDetails(
            view=view,
            path=parties.path(her_id)[:-1],
            members=members,
            contacts=uow.registers.contacts.list(her_id),
            certificates=certificates,
            capabilities=capabilities,
            agreements=agreements,
        )


def _text_field(value: str | None, current: str | None) -> str | None:
    if value is None:
        return current
    return value.strip() or None


def _apply_profile(profile: PartnerProfile, fields: PartnerFields) -> PartnerProfile:
    try:
        return PartnerProfile(
            her_id=profile.her_id,
            category=fields.category or profile.category,
            organisation_number=_text_field(fields.organisation_number, profile.organisation_number),
            domain=_text_field(fields.domain, profile.domain),
            epj_system=_text_field(fields.epj_system, profile.epj_system),
            epj_version=_text_field(fields.epj_version, profile.epj_version),
            comm_module=_text_field(fields.comm_module, profile.comm_module),
            comm_version=_text_field(fields.comm_version, profile.comm_version),
            active=profile.active if fields.active is None else fields.active,
            note=_text_field(fields.note, profile.note),
        )
    except ValueError as exc:
        raise RegisterInputError(str(exc)) from None


def _check_manual_organisation_number(value: str | None) -> None:
    if value:
        problem = organisation_number_problem(value.strip())
        if problem:
            raise RegisterInputError(problem)


def _apply_party(party: Party, fields: PartnerFields, known: Parties) -> Party:
    changes: dict[str, Any] = {}
    if fields.name is not None:
        changes["name"] = fields.name.strip()
    if fields.kind is not None:
        changes["kind"] = fields.kind
    if fields.parent_her_id is not None:
        parent = fields.parent_her_id.strip() or None
        if parent is not None and parent not in known:
            raise RegisterInputError(f"Overordnet part {parent} er ukjent (importer den først).")
        changes["parent_her_id"] = parent
    if fields.municipality is not None:
        number = fields.municipality.strip() or None
        problem = municipality_number_problem(number) if number else None
        if problem:
            raise RegisterInputError(problem)
        changes["municipality"] = number
    try:
        changed = replace(party, **changes)
    except ValueError as exc:
        raise RegisterInputError(str(exc)) from None
    try:
        Parties([*known, changed]).ancestors(changed.her_id)
    except ValueError as exc:
        raise RegisterInputError(str(exc)) from None
    return changed


def add_partner(
    uow: UnitOfWork, her_id: str, fields: PartnerFields, *, by: str, now: datetime | None = None
) -> PartnerView:
    """Register a partner. A party not yet registered is made from ``fields`` (a name is needed; an
    organisation unless ``kind`` says otherwise). A partner registered already is refused."""
    at = now or utc_now()
    _check_manual_organisation_number(fields.organisation_number)
    with uow:
        if uow.registers.partners.get(her_id) is not None:
            raise RegisterInputError(
                f"Samarbeidsparten med HER-id {her_id} finnes allerede (endre med «partners edit»)."
            )
        known = uow.parties.all()
        before = known.get(her_id)
        if before is None:
            if not fields.name or not fields.name.strip():
                raise RegisterInputError(
                    f"HER-id {her_id} er ikke registrert: oppgi navnet (--name), eller importer parten fra "
                    "adresseregisteret først."
                )
            try:
                base = Party(her_id=her_id, name=fields.name.strip(), kind=fields.kind or PartyKind.ORGANISATION)
            except ValueError as exc:
                raise RegisterInputError(str(exc)) from None
        else:
            base = before
        party = _apply_party(base, fields, known)
        profile = _apply_profile(PartnerProfile(her_id=her_id), fields)
        if party != before:
            uow.parties.upsert(party)
            _journal(uow, by=by, at=at, entity=Entity.PARTY, key=her_id, before=_party_values(before),
                     after=_party_values(party))
        uow.registers.partners.add(profile)
        _journal(uow, by=by, at=at, entity=Entity.PARTNER, key=her_id, before=None, after=profile.values())
        view = _view(uow, her_id)
        uow.commit()
    return view


def edit_partner(
    uow: UnitOfWork, her_id: str, fields: PartnerFields, *, by: str, now: datetime | None = None
) -> PartnerView:
    """Change a registered partner (its party's name, parent and municipality, and its profile)."""
    at = now or utc_now()
    _check_manual_organisation_number(fields.organisation_number)
    with uow:
        current = _view(uow, her_id)
        party = _apply_party(current.party, fields, uow.parties.all())
        profile = _apply_profile(current.profile, fields)
        if party != current.party:
            uow.parties.upsert(party)
            _journal(uow, by=by, at=at, entity=Entity.PARTY, key=her_id, before=_party_values(current.party),
                     after=_party_values(party))
        if profile != current.profile:
            uow.registers.partners.put(profile)
            _journal(uow, by=by, at=at, entity=Entity.PARTNER, key=her_id, before=current.profile.values(),
                     after=profile.values())
        view = _view(uow, her_id)
        uow.commit()
    return view


@dataclass(frozen=True)
class PartnerImport:
    parties_created: tuple[str, ...]
    parties_updated: tuple[str, ...]
    parties_unchanged: tuple[str, ...]
    partners_created: tuple[str, ...]
    partners_updated: tuple[str, ...]

    @property
    def partners(self) -> tuple[str, ...]:
        return self.partners_created + self.partners_updated


@dataclass
class _PartnerFile:
    entries: list[ImportedParty]
    profiles: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    """Profiles a JSON file gives: her_id → (place, values)."""
    subjects: list[str] = field(default_factory=list)
    """HER-ids of the parties whose organisation becomes a partner, when the file gives no profiles."""
    details: dict[str, tuple[str | None, bool | None]] = field(default_factory=dict)
    """From a register answer: her_id → (organisation number, active)."""


def _read_partner_file(source: PartySource, *, local: bool | None, max_bytes: int) -> _PartnerFile:
    data = source.data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if data.startswith(b"{"):
        document = _json_document(source.data, source.name)
        if isinstance(document, dict) and "partners" in document:
            profiles = _json_profiles(source.name, document.pop("partners"))
            rest = PartySource(source.name, json.dumps(document).encode())
            entries = _read_parties(rest, local=local, max_bytes=max_bytes)
            return _PartnerFile(entries, profiles=profiles)
    entries = _read_parties(source, local=local, max_bytes=max_bytes)
    subjects = [e.party.her_id for e in entries if e.primary and e.party.parent_her_id is None]
    result = _PartnerFile(entries, subjects=subjects)
    if looks_like_xml(data):
        root = parse_xml(source.data, max_bytes=max_bytes)  # read once already: it parses
        result.details = {k: (v.organisation_number, v.active) for k, v in read_register_details(root).items()}
        main = next(e for e in entries if e.primary)
        result.subjects = [main.party.her_id]
    return result


def _read_parties(source: PartySource, *, local: bool | None, max_bytes: int) -> list[ImportedParty]:
    try:
        return read_party_file(source, local=local, max_bytes=max_bytes)
    except PartyImportError as exc:
        raise RegisterInputError(str(exc)) from None


def _json_profiles(name: str, entries: Any) -> dict[str, tuple[str, dict[str, Any]]]:
    if not isinstance(entries, list):
        raise RegisterInputError(f'{name}: "partners" må være en liste')
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    allowed = ("her_id", *PROFILE_FIELDS)
    for i, entry in enumerate(entries):
        where = f"{name}: partners[{i}]"
        if not isinstance(entry, dict):
            raise RegisterInputError(f"{where}: må være et objekt")
        for key, value in entry.items():
            if key not in allowed:
                raise RegisterInputError(f"{where}: ukjent felt «{key}» (tillatt: {', '.join(allowed)})")
            if key == "active":
                if not isinstance(value, bool):
                    raise RegisterInputError(f"{where}.active: må være true eller false")
            elif value is not None and not isinstance(value, str):
                raise RegisterInputError(f"{where}.{key}: må være tekst")
        her_id = entry.get("her_id")
        if not her_id:
            raise RegisterInputError(f"{where}: mangler her_id")
        if her_id in found:
            raise RegisterInputError(f"{where}: HER-id {her_id} står to ganger (også i {found[her_id][0]})")
        values = {k: v for k, v in entry.items() if k != "her_id"}
        try:
            PartnerProfile(her_id=her_id, **values)
        except (ValueError, TypeError) as exc:
            raise RegisterInputError(f"{where}: {exc}") from None
        found[her_id] = (where, values)
    return found


def import_partners(
    uow: UnitOfWork,
    sources: Sequence[PartySource],
    *,
    by: str,
    category: PartnerCategory | None = None,
    local: bool | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    now: datetime | None = None,
) -> PartnerImport:
    """Import partners with their communication parties, all or nothing.

    The parties are read and checked as ``parties import`` does (:mod:`samhandling.services.parties`). The
    partners are: the profiles a JSON file lists under ``"partners"``; otherwise the topmost organisation
    of the party each register answer is about, or every top-level party of a JSON file. A new partner gets
    ``category`` (default ``annen``) and the organisation number and active state the register gives; a
    partner registered already keeps its profile, except that ``category`` is set when given and a missing
    organisation number is filled in from the register.
    """
    at = now or utc_now()
    files = [_read_partner_file(s, local=local, max_bytes=max_bytes) for s in sources]
    try:
        entries = merge(e for f in files for e in f.entries)
    except PartyImportError as exc:
        raise RegisterInputError(str(exc)) from None
    profiles: dict[str, tuple[str, dict[str, Any]]] = {}
    for f in files:
        for her_id, (where, values) in f.profiles.items():
            if her_id in profiles:
                raise RegisterInputError(f"{where}: HER-id {her_id} står to ganger (også i {profiles[her_id][0]})")
            profiles[her_id] = (where, values)
    details: dict[str, tuple[str | None, bool | None]] = {}
    for f in files:
        for her_id, value in f.details.items():
            details.setdefault(her_id, value)
    created: list[str] = []
    updated: list[str] = []
    unchanged: list[str] = []
    partners_created: list[str] = []
    partners_updated: list[str] = []
    with uow:
        stored = uow.parties.all()
        try:
            check(entries, stored)
        except PartyImportError as exc:
            raise RegisterInputError(str(exc)) from None
        combined = Parties([*stored, *(e.party for e in entries)])
        for her_id, (where, _values) in profiles.items():
            if her_id not in combined:
                raise RegisterInputError(f"{where}: HER-id {her_id} er verken registrert eller med i importen")
        subjects: dict[str, None] = {}
        for f in files:
            for her_id in f.subjects:
                top = combined.organisation_of(her_id) or combined.get(her_id)
                if top is not None and top.her_id not in profiles:
                    subjects[top.her_id] = None
        for entry in sorted(entries, key=lambda e: len(combined.ancestors(e.party.her_id))):
            before = stored.get(entry.party.her_id)
            flag = entry.local if entry.local is not None else (before.local if before is not None else False)
            party = replace(entry.party, local=flag)
            if before == party:
                unchanged.append(party.her_id)
                continue
            (created if before is None else updated).append(party.her_id)
            uow.parties.upsert(party)
            _journal(uow, by=by, at=at, entity=Entity.PARTY, key=party.her_id, before=_party_values(before),
                     after=_party_values(party))
        wanted: dict[str, PartnerProfile] = {}
        for her_id, (_where, values) in profiles.items():
            current = uow.registers.partners.get(her_id)
            base = current.values() if current is not None else {}
            merged = {**base, **values}
            if category is not None and "category" not in values:
                merged["category"] = category
            wanted[her_id] = PartnerProfile(her_id=her_id, **merged)
        for her_id in subjects:
            current = uow.registers.partners.get(her_id)
            number, active = details.get(her_id, (None, None))
            if current is None:
                wanted[her_id] = PartnerProfile(
                    her_id=her_id,
                    category=category or PartnerCategory.ANNEN,
                    organisation_number=number,
                    active=True if active is None else active,
                )
            else:
                wanted[her_id] = replace(
                    current,
                    category=category or current.category,
                    organisation_number=current.organisation_number or number,
                )
        for her_id, profile in wanted.items():
            current = uow.registers.partners.get(her_id)
            if current == profile:
                continue
            uow.registers.partners.put(profile)
            _journal(uow, by=by, at=at, entity=Entity.PARTNER, key=her_id, before=_profile_values(current),
                     after=profile.values())
            (partners_created if current is None else partners_updated).append(her_id)
        uow.commit()
    return PartnerImport(
        tuple(created), tuple(updated), tuple(unchanged), tuple(partners_created), tuple(partners_updated)
    )


def partner_json(view: PartnerView) -> dict[str, Any]:
    """A partner as ``partners list --json`` shows it."""
    return {
        "her_id": view.party.her_id,
        "name": view.party.name,
        "kind": view.party.kind.value,
        "parent_her_id": view.party.parent_her_id,
        "municipality": view.party.municipality,
        "municipality_name": view.municipality_name,
        "partner_to_be": False,
        **view.profile.values(),
    }


def partner_to_be_json(municipality: Municipality) -> dict[str, Any]:
    return {
        "her_id": None,
        "name": f"{municipality.name} kommune",
        "kind": PartyKind.ORGANISATION.value,
        "parent_her_id": None,
        "municipality": municipality.number,
        "municipality_name": municipality.name,
        "partner_to_be": True,
        "category": PartnerCategory.KOMMUNE.value,
    }


def capability_json(capability: MessageCapability) -> dict[str, Any]:
    return {
        "her_id": capability.her_id,
        "service": capability.service,
        "message_type": capability.action,
        "version": capability.message_version,
        "namespace": capability.namespace,
        "process": capability.process,
        "process_version": capability.process_version,
        "source": capability.source,
    }


def partner_details_json(details: PartnerDetails, *, today: date) -> dict[str, Any]:
    return {
        **partner_json(details.view),
        "path": [party_json(p) for p in details.path],
        "members": [{**party_json(p), "depth": depth} for depth, p in details.members],
        "contacts": [contact_json(c) for c in details.contacts],
        "certificates": [certificate_json(c) for c in details.certificates],
        "receives": [capability_json(c) for c in details.capabilities],
        "agreements": [agreement_json(a, today=today) for a in details.agreements],
    }


def receives_summary(capabilities: Iterable[MessageCapability]) -> str:
    """"ACTION version" once each, sorted: the checklist's view of what a partner can receive."""
    labels = {f"{c.action} {c.message_version}" if c.message_version else c.action for c in capabilities}
    return "; ".join(sorted(labels))


def export_partners_json(uow: UnitOfWork) -> dict[str, Any]:
    """The partners with their parties (the partner, everything above and below it) as JSON that
    ``partners import`` reads again."""
    with uow:
        parties = uow.parties.all()
        profiles = uow.registers.partners.list()
        wanted: dict[str, Party] = {}
        for profile in profiles:
            for party in parties.path(profile.her_id):
                wanted.setdefault(party.her_id, party)
            for _, member in _members(parties, profile.her_id):
                wanted.setdefault(member.her_id, member)
    ordered = sorted(wanted.values(), key=lambda p: (len(parties.ancestors(p.her_id)), p.her_id))
    return {
        "parties": [party_json(p) for p in ordered],
        "partners": [{"her_id": p.her_id, **p.values()} for p in profiles],
    }


def export_partners_csv(uow: UnitOfWork) -> str:
    """One row per partner (:data:`PARTNER_COLUMNS`), for a spreadsheet."""
    with uow:
        parties = uow.parties.all()
        views = _all_views(uow, parties, _municipality_names(uow))
        capabilities = uow.registers.capabilities.list()
        rows = []
        for view in views:
            own = {view.party.her_id, *(p.her_id for _, p in _members(parties, view.party.her_id))}
            values = partner_json(view)
            values["active"] = "ja" if view.profile.active else "nei"
            values["receives"] = receives_summary(c for c in capabilities if c.her_id in own)
            rows.append([_csv_text(values.get(column)) for column in PARTNER_COLUMNS])
    return _csv(PARTNER_COLUMNS, rows)


# --- CPP, CPA and communication details ----------------------------------------------------------------


@dataclass(frozen=True)
class CppImport:
    label: str
    her_id: str
    capabilities: int
    certificates_created: tuple[str, ...] = ()
    certificates_updated: tuple[str, ...] = ()
    certificates_unchanged: tuple[str, ...] = ()
    certificates_skipped: tuple[str, ...] = ()
    """Serial numbers of certificates whose usage neither the key usage nor the CPP's certId tells."""
    partner_import: PartnerImport | None = None


def import_cpp(
    uow: UnitOfWork,
    her_id: str,
    source: PartySource,
    *,
    by: str,
    max_bytes: int = DEFAULT_MAX_BYTES,
    now: datetime | None = None,
) -> CppImport:
    """Import what a CPP or CPA says about the party ``her_id``: the messages it can receive (replacing
    those known) and its certificates. Communication details (the register's ``CommunicationParty``) about
    ``her_id`` are imported as ``partners import`` does. The party must be registered; a document about
    another HER-id is refused."""
    at = now or utc_now()
    try:
        root = parse_xml(source.data, max_bytes=max_bytes)
    except ValueError as exc:
        raise RegisterInputError(f"{source.name}: {exc}") from None
    if not is_collaboration(root):
        try:
            record = read_register_element(root)
        except RegisterError as exc:
            raise RegisterInputError(f"{source.name}: {exc}") from None
        if record.main.party.her_id != her_id:
            raise RegisterInputError(
                f"{source.name}: kommunikasjonsdetaljene gjelder HER-id {record.main.party.her_id}, ikke {her_id}"
            )
        result = import_partners(uow, [source], by=by, max_bytes=max_bytes, now=at)
        return CppImport("CommunicationDetails", her_id, 0, partner_import=result)
    try:
        collaboration = read_cpp_element(root)
    except CppError as exc:
        raise RegisterInputError(f"{source.name}: {exc}") from None
    party = collaboration.party(her_id)
    if party is None:
        present = ", ".join(p.her_id for p in collaboration.parties)
        raise RegisterInputError(
            f"{source.name}: {collaboration.kind}-en gjelder HER-id {present}, ikke {her_id}"
        )
    capabilities = [
        MessageCapability(
            her_id=her_id,
            service=b.service,
            action=b.action,
            message_version=b.message_version,
            namespace=b.content.namespace if b.content is not None else None,
            process=b.process,
            process_version=b.process_version,
            source=collaboration.label,
        )
        for b in party.receivable()
    ]
    outcomes: dict[str, list[str]] = {"created": [], "updated": [], "unchanged": [], "skipped": []}
    with uow:
        if uow.parties.get(her_id) is None:
            raise RegisterInputError(
                f"HER-id {her_id} er ikke registrert: importer parten først (partners import eller parties import)."
            )
        before = uow.registers.capabilities.list(her_id)
        uow.registers.capabilities.replace(her_id, capabilities)
        _journal(uow, by=by, at=at, entity=Entity.CAPABILITIES, key=her_id,
                 before={"receives": _capability_labels(before), "source": _sources(before)} if before else None,
                 after={"receives": _capability_labels(capabilities), "source": collaboration.label})
        for info in party.certificates:
            if info.usage is None:
                outcomes["skipped"].append(info.serial)
                continue
            outcome = _put_certificate(uow, _certificate_from_info(her_id, info, info.usage), by=by, at=at)
            outcomes[outcome].append(info.serial)
        uow.commit()
    return CppImport(
        collaboration.label,
        her_id,
        len(capabilities),
        certificates_created=tuple(outcomes["created"]),
        certificates_updated=tuple(outcomes["updated"]),
        certificates_unchanged=tuple(outcomes["unchanged"]),
        certificates_skipped=tuple(outcomes["skipped"]),
    )


def _capability_labels(capabilities: Iterable[MessageCapability]) -> list[str]:
    return sorted(f"{c.service}/{c.action} {c.message_version or ''}".strip() for c in capabilities)


def _sources(capabilities: Iterable[MessageCapability]) -> str | None:
    found = sorted({c.source for c in capabilities if c.source})
    return ", ".join(found) or None


def list_capabilities(uow: UnitOfWork, her_id: str | None = None) -> list[MessageCapability]:
    with uow:
        return uow.registers.capabilities.list(her_id)


# --- certificates --------------------------------------------------------------------------------------


def certificate_json(certificate: Certificate) -> dict[str, Any]:
    return {"her_id": certificate.her_id, "serial": certificate.serial, **certificate.values()}


def notice_json(notice: ExpiryNotice) -> dict[str, Any]:
    return {**certificate_json(notice.certificate), "days_left": notice.days_left, "expired": notice.expired}


def _certificate_from_info(her_id: str, info: CertificateInfo, usage: CertificateUsage) -> Certificate:
    return Certificate(
        her_id=her_id,
        serial=info.serial,
        subject=info.subject,
        usage=usage,
        valid_from=info.valid_from,
        valid_to=info.valid_to,
        issuer=info.issuer,
    )


def _put_certificate(uow: UnitOfWork, certificate: Certificate, *, by: str, at: datetime) -> str:
    """Store the certificate; "created", "updated" or "unchanged"."""
    before = uow.registers.certificates.get(certificate.her_id, certificate.serial)
    if before == certificate:
        return "unchanged"
    uow.registers.certificates.put(certificate)
    _journal(uow, by=by, at=at, entity=Entity.CERTIFICATE, key=certificate.key,
             before=None if before is None else before.values(), after=certificate.values())
    return "created" if before is None else "updated"


def _require_party(uow: UnitOfWork, her_id: str) -> Party:
    party = uow.parties.get(her_id)
    if party is None:
        raise RegisterInputError(f"Ingen kommunikasjonspart med HER-id {her_id} (importer den først).")
    return party


def add_certificate(uow: UnitOfWork, certificate: Certificate, *, by: str, now: datetime | None = None) -> Certificate:
    """Register a certificate of a party; the same party and serial number twice is refused."""
    with uow:
        _require_party(uow, certificate.her_id)
        if uow.registers.certificates.get(certificate.her_id, certificate.serial) is not None:
            raise RegisterInputError(
                f"Sertifikatet med serienummer {certificate.serial} er allerede registrert for HER-id "
                f"{certificate.her_id}."
            )
        _put_certificate(uow, certificate, by=by, at=now or utc_now())
        uow.commit()
    return certificate


def import_certificate_file(
    uow: UnitOfWork,
    her_id: str,
    source: PartySource,
    *,
    by: str,
    usage: CertificateUsage | None = None,
    now: datetime | None = None,
) -> list[tuple[Certificate, str]]:
    """Register the certificates in a PEM or DER file for ``her_id``; with each, "created", "updated" or
    "unchanged". The usage comes from the key usage unless ``usage`` says it."""
    try:
        infos = read_certificates(source.data)
    except CppError as exc:
        raise RegisterInputError(f"{source.name}: {exc}") from None
    found: list[Certificate] = []
    for info in infos:
        chosen = usage or info.usage
        if chosen is None:
            raise RegisterInputError(
                f"{source.name}: nøkkelbruken i sertifikatet {info.serial} sier ikke om det er for signering eller "
                "kryptering; oppgi --usage"
            )
        try:
            found.append(_certificate_from_info(her_id, info, chosen))
        except ValueError as exc:
            raise RegisterInputError(f"{source.name}: sertifikatet {info.serial}: {exc}") from None
    at = now or utc_now()
    with uow:
        _require_party(uow, her_id)
        result = [(c, _put_certificate(uow, c, by=by, at=at)) for c in found]
        uow.commit()
    return result


def remove_certificate(uow: UnitOfWork, her_id: str, serial: str, *, by: str, now: datetime | None = None) -> None:
    with uow:
        current = uow.registers.certificates.get(her_id, serial)
        if current is None:
            raise RegisterInputError(f"HER-id {her_id} har ikke noe sertifikat med serienummer {serial}.")
        uow.registers.certificates.remove(her_id, serial)
        _journal(uow, by=by, at=now or utc_now(), entity=Entity.CERTIFICATE, key=current.key,
                 before=current.values(), after=None)
        uow.commit()


def list_certificates(uow: UnitOfWork, her_id: str | None = None) -> list[Certificate]:
    with uow:
        return uow.registers.certificates.list(her_id)


def expiring_certificates(
    uow: UnitOfWork, *, now: datetime | None = None, within_days: int = DEFAULT_WINDOW_DAYS
) -> list[ExpiryNotice]:
    """Certificates that run out within ``within_days`` of ``now`` (or have run out) without a successor."""
    with uow:
        certificates = uow.registers.certificates.list()
    try:
        return expiring(certificates, now or utc_now(), within_days=within_days)
    except ValueError as exc:
        raise RegisterInputError(str(exc)) from None


# --- contacts ------------------------------------------------------------------------------------------


def contact_json(contact: ContactPoint) -> dict[str, Any]:
    return {
        "partner_her_id": contact.partner_her_id,
        "purpose": contact.purpose.value,
        "name": contact.name,
        "email": contact.email,
        "phone": contact.phone,
        "staffed_24_7": contact.staffed_24_7,
    }


def gap_json(gap: Gap) -> dict[str, Any]:
    return {"partner_her_id": gap.partner_her_id, "missing": [p.value for p in gap.missing]}


def deviation_json(deviation: Deviation) -> dict[str, Any]:
    return {
        "partner_her_id": deviation.partner_her_id,
        "purpose": deviation.purpose.value,
        "email": deviation.email,
        "reason": deviation.reason.value,
    }


@dataclass(frozen=True)
class ContactImport:
    created: tuple[str, ...]
    updated: tuple[str, ...]
    unchanged: tuple[str, ...]


def _csv_rows(source: PartySource, columns: Sequence[str], required: Sequence[str]) -> list[tuple[int, dict[str, str]]]:
    """The rows of a CSV file with a header naming ``columns`` (any order; ``;`` as separator also works),
    with the line of each. :class:`RegisterInputError` for a missing or unknown column."""
    try:
        text = source.data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RegisterInputError(f"{source.name}: filen er ikke UTF-8 (lagre den som CSV UTF-8)") from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise RegisterInputError(f"{source.name}: filen er tom") from None
    except csv.Error as exc:
        raise RegisterInputError(f"{source.name}: linje 1: {exc}") from None
    unknown = [h for h in header if h not in columns]
    if unknown:
        raise RegisterInputError(f"{source.name}: ukjent kolonne «{unknown[0]}» (kolonnene er {','.join(columns)})")
    missing = [c for c in required if c not in header]
    if missing:
        raise RegisterInputError(f"{source.name}: kolonnen «{missing[0]}» mangler (kolonnene er {','.join(columns)})")
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                raise RegisterInputError(
                    f"{source.name}: rad {line}: har {len(cells)} felt, overskriften har {len(header)}"
                )
            rows.append((line, dict(zip(header, (c.strip() for c in cells), strict=True))))
    except csv.Error as exc:
        raise RegisterInputError(f"{source.name}: rad {reader.line_num}: {exc}") from None
    return rows


def _yes_no(value: str, place: str) -> bool:
    folded = value.strip().lower()
    if folded in _YES:
        return True
    if folded in _NO:
        return False
    raise RegisterInputError(f"{place}: «{value[:20]}» er verken ja eller nei")


def read_contacts_csv(source: PartySource) -> list[ContactPoint]:
    """The contact points in a CSV file (:data:`CONTACT_COLUMNS`), every row checked; the first fault names the
    row and the field."""
    return [contact for _, contact in _contact_rows(source)]


def _contact_rows(source: PartySource) -> list[tuple[int, ContactPoint]]:
    found: list[tuple[int, ContactPoint]] = []
    seen: dict[tuple[str, ContactPurpose], int] = {}
    purposes = ", ".join(p.value for p in ContactPurpose)
    for line, row in _csv_rows(source, CONTACT_COLUMNS, CONTACT_COLUMNS):

        def fault(column: str, text: str, line: int = line) -> RegisterInputError:
            return RegisterInputError(f"{source.name}: rad {line}, {column}: {text}")

        her_id = row["partner_her_id"]
        if not her_id:
            raise fault("partner_her_id", "mangler")
        if not (her_id.isascii() and her_id.isdigit()):
            raise fault("partner_her_id", f"HER-id «{her_id[:30]}» kan bare inneholde sifre")
        try:
            purpose = ContactPurpose(row["purpose"])
        except ValueError:
            raise fault("purpose", f"ukjent formål «{row['purpose'][:40]}» (tillatt: {purposes})") from None
        if (her_id, purpose) in seen:
            raise fault(
                "purpose",
                f"HER-id {her_id} har allerede et kontaktpunkt for {purpose.value} (rad {seen[(her_id, purpose)]})",
            )
        seen[(her_id, purpose)] = line
        if not row["name"]:
            raise fault("name", "mangler")
        checks: tuple[tuple[str, Callable[[str], object]], ...] = (("email", normalise_email),)
        if row["phone"]:
            checks += (("phone", normalise_phone),)
        for column, normalise in checks:
            try:
                normalise(row[column])
            except ValueError as exc:
                raise fault(column, str(exc)) from None
        staffed = _yes_no(row["staffed_24_7"], f"{source.name}: rad {line}, staffed_24_7")
        try:
            contact = ContactPoint(
                partner_her_id=her_id,
                purpose=purpose,
                name=row["name"],
                email=row["email"],
                phone=row["phone"] or None,
                staffed_24_7=staffed,
            )
        except ValueError as exc:
            raise fault("name", str(exc)) from None
        found.append((line, contact))
    return found


def import_contacts(
    uow: UnitOfWork, source: PartySource, *, by: str, now: datetime | None = None
) -> ContactImport:
    """Import a contact CSV: every row checked first (partner known, purpose, e-mail, phone, no partner and
    purpose twice), then stored (added or replacing) in one unit of work."""
    at = now or utc_now()
    rows = _contact_rows(source)
    created: list[str] = []
    updated: list[str] = []
    unchanged: list[str] = []
    with uow:
        for line, contact in rows:
            if uow.registers.partners.get(contact.partner_her_id) is None:
                raise RegisterInputError(
                    f"{source.name}: rad {line}, partner_her_id: ingen samarbeidspart med HER-id "
                    f"{contact.partner_her_id}"
                )
        for _, contact in rows:
            outcome = _put_contact(uow, contact, by=by, at=at)
            {"created": created, "updated": updated, "unchanged": unchanged}[outcome].append(contact.key)
        uow.commit()
    return ContactImport(tuple(created), tuple(updated), tuple(unchanged))


def _put_contact(uow: UnitOfWork, contact: ContactPoint, *, by: str, at: datetime) -> str:
    before = uow.registers.contacts.get(contact.partner_her_id, contact.purpose)
    if before == contact:
        return "unchanged"
    uow.registers.contacts.put(contact)
    _journal(uow, by=by, at=at, entity=Entity.CONTACT, key=contact.key,
             before=None if before is None else before.values(), after=contact.values())
    return "created" if before is None else "updated"


@dataclass(frozen=True, kw_only=True)
class ContactFields:
    """Fields to set on a contact point; None leaves a field as it is ("" clears the phone)."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    staffed_24_7: bool | None = None


def add_contact(uow: UnitOfWork, contact: ContactPoint, *, by: str, now: datetime | None = None) -> ContactPoint:
    """Add a partner's contact point; one for the purpose registered already is refused."""
    with uow:
        if uow.registers.partners.get(contact.partner_her_id) is None:
            raise RegisterInputError(f"Ingen samarbeidspart med HER-id {contact.partner_her_id}.")
        if uow.registers.contacts.get(contact.partner_her_id, contact.purpose) is not None:
            raise RegisterInputError(
                f"HER-id {contact.partner_her_id} har allerede et kontaktpunkt for {contact.purpose.value} "
                "(endre med «contacts edit»)."
            )
        _put_contact(uow, contact, by=by, at=now or utc_now())
        uow.commit()
    return contact


def edit_contact(
    uow: UnitOfWork,
    her_id: str,
    purpose: ContactPurpose,
    fields: ContactFields,
    *,
    by: str,
    now: datetime | None = None,
) -> ContactPoint:
    with uow:
        current = uow.registers.contacts.get(her_id, purpose)
        if current is None:
            raise RegisterInputError(f"HER-id {her_id} har ikke noe kontaktpunkt for {purpose.value}.")
        try:
            changed = ContactPoint(
                partner_her_id=her_id,
                purpose=purpose,
                name=current.name if fields.name is None else fields.name,
                email=current.email if fields.email is None else fields.email,
                phone=current.phone if fields.phone is None else (fields.phone or None),
                staffed_24_7=current.staffed_24_7 if fields.staffed_24_7 is None else fields.staffed_24_7,
            )
        except ValueError as exc:
            raise RegisterInputError(str(exc)) from None
        _put_contact(uow, changed, by=by, at=now or utc_now())
        uow.commit()
    return changed


def remove_contact(
    uow: UnitOfWork, her_id: str, purpose: ContactPurpose, *, by: str, now: datetime | None = None
) -> None:
    with uow:
        current = uow.registers.contacts.get(her_id, purpose)
        if current is None:
            raise RegisterInputError(f"HER-id {her_id} har ikke noe kontaktpunkt for {purpose.value}.")
        uow.registers.contacts.remove(her_id, purpose)
        _journal(uow, by=by, at=now or utc_now(), entity=Entity.CONTACT, key=current.key,
                 before=current.values(), after=None)
        uow.commit()


def list_contacts(uow: UnitOfWork, partner_her_id: str | None = None) -> list[ContactPoint]:
    with uow:
        if partner_her_id is not None and uow.registers.partners.get(partner_her_id) is None:
            raise RegisterInputError(f"Ingen samarbeidspart med HER-id {partner_her_id}.")
        return uow.registers.contacts.list(partner_her_id)


def contact_gaps(uow: UnitOfWork) -> list[Gap]:
    """Every active partner without a contact point for some purpose."""
    with uow:
        partners = [p.her_id for p in uow.registers.partners.list() if p.active]
        return find_gaps(partners, uow.registers.contacts.list())


def contact_deviations(uow: UnitOfWork) -> list[Deviation]:
    """Every contact point of an active partner that needs follow-up (not the standard address, a personal
    address, the partner's domain unknown, no phone)."""
    with uow:
        domains = {p.her_id: p.domain for p in uow.registers.partners.list() if p.active}
        contacts = [c for c in uow.registers.contacts.list() if c.partner_her_id in domains]
    return find_deviations(contacts, domains)


def export_contacts_csv(uow: UnitOfWork) -> str:
    """The whole contact list with the import's columns (it imports again)."""
    rows = [
        [c.partner_her_id, c.purpose.value, _csv_text(c.name), c.email, c.phone or "", _csv_text(c.staffed_24_7)]
        for c in list_contacts(uow)
    ]
    return _csv(CONTACT_COLUMNS, rows)


@dataclass(frozen=True)
class ContactSheet:
    """The contact and notification list as handed to the partners."""

    partners: list[tuple[PartnerView, list[ContactPoint]]]
    gaps: dict[str, tuple[ContactPurpose, ...]]
    deviations: dict[str, list[Deviation]]
    generated_at: datetime


def contact_sheet(uow: UnitOfWork, *, now: datetime | None = None) -> ContactSheet:
    with uow:
        parties = uow.parties.all()
        views = [v for v in _all_views(uow, parties, _municipality_names(uow)) if v.profile.active]
        contacts = uow.registers.contacts.list()
    by_partner: dict[str, list[ContactPoint]] = {}
    for contact in contacts:
        by_partner.setdefault(contact.partner_her_id, []).append(contact)
    domains = {v.party.her_id: v.profile.domain for v in views}
    deviations: dict[str, list[Deviation]] = {}
    for deviation in find_deviations([c for c in contacts if c.partner_her_id in domains], domains):
        deviations.setdefault(f"{deviation.partner_her_id}/{deviation.purpose.value}", []).append(deviation)
    ordered = sorted(views, key=lambda v: (fold(v.party.name), v.party.her_id))
    return ContactSheet(
        partners=[(v, by_partner.get(v.party.her_id, [])) for v in ordered],
        gaps={g.partner_her_id: g.missing for g in find_gaps(domains, contacts)},
        deviations=deviations,
        generated_at=now or utc_now(),
    )


_SHEET_STYLE = """
@page { size: A4 landscape; margin: 14mm 12mm;
        @bottom-right { content: "Side " counter(page) " av " counter(pages); font-size: 8pt; } }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 9pt; color: #111; }
h1 { font-size: 16pt; margin: 0 0 2mm 0; }
h2 { font-size: 11pt; margin: 6mm 0 1mm 0; page-break-after: avoid; }
p.meta { color: #444; margin: 0 0 4mm 0; }
table { width: 100%; border-collapse: collapse; page-break-inside: avoid; }
th, td { border: 0.5pt solid #999; padding: 1.2mm 1.5mm; text-align: left; vertical-align: top; }
th { background: #e8eef4; }
.gap { color: #8a1c1c; }
.note { color: #7a5200; font-size: 8pt; }
"""


def contacts_html(sheet: ContactSheet) -> str:
    """The contact list as an HTML document (Norwegian), from which the PDF is made."""
    e = html.escape
    generated = sheet.generated_at.astimezone().strftime("%d.%m.%Y %H:%M")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="no"><head><meta charset="utf-8"><title>Kontakt- og varslingsliste</title>',
        f"<style>{_SHEET_STYLE}</style></head><body>",
        "<h1>Kontakt- og varslingsliste for elektronisk samhandling</h1>",
        f'<p class="meta">Samarbeidsparter og kontaktpunkter per formål (samhandlingsprosedyren, punkt 3.1). '
        f"Anbefalt adresse: meldingsansvarlig@&lt;partens domene&gt;. Laget {e(generated)}.</p>",
    ]
    if not sheet.partners:
        parts.append("<p>Ingen aktive samarbeidsparter er registrert.</p>")
    for view, contacts in sheet.partners:
        heading = f"{view.party.name} (HER-id {view.party.her_id})"
        if view.municipality_name:
            heading += f", {view.municipality_name} kommune"
        parts.append(f"<h2>{e(heading)}</h2>")
        parts.append(
            "<table><thead><tr><th>Formål</th><th>Navn</th><th>E-post</th><th>Telefon</th>"
            "<th>Døgnbemannet</th><th>Merknad</th></tr></thead><tbody>"
        )
        for contact in contacts:
            notes = [REASON_TEXT[d.reason] for d in sheet.deviations.get(contact.key, [])]
            parts.append(
                "<tr>"
                f"<td>{e(PURPOSE_TEXT[contact.purpose])}</td><td>{e(contact.name)}</td><td>{e(contact.email)}</td>"
                f"<td>{e(contact.phone or '–')}</td><td>{'ja' if contact.staffed_24_7 else 'nei'}</td>"
                f'<td class="note">{e("; ".join(notes))}</td>'
                "</tr>"
            )
        for purpose in sheet.gaps.get(view.party.her_id, ()):
            parts.append(
                f'<tr class="gap"><td>{e(PURPOSE_TEXT[purpose])}</td>'
                '<td colspan="5">Mangler kontaktpunkt</td></tr>'
            )
        parts.append("</tbody></table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def contacts_pdf(uow: UnitOfWork, *, now: datetime | None = None) -> bytes:
    """The contact list as PDF (WeasyPrint, from :func:`contacts_html`)."""
    from weasyprint import HTML  # type: ignore[import-untyped]  # imported here: it loads Pango, which the rest of the CLI does not need

    return bytes(HTML(string=contacts_html(contact_sheet(uow, now=now))).write_pdf())


# --- agreements ----------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class AgreementFields:
    """Fields to set on an agreement; None leaves a field as it is ("" clears a text or date field)."""

    status: AgreementStatus | None = None
    signed_on: str | None = None
    valid_from: str | None = None
    valid_to: str | None = None
    contact: str | None = None
    note: str | None = None


def agreement_json(agreement: Agreement, *, today: date) -> dict[str, Any]:
    return {
        "municipality": agreement.municipality,
        "area": agreement.area.value,
        **agreement.values(),
        "effective_status": agreement.effective_status(today).value,
        "document_size": agreement.document_size,
    }


def _date(value: str, place: str) -> date | None:
    text = value.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RegisterInputError(f"{place}: «{text[:30]}» er ikke en dato (ÅÅÅÅ-MM-DD)") from None


def _area(value: str, place: str) -> AgreementArea:
    try:
        return AgreementArea(value.strip())
    except ValueError:
        allowed = ", ".join(a.value for a in AgreementArea)
        raise RegisterInputError(f"{place}: ukjent område «{value[:40]}» (tillatt: {allowed})") from None


def _status(value: str, place: str) -> AgreementStatus:
    try:
        return AgreementStatus(value.strip())
    except ValueError:
        allowed = ", ".join(s.value for s in AgreementStatus)
        raise RegisterInputError(f"{place}: ukjent status «{value[:40]}» (tillatt: {allowed})") from None


def _build_agreement(base: Agreement, fields: AgreementFields, place: str = "") -> Agreement:
    prefix = f"{place}: " if place else ""

    def pick_date(value: str | None, current: date | None, name: str) -> date | None:
        return current if value is None else _date(value, f"{place}, {name}" if place else name)

    try:
        return replace(
            base,
            status=base.status if fields.status is None else fields.status,
            signed_on=pick_date(fields.signed_on, base.signed_on, "signed_on"),
            valid_from=pick_date(fields.valid_from, base.valid_from, "valid_from"),
            valid_to=pick_date(fields.valid_to, base.valid_to, "valid_to"),
            contact=base.contact if fields.contact is None else (fields.contact or None),
            note=base.note if fields.note is None else (fields.note or None),
        )
    except ValueError as exc:
        raise RegisterInputError(f"{prefix}{exc}") from None


def document_from(name: str, content: bytes) -> AgreementDocument:
    return AgreementDocument(name, content, hashlib.sha256(content).hexdigest())


def _save_agreement(
    uow: UnitOfWork,
    agreement: Agreement,
    document: AgreementDocument | None,
    *,
    by: str,
    at: datetime,
) -> str:
    before = uow.registers.agreements.get(agreement.municipality, agreement.area)
    uow.registers.agreements.put(agreement)
    if document is not None:
        uow.registers.agreements.set_document(agreement.municipality, agreement.area, document)
    after = uow.registers.agreements.get(agreement.municipality, agreement.area)
    assert after is not None
    if before is not None and before.values() == after.values():
        return "unchanged"
    _journal(uow, by=by, at=at, entity=Entity.AGREEMENT, key=after.key,
             before=None if before is None else before.values(), after=after.values())
    return "created" if before is None else "updated"


def add_agreement(
    uow: UnitOfWork,
    municipality: str,
    area: AgreementArea,
    fields: AgreementFields,
    *,
    by: str,
    document: AgreementDocument | None = None,
    now: datetime | None = None,
) -> Agreement:
    """Register the agreement with a municipality (number or name) on an area; one there already is refused."""
    with uow:
        found = _resolve_municipality(uow, municipality)
        if uow.registers.agreements.get(found.number, area) is not None:
            raise RegisterInputError(
                f"Kommune {found.number} {found.name} har allerede en avtale om {area.value} "
                "(endre med «agreements edit»)."
            )
        agreement = _build_agreement(Agreement(municipality=found.number, area=area), fields)
        _save_agreement(uow, agreement, document, by=by, at=now or utc_now())
        stored = uow.registers.agreements.get(found.number, area)
        uow.commit()
    assert stored is not None
    return stored


def edit_agreement(
    uow: UnitOfWork,
    municipality: str,
    area: AgreementArea,
    fields: AgreementFields,
    *,
    by: str,
    document: AgreementDocument | None = None,
    now: datetime | None = None,
) -> Agreement:
    with uow:
        found = _resolve_municipality(uow, municipality)
        current = uow.registers.agreements.get(found.number, area)
        if current is None:
            raise RegisterInputError(f"Kommune {found.number} {found.name} har ingen avtale om {area.value}.")
        agreement = _build_agreement(current, fields)
        _save_agreement(uow, agreement, document, by=by, at=now or utc_now())
        stored = uow.registers.agreements.get(found.number, area)
        uow.commit()
    assert stored is not None
    return stored


def get_agreement(uow: UnitOfWork, municipality: str, area: AgreementArea) -> tuple[Municipality, Agreement]:
    with uow:
        found = _resolve_municipality(uow, municipality)
        agreement = uow.registers.agreements.get(found.number, area)
    if agreement is None:
        raise RegisterInputError(f"Kommune {found.number} {found.name} har ingen avtale om {area.value}.")
    return found, agreement


def agreement_document(uow: UnitOfWork, municipality: str, area: AgreementArea) -> AgreementDocument:
    with uow:
        found = _resolve_municipality(uow, municipality)
        document = uow.registers.agreements.document(found.number, area)
    if document is None:
        raise RegisterInputError(f"Avtalen med kommune {found.number} om {area.value} har ikke noe dokument.")
    return document


def list_agreements(
    uow: UnitOfWork,
    *,
    municipality: str | None = None,
    status: AgreementStatus | None = None,
    today: date | None = None,
) -> list[Agreement]:
    """Agreements by municipality and area; ``status`` filters on the status as of ``today``."""
    day = today or utc_now().date()
    with uow:
        number = _resolve_municipality(uow, municipality).number if municipality else None
        found = uow.registers.agreements.list(number)
    return [a for a in found if status is None or a.effective_status(day) is status]


@dataclass(frozen=True)
class AgreementImport:
    created: tuple[str, ...]
    updated: tuple[str, ...]
    unchanged: tuple[str, ...]


def _agreement_rows(source: PartySource) -> list[tuple[str, dict[str, str]]]:
    data = source.data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not data.startswith(b"{"):
        return [(f"{source.name}: rad {line}", row)
                for line, row in _csv_rows(source, AGREEMENT_COLUMNS, ("municipality", "area", "status"))]
    document = _json_document(source.data, source.name)
    if not isinstance(document, dict) or not isinstance(document.get("agreements"), list):
        raise RegisterInputError(f'{source.name}: JSON-filen må være et objekt med listen "agreements"')
    rows: list[tuple[str, dict[str, str]]] = []
    allowed = (*AGREEMENT_COLUMNS, "effective_status", "document_name", "document_sha256", "document_size")
    for i, entry in enumerate(document["agreements"]):
        where = f"{source.name}: agreements[{i}]"
        if not isinstance(entry, dict):
            raise RegisterInputError(f"{where}: må være et objekt")
        for key, value in entry.items():
            if key not in allowed:
                raise RegisterInputError(f"{where}: ukjent felt «{key}» (tillatt: {', '.join(AGREEMENT_COLUMNS)})")
            if key in AGREEMENT_COLUMNS and value is not None and not isinstance(value, str):
                raise RegisterInputError(f"{where}.{key}: må være tekst")
        rows.append((where, {k: entry.get(k) or "" for k in AGREEMENT_COLUMNS}))
    return rows


def import_agreements(
    uow: UnitOfWork, source: PartySource, *, by: str, now: datetime | None = None
) -> AgreementImport:
    """Import agreements from CSV (:data:`AGREEMENT_COLUMNS`) or JSON (``{"agreements": [...]}``, as
    exported): every entry checked first (known municipality, area, status, dates, the rules), then stored
    (added or replacing; documents stay) in one unit of work."""
    at = now or utc_now()
    rows = _agreement_rows(source)
    created: list[str] = []
    updated: list[str] = []
    unchanged: list[str] = []
    with uow:
        found: list[Agreement] = []
        seen: dict[tuple[str, AgreementArea], str] = {}
        for place, row in rows:
            if not row.get("municipality"):
                raise RegisterInputError(f"{place}, municipality: mangler")
            try:
                municipality = _resolve_municipality(uow, row["municipality"])
            except RegisterInputError as exc:
                raise RegisterInputError(f"{place}, municipality: {exc}") from None
            area = _area(row.get("area", ""), f"{place}, area")
            if (municipality.number, area) in seen:
                raise RegisterInputError(
                    f"{place}, area: kommune {municipality.number} og {area.value} står to ganger (også i "
                    f"{seen[(municipality.number, area)]})"
                )
            seen[(municipality.number, area)] = place
            status = _status(row.get("status", ""), f"{place}, status")
            fields = AgreementFields(
                status=status,
                signed_on=row.get("signed_on", ""),
                valid_from=row.get("valid_from", ""),
                valid_to=row.get("valid_to", ""),
                contact=row.get("contact", ""),
                note=row.get("note", ""),
            )
            for name in ("signed_on", "valid_from", "valid_to"):
                _date(row.get(name, ""), f"{place}, {name}")
            current = uow.registers.agreements.get(municipality.number, area)
            found.append(_build_agreement(current or Agreement(municipality=municipality.number, area=area),
                                          fields, place))
        for agreement in found:
            outcome = _save_agreement(uow, agreement, None, by=by, at=at)
            {"created": created, "updated": updated, "unchanged": unchanged}[outcome].append(agreement.key)
        uow.commit()
    return AgreementImport(tuple(created), tuple(updated), tuple(unchanged))


def export_agreements_csv(uow: UnitOfWork) -> str:
    rows = [
        [a.municipality, a.area.value, a.status.value, *(_csv_text(a.values()[k]) for k in AGREEMENT_COLUMNS[3:])]
        for a in list_agreements(uow)
    ]
    return _csv(AGREEMENT_COLUMNS, rows)


def export_agreements_json(uow: UnitOfWork, *, today: date | None = None) -> dict[str, Any]:
    day = today or utc_now().date()
    return {"agreements": [agreement_json(a, today=day) for a in list_agreements(uow, today=day)]}


# --- small helpers -------------------------------------------------------------------------------------


def _json_document(data: bytes, name: str) -> Any:
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise RegisterInputError(f"{name}: ugyldig JSON: teksten er ikke UTF-8") from None
    except json.JSONDecodeError as exc:
        raise RegisterInputError(f"{name}: ugyldig JSON på linje {exc.lineno}, kolonne {exc.colno}") from None
    except RecursionError:
        raise RegisterInputError(f"{name}: ugyldig JSON: for dypt nøstet") from None


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nei"
    text = str(value)
    # A cell starting with = + - @ is a formula to a spreadsheet (CSV injection); a leading ' keeps it text.
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _is_phone(text) else text


def _is_phone(text: str) -> bool:
    return text.startswith("+") and text[1:].isdigit()


def _csv(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue()

