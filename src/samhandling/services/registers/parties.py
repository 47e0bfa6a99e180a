"""Import and list the communication parties of the node: the ones it serves (local) and its partners.

A file is either an answer from NHN's address register (:mod:`samhandling.standards.adresseregister`: a SOAP
``GetCommunicationPartyDetailsResponse`` or a bare ``CommunicationParty``) or this JSON::

    {"parties": [{"her_id": "3010", "name": "Medisinsk avdeling", "kind": "service",
                  "parent_her_id": "3000", "local": true, "municipality": "3403"}]}

(``kind`` is organisation, service or person; ``parent_her_id``, ``local`` and ``municipality`` may be left
out: no parent, a partner, no municipality). HER-ids are identifiers and are kept exactly as given (HIS
1153-1:2016 kap. 4): strings of digits, never numbers.

An import is all or nothing. Every file is read and every party checked first (readable format, known kind,
HER-ids of digits, no HER-id twice among the parties the files are about, every parent either stored or in
the same import, no loop in the hierarchy); the first fault is one line naming the file and the place, and
then nothing is stored. Only then are the parties written, in one unit of work. A party stored before is
updated (upsert).

``local``: JSON carries it. A register answer does not; ``local=True`` / ``False`` (``--local`` /
``--partner``) sets it for the party each answer is about. The parties that come with an answer (an
organisation's services, a person's organisation) keep the flag they have, or are partners when new: whether
the node serves them follows from the level above (:meth:`Parties.is_served_locally`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from samhandling.domain.messaging.parties import Parties, Party, PartyKind
from samhandling.standards.adresseregister import RegisterError, looks_like_xml, read_register
from samhandling.standards.parsing import DEFAULT_MAX_BYTES
from samhandling.store.unit_of_work import UnitOfWork

PARTY_FIELDS = ("her_id", "name", "kind", "parent_her_id", "local", "municipality")
REQUIRED_FIELDS = ("her_id", "name", "kind")
KINDS = frozenset(kind.value for kind in PartyKind)


class PartyImportError(ValueError):
    """A file cannot be imported; one Norwegian line that names the file and the place."""


@dataclass(frozen=True)
class PartySource:
    """A file to import: the name to show (its path) and its bytes."""

    name: str
    data: bytes


@dataclass(frozen=True)
class ImportedParty:
    """A party read from a file, with where it came from.

    ``primary``: the file is about this party (a JSON entry, the party of a register answer); otherwise it
    came with another one. ``local`` None: keep the stored flag (a partner when new).
    """

    party: Party
    source: str
    where: str
    primary: bool = True
    local: bool | None = None
    notes: tuple[str, ...] = ()
    """What the file said that was odd but not fatal (one Norwegian line each, naming the file and place)."""

    @property
    def place(self) -> str:
        return f"{self.source}: {self.where}" if self.where else self.source


@dataclass(frozen=True)
class PartyImport:
    """What an import did, by HER-id."""

    created: tuple[str, ...]
    updated: tuple[str, ...]
    unchanged: tuple[str, ...]
    notes: tuple[str, ...] = ()
    """What the files said that was odd but imported anyway (e.g. the register's ``i:type`` and ``Type``
    disagree, where ``Type`` decides)."""

    @property
    def total(self) -> int:
        return len(self.created) + len(self.updated) + len(self.unchanged)


# --- reading files -------------------------------------------------------------------------------------


def read_party_file(
    source: PartySource, *, local: bool | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> list[ImportedParty]:
    """The parties in one file, or :class:`PartyImportError`. ``local`` applies to register answers only."""
    data = source.data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not data:
        raise PartyImportError(f"{source.name}: filen er tom")
    if data.startswith((b"{", b"[")):
        return _read_json(source)
    if looks_like_xml(data):
        return _read_register(source, local=local, max_bytes=max_bytes)
    raise PartyImportError(
        f"{source.name}: filen er verken JSON ({{\"parties\": [...]}}) eller et svar fra adresseregisteret (XML)"
    )


def _read_register(source: PartySource, *, local: bool | None, max_bytes: int) -> list[ImportedParty]:
    try:
        record = read_register(source.data, max_bytes=max_bytes)
    except RegisterError as exc:
        raise PartyImportError(f"{source.name}: {exc}") from None
    return [
        ImportedParty(
            found.party,
            source.name,
            f"linje {found.line}" if found.line else "",
            primary=found is record.main,
            local=local if found is record.main else None,
            notes=tuple(f"{source.name}: {note}" for note in found.notes),
        )
        for found in record
    ]


def _read_json(source: PartySource) -> list[ImportedParty]:
    name = source.name
    try:
        document = json.loads(source.data)
    except json.JSONDecodeError as exc:
        raise PartyImportError(f"{name}: ugyldig JSON på linje {exc.lineno}, kolonne {exc.colno}") from None
    except UnicodeDecodeError:
        raise PartyImportError(f"{name}: ugyldig JSON: teksten er ikke UTF-8") from None
    except RecursionError:
        raise PartyImportError(f"{name}: ugyldig JSON: for dypt nøstet") from None
    if not isinstance(document, dict) or "parties" not in document:
        raise PartyImportError(f'{name}: JSON-filen må være et objekt med listen "parties"')
    extra = sorted(set(document) - {"parties"})
    if extra:
        raise PartyImportError(f'{name}: ukjent felt «{extra[0]}» (bare "parties" er tillatt)')
    entries = document["parties"]
    if not isinstance(entries, list):
        raise PartyImportError(f'{name}: "parties" må være en liste')
    return [_json_party(name, f"parties[{i}]", entry) for i, entry in enumerate(entries)]


def _json_party(name: str, where: str, entry: Any) -> ImportedParty:
    def fault(text: str) -> PartyImportError:
        return PartyImportError(f"{name}: {where}{text}")

    if not isinstance(entry, dict):
        raise fault(": må være et objekt")
    for key in entry:
        if key not in PARTY_FIELDS:
            raise fault(f": ukjent felt «{key}» (tillatt: {', '.join(PARTY_FIELDS)})")
    for key in ("her_id", "name", "kind", "parent_her_id", "municipality"):
        value = entry.get(key)
        if value is not None and not isinstance(value, str):
            hint = " (en HER-id er en identifikator: skriv den i anførselstegn)" if "her_id" in key else ""
            raise fault(f".{key}: må være tekst{hint}")
    for key in REQUIRED_FIELDS:
        if entry.get(key) is None:
            raise fault(f": mangler {key}")
    local = entry.get("local", False)
    if not isinstance(local, bool):
        raise fault(".local: må være true eller false")
    kind = entry["kind"]
    if kind not in KINDS:
        raise fault(f".kind: ukjent type «{kind}» (tillatt: {', '.join(PartyKind)})")
    municipality = entry.get("municipality")
    if municipality is not None and not (len(municipality) == 4 and municipality.isascii() and municipality.isdigit()):
        raise fault(f".municipality: kommunenummeret «{municipality}» må ha fire sifre")
    for key in ("her_id", "parent_her_id"):
        problem = _her_id_problem(entry.get(key))
        if problem:
            raise fault(f".{key}: {problem}")
    try:
        party = Party(
            her_id=entry["her_id"],
            name=entry["name"],
            kind=PartyKind(kind),
            parent_her_id=entry.get("parent_her_id"),
            local=local,
            municipality=municipality,
        )
    except ValueError as exc:
        raise fault(f": {exc}") from None
    return ImportedParty(party, name, where, primary=True, local=local)


def _her_id_problem(value: str | None) -> str | None:
    if value is None:
        return None
    if not value:
        return "HER-id kan ikke være tom."
    if not (value.isascii() and value.isdigit()):
        return f"HER-id «{value}» kan bare inneholde sifre."
    return None


# --- checking and importing ----------------------------------------------------------------------------


def merge(found: Iterable[ImportedParty]) -> list[ImportedParty]:
    """One entry per HER-id: a HER-id twice among the primary parties is an error naming both places; a
    party that only came with another one gives way to a primary one, and the first of them counts."""
    chosen: dict[str, ImportedParty] = {}
    for entry in found:
        her_id = entry.party.her_id
        before = chosen.get(her_id)
        if before is None or (entry.primary and not before.primary):
            chosen[her_id] = entry
        elif entry.primary:
            raise PartyImportError(f"{entry.place}: HER-id {her_id} står to ganger i importen (også i {before.place})")
    return list(chosen.values())


def check(entries: Sequence[ImportedParty], stored: Parties) -> None:
    """Raise :class:`PartyImportError` for a parent neither stored nor imported, or a loop in the hierarchy."""
    imported = {e.party.her_id for e in entries}
    for entry in entries:
        parent = entry.party.parent_her_id
        if parent is not None and parent not in imported and parent not in stored:
            raise PartyImportError(
                f"{entry.place}: overordnet part {parent} for HER-id {entry.party.her_id} er ukjent "
                "(verken registrert eller med i importen; importer den først eller sammen med denne)"
            )
    combined = Parties([*stored, *(e.party for e in entries)])
    for entry in entries:
        try:
            combined.ancestors(entry.party.her_id)
        except ValueError as exc:
            raise PartyImportError(f"{entry.place}: HER-id {entry.party.her_id}: {exc}") from None


def import_parties(
    uow: UnitOfWork,
    sources: Sequence[PartySource],
    *,
    local: bool | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> PartyImport:
    """Import the parties in ``sources``: everything checked first, then written in one unit of work.

    ``local`` sets the flag of the party each register answer is about (None: keep the stored flag; a
    partner when new). Raises :class:`PartyImportError`, and then stores nothing.
    """
    found = [entry for source in sources for entry in read_party_file(source, local=local, max_bytes=max_bytes)]
    notes = tuple(dict.fromkeys(note for entry in found for note in entry.notes))
    entries = merge(found)
    created: list[str] = []
    updated: list[str] = []
    unchanged: list[str] = []
    with uow:
        stored = uow.parties.all()
        check(entries, stored)
        for entry in _parents_first(entries):
            before = stored.get(entry.party.her_id)
            flag = entry.local if entry.local is not None else (before.local if before is not None else False)
            party = replace(entry.party, local=flag)
            if before is None:
                created.append(party.her_id)
            elif before == party:
                unchanged.append(party.her_id)
                continue
            else:
                updated.append(party.her_id)
            uow.parties.upsert(party)
        uow.commit()
    return PartyImport(tuple(created), tuple(updated), tuple(unchanged), notes)


def _parents_first(entries: Sequence[ImportedParty]) -> list[ImportedParty]:
    """The entries with every imported parent before its children (the hierarchy has no loop: checked)."""
    by_her_id = {e.party.her_id: e for e in entries}
    ordered: list[ImportedParty] = []
    placed: set[str] = set()

    def place(entry: ImportedParty) -> None:
        chain: list[ImportedParty] = []
        current: ImportedParty | None = entry
        while current is not None and current.party.her_id not in placed:
            chain.append(current)
            parent = current.party.parent_her_id
            current = by_her_id.get(parent) if parent is not None else None
        for item in reversed(chain):
            placed.add(item.party.her_id)
            ordered.append(item)

    for entry in entries:
        place(entry)
    return ordered


# --- listing -------------------------------------------------------------------------------------------


def list_parties(uow: UnitOfWork, *, local: bool | None = None) -> list[Party]:
    """The registered parties by HER-id (only local ones, or only partners, when ``local`` is given)."""
    with uow:
        return uow.parties.list(local=local)


def party_json(party: Party) -> dict[str, Any]:
    """A party as ``parties list --json`` shows it."""
    return {
        "her_id": party.her_id,
        "name": party.name,
        "kind": party.kind.value,
        "parent_her_id": party.parent_her_id,
        "local": party.local,
        "municipality": party.municipality,
    }
