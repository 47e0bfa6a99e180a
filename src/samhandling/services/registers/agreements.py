"""Use cases of the register of local supplementary agreements (lokale tilleggsavtaler) between the hospital
trust and each municipality, under the cooperation agreement (samarbeidsavtalen): one agreement per
municipality and area, with its status, dates, contact and signed document.

The rules live in :mod:`samhandling.domain.registers.agreements`. Agreements are imported from CSV with the columns
:data:`AGREEMENT_COLUMNS` or from JSON ``{"agreements": [...]}`` (as exported), every entry checked before
anything is stored (:mod:`samhandling.services.registers.files`); a municipality is named by number or name
(:mod:`samhandling.services.registers.municipalities`); each change is journaled
(:mod:`samhandling.services.registers.journal`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from samhandling.domain.clock import utc_now
from samhandling.domain.registers.agreements import Agreement, AgreementArea, AgreementDocument, AgreementStatus
from samhandling.domain.registers.partners import Entity, Municipality
from samhandling.services.registers.files import (
    csv_cell,
    looks_like_json_object,
    read_csv_rows,
    read_json,
    write_csv,
)
from samhandling.services.registers.journal import RegisterInputError, record_change
from samhandling.services.registers.municipalities import lookup_municipality
from samhandling.services.registers.parties import PartySource
from samhandling.store.unit_of_work import UnitOfWork

AGREEMENT_COLUMNS = ("municipality", "area", "status", "signed_on", "valid_from", "valid_to", "contact", "note")


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

    signed_on = pick_date(fields.signed_on, base.signed_on, "signed_on")
    valid_from = pick_date(fields.valid_from, base.valid_from, "valid_from")
    valid_to = pick_date(fields.valid_to, base.valid_to, "valid_to")
    try:
        return replace(
            base,
            status=base.status if fields.status is None else fields.status,
            signed_on=signed_on,
            valid_from=valid_from,
            valid_to=valid_to,
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
    record_change(uow, by=by, at=at, entity=Entity.AGREEMENT, key=after.key,
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
        found = lookup_municipality(uow, municipality)
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
        found = lookup_municipality(uow, municipality)
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
        found = lookup_municipality(uow, municipality)
        agreement = uow.registers.agreements.get(found.number, area)
    if agreement is None:
        raise RegisterInputError(f"Kommune {found.number} {found.name} har ingen avtale om {area.value}.")
    return found, agreement


def agreement_document(uow: UnitOfWork, municipality: str, area: AgreementArea) -> AgreementDocument:
    with uow:
        found = lookup_municipality(uow, municipality)
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
        number = lookup_municipality(uow, municipality).number if municipality else None
        found = uow.registers.agreements.list(number)
    return [a for a in found if status is None or a.effective_status(day) is status]


@dataclass(frozen=True)
class AgreementImport:
    created: tuple[str, ...]
    updated: tuple[str, ...]
    unchanged: tuple[str, ...]


def _agreement_rows(source: PartySource) -> list[tuple[str, dict[str, str]]]:
    if not looks_like_json_object(source.data):
        return [(f"{source.name}: rad {line}", row)
                for line, row in read_csv_rows(source, AGREEMENT_COLUMNS, ("municipality", "area", "status"))]
    document = read_json(source.data, source.name)
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
                municipality = lookup_municipality(uow, row["municipality"])
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
        [a.municipality, a.area.value, a.status.value, *(csv_cell(a.values()[k]) for k in AGREEMENT_COLUMNS[3:])]
        for a in list_agreements(uow)
    ]
    return write_csv(AGREEMENT_COLUMNS, rows)


def export_agreements_json(uow: UnitOfWork, *, today: date | None = None) -> dict[str, Any]:
    day = today or utc_now().date()
    return {"agreements": [agreement_json(a, today=day) for a in list_agreements(uow, today=day)]}
