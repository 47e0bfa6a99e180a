"""The contact and notification list of the cooperation (the cooperation procedure, section 3.1).

Each partner names a contact point for each purpose (:class:`ContactPurpose`): troubleshooting, planned
downtime or upgrade, acute downtime or an unforeseen incident, and change of enterprise certificate. Each has
an e-mail address and a phone number, and says whether it is staffed around the clock.

The rules:

- The recommended address is the shared standard address ``meldingsansvarlig@<the partner's domain>``
  (procedure section 3.1). A contact point with another address is flagged for follow-up.
- A contact point is a function, not a person: the address of a named person stops working when the person
  leaves. HITS 1174:2017 section 2.1 separates contact details of a health person from those of an
  organisational unit; the contact list wants the unit. An address that looks personal
  (:func:`looks_personal`) is flagged.
- Every partner missing a contact point for a purpose is listed as a gap (:func:`find_gaps`).

Only the names and e-mail addresses of contact points go into the journal; phone numbers are not kept there.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from samhandling.domain.identifiers import HerId
from samhandling.domain.registers.partners import clean_text, domain_problem

STANDARD_LOCAL_PART = "meldingsansvarlig"
"""The local part of the recommended shared contact address (procedure section 3.1)."""


class ContactPurpose(StrEnum):
    """What a contact point is for (procedure section 3.1). The values are the CSV's ``purpose`` column."""

    FEILSOKING = "feilsoking"
    PLANLAGT_NEDETID = "planlagt_nedetid"
    AKUTT_NEDETID = "akutt_nedetid"
    SERTIFIKAT = "sertifikat"


PURPOSE_TEXT = {
    ContactPurpose.FEILSOKING: "Feilsøking",
    ContactPurpose.PLANLAGT_NEDETID: "Planlagt nedetid og oppgradering",
    ContactPurpose.AKUTT_NEDETID: "Akutt nedetid og uforutsette hendelser",
    ContactPurpose.SERTIFIKAT: "Bytte av virksomhetssertifikat",
}


class DeviationReason(StrEnum):
    """Why a contact point is flagged for follow-up (``contacts deviations``)."""

    NOT_STANDARD_ADDRESS = "not_standard_address"
    PERSONAL_ADDRESS = "personal_address"
    DOMAIN_UNKNOWN = "partner_domain_unknown"
    MISSING_PHONE = "missing_phone"


REASON_TEXT = {
    DeviationReason.NOT_STANDARD_ADDRESS: "ikke standardadressen meldingsansvarlig@<domene>",
    DeviationReason.PERSONAL_ADDRESS: "ser ut som en personlig adresse, ikke en felles",
    DeviationReason.DOMAIN_UNKNOWN: "partens domene er ikke registrert, så standardadressen kan ikke kontrolleres",
    DeviationReason.MISSING_PHONE: "mangler telefonnummer",
}

_LOCAL_PART = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_PHONE_SEPARATORS = re.compile(r"[\s().-]")
_TOKEN_SPLIT = re.compile(r"[._+-]+")

ROLE_WORDS = frozenset(
    {
        "meldingsansvarlig", "postmottak", "post", "firmapost", "servicedesk", "service", "support", "helpdesk",
        "brukerstotte", "kundesenter", "kundeservice", "drift", "driftssenter", "it", "ikt", "vakt", "itvakt",
        "iktvakt", "legevakt", "sentralbord", "ehelse", "edi", "samhandling", "meldinger", "melding", "sertifikat",
        "sikkerhet", "admin", "kontakt", "legekontor", "sekretariat", "ekspedisjon", "felles", "fagsystem",
        "systemansvarlig", "systemeier", "epj", "pleie", "omsorg", "helse", "hjemmetjeneste", "sykehjem",
        "tildeling", "koordinerende", "kontor", "elektronisk", "teknisk", "noc", "soc", "vaktlag", "beredskap",
        "kommune", "sykehus", "sykehuset", "helseforetak", "hf",
    }
)
"""Words that make an address a function's, not a person's (Norwegian letters folded: ø→o, æ→ae, å→a)."""

_ROLE_STEMS = tuple(w for w in ROLE_WORDS if len(w) >= 5)


def fold(text: str) -> str:
    """Lower case with Norwegian letters folded (æ→ae, ø→o, å→a) and other accents dropped, for comparing."""
    lowered = text.lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    return "".join(c for c in unicodedata.normalize("NFKD", lowered) if not unicodedata.combining(c))


def email_problem(value: str) -> str | None:
    """A plain e-mail address ``local@domain`` (no display name, no comments), at most 254 characters."""
    local, at, domain = value.rpartition("@")
    if not at or not local or len(value) > 254 or len(local) > 64 or _LOCAL_PART.fullmatch(local.lower()) is None:
        return f"E-postadressen «{value[:60]}» er ikke gyldig."
    if domain_problem(domain.lower()):
        return f"E-postadressen «{value[:60]}» har et ugyldig domene."
    return None


def normalise_email(value: str) -> str:
    """The address stripped and in lower case; raises ValueError (Norwegian) when it is not valid."""
    cleaned = value.strip().lower()
    problem = email_problem(cleaned)
    if problem:
        raise ValueError(problem)
    return cleaned


def normalise_phone(value: str) -> str:
    """A phone number in E.164 form: a Norwegian number (eight digits, with or without +47 or 0047) becomes
    ``+47XXXXXXXX``; another country's number must start with + or 00 and have 8 to 15 digits. Spaces, hyphens,
    dots and parentheses are ignored. Raises ValueError (Norwegian)."""
    compact = _PHONE_SEPARATORS.sub("", value.strip())
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    digits = compact[1:] if compact.startswith("+") else compact
    if not digits.isascii() or not digits.isdigit():
        raise ValueError(f"Telefonnummeret «{value[:40]}» kan bare ha sifre (og + først).")
    if not compact.startswith("+"):
        if len(digits) != 8:
            raise ValueError(f"Telefonnummeret «{value[:40]}» må ha åtte sifre, eller landkode med + først.")
        digits = "47" + digits
    if digits.startswith("47") and len(digits) != 10:
        raise ValueError(f"Telefonnummeret «{value[:40]}»: et norsk nummer har åtte sifre etter +47.")
    if not 8 <= len(digits) <= 15:
        raise ValueError(f"Telefonnummeret «{value[:40]}» har for få eller for mange sifre.")
    return "+" + digits


def standard_address(domain: str) -> str:
    """The recommended shared contact address of a partner (procedure section 3.1)."""
    return f"{STANDARD_LOCAL_PART}@{domain.lower()}"


def is_role_token(token: str) -> bool:
    return token in ROLE_WORDS or any(stem in token for stem in _ROLE_STEMS)


def looks_personal(email: str, name: str | None = None) -> bool:
    """Whether an address looks like a person's own rather than a shared one.

    An address is shared when a part of its local part is a function word (:data:`ROLE_WORDS`: postmottak,
    servicedesk, drift, …). Otherwise it is personal when its local part holds a part of the contact's
    name (``kari.nordmann@``, ``knordmann@`` for "Kari Nordmann"), or when it has the form
    ``first.last`` (two or more words of letters). A single word that is not a function word (``kari@``) is
    personal only when it matches the name: unknown words are given the benefit of the doubt.
    """
    local = fold(email.rpartition("@")[0])
    tokens = [t for t in _TOKEN_SPLIT.split(local) if t]
    letters = ["".join(c for c in t if c.isalpha()) for t in tokens]
    letters = [t for t in letters if t]
    if any(is_role_token(t) for t in letters):
        return False
    name_parts = [p for p in _TOKEN_SPLIT.split(fold(name or "").replace(" ", ".")) if len(p) >= 2]
    name_parts = [p for p in name_parts if not is_role_token(p)]
    joined = "".join(letters)
    if name_parts:
        if any(p in letters or (len(p) >= 4 and p in joined) for p in name_parts):
            return True
        if len(name_parts) >= 2 and joined in (name_parts[0][0] + name_parts[-1], name_parts[0] + name_parts[-1][0]):
            return True
    return len(letters) >= 2


@dataclass(frozen=True, kw_only=True)
class ContactPoint:
    """A partner's contact point for one purpose. One per partner and purpose."""

    partner_her_id: str
    purpose: ContactPurpose
    name: str
    email: str
    phone: str | None = None
    staffed_24_7: bool = False

    def __post_init__(self) -> None:
        HerId(self.partner_her_id)
        object.__setattr__(self, "purpose", ContactPurpose(self.purpose))
        name = clean_text(self.name)
        if name is None:
            raise ValueError("Kontaktpunktet må ha et navn (for eksempel «Meldingsansvarlig Hamar kommune»).")
        if len(name) > 200:
            raise ValueError("Navnet på kontaktpunktet er for langt (høyst 200 tegn).")
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "email", normalise_email(self.email))
        phone = clean_text(self.phone)
        object.__setattr__(self, "phone", None if phone is None else normalise_phone(phone))

    @property
    def key(self) -> str:
        return f"{self.partner_her_id}/{self.purpose.value}"

    def values(self) -> dict[str, Any]:
        """The contact point's fields for the journal (the phone number is hidden there)."""
        return {"name": self.name, "email": self.email, "phone": self.phone, "staffed_24_7": self.staffed_24_7}


@dataclass(frozen=True)
class Gap:
    """A partner without a contact point for some purposes."""

    partner_her_id: str
    missing: tuple[ContactPurpose, ...]


@dataclass(frozen=True)
class Deviation:
    """A contact point flagged for follow-up, and why."""

    partner_her_id: str
    purpose: ContactPurpose
    email: str
    reason: DeviationReason


def find_gaps(partner_her_ids: Iterable[str], contacts: Iterable[ContactPoint]) -> list[Gap]:
    """Every partner missing a contact point for a purpose, by HER-id; the purposes in their order."""
    have: dict[str, set[ContactPurpose]] = {}
    for contact in contacts:
        have.setdefault(contact.partner_her_id, set()).add(contact.purpose)
    gaps = []
    for her_id in sorted(set(partner_her_ids)):
        missing = tuple(p for p in ContactPurpose if p not in have.get(her_id, set()))
        if missing:
            gaps.append(Gap(her_id, missing))
    return gaps


def deviations_of(contact: ContactPoint, domain: str | None) -> list[DeviationReason]:
    """Why ``contact`` needs follow-up, given its partner's mail domain (None: not registered)."""
    reasons = []
    if domain is None:
        reasons.append(DeviationReason.DOMAIN_UNKNOWN)
    elif contact.email != standard_address(domain):
        reasons.append(DeviationReason.NOT_STANDARD_ADDRESS)
    if looks_personal(contact.email, contact.name):
        reasons.append(DeviationReason.PERSONAL_ADDRESS)
    if contact.phone is None:
        reasons.append(DeviationReason.MISSING_PHONE)
    return reasons


def find_deviations(contacts: Iterable[ContactPoint], domains: Mapping[str, str | None]) -> list[Deviation]:
    """Every flagged contact point, by partner and purpose, one entry per reason."""
    order = {p: i for i, p in enumerate(ContactPurpose)}
    found = []
    for contact in sorted(contacts, key=lambda c: (c.partner_her_id, order[c.purpose])):
        for reason in deviations_of(contact, domains.get(contact.partner_her_id)):
            found.append(Deviation(contact.partner_her_id, contact.purpose, contact.email, reason))
    return found
