"""Identifiers: persons (HIS 1001:2010), HER-id (NHN's address register) and message ids (HIS 80601:2006).

A person identifier has 11 digits: the birth date as DDMMYY, a three-digit individual number and two
mod-11 check digits (HIS 1001:2010 kap. 4.1). A D-nummer adds 4 to the first digit (kap. 2.2 and 4.2),
a virksomhetsinternt H-nummer adds 4 to the third digit (kap. 3.2 and 4.2). A felles hjelpenummer
(FH-nummer, first digit 8 or 9, kap. 3.1 and 4.2) has no code in code system 8116 and is refused here as a
fødselsnummer; :func:`is_felles_hjelpenummer` recognises one.

Synthetic test persons (NHN's test environments): NAV's synthetic persons have 4 added to the first digit of
the month, Skatteetaten's test persons (Tenor) 8; their check digits hold, but not every generator makes a real
calendar date. Only a node judging by a test environment (``synthetic=True``) takes such a number as a (synthetic)
fødselsnummer or D-nummer; in production it is not one.

Problem texts are user-facing (Norwegian) and never repeat the identifier or any of its digits.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class PersonIdKind(StrEnum):
    """Person identifier types, coded as in code system 8116 (HIS 80601:2006 kap. 5, Kodeverk 8116)."""

    FNR = "FNR"
    DNR = "DNR"
    HNR = "HNR"


# Indefinite and definite Norwegian names, for the problem texts.
_NAMES: dict[PersonIdKind, tuple[str, str]] = {
    PersonIdKind.FNR: ("fødselsnummer", "fødselsnummeret"),
    PersonIdKind.DNR: ("D-nummer", "D-nummeret"),
    PersonIdKind.HNR: ("H-nummer", "H-nummeret"),
}

# HIS 1001:2010 kap. 4.1: the weights of the first (K1) and second (K2) check digit.
_K1_WEIGHTS = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_K2_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)

_DIGITS = re.compile(r"[0-9]+")  # ASCII only: str.isdigit() also accepts other scripts' digits
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class InvalidPersonId(ValueError):  # noqa: N818 (the public name is agreed)
    """A value that is not a valid fødselsnummer, D-nummer or H-nummer; the message says why, in Norwegian."""


def _check_digit(digits: str, weights: tuple[int, ...]) -> int | None:
    """The mod-11 check digit of ``digits``; None where it would be 10, which is never assigned (kap. 4.1)."""
    k = 11 - sum(w * int(d) for w, d in zip(weights, digits, strict=True)) % 11
    if k == 10:
        return None
    return 0 if k == 11 else k


def _century(individual: int, yy: int) -> int | None:
    """The century of a two-digit birth year, from the individual number (HIS 1001:2010 kap. 4.1,
    "Beregning av korrekt århundre"); None for a combination that is never assigned."""
    if individual <= 499:
        return 1900  # 000-499: 1900-1999
    if individual <= 749 and yy >= 55:
        return 1800  # 500-749 and year > 54: 1855-1899
    if yy < 40:
        return 2000  # 500-999 and year < 40: 2000-2039
    if individual >= 900:
        return 1900  # 900-999 and year > 39: 1940-1999
    return None


@dataclass(frozen=True)
class _Parsed:
    kind: PersonIdKind
    birth_date: date | None
    """None only for a synthetic test person whose digits make no real date."""
    synthetic: bool = False


SYNTHETIC_MONTH_OFFSETS = (40, 80)
"""What NHN's test environments add to the month of a synthetic person: NAV 40 (first month digit + 4),
Skatteetaten's Tenor 80 (+ 8)."""


def _check_digits_problem(value: str) -> str | None:
    """HIS 1001:2010 kap. 4.1: the two mod-11 check digits; None when they hold."""
    k1 = _check_digit(value[:9], _K1_WEIGHTS)
    if k1 is None:
        return "Første kontrollsiffer kan ikke stemme: de ni første sifrene gir 10, som aldri tildeles."
    if k1 != int(value[9]):
        return "Første kontrollsiffer (siffer 10) er feil."
    k2 = _check_digit(value[:10], _K2_WEIGHTS)
    if k2 is None:
        return "Andre kontrollsiffer kan ikke stemme: de ti første sifrene gir 10, som aldri tildeles."
    if k2 != int(value[10]):
        return "Andre kontrollsiffer (siffer 11) er feil."
    return None


def _synthetic(value: str, declared: str | None) -> _Parsed | None:
    """A synthetic test person (month raised by 40 or 80, check digits already checked), or None.

    A number declared as H-nummer (month + 40 as well, HIS 1001:2010 kap. 3.2) stays an H-nummer."""
    if value[2] not in "456789" or declared == PersonIdKind.HNR or value[0] in "89":
        return None
    kind = PersonIdKind.DNR if value[0] in "4567" else PersonIdKind.FNR
    day = int(value[:2]) - (40 if kind is PersonIdKind.DNR else 0)
    offset = SYNTHETIC_MONTH_OFFSETS[1] if value[2] in "89" else SYNTHETIC_MONTH_OFFSETS[0]
    month, yy = int(value[2:4]) - offset, int(value[4:6])
    century = _century(int(value[6:9]), yy)
    born: date | None = None
    if century is not None and 1 <= month <= 12:
        try:
            born = date(century + yy, month, day)
        except ValueError:
            born = None
    return _Parsed(kind, born, synthetic=True)


def _parse(value: str, *, synthetic: bool = False, declared: str | None = None) -> _Parsed | str:
    """The kind and birth date of a person identifier, or the Norwegian sentence saying what is wrong.

    ``synthetic``: judge by a test environment, where synthetic test persons are fødselsnummer or D-nummer."""
    if not value:
        return "Personidentifikatoren er tom."
    if not _DIGITS.fullmatch(value):
        return "Personidentifikatoren kan bare inneholde sifre."
    if len(value) != 11:
        return f"Personidentifikatoren må ha 11 sifre, men har {len(value)}."

    checks = _check_digits_problem(value)
    if checks is not None:
        return checks
    if synthetic:
        test_person = _synthetic(value, declared)
        if test_person is not None:
            return test_person

    # HIS 1001:2010 kap. 4.2, how to tell the kinds apart. The standard's step 4 reads "first digit
    # greater than 0", but a fødselsnummer for day 01-09 starts with 0 (its own test number 01015000232).
    day, month, yy, individual = int(value[:2]), int(value[2:4]), int(value[4:6]), int(value[6:9])
    if value[0] in "89":
        return "Nummeret er et felles hjelpenummer (FH-nummer), ikke fødselsnummer, D-nummer eller H-nummer."
    kind = PersonIdKind.FNR
    if value[0] in "4567":  # D-nummer: day 41-71 (kap. 2.2)
        kind, day = PersonIdKind.DNR, day - 40
    if value[2] in "45":  # H-nummer: month 41-52 (kap. 3.2)
        if kind is PersonIdKind.DNR:
            return "Nummeret har 4 lagt til både dag og måned, og er verken D-nummer eller H-nummer."
        kind, month = PersonIdKind.HNR, month - 40
    definite = _NAMES[kind][1]

    century = _century(individual, yy)
    if century is None:
        return f"Individnummeret i {definite} hører ikke til fødselsåret i noe århundre."
    if not 1 <= month <= 12:
        return f"Måneden i {definite} er ugyldig."
    try:
        born = date(century + yy, month, day)
    except ValueError:
        return f"Dagen i {definite} er ikke en gyldig dag i måneden."
    return _Parsed(kind, born)


def person_id_problem(value: str, declared: str | None = None, *, synthetic: bool = False) -> str | None:
    """None for a valid FNR, D-nummer or H-nummer (of the ``declared`` 8116 type when given), else one
    Norwegian sentence saying what is wrong. ``synthetic``: judge by a test environment (see the module)."""
    if declared is not None and declared not in PersonIdKind.__members__:
        return f"ID-typen «{declared}» er ikke fødselsnummer (FNR), D-nummer (DNR) eller H-nummer (HNR)."
    parsed = _parse(value, synthetic=synthetic, declared=declared)
    if isinstance(parsed, str):
        return parsed
    if declared is not None and parsed.kind != declared:
        found, expected = _NAMES[parsed.kind][0], PersonIdKind(declared)
        return f"Nummeret er et gyldig {found}, men er oppgitt som {_NAMES[expected][0]} ({expected})."
    return None


def classify_person_id(value: str, *, synthetic: bool = False) -> PersonIdKind:
    """The kind of a valid person identifier; raises :class:`InvalidPersonId` otherwise."""
    parsed = _parse(value, synthetic=synthetic)
    if isinstance(parsed, str):
        raise InvalidPersonId(parsed)
    return parsed.kind


def birth_date_of(value: str, *, synthetic: bool = False) -> date | None:
    """The birth date in a valid FNR, D-nummer or H-nummer, century from the individual number (kap. 4.1).

    The date in an H-nummer may be fictive (HIS 1001:2010 kap. 3.2 and 4.2). None only for a synthetic test
    person (``synthetic``) whose digits make no real date. Raises :class:`InvalidPersonId`.
    """
    parsed = _parse(value, synthetic=synthetic)
    if isinstance(parsed, str):
        raise InvalidPersonId(parsed)
    return parsed.birth_date


def is_synthetic_person_id(value: str) -> bool:
    """Whether ``value`` is a synthetic test person of NHN's test environments (and not a real number)."""
    parsed = _parse(value, synthetic=True)
    return isinstance(parsed, _Parsed) and parsed.synthetic


def is_felles_hjelpenummer(value: str) -> bool:
    """Whether ``value`` is a felles hjelpenummer (FH-nummer): a nine-digit number between 800 000 000 and
    999 999 999 followed by the two check digits of a fødselsnummer (HIS 1001:2010 kap. 3.1)."""
    return (len(value) == 11 and _DIGITS.fullmatch(value) is not None and value[0] in "89"
            and _check_digits_problem(value) is None)


def synthetic_person_id(
    birth_date: date,
    *,
    kind: PersonIdKind = PersonIdKind.FNR,
    female: bool = False,
    rng: random.Random | None = None,
) -> str:
    """A valid identifier of ``kind`` for test data, born on ``birth_date``.

    The individual number is drawn from the series HIS 1001:2010 kap. 4.1 prescribes for the birth year,
    even for women and odd for men (the ninth digit); numbers whose check digit would be 10 are skipped.
    Raises ValueError for a year no series covers (before 1855, after 2039).
    """
    yy = birth_date.year % 100
    day = birth_date.day + (40 if kind == PersonIdKind.DNR else 0)
    month = birth_date.month + (40 if kind == PersonIdKind.HNR else 0)
    prefix = f"{day:02d}{month:02d}{yy:02d}"
    candidates: list[str] = []
    for individual in range(int(not female), 1000, 2):
        if _century(individual, yy) != birth_date.year - yy:
            continue
        digits = f"{prefix}{individual:03d}"
        k1 = _check_digit(digits, _K1_WEIGHTS)
        k2 = None if k1 is None else _check_digit(f"{digits}{k1}", _K2_WEIGHTS)
        if k2 is not None:
            candidates.append(f"{digits}{k1}{k2}")
    if not candidates:
        year = birth_date.year
        raise ValueError(f"HIS 1001 har ingen individnumre for fødselsåret {year} (bare 1855–2039).")
    return (rng or random.Random()).choice(candidates)


@dataclass(frozen=True)
class HerId:
    """A HER-id: the identifier of a communication party in NHN's address register (Adresseregisteret),
    code HER in code systems 9051 and 8116 (HIS 1037:2011, eb:PartyId). Kept exactly as given."""

    value: str

    def __post_init__(self) -> None:
        if not self.value:
            raise ValueError("HER-id kan ikke være tom.")
        if not _DIGITS.fullmatch(self.value):
            raise ValueError("HER-id kan bare inneholde sifre.")

    def __str__(self) -> str:
        return self.value


def is_her_id(value: str | None) -> bool:
    """Whether ``value`` can be a HER-id: a non-empty string of ASCII digits (see :class:`HerId`)."""
    return bool(value) and _DIGITS.fullmatch(value or "") is not None


def her_id_order(value: str) -> tuple[int, str]:
    """A sort key that orders HER-ids as numbers (``"99"`` before ``"100"``): they are digits only, so the
    shorter one is the smaller."""
    return (len(value), value)


def is_uuid(value: str) -> bool:
    """Whether ``value`` is a UUID in the canonical 8-4-4-4-12 hexadecimal form, in either case.

    HIS 80601:2006 kap. 5, Meldingsinformasjon (MsgInfo), meldingsid (MsgId): a GUID, a 128-bit number in
    hexadecimal form, written as words of 4, 2, 2, 2 and 6 bytes. No braces, no "urn:uuid:" prefix.
    """
    return _UUID.fullmatch(value) is not None
