"""Use cases of the partner register: the partners of the cooperation with their communication parties and
profiles, and what each can receive.

A partner is a communication party (keyed by HER-id) with a partner profile; its services and persons are the
parties below it (:mod:`samhandling.domain.registers.partners`). Partners are imported from the address register's
answers (:mod:`samhandling.standards.adresseregister`) and from the parties JSON of ``samhandling parties
import`` (:mod:`samhandling.services.registers.parties`, reused), optionally with a ``"partners"`` list of profiles, and
exported as that JSON (which imports again) or as CSV with the columns :data:`PARTNER_COLUMNS`. What a party can
receive, and its certificates, come from its CPP or a CPA (:mod:`samhandling.standards.cpp`). Every input is
checked before anything is stored; each change is journaled (:mod:`samhandling.services.registers.journal`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from samhandling.domain.clock import utc_now
from samhandling.domain.registers.agreements import Agreement
from samhandling.domain.registers.certificates import Certificate
from samhandling.domain.registers.contacts import ContactPoint, fold
from samhandling.domain.registers.parties import Parties, Party, PartyKind
from samhandling.domain.registers.partners import (
    Entity,
    MessageCapability,
    Municipality,
    PartnerCategory,
    PartnerProfile,
    municipality_number_problem,
    organisation_number_problem,
)
from samhandling.services.registers.agreements import agreement_json
from samhandling.services.registers.certificates import certificate_from_info, certificate_json, put_certificate
from samhandling.services.registers.contacts import contact_json
from samhandling.services.registers.files import csv_cell, looks_like_json_object, read_json, write_csv
from samhandling.services.registers.journal import RegisterInputError, record_change
from samhandling.services.registers.municipalities import lookup_municipality, municipality_names
from samhandling.services.registers.parties import (
    ImportedParty,
    PartyImportError,
    PartySource,
    check,
    merge,
    party_json,
    read_party_file,
)
from samhandling.standards.adresseregister import RegisterError, looks_like_xml, read_register_element
from samhandling.standards.cpp import CppError, is_collaboration, read_cpp_element, read_register_details
from samhandling.standards.parsing import DEFAULT_MAX_BYTES, parse_xml
from samhandling.store.unit_of_work import UnitOfWork

PARTNER_COLUMNS = (
    "her_id", "name", "category", "organisation_number", "municipality", "municipality_name", "domain",
    "epj_system", "epj_version", "comm_module", "comm_version", "active", "receives",
)
PROFILE_FIELDS = (
    "category", "organisation_number", "domain", "epj_system", "epj_version", "comm_module", "comm_version",
    "active", "note",
)


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


def _view(uow: UnitOfWork, her_id: str) -> PartnerView:
    party = uow.parties.get(her_id)
    profile = uow.registers.partners.get(her_id)
    if party is None or profile is None:
        raise RegisterInputError(f"Ingen samarbeidspart med HER-id {her_id}.")
    names = municipality_names(uow)
    return PartnerView(party, profile, names.get(party.municipality or ""))


def partner_views(uow: UnitOfWork, parties: Parties, names: Mapping[str, str]) -> list[PartnerView]:
    """Every registered partner by HER-id, with its party from ``parties`` and its municipality's name from
    ``names`` (:func:`samhandling.services.registers.municipalities.municipality_names`)."""
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
        names = municipality_names(uow)
        wanted_municipality = lookup_municipality(uow, municipality).number if municipality else None
        views = partner_views(uow, parties, names)
        partners = [
            view
            for view in views
            if (active is None or view.profile.active == active)
            and (wanted_municipality is None or view.party.municipality == wanted_municipality)
            and (not search or _matches(view, parties, search))
        ]
        kommuner = {v.party.municipality for v in views if v.profile.category is PartnerCategory.KOMMUNE}
        to_be = [
            m
            for m in uow.registers.municipalities.list()
            if m.number not in kommuner
            and (wanted_municipality is None or m.number == wanted_municipality)
            and (not search or search.strip() == m.number or fold(search.strip()) in fold(m.name))
            and active is None
        ]
    return PartnerList(partners, to_be)


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
            record_change(uow, by=by, at=at, entity=Entity.PARTY, key=her_id, before=_party_values(before),
                          after=_party_values(party))
        uow.registers.partners.add(profile)
        record_change(uow, by=by, at=at, entity=Entity.PARTNER, key=her_id, before=None, after=profile.values())
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
            record_change(uow, by=by, at=at, entity=Entity.PARTY, key=her_id, before=_party_values(current.party),
                          after=_party_values(party))
        if profile != current.profile:
            uow.registers.partners.put(profile)
            record_change(uow, by=by, at=at, entity=Entity.PARTNER, key=her_id, before=current.profile.values(),
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
    if looks_like_json_object(source.data):
        document = read_json(source.data, source.name)
        if isinstance(document, dict) and "partners" in document:
            profiles = _json_profiles(source.name, document.pop("partners"))
            rest = PartySource(source.name, json.dumps(document).encode())
            entries = _read_parties(rest, local=local, max_bytes=max_bytes)
            return _PartnerFile(entries, profiles=profiles)
    entries = _read_parties(source, local=local, max_bytes=max_bytes)
    subjects = [e.party.her_id for e in entries if e.primary and e.party.parent_her_id is None]
    result = _PartnerFile(entries, subjects=subjects)
    if looks_like_xml(source.data):
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

    The parties are read and checked as ``parties import`` does (:mod:`samhandling.services.registers.parties`). The
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
            record_change(uow, by=by, at=at, entity=Entity.PARTY, key=party.her_id, before=_party_values(before),
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
            record_change(uow, by=by, at=at, entity=Entity.PARTNER, key=her_id, before=_profile_values(current),
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
        views = partner_views(uow, parties, municipality_names(uow))
        capabilities = uow.registers.capabilities.list()
        rows = []
        for view in views:
            own = {view.party.her_id, *(p.her_id for _, p in _members(parties, view.party.her_id))}
            values = partner_json(view)
            values["active"] = "ja" if view.profile.active else "nei"
            values["receives"] = receives_summary(c for c in capabilities if c.her_id in own)
            rows.append([csv_cell(values.get(column)) for column in PARTNER_COLUMNS])
    return write_csv(PARTNER_COLUMNS, rows)


# --- what a partner can receive: CPP, CPA and communication details ------------------------------------


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
        record_change(uow, by=by, at=at, entity=Entity.CAPABILITIES, key=her_id,
                      before={"receives": _capability_labels(before), "source": _sources(before)} if before else None,
                      after={"receives": _capability_labels(capabilities), "source": collaboration.label})
        for info in party.certificates:
            if info.usage is None:
                outcomes["skipped"].append(info.serial)
                continue
            outcome = put_certificate(uow, certificate_from_info(her_id, info, info.usage), by=by, at=at)
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
