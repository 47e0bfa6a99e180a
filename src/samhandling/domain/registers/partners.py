"""The registers of the cooperation: partners, municipalities, and the journal of changes to them.

A *partner* is an organisation in the cooperation (the hospital trust, a municipality, a legekontor). It is a
communication party (:class:`~samhandling.domain.messaging.parties.Party`, keyed by HER-id) with a *partner
profile*: what the cooperation needs to know beyond the address register (organisation number, the mail domain of
its standard contact address, its EPJ system and communication module with versions, active or not). Its services
and persons are the parties below it in the HER-id tree; there is no second copy of them. The contact points
(:mod:`~samhandling.domain.registers.contacts`), certificates (:mod:`~samhandling.domain.registers.certificates`)
and local supplementary agreements (:mod:`samhandling.domain.registers.agreements`) hang on the same keys.

The municipalities of a region ship as seed data (``samhandling/data/innlandet.json``): a municipality
without a partner of category ``kommune`` yet is a *partner-to-be*.

Every change to these registers is journaled (who, when, what): :class:`RegisterChange` carries a field-level
before/after summary, made by :func:`field_changes`, which never holds more personal data than the names and
e-mail addresses of contact points.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from samhandling.domain.clock import as_utc
from samhandling.domain.identifiers import HerId
from samhandling.domain.privacy import redact_person_ids
from samhandling.domain.text import cut

_DIGITS = re.compile(r"[0-9]+")
_DOMAIN = re.compile(r"(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
_MAX_TEXT = 200

ORGANISATION_NUMBER_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)
"""Weights of the modulus 11 check digit of an organisation number (Enhetsregisteret, Brønnøysundregistrene)."""


class PartnerCategory(StrEnum):
    """What kind of organisation a partner is (the cooperation agreement's parties and their GPs' offices)."""

    HELSEFORETAK = "helseforetak"
    KOMMUNE = "kommune"
    LEGEKONTOR = "legekontor"
    ANNEN = "annen"


CATEGORY_TEXT = {
    PartnerCategory.HELSEFORETAK: "helseforetak",
    PartnerCategory.KOMMUNE: "kommune",
    PartnerCategory.LEGEKONTOR: "legekontor",
    PartnerCategory.ANNEN: "annen virksomhet",
}


def digits_only(value: str) -> bool:
    """ASCII digits and nothing else (``str.isdigit`` also accepts other scripts' digits)."""
    return _DIGITS.fullmatch(value) is not None


def municipality_number_problem(value: str) -> str | None:
    """A municipality number (kommunenummer, SSB's code list 131) is four digits, e.g. "3403"."""
    if len(value) != 4 or not digits_only(value):
        return f"Kommunenummeret «{cut(value, 60)}» må ha fire sifre."
    return None


def organisation_number_problem(value: str, *, check_digit: bool = True) -> str | None:
    """An organisation number (organisasjonsnummer) is nine digits whose last is a modulus 11 check digit
    with the weights 3 2 7 6 5 4 3 2 (Brønnøysundregistrene). ``check_digit=False`` checks the form only: the
    address register's value is kept as the register has it (its test data holds numbers that fail the check).
    """
    if len(value) != 9 or not digits_only(value):
        return f"Organisasjonsnummeret «{cut(value, 60)}» må ha ni sifre."
    if check_digit:
        remainder = sum(int(d) * w for d, w in zip(value, ORGANISATION_NUMBER_WEIGHTS, strict=False)) % 11
        expected = 0 if remainder == 0 else 11 - remainder
        if expected == 10 or expected != int(value[8]):
            return f"Organisasjonsnummeret {value} har feil kontrollsiffer."
    return None


def domain_problem(value: str) -> str | None:
    """A mail domain such as ``hamar.kommune.no``: lower-case labels of letters, digits and hyphens."""
    if _DOMAIN.fullmatch(value) is None:
        return f"Domenet «{cut(value, 60)}» er ikke et gyldig domenenavn (for eksempel hamar.kommune.no)."
    return None


def clean_text(value: str | None) -> str | None:
    """White space collapsed; None for nothing."""
    if value is None:
        return None
    return " ".join(value.split()) or None




@dataclass(frozen=True, kw_only=True)
class Municipality:
    """A municipality of the region, by its four-digit number (as of the seed file's date)."""

    number: str
    name: str
    region: str | None = None

    def __post_init__(self) -> None:
        problem = municipality_number_problem(self.number)
        if problem:
            raise ValueError(problem)
        if not self.name.strip():
            raise ValueError(f"Kommune {self.number} mangler navn.")


@dataclass(frozen=True, kw_only=True)
class PartnerProfile:
    """What the cooperation knows about a partner beyond the address register.

    ``domain`` is the mail domain of the partner's standard contact address, ``meldingsansvarlig@<domain>``
    (see :func:`samhandling.domain.registers.contacts.standard_address`). ``epj_system``/``epj_version`` and
    ``comm_module``/``comm_version`` are the test checklist's columns "EPJ" and "Link".
    """

    her_id: str
    category: PartnerCategory = PartnerCategory.ANNEN
    organisation_number: str | None = None
    domain: str | None = None
    epj_system: str | None = None
    epj_version: str | None = None
    comm_module: str | None = None
    comm_version: str | None = None
    active: bool = True
    note: str | None = None

    def __post_init__(self) -> None:
        HerId(self.her_id)
        object.__setattr__(self, "category", PartnerCategory(self.category))
        for name in ("epj_system", "epj_version", "comm_module", "comm_version", "note"):
            value = clean_text(getattr(self, name))
            if value is not None and len(value) > _MAX_TEXT:
                raise ValueError(f"{name}: teksten er for lang (høyst {_MAX_TEXT} tegn).")
            object.__setattr__(self, name, value)
        if self.organisation_number is not None:
            problem = organisation_number_problem(self.organisation_number, check_digit=False)
            if problem:
                raise ValueError(problem)
        if self.domain is not None:
            domain = self.domain.strip().lower()
            problem = domain_problem(domain)
            if problem:
                raise ValueError(problem)
            object.__setattr__(self, "domain", domain)

    def values(self) -> dict[str, Any]:
        """The profile as plain values (for the journal, JSON and CSV)."""
        return {
            "category": self.category.value,
            "organisation_number": self.organisation_number,
            "domain": self.domain,
            "epj_system": self.epj_system,
            "epj_version": self.epj_version,
            "comm_module": self.comm_module,
            "comm_version": self.comm_version,
            "active": self.active,
            "note": self.note,
        }


@dataclass(frozen=True, kw_only=True)
class MessageCapability:
    """A message a party can receive, as its CPP says: the ebXML service and action (the message type), the
    version of the content standard, and the business process it belongs to (HIS 1037:2011, HITS 1171:2017)."""

    her_id: str
    service: str
    action: str
    message_version: str | None = None
    namespace: str | None = None
    process: str | None = None
    process_version: str | None = None
    source: str | None = None
    """Which document it came from, e.g. "CPP db5342ce-…"."""

    def __post_init__(self) -> None:
        HerId(self.her_id)
        if not self.service.strip() or not self.action.strip():
            raise ValueError("En meldingstype må ha tjeneste (Service) og handling (Action).")


# --- the journal ---------------------------------------------------------------------------------------


class Entity(StrEnum):
    """What a journal entry is about."""

    PARTNER = "partner"
    PARTY = "party"
    CONTACT = "contact"
    CERTIFICATE = "certificate"
    CAPABILITIES = "capabilities"
    AGREEMENT = "agreement"
    MUNICIPALITY = "municipality"


class Action(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"


HIDDEN = "(skjult)"
"""What the journal shows instead of a value it does not keep (a contact point's phone number)."""

HIDDEN_FIELDS = frozenset({"phone", "document"})
"""Fields whose values the journal does not keep, only that they changed: a phone number may be a person's
own, and a document is kept where it belongs, not copied into the journal."""


def field_changes(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, *, hidden: frozenset[str] = HIDDEN_FIELDS
) -> dict[str, dict[str, Any]]:
    """The fields that differ between ``before`` and ``after`` (None: did not exist), as
    ``{field: {"before": …, "after": …}}``; values of ``hidden`` fields are replaced by :data:`HIDDEN`, and
    texts have person identifiers masked."""
    old = dict(before or {})
    new = dict(after or {})
    found: dict[str, dict[str, Any]] = {}
    for name in sorted(set(old) | set(new)):
        a, b = old.get(name), new.get(name)
        if a == b:
            continue
        if name in hidden:
            a = None if a is None else HIDDEN
            b = None if b is None else HIDDEN
        found[name] = {"before": _journal_value(a), "after": _journal_value(b)}
    return found


def _journal_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact_person_ids(value)
    if isinstance(value, list | tuple):
        return [_journal_value(v) for v in value]
    return value


@dataclass(frozen=True, kw_only=True)
class RegisterChange:
    """One journaled change: who made it, when, to what, and the field-level before/after summary."""

    at: datetime
    by: str
    entity: Entity
    key: str
    action: Action
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    id: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", as_utc("at", self.at))
        object.__setattr__(self, "entity", Entity(self.entity))
        object.__setattr__(self, "action", Action(self.action))
        if not self.by.strip():
            raise ValueError("Journalen må vite hvem som gjorde endringen.")
