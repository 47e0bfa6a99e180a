"""The patient directory of local parties: storage (memory, SQLite, PostgreSQL), the migration, import from
JSON and CSV, listing with masked identifiers, ``known()`` for the E35 check, and the command line."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from random import Random

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from samhandling.domain.identifiers import PersonIdKind, synthetic_person_id
from samhandling.domain.privacy import mask_person_id
from samhandling.services.registers.parties import PartySource, import_parties
from samhandling.services.registers.patients import (
    PatientDirectoryError,
    PatientSource,
    import_patients,
    list_patients,
    patient_json,
)
from samhandling.store.database import current_revision, downgrade, upgrade
from samhandling.store.messaging.parties import UnknownPartyError
from samhandling.store.messaging.patients import PatientEntry
from samhandling.store.schema import metadata
from samhandling.store.unit_of_work import UnitOfWork
from tests.support.cli import run
from tests.support.stores import PATIENT

# Synthetic identifiers with valid check digits (HIS 1001:2010), assigned to no one.
FNR = synthetic_person_id(date(1950, 3, 14), rng=Random(1))
DNR = synthetic_person_id(date(1985, 7, 2), kind=PersonIdKind.DNR, female=True, rng=Random(2))
HNR = synthetic_person_id(date(2001, 12, 24), kind=PersonIdKind.HNR, rng=Random(3))
BAD_CHECK_DIGIT = PATIENT[:10] + str((int(PATIENT[10]) + 1) % 10)
IDS = (PATIENT, FNR, DNR, HNR, BAD_CHECK_DIGIT)

HOSPITAL, WARD, OTHER_WARD, MUNICIPALITY = "3000", "3010", "3020", "4000"
PARTIES = {
    "parties": [
        {"her_id": HOSPITAL, "name": "Sykehuset", "kind": "organisation", "local": True},
        {"her_id": WARD, "name": "Medisinsk avdeling", "kind": "service", "parent_her_id": HOSPITAL},
        {"her_id": OTHER_WARD, "name": "Kirurgisk avdeling", "kind": "service", "parent_her_id": HOSPITAL},
        {"her_id": MUNICIPALITY, "name": "Kommunen", "kind": "organisation", "local": False},
    ]
}


def setup_parties(new_uow: Callable[[], UnitOfWork]) -> None:
    import_parties(new_uow(), [PartySource("parter.json", json.dumps(PARTIES).encode())])


def patients_json(*rows: dict[str, object]) -> bytes:
    return json.dumps({"patients": list(rows)}, ensure_ascii=False).encode()


def directory(new_uow: Callable[[], UnitOfWork], her_id: str) -> list[tuple[str, str | None]]:
    return [(e.patient_id, e.name) for e in list_patients(new_uow(), her_id)]


def no_identifier_in(text: str) -> None:
    for value in IDS:
        assert value not in text
    assert not re.search(r"\d{11}", text)


# --- the value -----------------------------------------------------------------------------------------


def test_an_entry_checks_its_identifier_and_hides_it() -> None:
    entry = PatientEntry(party_her_id=WARD, patient_id=DNR, name="Kari Nordmann")
    assert DNR not in repr(entry) and "Kari" not in repr(entry)
    assert PatientEntry(party_her_id=WARD, patient_id=HNR, name="  ").name is None
    with pytest.raises(ValueError, match="kontrollsiffer") as raised:
        PatientEntry(party_her_id=WARD, patient_id=BAD_CHECK_DIGIT)
    no_identifier_in(str(raised.value))
    with pytest.raises(ValueError, match="HER-id"):
        PatientEntry(party_her_id="30 10", patient_id=FNR)


# --- the repository ------------------------------------------------------------------------------------


def test_known_is_none_without_a_directory_and_then_says_whether_the_patient_is_in_it(
    new_uow: Callable[[], UnitOfWork],
) -> None:
    setup_parties(new_uow)
    with new_uow() as uow:
        assert uow.patients.known(WARD, PATIENT) is None
        uow.patients.upsert(PatientEntry(party_her_id=WARD, patient_id=PATIENT, name="Ola"))
        uow.commit()
    with new_uow() as uow:
        assert uow.patients.known(WARD, PATIENT) is True
        assert uow.patients.known(WARD, FNR) is False
        assert uow.patients.known(OTHER_WARD, PATIENT) is None  # the directory of another party
        assert uow.patients.known(HOSPITAL, PATIENT) is None  # nor does the level above answer for it
        assert uow.patients.known("9999", PATIENT) is None


def test_upsert_list_count_clear(new_uow: Callable[[], UnitOfWork]) -> None:
    setup_parties(new_uow)
    with new_uow() as uow:
        for patient_id, name in ((FNR, "B"), (PATIENT, "A"), (DNR, None)):
            uow.patients.upsert(PatientEntry(party_her_id=WARD, patient_id=patient_id, name=name))
        uow.patients.upsert(PatientEntry(party_her_id=OTHER_WARD, patient_id=FNR))
        uow.patients.upsert(PatientEntry(party_her_id=WARD, patient_id=FNR, name="B2"))  # an update
        uow.commit()
    with new_uow() as uow:
        assert [(e.patient_id, e.name) for e in uow.patients.list(WARD)] == sorted(
            [(PATIENT, "A"), (FNR, "B2"), (DNR, None)]
        )
        assert uow.patients.count(WARD) == 3 and uow.patients.count(HOSPITAL) == 0
        assert uow.patients.get(WARD, FNR) == PatientEntry(party_her_id=WARD, patient_id=FNR, name="B2")
        assert uow.patients.get(HOSPITAL, FNR) is None
        assert uow.patients.clear(WARD) == 3
        uow.commit()
    with new_uow() as uow:
        assert uow.patients.list(WARD) == [] and uow.patients.known(WARD, FNR) is None
        assert uow.patients.known(OTHER_WARD, FNR) is True


def test_a_patient_needs_a_registered_party_and_what_is_not_committed_is_not_stored(
    new_uow: Callable[[], UnitOfWork],
) -> None:
    setup_parties(new_uow)
    with new_uow() as uow:
        with pytest.raises(UnknownPartyError):
            uow.patients.upsert(PatientEntry(party_her_id="9999", patient_id=FNR))
        with pytest.raises(UnknownPartyError):  # all or none
            uow.patients.upsert_many(
                [PatientEntry(party_her_id=WARD, patient_id=HNR), PatientEntry(party_her_id="9998", patient_id=FNR)]
            )
        assert uow.patients.known(WARD, HNR) is None
        uow.patients.upsert(PatientEntry(party_her_id=WARD, patient_id=FNR))  # the transaction goes on
        assert uow.patients.known(WARD, FNR) is True
    with new_uow() as uow:
        assert uow.patients.known(WARD, FNR) is None


def test_the_migration_adds_and_removes_the_patient_table(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    assert "patients" in inspect(empty_engine).get_table_names()
    with empty_engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), metadata)
    assert differences == []
    downgrade(empty_engine, "0001")
    assert current_revision(empty_engine) == "0001"
    tables = set(inspect(empty_engine).get_table_names())
    assert "patients" not in tables and "parties" in tables
    upgrade(empty_engine)
    assert "patients" in inspect(empty_engine).get_table_names()


# --- import --------------------------------------------------------------------------------------------


def test_json_import_and_list_with_masked_ids(new_uow: Callable[[], UnitOfWork]) -> None:
    setup_parties(new_uow)
    data = patients_json(
        {"party_her_id": WARD, "id": FNR, "name": "Ola Nordmann"},
        {"party_her_id": WARD, "id": DNR, "name": None},
        {"party_her_id": OTHER_WARD, "id": HNR},
    )
    result = import_patients(new_uow(), [PatientSource("pasienter.json", data)])
    assert (result.parties, result.created, result.updated, result.unchanged) == ((WARD, OTHER_WARD), 3, 0, 0)
    assert directory(new_uow, WARD) == sorted([(FNR, "Ola Nordmann"), (DNR, None)])
    shown = [patient_json(e) for e in list_patients(new_uow(), WARD)]
    assert {"party_her_id": WARD, "id": mask_person_id(FNR), "name": "Ola Nordmann"} in shown
    no_identifier_in(json.dumps(shown))
    with new_uow() as uow:
        assert uow.patients.known(WARD, FNR) is True and uow.patients.known(WARD, HNR) is False


def test_csv_import_in_the_forms_spreadsheets_write(new_uow: Callable[[], UnitOfWork]) -> None:
    setup_parties(new_uow)
    comma = f'party_her_id,id,name\r\n{WARD},{FNR},"Nordmann, Ola"\r\n\r\n{WARD}, {DNR} ,\r\n'.encode()
    semicolon = f"\ufeffParty_Her_Id;Name;ID\n{OTHER_WARD};Bjørn Ås;{HNR}\n".encode()
    latin1 = f"id;party_her_id\n{PATIENT};{HOSPITAL}\n".encode("latin-1")
    names = f"party_her_id,id,name\n{HOSPITAL},{FNR},Åse Øvrebø\n".encode("iso-8859-1")
    result = import_patients(
        new_uow(),
        [
            PatientSource("a.csv", comma),
            PatientSource("b.csv", semicolon),
            PatientSource("c.csv", latin1),
            PatientSource("d.csv", names),
        ],
    )
    assert result.created == 5
    assert directory(new_uow, WARD) == sorted([(FNR, "Nordmann, Ola"), (DNR, None)])
    assert directory(new_uow, OTHER_WARD) == [(HNR, "Bjørn Ås")]
    assert directory(new_uow, HOSPITAL) == sorted([(PATIENT, None), (FNR, "Åse Øvrebø")])


def test_reimport_updates_and_replace_removes(new_uow: Callable[[], UnitOfWork]) -> None:
    setup_parties(new_uow)
    first = patients_json(
        {"party_her_id": WARD, "id": FNR, "name": "Ola"},
        {"party_her_id": WARD, "id": DNR, "name": "Kari"},
        {"party_her_id": OTHER_WARD, "id": HNR},
    )
    import_patients(new_uow(), [PatientSource("1.json", first)])
    second = patients_json({"party_her_id": WARD, "id": FNR, "name": "Ola"}, {"party_her_id": WARD, "id": DNR})
    result = import_patients(new_uow(), [PatientSource("2.json", second)])
    assert (result.created, result.updated, result.unchanged, result.removed) == (0, 1, 1, 0)
    assert directory(new_uow, WARD) == sorted([(FNR, "Ola"), (DNR, None)])

    third = patients_json({"party_her_id": WARD, "id": PATIENT}, {"party_her_id": WARD, "id": FNR, "name": "Ola"})
    result = import_patients(new_uow(), [PatientSource("3.json", third)], replace=True)
    assert (result.created, result.updated, result.unchanged, result.removed) == (1, 0, 1, 1)
    assert directory(new_uow, WARD) == sorted([(PATIENT, None), (FNR, "Ola")])
    assert directory(new_uow, OTHER_WARD) == [(HNR, None)]  # a party not in the file keeps its directory


CSV_HEADER = "party_her_id,id,name\n"
BAD_CSV: dict[str, tuple[str, str]] = {
    "check digit": (f"{WARD},{BAD_CHECK_DIGIT},Ola\n", "bad.csv: linje 3, felt id: Andre kontrollsiffer"),
    "short": (f"{WARD},{FNR[:10]},Ola\n", "bad.csv: linje 3, felt id: Personidentifikatoren må ha 11 sifre"),
    "letters": (f"{WARD},{FNR[:6]}ABCDE,Ola\n", "bad.csv: linje 3, felt id: Personidentifikatoren kan bare"),
    "missing id": (f"{WARD},,Ola\n", "bad.csv: linje 3, felt id: mangler"),
    "missing party": (f",{FNR},Ola\n", "bad.csv: linje 3, felt party_her_id: mangler"),
    "party non-digit": (f"30x0,{FNR},Ola\n", "bad.csv: linje 3, felt party_her_id: HER-id kan bare inneholde sifre"),
    "unknown party": (f"9999,{FNR},Ola\n", "bad.csv: linje 3, felt party_her_id: parten 9999 er ukjent"),
    "not local": (f"{MUNICIPALITY},{FNR},Ola\n", "felt party_her_id: parten 4000 er ikke en lokal part"),
    "columns swapped": (f"{FNR},{WARD},Ola\n", "bad.csv: linje 3, felt id: Personidentifikatoren må ha 11 sifre"),
    "swapped, valid": (f"{FNR},{FNR},Ola\n", f"felt party_her_id: parten {mask_person_id(FNR)} er ukjent"),
    "fields": (f"{WARD},{FNR}\n", "bad.csv: linje 3: har 2 felt, men overskriften har 3"),
    "duplicate": (f"{WARD},{PATIENT},Igjen\n", "linje 3, felt id: samme pasient for part 3010 står også i linje 2"),
    "quote": (f'{WARD},{FNR},"Ola\n', "bad.csv: linje 3: ugyldig CSV"),
}


@pytest.mark.parametrize("case", list(BAD_CSV))
def test_a_bad_csv_row_gives_one_line_without_the_identifier_and_stores_nothing(
    new_uow: Callable[[], UnitOfWork], case: str
) -> None:
    row, expected = BAD_CSV[case]
    assert_refused(new_uow, PatientSource("bad.csv", f"{CSV_HEADER}{WARD},{PATIENT},Ola\n{row}".encode()), expected)


BAD_FILES: dict[str, tuple[bytes, str]] = {
    "no header": (f"{WARD},{FNR},Ola\n".encode(), "bad: linje 1: verken JSON eller CSV med overskriften"),
    "unknown column": (b"party_her_id,id,navn\n", "bad: linje 1: verken JSON eller CSV med overskriften "
                       "party_her_id,id,name: ukjent kolonne «navn» (kolonne 3)"),
    "missing column": (b"party_her_id,name\n", "bad: linje 1: overskriften mangler kolonnen id"),
    "column twice": (b"party_her_id,id,id\n", "bad: linje 1: en kolonne står to ganger"),
    "empty": (b"\xef\xbb\xbf\n", "bad: filen er tom"),
    "malformed json": (b'{"patients": [}', "bad: ugyldig JSON på linje 1, kolonne 15"),
    "json not list": (b'{"patients": {}}', 'bad: "patients" må være en liste'),
    "json other": (b'{"pasienter": []}', 'bad: JSON-filen må være et objekt med listen "patients"'),
    "json extra": (b'{"patients": [], "x": 1}', "bad: ukjent felt i JSON-objektet"),
    "json row": (b'{"patients": [1]}', "bad: patients[0]: må være et objekt"),
    "json number id": (patients_json({"party_her_id": WARD, "id": int(FNR)}), "bad: patients[0].id: må være tekst"),
    "json missing id": (patients_json({"party_her_id": WARD}), "bad: patients[0].id: mangler"),
    "json bad id": (patients_json({"party_her_id": WARD, "id": BAD_CHECK_DIGIT}), "bad: patients[0].id: Andre"),
    "json unknown field": (patients_json({"party_her_id": WARD, "id": FNR, "fnr": FNR}),
                           "bad: patients[0]: ukjent felt «fnr»"),
    "json id as field": (patients_json({"party_her_id": WARD, "id": FNR, FNR: "x"}),
                         "bad: patients[0]: ukjent felt (navnet vises ikke)"),
    "json not local": (patients_json({"party_her_id": MUNICIPALITY, "id": FNR}),
                       "bad: patients[0].party_her_id: parten 4000 er ikke en lokal part"),
    "json duplicate": (patients_json({"party_her_id": WARD, "id": FNR}, {"party_her_id": WARD, "id": FNR}),
                       "bad: patients[1].id: samme pasient for part 3010 står også i patients[0]"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_gives_one_line_without_the_identifier_and_stores_nothing(
    new_uow: Callable[[], UnitOfWork], case: str
) -> None:
    data, expected = BAD_FILES[case]
    assert_refused(new_uow, PatientSource("bad", data), expected)


def assert_refused(new_uow: Callable[[], UnitOfWork], bad: PatientSource, expected: str) -> None:
    setup_parties(new_uow)
    import_patients(new_uow(), [PatientSource("før.json", patients_json({"party_her_id": WARD, "id": HNR}))])
    good = PatientSource("god.json", patients_json({"party_her_id": WARD, "id": DNR, "name": "Ny"}))
    before = directory(new_uow, WARD)
    with pytest.raises(PatientDirectoryError) as raised:
        import_patients(new_uow(), [good, bad], replace=True)
    message = str(raised.value)
    assert expected in message
    assert "\n" not in message
    no_identifier_in(message)
    assert directory(new_uow, WARD) == before == [(HNR, None)]


def test_the_same_patient_in_two_files(new_uow: Callable[[], UnitOfWork]) -> None:
    setup_parties(new_uow)
    first = PatientSource("a.json", patients_json({"party_her_id": WARD, "id": FNR}))
    with pytest.raises(PatientDirectoryError) as raised:
        import_patients(new_uow(), [first, PatientSource("b.csv", f"{CSV_HEADER}{WARD},{FNR},\n".encode())])
    assert str(raised.value) == "b.csv: linje 2, felt id: samme pasient for part 3010 står også i a.json: patients[0]"


def test_list_of_an_unknown_party(new_uow: Callable[[], UnitOfWork]) -> None:
    with pytest.raises(PatientDirectoryError, match="Ingen kommunikasjonspart med HER-id 9999"):
        list_patients(new_uow(), "9999")


# --- the command line ----------------------------------------------------------------------------------


def test_cli_import_and_list(tmp_path: Path) -> None:
    home = tmp_path / "home"
    parties = tmp_path / "parter.json"
    parties.write_text(json.dumps(PARTIES))
    assert run("parties", "import", str(parties), home=home).returncode == 0
    csv_file = tmp_path / "pasienter.csv"
    csv_file.write_text(f"party_her_id;id;name\n{WARD};{FNR};Ola Nordmann\n{WARD};{DNR};\n", encoding="utf-8")
    json_file = tmp_path / "pasienter.json"
    json_file.write_bytes(patients_json({"party_her_id": OTHER_WARD, "id": HNR, "name": "Kari"}))

    result = run("patients", "import", str(csv_file), str(json_file), home=home)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Importerte 3 pasienter for 2 parter: 3 nye, 0 oppdatert, 0 uendret."

    listed = run("patients", "list", "--party", WARD, "--json", home=home)
    assert listed.returncode == 0, listed.stderr
    assert sorted(json.loads(listed.stdout), key=lambda e: e["id"]) == sorted(
        [
            {"party_her_id": WARD, "id": mask_person_id(FNR), "name": "Ola Nordmann"},
            {"party_her_id": WARD, "id": mask_person_id(DNR), "name": None},
        ],
        key=lambda e: e["id"],
    )
    text = run("patients", "list", "--party", WARD, home=home)
    assert f"{mask_person_id(FNR)}  Ola Nordmann" in text.stdout
    for output in (result, listed, text):
        no_identifier_in(output.stdout + output.stderr)

    replaced = run("patients", "import", "--replace", str(json_file), home=home)
    assert replaced.stdout.strip() == "Importerte 1 pasient for 1 part: 0 nye, 0 oppdatert, 1 uendret, 0 fjernet."

    none = run("patients", "list", "--party", HOSPITAL, home=home)
    assert none.returncode == 0 and "har ingen pasientkatalog" in none.stdout
    assert json.loads(run("patients", "list", "--party", HOSPITAL, "--json", home=home).stdout) == []
    unknown = run("patients", "list", "--party", "9999", home=home)
    assert unknown.returncode == 2 and unknown.stderr.strip() == "Feil: Ingen kommunikasjonspart med HER-id 9999."


def test_cli_refuses_a_bad_row_in_one_line_without_the_identifier(tmp_path: Path) -> None:
    home = tmp_path / "home"
    parties = tmp_path / "parter.json"
    parties.write_text(json.dumps(PARTIES))
    assert run("parties", "import", str(parties), home=home).returncode == 0
    bad = tmp_path / "pasienter.csv"
    bad.write_text(f"party_her_id,id,name\n{WARD},{FNR},Ola\n{WARD},{BAD_CHECK_DIGIT},Kari\n")
    result = run("patients", "import", str(bad), home=home)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip() == f"Feil: {bad}: linje 3, felt id: Andre kontrollsiffer (siffer 11) er feil."
    no_identifier_in(result.stderr)
    listed = run("patients", "list", "--party", WARD, "--json", home=home)
    assert json.loads(listed.stdout) == []
