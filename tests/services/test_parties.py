"""Communication parties: reading NHN's address register, importing parties (JSON and register answers),
listing them. The import cases run on the in-memory fake, SQLite and PostgreSQL (``new_uow``); the command
line runs in process (tests/support/cli.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from samhandling.domain.identifiers import her_id_order
from samhandling.domain.messaging.parties import Party, PartyKind
from samhandling.services.registers.parties import (
    PartyImportError,
    PartySource,
    import_parties,
    list_parties,
    party_json,
    read_party_file,
)
from samhandling.standards.adresseregister import (
    NotARegisterDocument,
    RegisterError,
    RegisterFault,
    read_register,
)
from samhandling.store.unit_of_work import UnitOfWork
from tests.support.cli import run

REGISTER = "adresseregister"
ORGANISATION = f"{REGISTER}/get-communication-party-details-organzation-response.xml"
SERVICE = f"{REGISTER}/get-communication-party-details-service-response.xml"
PERSON = f"{REGISTER}/get-communication-party-details-person-response.xml"
NOT_FOUND = f"{REGISTER}/get-communication-party-details-not-found-response.xml"
DETAILS = "cppa/CommunicationDetails_93238.xml"

ORG, SVC, PER = PartyKind.ORGANISATION, PartyKind.SERVICE, PartyKind.PERSON

# What each sample holds: the party it is about first, then the ones that come with it.
EXPECTED = {
    ORGANISATION: [
        Party(her_id="8142987", name="KS-DIGITALE FELLESTJENESTER AS", kind=ORG, municipality="0301"),
        Party(her_id="8143040", name="Bedriftshelsetjeneste", kind=SVC, parent_her_id="8142987", municipality="0301"),
        Party(
            her_id="8143060",
            name="Saksbehandling pasientopplysninger",
            kind=SVC,
            parent_her_id="8142987",
            municipality="0301",
        ),
    ],
    SERVICE: [
        Party(her_id="8094866", name="Meldingsvalidering", kind=SVC, parent_her_id="112374", municipality="5001"),
    ],
    PERSON: [
        Party(her_id="115522", name="Anne-Marie Bach", kind=PER, parent_her_id="84556", municipality="4616"),
        # DisplayName, not Name ("KOMMUNELEGEN I TYSNES"): the register's ParentName uses it too
        Party(her_id="84556", name="Tysnes Helsesenter", kind=ORG, municipality="4616"),
    ],
    DETAILS: [
        # i:type OrganizationPerson; the municipality "301" gets its leading zero back
        Party(her_id="93238", name="Alexander Dahl", kind=PER, parent_her_id="93237", municipality="0301"),
        Party(her_id="93237", name="DD fastlege UTV MUG", kind=ORG, municipality="0301"),
    ],
}

# The service's parent is not in its answer: this JSON brings it.
NHN = {"her_id": "112374", "name": "Norsk Helsenett SF", "kind": "organisation", "municipality": "5001"}


def parties_json(*entries: dict[str, object]) -> bytes:
    return json.dumps({"parties": list(entries)}).encode()


def source(name: str, data: bytes) -> PartySource:
    return PartySource(name, data)


def sample(samples_dir: Path, name: str) -> PartySource:
    return PartySource(name, (samples_dir / name).read_bytes())


def stored(new_uow: Callable[[], UnitOfWork]) -> list[Party]:
    return list_parties(new_uow())


# --- reading the address register ----------------------------------------------------------------------


@pytest.mark.parametrize("name", list(EXPECTED))
def test_every_register_sample_is_read(samples_dir: Path, name: str) -> None:
    record = read_register((samples_dir / name).read_bytes())
    assert [found.party for found in record] == EXPECTED[name]
    assert record.main.party == EXPECTED[name][0]
    assert all(found.line for found in record)


def test_a_not_found_answer_is_a_fault(samples_dir: Path) -> None:
    with pytest.raises(RegisterFault) as raised:
        read_register((samples_dir / NOT_FOUND).read_bytes())
    assert raised.value.not_found and raised.value.code == "InvalidHerIdSupplied"
    assert "fant ikke kommunikasjonsparten" in str(raised.value)
    assert "eksisterer ikke" in str(raised.value)


SOAP11_FAULT = b"""<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body><e:Fault>
<faultcode>e:Server</faultcode><faultstring>Tjenesten er nede</faultstring></e:Fault></e:Body></e:Envelope>"""

BARE_RESPONSE = b"""<GetCommunicationPartyDetailsResponse xmlns="http://register.nhn.no/CommunicationParty">
<GetCommunicationPartyDetailsResult xmlns:i="http://www.w3.org/2001/XMLSchema-instance" i:type="a:Service"
 xmlns:a="http://register.nhn.no/CommunicationParty">
<DisplayName>  Hjemmesykepleie\n sone nord </DisplayName><HerId>0042</HerId><Name>HJS</Name>
<ParentHerId>-1</ParentHerId></GetCommunicationPartyDetailsResult></GetCommunicationPartyDetailsResponse>"""


def test_other_forms_of_the_register_answer() -> None:
    with pytest.raises(RegisterFault) as raised:
        read_register(SOAP11_FAULT)
    assert not raised.value.not_found and "Tjenesten er nede" in str(raised.value)
    record = read_register(BARE_RESPONSE)
    assert record.main.party == Party(her_id="0042", name="Hjemmesykepleie sone nord", kind=SVC)  # kept as given
    assert record.related == ()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ((b"<HerId>8094866</HerId>", b"<HerId>80948x6</HerId>"), "HER-id kan bare inneholde sifre"),
        ((b"<HerId>8094866</HerId>", b""), "mangler HerId"),
        ((b"<ParentHerId>112374</ParentHerId>", b"<ParentHerId>ab</ParentHerId>"), "ParentHerId «ab»: HER-id kan"),
        ((b"<Type>Service</Type>", b"<Type>Avdeling</Type>"), "ukjent partstype \u00abAvdeling\u00bb"),
        ((b"<Name>Meldingsvalidering</Name>", b"<Name/>"), "mangler navn"),
        ((b"<b:CodeValue>5001</b:CodeValue>", b"<b:CodeValue>50011</b:CodeValue>"), "kommunenummeret"),
        ((b"GetCommunicationPartyDetailsResponse", b"GetSomethingElse"), "verken GetCommunicationPartyDetails"),
    ],
)
def test_a_broken_register_answer_says_what_and_where(
    samples_dir: Path, change: tuple[bytes, bytes], expected: str
) -> None:
    data = (samples_dir / SERVICE).read_bytes()
    assert change[0] in data
    with pytest.raises(RegisterError, match=expected) as raised:
        read_register(data.replace(*change))
    assert "\n" not in str(raised.value)
    if not isinstance(raised.value, NotARegisterDocument):
        assert str(raised.value).startswith("linje ")


@pytest.mark.parametrize(
    "data",
    [
        b"<a/>",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><CommunicationParty/>',
        b"<CommunicationParty",
    ],
    ids=["other-xml", "doctype", "not-well-formed"],
)
def test_other_or_unsafe_xml_is_refused(data: bytes) -> None:
    with pytest.raises(RegisterError):
        read_register(data)


# --- import: the samples -------------------------------------------------------------------------------


def test_every_register_sample_imports(new_uow: Callable[[], UnitOfWork], samples_dir: Path) -> None:
    result = import_parties(
        new_uow(),
        [
            sample(samples_dir, ORGANISATION),
            sample(samples_dir, PERSON),
            sample(samples_dir, DETAILS),
            source("nhn.json", parties_json(NHN)),
            sample(samples_dir, SERVICE),
        ],
    )
    expected = [p for parties in EXPECTED.values() for p in parties]
    expected.append(Party(her_id="112374", name="Norsk Helsenett SF", kind=ORG, municipality="5001"))
    assert sorted(result.created) == sorted(p.her_id for p in expected)
    assert result.updated == result.unchanged == ()
    assert stored(new_uow) == sorted(expected, key=lambda p: her_id_order(p.her_id))


@pytest.mark.parametrize("name", [ORGANISATION, PERSON, DETAILS])
def test_a_register_sample_imports_on_its_own(new_uow: Callable[[], UnitOfWork], samples_dir: Path, name: str) -> None:
    import_parties(new_uow(), [sample(samples_dir, name)])
    assert stored(new_uow) == sorted(EXPECTED[name], key=lambda p: her_id_order(p.her_id))


def test_the_service_sample_imports_once_its_parent_is_known(
    new_uow: Callable[[], UnitOfWork], samples_dir: Path
) -> None:
    import_parties(new_uow(), [source("nhn.json", parties_json(NHN))])
    result = import_parties(new_uow(), [sample(samples_dir, SERVICE)], local=True)
    assert result.created == ("8094866",)
    with new_uow() as uow:
        service = uow.parties.get("8094866")
        assert service is not None and service.local and service.parent_her_id == "112374"


def test_local_and_partner_set_the_flag_of_the_party_an_answer_is_about(
    new_uow: Callable[[], UnitOfWork], samples_dir: Path
) -> None:
    import_parties(new_uow(), [sample(samples_dir, ORGANISATION)], local=True)
    local = {p.her_id: p.local for p in stored(new_uow)}
    # the services come with the organisation: the node serves them through it
    assert local == {"8142987": True, "8143040": False, "8143060": False}
    with new_uow() as uow:
        assert uow.parties.all().is_served_locally("8143060")

    import_parties(new_uow(), [sample(samples_dir, ORGANISATION)])  # no flag: kept
    assert {p.her_id: p.local for p in stored(new_uow)} == local

    # a person of a local organisation, imported as a partner, does not make its organisation a partner
    import_parties(new_uow(), [source("hjs.json", parties_json(
        {"her_id": "8143061", "name": "Sykepleier", "kind": "person", "parent_her_id": "8142987", "local": True}
    ))])
    import_parties(new_uow(), [sample(samples_dir, ORGANISATION)], local=False)
    after = {p.her_id: p.local for p in stored(new_uow)}
    assert after == {"8142987": False, "8143040": False, "8143060": False, "8143061": True}


def test_related_parties_keep_their_flag(new_uow: Callable[[], UnitOfWork], samples_dir: Path) -> None:
    import_parties(new_uow(), [source("tysnes.json", parties_json(
        {"her_id": "84556", "name": "Tysnes", "kind": "organisation", "local": True}
    ))])
    result = import_parties(new_uow(), [sample(samples_dir, PERSON)], local=False)
    assert result.created == ("115522",) and result.updated == ("84556",)
    with new_uow() as uow:
        organisation = uow.parties.get("84556")
        person = uow.parties.get("115522")
    assert organisation == Party(her_id="84556", name="Tysnes Helsesenter", kind=ORG, municipality="4616", local=True)
    assert person is not None and not person.local


def test_a_related_party_gives_way_to_the_same_party_as_the_subject_of_another_file(
    new_uow: Callable[[], UnitOfWork], samples_dir: Path
) -> None:
    own = {"her_id": "84556", "name": "Tysnes legekontor", "kind": "organisation", "local": True}
    import_parties(new_uow(), [sample(samples_dir, PERSON), source("tysnes.json", parties_json(own))])
    with new_uow() as uow:
        organisation = uow.parties.get("84556")
    assert organisation is not None and organisation.name == "Tysnes legekontor" and organisation.local


# --- import: JSON, upsert ------------------------------------------------------------------------------

HOSPITAL = {"her_id": "3000", "name": "Sykehuset", "kind": "organisation", "parent_her_id": None, "local": True,
            "municipality": None}
WARD = {"her_id": "3010", "name": "Medisinsk avdeling", "kind": "service", "parent_her_id": "3000", "local": False,
        "municipality": None}
MUNICIPALITY = {"her_id": "4000", "name": "Kommunen", "kind": "organisation", "local": False,
                "municipality": "3403"}


def test_json_import_and_list(new_uow: Callable[[], UnitOfWork]) -> None:
    # children before their parent: the order in the file does not matter
    result = import_parties(new_uow(), [source("parter.json", parties_json(WARD, HOSPITAL, MUNICIPALITY))])
    assert sorted(result.created) == ["3000", "3010", "4000"]
    found = stored(new_uow)
    assert [party_json(p) for p in found] == [HOSPITAL, WARD, {**MUNICIPALITY, "parent_her_id": None}]
    assert list_parties(new_uow(), local=True) == [found[0]]


def test_optional_fields_may_be_left_out(new_uow: Callable[[], UnitOfWork]) -> None:
    import_parties(new_uow(), [source("p.json", parties_json({"her_id": "0077", "name": "X", "kind": "person"}))])
    assert stored(new_uow) == [Party(her_id="0077", name="X", kind=PER)]


def test_reimport_updates(new_uow: Callable[[], UnitOfWork]) -> None:
    import_parties(new_uow(), [source("a.json", parties_json(HOSPITAL, WARD))])
    renamed = {**WARD, "name": "Medisinsk sengepost", "local": True}
    result = import_parties(new_uow(), [source("b.json", parties_json(HOSPITAL, renamed, MUNICIPALITY))])
    assert (result.created, result.updated, result.unchanged) == (("4000",), ("3010",), ("3000",))
    with new_uow() as uow:
        ward = uow.parties.get("3010")
    assert ward is not None and ward.name == "Medisinsk sengepost" and ward.local
    assert len(stored(new_uow)) == 3


# --- import: faults give one line and change nothing ---------------------------------------------------

BAD_JSON: dict[str, tuple[bytes, str]] = {
    "malformed": (b'{"parties": [{"her_id": "1",}]}', "bad.json: ugyldig JSON på linje 1, kolonne 29"),
    "not utf-8": ('{"parties": [{"name": "Bodø"}]}'.encode("latin-1"), "bad.json: ugyldig JSON"),
    "no parties": (b'{"parter": []}', 'bad.json: JSON-filen må være et objekt med listen "parties"'),
    "extra top": (b'{"parties": [], "x": 1}', "bad.json: ukjent felt «x»"),
    "list": (b"[]", 'bad.json: JSON-filen må være et objekt med listen "parties"'),
    "not list": (b'{"parties": {}}', 'bad.json: "parties" må være en liste'),
    "not object": (b'{"parties": ["3000"]}', "bad.json: parties[0]: må være et objekt"),
    "unknown kind": (parties_json({**WARD, "kind": "avdeling"}), "bad.json: parties[0].kind: ukjent type «avdeling»"),
    "non-digit": (parties_json({**HOSPITAL, "her_id": "30-00"}), "bad.json: parties[0].her_id: HER-id «30-00»"),
    "empty her_id": (parties_json({**HOSPITAL, "her_id": ""}), "bad.json: parties[0].her_id: HER-id kan ikke være tom"),
    "number": (parties_json({**HOSPITAL, "her_id": 3000}), "bad.json: parties[0].her_id: må være tekst"),
    "parent non-digit": (parties_json({**WARD, "parent_her_id": "x"}), "bad.json: parties[0].parent_her_id: HER-id"),
    "missing": (parties_json({"her_id": "1", "kind": "service"}), "bad.json: parties[0]: mangler name"),
    "empty name": (parties_json({**HOSPITAL, "name": " "}), "bad.json: parties[0]: En kommunikasjonspart må ha"),
    "extra field": (parties_json({**HOSPITAL, "lokal": True}), "bad.json: parties[0]: ukjent felt «lokal»"),
    "local text": (parties_json({**HOSPITAL, "local": "ja"}), "bad.json: parties[0].local: må være true eller false"),
    "municipality": (parties_json({**MUNICIPALITY, "municipality": "301"}), "bad.json: parties[0].municipality"),
    "own parent": (parties_json({**WARD, "parent_her_id": "3010"}), "bad.json: parties[0]: En kommunikasjonspart"),
    "unknown parent": (parties_json(WARD), "bad.json: parties[0]: overordnet part 3000 for HER-id 3010 er ukjent"),
    "duplicate": (parties_json(HOSPITAL, WARD, {**HOSPITAL, "name": "Igjen"}),
                  "bad.json: parties[2]: HER-id 3000 står to ganger i importen (også i bad.json: parties[0])"),
    "loop": (parties_json({**HOSPITAL, "parent_her_id": "3010"}, WARD), "løkke"),
    "neither": (b"her_id;name\n3000;Sykehuset\n", "bad.json: filen er verken JSON"),
    "empty": (b" \n", "bad.json: filen er tom"),
    "other xml": (b"<parties/>", "bad.json: linje 1: XML-dokumentet (parties) er verken"),
    "doctype": (b'<!DOCTYPE x [<!ENTITY e "e">]><CommunicationParty>&e;</CommunicationParty>', "DOCTYPE"),
}


def assert_refused(new_uow: Callable[[], UnitOfWork], sources: list[PartySource], expected: str) -> str:
    """The import fails with one line containing ``expected`` and stores nothing."""
    before = stored(new_uow)
    with pytest.raises(PartyImportError) as raised:
        import_parties(new_uow(), sources)
    message = str(raised.value)
    assert expected in message
    assert "\n" not in message
    assert stored(new_uow) == before
    return message


def existing(new_uow: Callable[[], UnitOfWork]) -> PartySource:
    """A good file that comes first in a refused import: it must not be stored either."""
    import_parties(new_uow(), [source("før.json", parties_json(MUNICIPALITY))])
    return source("god.json", parties_json({**MUNICIPALITY, "name": "Endret"}, {**HOSPITAL, "her_id": "5000"}))


@pytest.mark.parametrize("case", list(BAD_JSON))
def test_a_bad_json_file_gives_one_line_and_changes_nothing(new_uow: Callable[[], UnitOfWork], case: str) -> None:
    data, expected = BAD_JSON[case]
    good = existing(new_uow)
    assert_refused(new_uow, [good, source("bad.json", data)], expected)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (None, "adresseregisteret fant ikke kommunikasjonsparten"),
        ([(b"<HerId>8142987</HerId>", b"<HerId>81429 87</HerId>")], "linje 42: HerId «81429 87»: HER-id kan bare"),
        ([(b"<HerId>8143060</HerId>", b"<HerId>-</HerId>")], "linje 283: HerId «-»: HER-id kan bare"),
        ([(b'i:type="Organization"', b'i:type="Department"'), (b"<Type>Organization</Type>", b"")],
         "ukjent partstype «Department»"),
        ([(b"<Type>Organization</Type>", b"<Type>Avdeling</Type>")], "ukjent partstype «Avdeling»"),
        ([(b"<ParentHerId>-1</ParentHerId>", b"<ParentHerId>999</ParentHerId>")], "overordnet part 999"),
    ],
    ids=["not-found", "non-digit", "non-digit-related", "unknown-i-type", "unknown-type", "unknown-parent"],
)
def test_a_bad_register_file_gives_one_line_and_changes_nothing(
    new_uow: Callable[[], UnitOfWork], samples_dir: Path, change: list[tuple[bytes, bytes]] | None, expected: str
) -> None:
    if change is None:
        bad = sample(samples_dir, NOT_FOUND)
    else:
        data = (samples_dir / ORGANISATION).read_bytes()
        for old, new in change:
            assert old in data
            data = data.replace(old, new, 1)
        bad = source("bad.xml", data)
    message = assert_refused(new_uow, [existing(new_uow), bad], expected)
    assert message.startswith(f"{bad.name}: ")


def test_the_same_party_in_two_files_is_a_duplicate(new_uow: Callable[[], UnitOfWork], samples_dir: Path) -> None:
    org = sample(samples_dir, ORGANISATION)
    expected = f"{ORGANISATION}: linje 5: HER-id 8142987 står to ganger i importen (også i {ORGANISATION}: linje 5)"
    assert_refused(new_uow, [org, org], expected)
    twice = source("twice.json", parties_json({"her_id": "8142987", "name": "KS", "kind": "organisation"}))
    assert_refused(new_uow, [org, twice], "twice.json: parties[0]: HER-id 8142987 står to ganger")


def test_the_service_sample_alone_names_its_unknown_parent(
    new_uow: Callable[[], UnitOfWork], samples_dir: Path
) -> None:
    assert_refused(new_uow, [sample(samples_dir, SERVICE)], "overordnet part 112374 for HER-id 8094866 er ukjent")


def test_a_loop_through_a_stored_party_is_refused(new_uow: Callable[[], UnitOfWork]) -> None:
    import_parties(new_uow(), [source("a.json", parties_json(HOSPITAL, WARD))])
    assert_refused(new_uow, [source("b.json", parties_json({**HOSPITAL, "parent_her_id": "3010"}))], "løkke")


def test_read_party_file_knows_the_formats() -> None:
    (entry,) = read_party_file(source("h.json", parties_json(HOSPITAL)))
    assert entry.primary and entry.local is True and entry.place == "h.json: parties[0]"
    with pytest.raises(PartyImportError, match="verken JSON"):
        read_party_file(source("x", b"\xff\xfe"))


# --- the command line ----------------------------------------------------------------------------------


def test_cli_import_and_list(samples_dir: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    nhn = tmp_path / "nhn.json"
    nhn.write_bytes(parties_json(NHN))
    files = [str(samples_dir / name) for name in (ORGANISATION, PERSON, DETAILS)]
    result = run("parties", "import", "--local", *files, str(nhn), str(samples_dir / SERVICE), home=home)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Importerte 9 parter fra 5 filer: 9 nye, 0 oppdatert, 0 uendret."

    listed = run("parties", "list", "--json", home=home)
    assert listed.returncode == 0, listed.stderr
    found = json.loads(listed.stdout)
    assert [p["her_id"] for p in found] == sorted((p["her_id"] for p in found), key=her_id_order)  # as numbers
    assert {"her_id": "8142987", "name": "KS-DIGITALE FELLESTJENESTER AS", "kind": "organisation",
            "parent_her_id": None, "local": True, "municipality": "0301"} in found
    assert {"her_id": "8143040", "name": "Bedriftshelsetjeneste", "kind": "service", "parent_her_id": "8142987",
            "local": False, "municipality": "0301"} in found
    assert {"her_id": "112374", "name": "Norsk Helsenett SF", "kind": "organisation", "parent_her_id": None,
            "local": False, "municipality": "5001"} in found

    text = run("parties", "list", home=home)
    assert "8094866  Meldingsvalidering" in text.stdout and "tjeneste" in text.stdout

    again = run("parties", "import", "--partner", str(samples_dir / ORGANISATION), home=home)
    assert again.stdout.strip() == "Importerte 3 parter fra 1 fil: 0 nye, 1 oppdatert, 2 uendret."
    relisted = {p["her_id"]: p for p in json.loads(run("parties", "list", "--json", home=home).stdout)}
    assert relisted["8142987"]["local"] is False


def test_cli_refuses_a_bad_import_in_one_line_and_stores_nothing(samples_dir: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    good = tmp_path / "god.json"
    good.write_bytes(parties_json(HOSPITAL))
    bad = tmp_path / "feil.json"
    bad.write_bytes(parties_json({**WARD, "kind": "avdeling"}))
    result = run("parties", "import", str(good), str(bad), home=home)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip() == f"Feil: {bad}: parties[0].kind: ukjent type «avdeling» (tillatt: organisation, " \
                                    "service, person)"
    not_found = run("parties", "import", str(samples_dir / NOT_FOUND), home=home)
    assert not_found.returncode == 2 and len(not_found.stderr.strip().splitlines()) == 1
    assert "fant ikke kommunikasjonsparten" in not_found.stderr
    assert json.loads(run("parties", "list", "--json", home=home).stdout) == []
    assert "Ingen kommunikasjonsparter" in run("parties", "list", home=home).stdout


def test_cli_local_and_partner_exclude_each_other(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_bytes(parties_json(HOSPITAL))
    result = run("parties", "import", "--local", "--partner", str(path), home=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "Feil: Velg enten --local eller --partner, ikke begge."


def test_cli_missing_file(tmp_path: Path) -> None:
    result = run("parties", "import", str(tmp_path / "borte.json"), home=tmp_path)
    assert result.returncode == 2 and "finnes ikke" in result.stderr


def test_type_decides_when_i_type_and_type_disagree_and_the_disagreement_is_a_note(
    new_uow: Callable[[], UnitOfWork], samples_dir: Path
) -> None:
    """Real register answers: i:type="OrganizationPerson" with <Type>Service</Type>; NHN's .NET library goes by
    Type, so does the import, and the file is imported with a note instead of refused."""
    data = (samples_dir / PERSON).read_bytes()
    assert b'i:type="OrganizationPerson"' in data and b"<Type>Person</Type>" in data
    changed = data.replace(b"<Type>Person</Type>", b"<Type>Service</Type>")
    record = read_register(changed)
    assert record.main.party.kind is SVC
    (note,) = record.main.notes
    assert "i:type «OrganizationPerson» og Type «Service» sier ulike ting; Type gjelder (tjeneste)" in note
    assert note.startswith("linje ")
    result = import_parties(new_uow(), [source("ar.xml", changed)])
    assert record.main.party.her_id in result.created
    assert result.notes == (f"ar.xml: {note}",)
    with new_uow() as uow:
        party = uow.parties.get(record.main.party.her_id)
        assert party is not None and party.kind is SVC
