"""Use cases of the partner register: the partners of the cooperation with their communication parties and
profiles: listed, shown, added and changed, and as ``--json`` shows them.

A partner is a communication party (keyed by HER-id) with a partner profile; its services and persons are the
parties below it (:mod:`samhandling.domain.registers.partners`). Partners are imported and exported by
:mod:`samhandling.services.registers.partner_files`; what a partner can receive is
:mod:`samhandling.services.registers.capabilities`, read from its CPP or CPA by
:mod:`samhandling.services.registers.cpp`. Every input is checked before anything is stored; each change is
journaled (:mod:`samhandling.services.registers.journal`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from samhandling.domain.clock import utc_now
from samhandling.domain.messaging.parties import Parties, Party, PartyKind
from samhandling.domain.registers.agreements import Agreement
from samhandling.domain.registers.certificates import Certificate
from samhandling.domain.registers.contacts import ContactPoint, fold
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
from samhandling.services.registers.capabilities import capability_json
from samhandling.services.registers.certificates import certificate_json
from samhandling.services.registers.contacts import contact_json
from samhandling.services.registers.journal import RegisterInputError, record_change
from samhandling.services.registers.municipalities import lookup_municipality, municipality_names
from samhandling.services.registers.parties import party_json
from samhandling.store.unit_of_work import UnitOfWork


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


def party_values(party: Party | None) -> dict[str, Any] | None:
    """The party as the journal keeps it (no name for a person)."""
    if party is None:
        return None
    values = party_json(party)
    values.pop("her_id")
    if party.kind is PartyKind.PERSON:
        values["name"] = "(person)"  # the journal keeps no names of persons in the address register
    return values


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


def members_below(parties: Parties, her_id: str) -> list[tuple[int, Party]]:
    """The parties below ``her_id`` with their depth (1: directly below), depth first."""
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
    members = [p for _, p in members_below(parties, view.party.her_id)]
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
        members = members_below(parties, her_id)
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
            record_change(uow, by=by, at=at, entity=Entity.PARTY, key=her_id, before=party_values(before),
                          after=party_values(party))
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
            record_change(uow, by=by, at=at, entity=Entity.PARTY, key=her_id, before=party_values(current.party),
                          after=party_values(party))
        if profile != current.profile:
            uow.registers.partners.put(profile)
            record_change(uow, by=by, at=at, entity=Entity.PARTNER, key=her_id, before=current.profile.values(),
                          after=profile.values())
        view = _view(uow, her_id)
        uow.commit()
    return view


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
