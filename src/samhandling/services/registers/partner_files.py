"""Partners in and out of files: imported from the address register's answers
(:mod:`samhandling.standards.adresseregister`) and from the parties JSON of ``samhandling parties import``
(:mod:`samhandling.services.registers.parties`, reused), optionally with a ``"partners"`` list of profiles, and
exported as that JSON (which imports again) or as CSV with the columns :data:`PARTNER_COLUMNS`. Every input is
checked before anything is stored; each change is journaled (:mod:`samhandling.services.registers.journal`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from samhandling.domain.clock import utc_now
from samhandling.domain.messaging.parties import Parties, Party
from samhandling.domain.registers.partners import Entity, PartnerCategory, PartnerProfile
from samhandling.services.registers.capabilities import receives_summary
from samhandling.services.registers.files import csv_cell, looks_like_json_object, read_json, write_csv
from samhandling.services.registers.journal import RegisterInputError, record_change
from samhandling.services.registers.municipalities import municipality_names
from samhandling.services.registers.parties import (
    ImportedParty,
    PartyImportError,
    PartySource,
    check,
    merge,
    party_json,
    read_party_file,
)
from samhandling.services.registers.partners import members_below, partner_json, partner_views, party_values
from samhandling.standards.adresseregister import looks_like_xml
from samhandling.standards.cpp import read_register_details
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


def _profile_values(profile: PartnerProfile | None) -> dict[str, Any] | None:
    return None if profile is None else profile.values()


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
            record_change(uow, by=by, at=at, entity=Entity.PARTY, key=party.her_id, before=party_values(before),
                          after=party_values(party))
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
            for _, member in members_below(parties, profile.her_id):
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
            own = {view.party.her_id, *(p.her_id for _, p in members_below(parties, view.party.her_id))}
            values = partner_json(view)
            values["active"] = "ja" if view.profile.active else "nei"
            values["receives"] = receives_summary(c for c in capabilities if c.her_id in own)
            rows.append([csv_cell(values.get(column)) for column in PARTNER_COLUMNS])
    return write_csv(PARTNER_COLUMNS, rows)
