"""Identifiers: HIS 1001:2010 person identifiers, HER-id and MsgId.

The base example is the standard's own test number 01015000232 (HIS 1001:2010 kap. 4.1), which is not
assigned to anyone; the other examples are derived from it or generated, so no real person appears.
"""

from __future__ import annotations

import random
import uuid
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from samhandling.domain.identifiers import (
    HerId,
    InvalidPersonId,
    PersonIdKind,
    _check_digits_problem,
    birth_date_of,
    classify_person_id,
    is_felles_hjelpenummer,
    is_synthetic_person_id,
    is_uuid,
    person_id_problem,
    synthetic_person_id,
)
from samhandling.domain.privacy import mask_person_id

FNR, DNR, HNR = PersonIdKind.FNR, PersonIdKind.DNR, PersonIdKind.HNR
SPEC_TEST_NUMBER = "01015000232"


def with_check_digits(nine: str) -> str:
    """The formula of HIS 1001:2010 kap. 4.1, written out independently of the code under test."""
    k1 = 11 - sum(w * int(d) for w, d in zip((3, 7, 6, 1, 8, 9, 4, 5, 2), nine, strict=True)) % 11
    k1 = 0 if k1 == 11 else k1
    ten = nine + str(k1)
    k2 = 11 - sum(w * int(d) for w, d in zip((5, 4, 3, 2, 7, 6, 5, 4, 3, 2), ten, strict=True)) % 11
    k2 = 0 if k2 == 11 else k2
    assert k1 != 10 and k2 != 10, "pick other digits: a check digit of 10 is never assigned"
    return ten + str(k2)


# --- valid identifiers ----------------------------------------------------------------------------

VALID = [
    # value, kind, birth date
    (SPEC_TEST_NUMBER, FNR, date(1950, 1, 1)),  # kap. 4.1: individual number 002 gives 1950
    (with_check_digits("410150002"), DNR, date(1950, 1, 1)),  # kap. 2.2: first digit + 4
    (with_check_digits("014150002"), HNR, date(1950, 1, 1)),  # kap. 3.2: third digit + 4
    (with_check_digits("710150002"), DNR, date(1950, 1, 31)),  # day 71 is the last D-nummer day
    (with_check_digits("315250002"), HNR, date(1950, 12, 31)),  # month 52 is the last H-nummer month
    (with_check_digits("010199500"), FNR, date(1899, 1, 1)),  # 500-749, year > 54: 1855-1899
    (with_check_digits("010155749"), FNR, date(1855, 1, 1)),
    (with_check_digits("010110500"), FNR, date(2010, 1, 1)),  # 500-999, year < 40: 2000-2039
    (with_check_digits("010139999"), FNR, date(2039, 1, 1)),
    (with_check_digits("010150900"), FNR, date(1950, 1, 1)),  # 900-999, year > 39: 1940-1999
    (with_check_digits("010140499"), FNR, date(1940, 1, 1)),  # 000-499: 1900-1999
    (with_check_digits("290200500"), FNR, date(2000, 2, 29)),  # 2000 is a leap year
    (with_check_digits("290296002"), FNR, date(1996, 2, 29)),
]


@pytest.mark.parametrize(("value", "kind", "born"), VALID)
def test_valid_identifiers(value: str, kind: PersonIdKind, born: date) -> None:
    assert person_id_problem(value) is None
    assert person_id_problem(value, kind) is None
    assert person_id_problem(value, str(kind)) is None
    assert classify_person_id(value) is kind
    assert birth_date_of(value) == born


def test_worked_example_of_the_standard() -> None:
    # HIS 1001:2010 kap. 4.1: products 52 and 53 give check digits 3 and 2.
    assert with_check_digits("010150002") == SPEC_TEST_NUMBER
    assert person_id_problem(SPEC_TEST_NUMBER) is None


def test_kind_codes_are_those_of_code_system_8116() -> None:
    assert [kind.value for kind in PersonIdKind] == ["FNR", "DNR", "HNR"]


# --- every rule, with the sentence it gives -------------------------------------------------------

PROBLEMS = [
    ("", "Personidentifikatoren er tom."),
    ("0101500023", "Personidentifikatoren må ha 11 sifre, men har 10."),
    ("010150002321", "Personidentifikatoren må ha 11 sifre, men har 12."),
    ("010150 00232", "Personidentifikatoren kan bare inneholde sifre."),
    ("0101500023x", "Personidentifikatoren kan bare inneholde sifre."),
    (" 01015000232", "Personidentifikatoren kan bare inneholde sifre."),
    ("٠١٠١٥٠٠٠٢٣٢", "Personidentifikatoren kan bare inneholde sifre."),  # Arabic-Indic digits are not 0-9
    # kap. 4.1: the swapped digits the standard uses as examples
    ("01015000322", "Første kontrollsiffer (siffer 10) er feil."),
    ("01015002322", "Andre kontrollsiffer (siffer 11) er feil."),
    # kap. 4.1: "Det blir ikke tildelt fødselsnummer som gir k1 = 10" (likewise k2)
    (
        "01015000400",
        "Første kontrollsiffer kan ikke stemme: de ni første sifrene gir 10, som aldri tildeles.",
    ),
    ("01015001450", "Andre kontrollsiffer kan ikke stemme: de ti første sifrene gir 10, som aldri tildeles."),
    # kap. 3.1 and 4.2: first digit 8 or 9 is a felles hjelpenummer
    (
        with_check_digits("810000001"),
        "Nummeret er et felles hjelpenummer (FH-nummer), ikke fødselsnummer, D-nummer eller H-nummer.",
    ),
    (
        with_check_digits("414150002"),
        "Nummeret har 4 lagt til både dag og måned, og er verken D-nummer eller H-nummer.",
    ),
    # kap. 4.1, "Beregning av korrekt århundre": series that no century has for the year
    (
        with_check_digits("010150500"),  # 500-749 with year 40-54
        "Individnummeret i fødselsnummeret hører ikke til fødselsåret i noe århundre.",
    ),
    (
        with_check_digits("010170750"),  # 750-899 with year 40-99
        "Individnummeret i fødselsnummeret hører ikke til fødselsåret i noe århundre.",
    ),
    (
        with_check_digits("410154600"),
        "Individnummeret i D-nummeret hører ikke til fødselsåret i noe århundre.",
    ),
    # dates
    (with_check_digits("011350002"), "Måneden i fødselsnummeret er ugyldig."),
    (with_check_digits("010050002"), "Måneden i fødselsnummeret er ugyldig."),
    (with_check_digits("012350002"), "Måneden i fødselsnummeret er ugyldig."),  # third digit 2: no kind
    (with_check_digits("016150002"), "Måneden i fødselsnummeret er ugyldig."),  # third digit 6: no kind
    (with_check_digits("015350002"), "Måneden i H-nummeret er ugyldig."),  # month 53
    (with_check_digits("014050002"), "Måneden i H-nummeret er ugyldig."),  # month 40
    (with_check_digits("000150003"), "Dagen i fødselsnummeret er ikke en gyldig dag i måneden."),
    (with_check_digits("320150002"), "Dagen i fødselsnummeret er ikke en gyldig dag i måneden."),
    (with_check_digits("300250002"), "Dagen i fødselsnummeret er ikke en gyldig dag i måneden."),
    (with_check_digits("290200002"), "Dagen i fødselsnummeret er ikke en gyldig dag i måneden."),  # 1900
    (with_check_digits("400150002"), "Dagen i D-nummeret er ikke en gyldig dag i måneden."),  # day 40
    (with_check_digits("720150002"), "Dagen i D-nummeret er ikke en gyldig dag i måneden."),  # day 72
    (with_check_digits("314450002"), "Dagen i H-nummeret er ikke en gyldig dag i måneden."),  # 31 April
]


@pytest.mark.parametrize(("value", "problem"), PROBLEMS)
def test_each_problem_is_named(value: str, problem: str) -> None:
    assert person_id_problem(value) == problem
    with pytest.raises(InvalidPersonId) as raised:
        classify_person_id(value)
    assert str(raised.value) == problem
    with pytest.raises(InvalidPersonId, match=problem[:20]):
        birth_date_of(value)


def test_invalid_person_id_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        classify_person_id("")


@pytest.mark.parametrize(
    ("value", "declared", "problem"),
    [
        (VALID[1][0], "FNR", "Nummeret er et gyldig D-nummer, men er oppgitt som fødselsnummer (FNR)."),
        (VALID[2][0], "FNR", "Nummeret er et gyldig H-nummer, men er oppgitt som fødselsnummer (FNR)."),
        (SPEC_TEST_NUMBER, "DNR", "Nummeret er et gyldig fødselsnummer, men er oppgitt som D-nummer (DNR)."),
        (SPEC_TEST_NUMBER, HNR, "Nummeret er et gyldig fødselsnummer, men er oppgitt som H-nummer (HNR)."),
        (VALID[1][0], "HNR", "Nummeret er et gyldig D-nummer, men er oppgitt som H-nummer (HNR)."),
        (
            SPEC_TEST_NUMBER,
            "HPR",
            "ID-typen «HPR» er ikke fødselsnummer (FNR), D-nummer (DNR) eller H-nummer (HNR).",
        ),
        (
            SPEC_TEST_NUMBER,
            "fnr",
            "ID-typen «fnr» er ikke fødselsnummer (FNR), D-nummer (DNR) eller H-nummer (HNR).",
        ),
        # a broken value is reported as broken, whatever it was declared as
        ("01015000322", "DNR", "Første kontrollsiffer (siffer 10) er feil."),
    ],
)
def test_declared_type_must_match(value: str, declared: str, problem: str) -> None:
    assert person_id_problem(value, declared) == problem


# --- masking (Normen: no personal number outside the message itself) ------------------------------


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("15076500565", "150765*****"),
        (SPEC_TEST_NUMBER, "010150*****"),
        ("01015000322", "010150*****"),  # invalid but 11 digits: still only the date part stays
        ("0101500023", "**********"),
        ("010150 00232", "************"),
        ("", ""),
    ],
)
def test_mask_person_id(value: str, masked: str) -> None:
    assert mask_person_id(value) == masked


# --- synthetic identifiers ------------------------------------------------------------------------


def test_synthetic_person_id_is_reproducible_with_a_seeded_rng() -> None:
    born = date(1987, 6, 5)
    assert synthetic_person_id(born, rng=random.Random(7)) == synthetic_person_id(born, rng=random.Random(7))


@pytest.mark.parametrize(
    ("year", "series"),
    [
        (1855, [range(500, 750)]),
        (1899, [range(500, 750)]),
        (1920, [range(0, 500)]),
        (1975, [range(0, 500), range(900, 1000)]),
        (2039, [range(500, 1000)]),
    ],
)
def test_synthetic_individual_number_is_from_the_series_of_the_year(year: int, series: list[range]) -> None:
    rng = random.Random(year)
    for _ in range(50):
        individual = int(synthetic_person_id(date(year, 3, 4), rng=rng)[6:9])
        assert any(individual in numbers for numbers in series)


@pytest.mark.parametrize("year", [1854, 1800, 2040, 2099])
def test_synthetic_person_id_refuses_years_without_a_series(year: int) -> None:
    with pytest.raises(ValueError, match=str(year)):
        synthetic_person_id(date(year, 1, 1))


birth_dates = st.dates(min_value=date(1855, 1, 1), max_value=date(2039, 12, 31))  # the years HIS 1001 covers


@given(born=birth_dates, kind=st.sampled_from(PersonIdKind), female=st.booleans(), seed=st.integers())
def test_every_synthetic_id_validates_as_its_kind(
    born: date, kind: PersonIdKind, female: bool, seed: int
) -> None:
    value = synthetic_person_id(born, kind=kind, female=female, rng=random.Random(seed))
    assert person_id_problem(value, kind) is None
    assert classify_person_id(value) is kind
    assert birth_date_of(value) == born
    assert int(value[8]) % 2 == (0 if female else 1)  # kap. 4.1: the ninth digit is even for women


# --- properties of the check digits and the messages ----------------------------------------------

valid_ids = st.builds(
    synthetic_person_id,
    birth_dates,
    kind=st.sampled_from(PersonIdKind),
    female=st.booleans(),
    rng=st.randoms(use_true_random=False),
)


@given(value=valid_ids, position=st.integers(0, 10), shift=st.integers(1, 9))
def test_every_single_digit_change_is_detected(value: str, position: int, shift: int) -> None:
    digit = (int(value[position]) + shift) % 10
    changed = value[:position] + str(digit) + value[position + 1 :]
    assert person_id_problem(changed) is not None


@given(value=valid_ids, position=st.integers(0, 7))
def test_every_swap_of_neighbours_in_the_first_nine_digits_is_detected(value: str, position: int) -> None:
    a, b = value[position], value[position + 1]
    swapped = value[:position] + b + a + value[position + 2 :]
    assert (person_id_problem(swapped) is None) == (a == b)


@given(value=valid_ids)
def test_masking_never_reveals_the_personal_number(value: str) -> None:
    masked = mask_person_id(value)
    assert masked == value[:6] + "*****"
    assert not any(c.isdigit() for c in masked[6:])


@given(value=st.text())
def test_masking_anything_else_hides_everything(value: str) -> None:
    masked = mask_person_id(value)
    assert len(masked) == len(value)
    assert masked[6:] == "*" * len(masked[6:])
    if not (len(value) == 11 and value.isascii() and value.isdigit()):
        assert set(masked) <= {"*"}


@given(value=st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_problem_and_classification_agree_and_never_repeat_the_number(value: str) -> None:
    problem = person_id_problem(value)
    if problem is None:
        assert classify_person_id(value) in set(PersonIdKind)
    else:
        assert value[6:] not in problem and value[:6] not in problem
        with pytest.raises(InvalidPersonId) as raised:
            classify_person_id(value)
        assert str(raised.value) == problem


# --- the fictitious persons of the official PLO 1.6 samples ---------------------------------------

MSGHEAD = "{http://www.kith.no/xmlstds/msghead/2006-05-24}"


def test_fnrs_in_the_official_plo_samples(samples_dir: Path) -> None:
    found: dict[str, set[tuple[str | None, str | None]]] = {}
    for path in sorted((samples_dir / "plo-1.6").rglob("*.xml")):
        for patient in etree.parse(str(path)).iter(f"{MSGHEAD}Patient"):
            for ident in patient.iter(f"{MSGHEAD}Ident"):
                type_id = ident.find(f"{MSGHEAD}TypeId")
                if type_id is not None and type_id.get("V") == "FNR":
                    sex = patient.find(f"{MSGHEAD}Sex")
                    found.setdefault(ident.findtext(f"{MSGHEAD}Id") or "", set()).add(
                        (patient.findtext(f"{MSGHEAD}DateOfBirth"), None if sex is None else sex.get("V"))
                    )
    assert found, "no Patient/Ident with TypeId FNR in the PLO 1.6 samples"
    problems = [(mask_person_id(fnr), person_id_problem(fnr, "FNR")) for fnr in sorted(found)]
    assert problems == [(masked, None) for masked, _ in problems]  # all valid
    for fnr, facts in found.items():
        for born, sex in facts:
            # The samples also give the birth date and sex (code system 3101: 1 Mann, 2 Kvinne).
            assert born is None or birth_date_of(fnr).isoformat() == born
            if sex in ("1", "2"):
                assert int(fnr[8]) % 2 == (0 if sex == "2" else 1)


# --- HER-id ---------------------------------------------------------------------------------------


def test_her_id_is_kept_as_given() -> None:
    her = HerId("88219")  # HIS 1037:2011's example of a HER-id in eb:PartyId
    assert her.value == "88219"
    assert str(her) == "88219"
    assert HerId("059") == HerId("059") != HerId("59")
    assert len({HerId("59"), HerId("59")}) == 1


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "HER-id kan ikke være tom."),
        (" 59", "HER-id kan bare inneholde sifre."),
        ("59a", "HER-id kan bare inneholde sifre."),
        ("-59", "HER-id kan bare inneholde sifre."),
        ("５９", "HER-id kan bare inneholde sifre."),  # full-width digits
    ],
)
def test_her_id_refuses(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}$"):
        HerId(value)


# --- MsgId ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "4c661458-c412-4c14-baae-7b096f64f6e7",  # the example in HIS 80601:2006 (MsgInfo/MsgId)
        "4C661458-C412-4C14-BAAE-7B096F64F6E7",
        "b088a160-0698-11e8-b566-0800200c9a66",  # a version 1 UUID, as in the PLO samples
        "00000000-0000-0000-0000-000000000000",
    ],
)
def test_is_uuid_accepts(value: str) -> None:
    assert is_uuid(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "4c661458c4124c14baae7b096f64f6e7",
        "{4c661458-c412-4c14-baae-7b096f64f6e7}",
        "urn:uuid:4c661458-c412-4c14-baae-7b096f64f6e7",
        "4c661458-c412-4c14-baae-7b096f64f6e7\n",
        " 4c661458-c412-4c14-baae-7b096f64f6e7",
        "4c661458-c412-4c14-baae-7b096f64f6e",
        "4c661458-c412-4c14-baae-7b096f64f6e7a",
        "4c661458-c412-4c14-baa-e7b096f64f6e7",
        "4c661458-c412-4c14-baae-7b096f64f6g7",
        "4c661458_c412_4c14_baae_7b096f64f6e7",
    ],
)
def test_is_uuid_refuses(value: str) -> None:
    assert not is_uuid(value)


@given(st.uuids())
def test_every_uuid_in_canonical_form_is_accepted(value: uuid.UUID) -> None:
    assert is_uuid(str(value))
    assert is_uuid(str(value).upper())


# --- synthetic test persons of NHN's test environments (SAMHANDLING_ENVIRONMENT=test) -------------------------

def _with_check_digits(nine: str) -> str | None:
    """``nine`` with the two mod-11 check digits of HIS 1001:2010 kap. 4.1, or None where one would be 10."""
    for k1 in range(10):
        for k2 in range(10):
            candidate = f"{nine}{k1}{k2}"
            if _check_digits_problem(candidate) is None:
                return candidate
    return None


def _synthetic_number(day: int, month_part: int, yy: int) -> str:
    for individual in range(0, 500):
        found = _with_check_digits(f"{day:02d}{month_part:02d}{yy:02d}{individual:03d}")
        if found is not None:
            return found
    raise AssertionError("no synthetic number")


@pytest.mark.parametrize(("month_part", "born"), [(47, date(1985, 7, 15)), (87, date(1985, 7, 15)), (72, None)])
def test_nav_and_tenor_synthetic_persons_are_valid_fodselsnummer_in_a_test_environment(
        month_part: int, born: date | None) -> None:
    """NAV adds 4 to the first digit of the month, Skatteetaten's Tenor 8; a month part of 72 is no real date."""
    value = _synthetic_number(15, month_part, 85)
    assert person_id_problem(value, "FNR", synthetic=True) is None
    assert birth_date_of(value, synthetic=True) == born
    assert is_synthetic_person_id(value)
    assert person_id_problem(value, "FNR") is not None  # in production such a number is not a fødselsnummer


def test_a_synthetic_d_nummer_is_valid_in_a_test_environment() -> None:
    value = _synthetic_number(55, 87, 85)
    assert classify_person_id(value, synthetic=True) is PersonIdKind.DNR
    assert person_id_problem(value, "DNR", synthetic=True) is None


def test_an_h_nummer_stays_an_h_nummer_in_a_test_environment() -> None:
    value = synthetic_person_id(date(1985, 7, 15), kind=PersonIdKind.HNR, rng=random.Random(3))
    assert person_id_problem(value, "HNR", synthetic=True) is None
    assert person_id_problem(value, "HNR") is None


def test_felles_hjelpenummer_needs_its_check_digits() -> None:
    value = _with_check_digits("800000001")
    assert value is not None and is_felles_hjelpenummer(value)
    assert not is_felles_hjelpenummer(value[:10] + str((int(value[10]) + 1) % 10))
    assert not is_felles_hjelpenummer("15076500565")
