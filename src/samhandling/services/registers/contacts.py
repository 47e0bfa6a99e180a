"""Use cases of the contact and notification list (the cooperation procedure, section 3.1): each partner's
contact point per purpose, the partners missing one (gaps), and the contact points to follow up (deviations).

The rules live in :mod:`samhandling.domain.registers.contacts`. A contact list is imported from and exported to CSV with
the columns :data:`CONTACT_COLUMNS` (:mod:`samhandling.services.registers.files`): every row is checked before
anything is stored, and each change is journaled (:mod:`samhandling.services.registers.journal`). The list as
handed to the partners, as PDF, is :mod:`samhandling.services.registers.contact_sheet`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from samhandling.domain.clock import utc_now
from samhandling.domain.registers.contacts import (
    ContactPoint,
    ContactPurpose,
    Deviation,
    Gap,
    find_deviations,
    find_gaps,
    normalise_email,
    normalise_phone,
)
from samhandling.domain.registers.partners import Entity
from samhandling.services.registers.files import csv_cell, read_csv_rows, write_csv
from samhandling.services.registers.journal import RegisterInputError, record_change
from samhandling.services.registers.parties import PartySource
from samhandling.store.unit_of_work import UnitOfWork

CONTACT_COLUMNS = ("partner_her_id", "purpose", "name", "email", "phone", "staffed_24_7")
_YES = frozenset({"ja", "j", "yes", "y", "true", "1", "x"})
_NO = frozenset({"nei", "n", "no", "false", "0", ""})


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


@dataclass(frozen=True, kw_only=True)
class ContactFields:
    """Fields to set on a contact point; None leaves a field as it is ("" clears the phone)."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    staffed_24_7: bool | None = None


def _yes_no(value: str, place: str) -> bool:
    folded = value.strip().lower()
    if folded in _YES:
        return True
    if folded in _NO:
        return False
    raise RegisterInputError(f"{place}: «{value[:20]}» er verken ja eller nei")


def _contact_rows(source: PartySource) -> list[tuple[int, ContactPoint]]:
    found: list[tuple[int, ContactPoint]] = []
    seen: dict[tuple[str, ContactPurpose], int] = {}
    purposes = ", ".join(p.value for p in ContactPurpose)
    for line, row in read_csv_rows(source, CONTACT_COLUMNS, CONTACT_COLUMNS):

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
    record_change(uow, by=by, at=at, entity=Entity.CONTACT, key=contact.key,
                  before=None if before is None else before.values(), after=contact.values())
    return "created" if before is None else "updated"


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
        record_change(uow, by=by, at=now or utc_now(), entity=Entity.CONTACT, key=current.key,
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
        [c.partner_her_id, c.purpose.value, csv_cell(c.name), c.email, c.phone or "", csv_cell(c.staffed_24_7)]
        for c in list_contacts(uow)
    ]
    return write_csv(CONTACT_COLUMNS, rows)
