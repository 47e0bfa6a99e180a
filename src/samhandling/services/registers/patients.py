"""The patient directory of local parties: which patients a party the node serves has.

It serves AppRec code E35, "Pasienten finnes ikke i mottakersystemet": the patient neither has nor is to have
a record with the receiver (HIS 80415:2012 kap. 6.3). A directory is optional; the receive pipeline asks
``uow.patients.known(party_her_id, patient_id)``, which is None for a party without one (then no E35 check).

A file is JSON::

    {"patients": [{"party_her_id": "3010", "id": "<fødselsnummer/D-nummer/H-nummer>", "name": "…"}]}

or CSV with the header ``party_her_id,id,name`` (comma or semicolon; UTF-8, or ISO-8859-1 as spreadsheets
often write it; ``name`` may be left out or empty). Identifiers are checked by HIS 1001:2010
(:func:`~samhandling.domain.identifiers.person_id_problem`), and each party must be one this node serves.

An import is all or nothing: every row of every file is checked first, and the first fault is one line naming
the file, the row and the field, never the identifier itself (an identifier is only ever shown masked, by
:func:`~samhandling.domain.identifiers.mask_person_id`). Rows add patients or update their names; with
``replace`` the file is the whole directory of each party it names, and patients not in it are removed.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from samhandling.domain.identifiers import person_id_problem
from samhandling.domain.privacy import mask_person_id
from samhandling.standards.parsing import DEFAULT_MAX_BYTES
from samhandling.store.messaging.patients import PatientEntry
from samhandling.store.unit_of_work import UnitOfWork

COLUMNS = ("party_her_id", "id", "name")
REQUIRED_COLUMNS = ("party_her_id", "id")
_SHOWABLE_NAME = re.compile(r"[A-Za-z_]{1,40}")
"""A field or column name that can be repeated in a message: it cannot be (part of) an identifier."""


class PatientDirectoryError(ValueError):
    """A patient file cannot be imported, or a directory asked for does not exist; one Norwegian line."""


@dataclass(frozen=True)
class PatientSource:
    """A file to import: the name to show (its path) and its bytes."""

    name: str
    data: bytes


@dataclass(frozen=True, kw_only=True)
class PatientRow:
    """One row of a patient file, checked on its own (HER-id of digits, a valid identifier)."""

    source: str
    row: str
    """"linje 3" in a CSV file, "patients[1]" in a JSON file."""
    json: bool
    party_her_id: str
    patient_id: str = field(repr=False)
    name: str | None = field(default=None, repr=False)

    def at(self, column: str) -> str:
        """The place of a field of this row, for a message."""
        return _place(self.source, self.row, column, json=self.json)

    @property
    def entry(self) -> PatientEntry:
        return PatientEntry(party_her_id=self.party_her_id, patient_id=self.patient_id, name=self.name)


@dataclass(frozen=True)
class PatientImport:
    """What an import did."""

    parties: tuple[str, ...]
    created: int
    updated: int
    unchanged: int
    removed: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def _place(source: str, row: str, column: str | None, *, json: bool) -> str:
    if column is None:
        return f"{source}: {row}"
    return f"{source}: {row}.{column}" if json else f"{source}: {row}, felt {column}"


def _shown(name: str) -> str:
    return f"«{name}»" if _SHOWABLE_NAME.fullmatch(name) else "(navnet vises ikke)"


def _shown_her_id(value: str) -> str:
    """A HER-id for a message; masked if it has the length of a person identifier (columns mixed up)."""
    return mask_person_id(value) if len(value) == 11 else value


# --- reading files -------------------------------------------------------------------------------------


def read_patient_file(source: PatientSource) -> list[PatientRow]:
    """The rows of one file, each checked on its own, or :class:`PatientDirectoryError`."""
    data = source.data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not data:
        raise PatientDirectoryError(f"{source.name}: filen er tom")
    if data.startswith((b"{", b"[")):
        return _read_json(source)
    return _read_csv(source)


def _read_json(source: PatientSource) -> list[PatientRow]:
    name = source.name
    try:
        document = json.loads(source.data)
    except json.JSONDecodeError as exc:
        raise PatientDirectoryError(f"{name}: ugyldig JSON på linje {exc.lineno}, kolonne {exc.colno}") from None
    except UnicodeDecodeError:
        raise PatientDirectoryError(f"{name}: ugyldig JSON: teksten er ikke UTF-8") from None
    except RecursionError:
        raise PatientDirectoryError(f"{name}: ugyldig JSON: for dypt nøstet") from None
    if not isinstance(document, dict) or "patients" not in document:
        raise PatientDirectoryError(f'{name}: JSON-filen må være et objekt med listen "patients"')
    if set(document) != {"patients"}:
        raise PatientDirectoryError(f'{name}: ukjent felt i JSON-objektet (bare "patients" er tillatt)')
    entries = document["patients"]
    if not isinstance(entries, list):
        raise PatientDirectoryError(f'{name}: "patients" må være en liste')
    rows: list[PatientRow] = []
    for i, entry in enumerate(entries):
        row = f"patients[{i}]"
        if not isinstance(entry, dict):
            raise PatientDirectoryError(f"{_place(name, row, None, json=True)}: må være et objekt")
        for key in entry:
            if key not in COLUMNS:
                raise PatientDirectoryError(
                    f"{_place(name, row, None, json=True)}: ukjent felt {_shown(str(key))} "
                    f"(tillatt: {', '.join(COLUMNS)})"
                )
        for key in COLUMNS:
            value = entry.get(key)
            if key in REQUIRED_COLUMNS and value is None:
                raise PatientDirectoryError(f"{_place(name, row, key, json=True)}: mangler")
            if value is not None and not isinstance(value, str):
                raise PatientDirectoryError(f"{_place(name, row, key, json=True)}: må være tekst (i anførselstegn)")
        rows.append(_row(name, row, entry["party_her_id"], entry["id"], entry.get("name"), json=True))
    return rows


def _read_csv(source: PatientSource) -> list[PatientRow]:
    name = source.name
    try:
        text = source.data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = source.data.decode("iso-8859-1")
    first_line = text.lstrip().split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[PatientRow] = []
    try:
        header: list[str] | None = None
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue
            line = f"linje {reader.line_num}"
            if header is None:
                header = _header(name, line, record)
                continue
            if len(record) != len(header):
                raise PatientDirectoryError(
                    f"{name}: {line}: har {len(record)} felt, men overskriften har {len(header)}"
                )
            values = {column: cell.strip() for column, cell in zip(header, record, strict=True)}
            for column in REQUIRED_COLUMNS:
                if not values[column]:
                    raise PatientDirectoryError(f"{_place(name, line, column, json=False)}: mangler")
            rows.append(
                _row(name, line, values["party_her_id"], values["id"], values.get("name") or None, json=False)
            )
    except csv.Error:
        raise PatientDirectoryError(
            f"{name}: linje {reader.line_num}: ugyldig CSV (se etter anførselstegn som ikke er lukket)"
        ) from None
    if header is None:
        raise PatientDirectoryError(f"{name}: filen er tom")
    return rows


def _header(name: str, line: str, record: list[str]) -> list[str]:
    expected = ",".join(COLUMNS)
    header = [cell.strip().lower() for cell in record]
    for position, column in enumerate(header, start=1):
        if column not in COLUMNS:
            raise PatientDirectoryError(
                f"{name}: {line}: verken JSON eller CSV med overskriften {expected}: ukjent kolonne "
                f"{_shown(column)} (kolonne {position})"
            )
    if len(set(header)) != len(header):
        raise PatientDirectoryError(f"{name}: {line}: en kolonne står to ganger i overskriften")
    for column in REQUIRED_COLUMNS:
        if column not in header:
            raise PatientDirectoryError(f"{name}: {line}: overskriften mangler kolonnen {column} ({expected})")
    return header


def _row(source: str, row: str, party_her_id: str, patient_id: str, name: str | None, *, json: bool) -> PatientRow:
    if not (party_her_id.isascii() and party_her_id.isdigit()):
        place = _place(source, row, "party_her_id", json=json)
        raise PatientDirectoryError(f"{place}: HER-id kan bare inneholde sifre")
    problem = person_id_problem(patient_id)  # never repeats the identifier
    if problem:
        raise PatientDirectoryError(f"{_place(source, row, 'id', json=json)}: {problem}")
    return PatientRow(
        source=source,
        row=row,
        json=json,
        party_her_id=party_her_id,
        patient_id=patient_id,
        name=name if name and name.strip() else None,
    )


# --- importing and listing -----------------------------------------------------------------------------


def import_patients(
    uow: UnitOfWork,
    sources: Sequence[PatientSource],
    *,
    replace: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> PatientImport:
    """Import the patients in ``sources`` into the directories of their parties: everything checked first,
    then written in one unit of work. Raises :class:`PatientDirectoryError`, and then stores nothing."""
    for source in sources:
        if len(source.data) > max_bytes:
            raise PatientDirectoryError(f"{source.name}: filen er for stor ({len(source.data)} byte)")
    rows = [row for source in sources for row in read_patient_file(source)]
    seen: dict[tuple[str, str], PatientRow] = {}
    for row in rows:
        key = (row.party_her_id, row.patient_id)
        if key in seen:
            first = seen[key]
            also = first.row if first.source == row.source else f"{first.source}: {first.row}"
            raise PatientDirectoryError(
                f"{row.at('id')}: samme pasient for part {_shown_her_id(row.party_her_id)} står også i {also}"
            )
        seen[key] = row
    named = sorted({row.party_her_id for row in rows})
    with uow:
        parties = uow.parties.all()
        checked: set[str] = set()
        for row in rows:
            if row.party_her_id in checked:
                continue
            shown = _shown_her_id(row.party_her_id)
            if row.party_her_id not in parties:
                raise PatientDirectoryError(f"{row.at('party_her_id')}: parten {shown} er ukjent")
            if not parties.is_served_locally(row.party_her_id):
                raise PatientDirectoryError(
                    f"{row.at('party_her_id')}: parten {shown} er ikke en lokal part (noden betjener den ikke)"
                )
            checked.add(row.party_her_id)
        before = {(e.party_her_id, e.patient_id): e for her_id in named for e in uow.patients.list(her_id)}
        created = updated = unchanged = removed = 0
        if replace:
            removed = len(set(before) - set(seen))
            for her_id in named:
                uow.patients.clear(her_id)
        writes: list[PatientEntry] = []
        for key, row in seen.items():
            old = before.get(key)
            if old is None:
                created += 1
            elif old.name == row.name:
                unchanged += 1
                if not replace:
                    continue
            else:
                updated += 1
            writes.append(row.entry)
        uow.patients.upsert_many(writes)
        uow.commit()
    return PatientImport(tuple(named), created, updated, unchanged, removed)


def list_patients(uow: UnitOfWork, party_her_id: str) -> list[PatientEntry]:
    """The directory of a party, by identifier; empty when it has none. Raises
    :class:`PatientDirectoryError` for a party that is not registered."""
    with uow:
        if uow.parties.get(party_her_id) is None:
            raise PatientDirectoryError(f"Ingen kommunikasjonspart med HER-id {_shown_her_id(party_her_id)}.")
        return uow.patients.list(party_her_id)


def patient_json(entry: PatientEntry) -> dict[str, Any]:
    """A patient as ``patients list --json`` shows it: the identifier masked."""
    return {"party_her_id": entry.party_her_id, "id": mask_person_id(entry.patient_id), "name": entry.name}
