"""The registers stored and used: repositories, the use cases (imports of every sample, the contact list with
its gaps and deviations, certificates and their expiry, agreements, exports) and the journal. Every case runs
on the in-memory fake, SQLite and PostgreSQL (``new_uow``)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives import serialization

from samhandling.domain.messaging.parties import Party, PartyKind
from samhandling.domain.registers.agreements import Agreement, AgreementArea, AgreementStatus
from samhandling.domain.registers.certificates import Certificate, CertificateUsage
from samhandling.domain.registers.contacts import ContactPoint, ContactPurpose
from samhandling.domain.registers.partners import (
    HIDDEN,
    Action,
    Entity,
    MessageCapability,
    Municipality,
    PartnerCategory,
)
from samhandling.domain.registers.partners import PartnerProfile as Profile
from samhandling.services.registers.agreements import (
    AGREEMENT_COLUMNS,
    AgreementFields,
    add_agreement,
    agreement_document,
    document_from,
    edit_agreement,
    export_agreements_csv,
    export_agreements_json,
    import_agreements,
    list_agreements,
)
from samhandling.services.registers.capabilities import list_capabilities, receives_summary
from samhandling.services.registers.certificates import (
    add_certificate,
    expiring_certificates,
    import_certificate_file,
    list_certificates,
    remove_certificate,
)
from samhandling.services.registers.contact_sheet import contact_sheet, contacts_html, contacts_pdf
from samhandling.services.registers.contacts import (
    CONTACT_COLUMNS,
    ContactFields,
    add_contact,
    contact_deviations,
    contact_gaps,
    deviation_json,
    edit_contact,
    export_contacts_csv,
    gap_json,
    import_contacts,
    list_contacts,
    remove_contact,
)
from samhandling.services.registers.cpp import import_cpp
from samhandling.services.registers.journal import RegisterInputError, change_json, journal_entries
from samhandling.services.registers.municipalities import (
    SEED_ACTOR,
    ensure_seeded,
    list_municipalities,
    load_seed,
    read_seed,
    resolve_municipality,
)
from samhandling.services.registers.parties import PartySource
from samhandling.services.registers.partner_files import export_partners_csv, export_partners_json, import_partners
from samhandling.services.registers.partners import PartnerFields, add_partner, edit_partner, get_partner, list_partners
from samhandling.store.errors import DuplicateError, UnknownError
from samhandling.store.messaging.parties import UnknownPartyError
from samhandling.store.registers.repositories import (
    DuplicatePartnerError,
    MunicipalityInUseError,
    UnknownMunicipalityError,
    UnknownPartnerError,
)
from samhandling.store.unit_of_work import UnitOfWork
from tests.unit.test_registers import make_certificate

NewUow = Callable[[], UnitOfWork]
NOW = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)
BY = "kari.test"
HAMAR = "1000001"
ORGANISATION = "adresseregister/get-communication-party-details-organzation-response.xml"
SERVICE = "adresseregister/get-communication-party-details-service-response.xml"
PERSON = "adresseregister/get-communication-party-details-person-response.xml"
NOT_FOUND = "adresseregister/get-communication-party-details-not-found-response.xml"
DETAILS = "cppa/CommunicationDetails_93238.xml"
CPP = "cppa/CPP_93238.xml"
CPA = "cppa/CPA_93252.xml"
NHN = {"parties": [{"her_id": "112374", "name": "Norsk Helsenett SF", "kind": "organisation",
                    "municipality": "5001"}]}


def sample(samples_dir: Path, name: str) -> PartySource:
    return PartySource(name, (samples_dir / name).read_bytes())


def text_source(name: str, text: str) -> PartySource:
    return PartySource(name, text.encode())


def hamar(new_uow: NewUow, **fields: Any) -> None:
    ensure_seeded(new_uow())
    values: dict[str, Any] = {"name": "Hamar kommune", "municipality": "3403", "category": PartnerCategory.KOMMUNE,
                              "domain": "hamar.kommune.no", **fields}
    add_partner(new_uow(), HAMAR, PartnerFields(**values), by=BY, now=NOW)


def journal(new_uow: NewUow, entity: Entity | None = None) -> list[Any]:
    return journal_entries(new_uow(), entity=entity)


def snapshot(new_uow: NewUow) -> dict[str, Any]:
    """Everything the registers and the parties hold, to show that a refused input changed nothing."""
    with new_uow() as uow:
        reg = uow.registers
        return {
            "parties": uow.parties.list(),
            "municipalities": reg.municipalities.list(),
            "partners": reg.partners.list(),
            "contacts": reg.contacts.list(),
            "certificates": reg.certificates.list(),
            "capabilities": reg.capabilities.list(),
            "agreements": reg.agreements.list(),
            "journal": len(reg.journal.list()),
        }


# --- repositories --------------------------------------------------------------------------------------


def test_register_errors_belong_to_the_store_s_families() -> None:
    assert issubclass(UnknownPartnerError, UnknownError) and issubclass(UnknownMunicipalityError, UnknownError)
    assert issubclass(DuplicatePartnerError, DuplicateError)
    assert issubclass(UnknownError, LookupError) and not issubclass(DuplicateError, LookupError)
    assert UnknownPartnerError("1").her_id == "1" and "HER-id 1" in str(DuplicatePartnerError("1"))


def test_repositories_keep_the_database_s_rules(new_uow: NewUow) -> None:
    with new_uow() as uow:
        reg = uow.registers
        with pytest.raises(UnknownPartyError):
            reg.partners.put(Profile(her_id=HAMAR))
        with pytest.raises(UnknownPartnerError):
            reg.contacts.put(ContactPoint(partner_her_id=HAMAR, purpose=ContactPurpose.FEILSOKING, name="M",
                                          email="meldingsansvarlig@hamar.kommune.no"))
        with pytest.raises(UnknownPartyError):
            reg.certificates.put(Certificate(her_id=HAMAR, serial="1", subject="CN=x", usage="signing",
                                             valid_from=NOW, valid_to=NOW + timedelta(days=1)))
        with pytest.raises(UnknownPartyError):
            reg.capabilities.replace(HAMAR, [])
        with pytest.raises(UnknownMunicipalityError):
            reg.agreements.put(Agreement(municipality="3403", area=AgreementArea.VIDEO))
        uow.parties.add(Party(her_id=HAMAR, name="Hamar kommune", kind=PartyKind.ORGANISATION))
        reg.partners.add(Profile(her_id=HAMAR, category="kommune"))
        with pytest.raises(DuplicatePartnerError):
            reg.partners.add(Profile(her_id=HAMAR))
        reg.municipalities.put(Municipality(number="3403", name="Hamar", region="Innlandet"))
        reg.agreements.put(Agreement(municipality="3403", area=AgreementArea.VIDEO))
        with pytest.raises(MunicipalityInUseError):
            reg.municipalities.remove("3403")
        caps = [MessageCapability(her_id=HAMAR, service="S", action=a, message_version="1.6") for a in ("B", "A")]
        reg.capabilities.replace(HAMAR, caps)
        assert [c.action for c in reg.capabilities.list(HAMAR)] == ["A", "B"]
        reg.capabilities.replace(HAMAR, caps[:1])
        assert [c.action for c in reg.capabilities.list()] == ["B"]
        uow.commit()
    with new_uow() as uow:
        assert uow.registers.partners.get(HAMAR) == Profile(her_id=HAMAR, category="kommune")
        assert uow.registers.agreements.get("3403", AgreementArea.VIDEO) is not None


def test_what_is_not_committed_is_rolled_back(new_uow: NewUow) -> None:
    ensure_seeded(new_uow())
    with new_uow() as uow:
        uow.registers.municipalities.put(Municipality(number="9999", name="Prøve"))
        uow.registers.agreements.put(Agreement(municipality="3403", area=AgreementArea.VIDEO))
    with new_uow() as uow:
        assert uow.registers.municipalities.get("9999") is None
        assert uow.registers.agreements.list() == []


def test_every_field_of_every_record_comes_back(new_uow: NewUow) -> None:
    hamar(new_uow)
    contact = ContactPoint(partner_her_id=HAMAR, purpose=ContactPurpose.AKUTT_NEDETID, name="IKT-vakt",
                           email="ikt.vakt@hamar.kommune.no", phone="+47 62 56 30 00", staffed_24_7=True)
    oslo = NOW.astimezone(ZoneInfo("Europe/Oslo"))
    certificate = Certificate(her_id=HAMAR, serial="00ab", subject="CN=HAMAR KOMMUNE", usage="encryption",
                              valid_from=oslo, valid_to=oslo + timedelta(days=3, microseconds=7), issuer="CN=CA")
    agreement = Agreement(municipality="3403", area=AgreementArea.HJEMMEOPPFOLGING, status=AgreementStatus.SIGNERT,
                          signed_on=date(2024, 1, 2), valid_from=date(2024, 2, 1), valid_to=date(2026, 1, 31),
                          contact="Avtaleansvarlig", note="Gjelder også Stange")
    with new_uow() as uow:
        uow.registers.contacts.put(contact)
        uow.registers.certificates.put(certificate)
        uow.registers.agreements.put(agreement)
        uow.registers.agreements.set_document("3403", AgreementArea.HJEMMEOPPFOLGING,
                                              document_from("avtale.pdf", b"%PDF-1.4 \x00\xff"))
        uow.commit()
    with new_uow() as uow:
        assert uow.registers.contacts.list() == [contact]
        assert uow.registers.certificates.get(HAMAR, "AB") == certificate
        stored = uow.registers.agreements.get("3403", AgreementArea.HJEMMEOPPFOLGING)
        assert stored is not None and stored.values() == {**agreement.values(), "document_name": "avtale.pdf",
                                                          "document_sha256": stored.document_sha256}
        assert stored.document_size == 11
        document = uow.registers.agreements.document("3403", AgreementArea.HJEMMEOPPFOLGING)
        assert document is not None and document.content == b"%PDF-1.4 \x00\xff"


# --- seed ----------------------------------------------------------------------------------------------


def test_the_seed_is_applied_on_first_use_only(new_uow: NewUow) -> None:
    assert ensure_seeded(new_uow()) is True
    assert ensure_seeded(new_uow()) is False
    assert len(list_municipalities(new_uow())) == 46
    entries = journal(new_uow, Entity.MUNICIPALITY)
    assert len(entries) == 46 and entries[0].by == SEED_ACTOR and entries[0].action is Action.CREATED
    assert resolve_municipality(new_uow(), "hamar").number == "3403"
    assert resolve_municipality(new_uow(), "3454").name == "Vang"
    with pytest.raises(RegisterInputError, match="Ingen kommune heter"):
        resolve_municipality(new_uow(), "Oslo")
    with pytest.raises(RegisterInputError, match="0301"):
        resolve_municipality(new_uow(), "0301")


def test_another_region_loads_its_own(new_uow: NewUow) -> None:
    ensure_seeded(new_uow())
    add_agreement(new_uow(), "3403", AgreementArea.VIDEO, AgreementFields(), by=BY)
    own = read_seed(json.dumps({"region": "Trøndelag", "municipalities": [
        {"number": "5001", "name": "Trondheim"}, {"number": "3403", "name": "Hamar"}]}).encode())
    before = snapshot(new_uow)
    with pytest.raises(RegisterInputError, match="3403"):  # it has an agreement: it cannot go
        load_seed(new_uow(), read_seed(json.dumps({"municipalities": [
            {"number": "5001", "name": "Trondheim"}]}).encode()), by=BY, replace_all=True)
    assert snapshot(new_uow) == before
    result = load_seed(new_uow(), own, by=BY, replace_all=True)
    assert (result.created, result.updated, result.unchanged, result.removed) == (1, 1, 0, 45)
    assert [m.number for m in list_municipalities(new_uow())] == ["3403", "5001"]


# --- partners ------------------------------------------------------------------------------------------


def test_every_register_sample_imports_as_partners(new_uow: NewUow, samples_dir: Path) -> None:
    ensure_seeded(new_uow())
    nhn = text_source("nhn.json", json.dumps(NHN))
    result = import_partners(
        new_uow(), [sample(samples_dir, n) for n in (ORGANISATION, PERSON, SERVICE, DETAILS)] + [nhn], by=BY, now=NOW
    )
    assert set(result.parties_created) == {"8142987", "8143040", "8143060", "115522", "84556", "8094866", "112374",
                                           "93238", "93237"}
    assert set(result.partners_created) == {"8142987", "84556", "112374", "93237"}
    partners = {v.party.her_id: v for v in list_partners(new_uow()).partners}
    assert {k: v.profile.organisation_number for k, v in partners.items()} == {
        "8142987": "931796003", "84556": "973942425", "112374": "994598759", "93237": "999944999"}
    assert all(v.profile.category is PartnerCategory.ANNEN and v.profile.active for v in partners.values())
    details = get_partner(new_uow(), "8142987")
    assert [(d, p.her_id) for d, p in details.members] == [(1, "8143040"), (1, "8143060")]
    person = get_partner(new_uow(), "84556")
    assert [p.name for _, p in person.members] == ["Anne-Marie Bach"]
    # The journal has the parties, but not the names of persons.
    party_entries = {e.key: e for e in journal(new_uow, Entity.PARTY)}
    assert party_entries["115522"].changes["name"] == {"before": None, "after": "(person)"}
    assert party_entries["84556"].changes["name"]["after"] == "Tysnes Helsesenter"
    assert "Anne-Marie" not in json.dumps([change_json(e) for e in journal(new_uow)])
    # Again: nothing changes, nothing is journaled.
    count = len(journal(new_uow))
    again = import_partners(new_uow(), [sample(samples_dir, ORGANISATION)], by=BY)
    assert again.partners == () and again.parties_created == () and len(journal(new_uow)) == count


def test_import_sets_the_category_and_keeps_the_profile(new_uow: NewUow, samples_dir: Path) -> None:
    import_partners(new_uow(), [sample(samples_dir, PERSON)], by=BY, category=PartnerCategory.LEGEKONTOR)
    edit_partner(new_uow(), "84556", PartnerFields(epj_system="CGM Allmenn", domain="tysnes.kommune.no"), by=BY)
    result = import_partners(new_uow(), [sample(samples_dir, PERSON)], by=BY)
    assert result.partners == ()
    profile = get_partner(new_uow(), "84556").view.profile
    assert (profile.category, profile.epj_system, profile.domain) == (
        PartnerCategory.LEGEKONTOR, "CGM Allmenn", "tysnes.kommune.no")


def test_export_as_json_imports_again(new_uow: NewUow, samples_dir: Path, tmp_path: Path) -> None:
    hamar(new_uow, epj_system="Gerica", epj_version="9.1", comm_module="Visma Link", comm_version="3.2")
    import_partners(new_uow(), [sample(samples_dir, ORGANISATION)], by=BY, category=PartnerCategory.ANNEN)
    exported = export_partners_json(new_uow())
    assert [p["her_id"] for p in exported["partners"]] == [HAMAR, "8142987"]
    assert {p["her_id"] for p in exported["parties"]} == {HAMAR, "8142987", "8143040", "8143060"}
    before = snapshot(new_uow)
    result = import_partners(new_uow(), [text_source("export.json", json.dumps(exported))], by=BY)
    assert result.partners == () and snapshot(new_uow) == before
    # The same export on an empty store gives the same registers.
    csv_text = export_partners_csv(new_uow())
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert rows[0]["name"] == "Hamar kommune" and rows[0]["epj_system"] == "Gerica" and rows[0]["active"] == "ja"
    assert rows[0]["municipality_name"] == "Hamar" and rows[1]["organisation_number"] == "931796003"


@pytest.mark.parametrize(("files", "text"), [
    ([NOT_FOUND], "fant ikke"),
    ([SERVICE], "overordnet part 112374"),
    ([ORGANISATION, ORGANISATION], "to ganger"),
])
def test_a_bad_partner_import_changes_nothing(
    new_uow: NewUow, samples_dir: Path, files: list[str], text: str
) -> None:
    hamar(new_uow)
    before = snapshot(new_uow)
    with pytest.raises(RegisterInputError, match=text):
        import_partners(new_uow(), [sample(samples_dir, n) for n in files], by=BY)
    assert snapshot(new_uow) == before


@pytest.mark.parametrize(("document", "text"), [
    ({"parties": [], "partners": [{"her_id": "4"}]}, "verken registrert eller med i importen"),
    ({"parties": [], "partners": [{"her_id": HAMAR, "colour": "blå"}]}, "ukjent felt «colour»"),
    ({"parties": [], "partners": [{"her_id": HAMAR, "active": "ja"}]}, "true eller false"),
    ({"parties": [], "partners": [{"her_id": HAMAR, "domain": "hamar"}]}, "domenenavn"),
    ({"parties": [], "partners": [{"her_id": HAMAR}, {"her_id": HAMAR}]}, "to ganger"),
    ({"parties": [], "partners": {}}, "liste"),
    ({"parties": [{"her_id": "5", "kind": "organisation"}]}, "mangler name"),
])
def test_a_bad_partner_json_changes_nothing(new_uow: NewUow, document: dict[str, Any], text: str) -> None:
    hamar(new_uow)
    before = snapshot(new_uow)
    with pytest.raises(RegisterInputError, match=text):
        import_partners(new_uow(), [text_source("p.json", json.dumps(document))], by=BY)
    assert snapshot(new_uow) == before


def test_add_and_edit_a_partner_are_journaled(new_uow: NewUow) -> None:
    hamar(new_uow)
    assert len(list_partners(new_uow()).to_be) == 45
    with pytest.raises(RegisterInputError, match="finnes allerede"):
        add_partner(new_uow(), HAMAR, PartnerFields(), by=BY)
    with pytest.raises(RegisterInputError, match="--name"):
        add_partner(new_uow(), "2000002", PartnerFields(), by=BY)
    with pytest.raises(RegisterInputError, match="kontrollsiffer"):
        add_partner(new_uow(), "2000002", PartnerFields(name="Elverum kommune", organisation_number="123456789"),
                    by=BY)
    with pytest.raises(RegisterInputError, match="ukjent"):
        add_partner(new_uow(), "2000002", PartnerFields(name="Legevakt", parent_her_id="7"), by=BY)
    later = NOW + timedelta(hours=2)
    fields = PartnerFields(name="Hamar kommune, helse", organisation_number="944117784", epj_system="Gerica",
                           domain="", active=False)
    view = edit_partner(new_uow(), HAMAR, fields, by="ola", now=later)
    assert (view.party.name, view.profile.domain, view.profile.active) == ("Hamar kommune, helse", None, False)
    entries = journal(new_uow)
    assert [(e.entity, e.key, e.action, e.by) for e in entries[-4:]] == [
        (Entity.PARTY, HAMAR, Action.CREATED, BY),
        (Entity.PARTNER, HAMAR, Action.CREATED, BY),
        (Entity.PARTY, HAMAR, Action.UPDATED, "ola"),
        (Entity.PARTNER, HAMAR, Action.UPDATED, "ola"),
    ]
    assert entries[-1].at == later
    assert entries[-1].changes == {
        "active": {"before": True, "after": False},
        "domain": {"before": "hamar.kommune.no", "after": None},
        "epj_system": {"before": None, "after": "Gerica"},
        "organisation_number": {"before": None, "after": "944117784"},
    }
    count = len(entries)
    edit_partner(new_uow(), HAMAR, PartnerFields(epj_system="Gerica"), by=BY)
    assert len(journal(new_uow)) == count  # no change, no entry
    assert contact_gaps(new_uow()) == []  # an inactive partner has no gaps


def test_search_by_name_her_id_and_municipality(new_uow: NewUow, samples_dir: Path) -> None:
    hamar(new_uow)
    import_partners(new_uow(), [sample(samples_dir, ORGANISATION)], by=BY)

    def found(**query: Any) -> list[str]:
        return [v.party.her_id for v in list_partners(new_uow(), **query).partners]

    assert found(search="hamar") == [HAMAR]
    assert found(search="BEDRIFTSHELSE") == ["8142987"]  # a service's name finds its partner
    assert found(search="8143060") == ["8142987"]
    assert found(search="3403") == [HAMAR]
    assert found(municipality="Hamar") == [HAMAR]
    assert found(search="finnes ikke") == []
    assert [m.number for m in list_partners(new_uow(), search="toten").to_be] == ["3442", "3443"]
    assert list_partners(new_uow(), active=True).to_be == []


# --- CPP, CPA and communication details ----------------------------------------------------------------


def test_the_cpp_gives_receivable_messages_and_certificates(new_uow: NewUow, samples_dir: Path) -> None:
    import_partners(new_uow(), [sample(samples_dir, DETAILS)], by=BY, category=PartnerCategory.LEGEKONTOR)
    result = import_cpp(new_uow(), "93238", sample(samples_dir, CPP), by=BY, now=NOW)
    assert (result.label, result.capabilities) == ("CPP db5342ce-2e56-47b6-b4dc-054969f96f6f", 14)
    assert set(result.certificates_created) == {"10A2DC098EEB4FC80678", "10A3F7E99720077E30AA"}
    capabilities = list_capabilities(new_uow(), "93238")
    assert {(c.action, c.message_version) for c in capabilities} >= {
        ("DIALOG_INNBYGGER_DIGITALBRUKER", "1.1"), ("APPREC", "1.1"), ("Svar", "1.1")}
    details = get_partner(new_uow(), "93237")  # the partner shows what its person can receive
    assert len(details.capabilities) == 14 and len(details.certificates) == 2
    summary = receives_summary(details.capabilities)
    assert "APPREC 1.1" in summary and "Svar 1.1" in summary
    entry = journal(new_uow, Entity.CAPABILITIES)[-1]
    assert entry.key == "93238" and entry.action is Action.CREATED and len(entry.changes["receives"]["after"]) == 14
    # The CPA replaces what the party receives; the certificates are the same ones.
    again = import_cpp(new_uow(), "93238", sample(samples_dir, CPA), by=BY)
    assert again.capabilities == 13 and set(again.certificates_unchanged) == set(result.certificates_created)
    assert len(list_capabilities(new_uow(), "93238")) == 13
    assert journal(new_uow, Entity.CAPABILITIES)[-1].action is Action.UPDATED


def test_the_cpa_imports_for_either_party(new_uow: NewUow, samples_dir: Path) -> None:
    add_partner(new_uow(), "93252", PartnerFields(name="Testlege Testlege", kind=PartyKind.PERSON), by=BY)
    result = import_cpp(new_uow(), "93252", sample(samples_dir, CPA), by=BY)
    assert result.capabilities == 13
    assert {c.serial for c in list_certificates(new_uow(), "93252")} == {"1D5BE79F34C56E4E944E",
                                                                           "1D5A932BB4694CDC8EC4"}


def test_communication_details_through_import_cpp(new_uow: NewUow, samples_dir: Path) -> None:
    result = import_cpp(new_uow(), "93238", sample(samples_dir, DETAILS), by=BY)
    assert result.partner_import is not None and result.partner_import.partners_created == ("93237",)
    with pytest.raises(RegisterInputError, match="gjelder HER-id 93238, ikke 93237"):
        import_cpp(new_uow(), "93237", sample(samples_dir, DETAILS), by=BY)


@pytest.mark.parametrize(("her_id", "name", "text"), [
    ("93238", CPP, "ikke registrert"),
    ("93237", CPP, "gjelder HER-id 93238, ikke 93237"),
    ("93237", CPA, "93238, 93252, ikke 93237"),
    ("93238", NOT_FOUND, "fant ikke"),
])
def test_a_cpp_that_does_not_fit_changes_nothing(
    new_uow: NewUow, samples_dir: Path, her_id: str, name: str, text: str
) -> None:
    if her_id == "93237":
        import_partners(new_uow(), [sample(samples_dir, DETAILS)], by=BY)
    before = snapshot(new_uow)
    with pytest.raises(RegisterInputError, match=text):
        import_cpp(new_uow(), her_id, sample(samples_dir, name), by=BY)
    assert snapshot(new_uow) == before


# --- certificates --------------------------------------------------------------------------------------


def test_certificates_add_import_expire_and_are_journaled(new_uow: NewUow, tmp_path: Path) -> None:
    hamar(new_uow)
    soon = Certificate(her_id=HAMAR, serial="0A", subject="CN=HAMAR KOMMUNE", usage=CertificateUsage.SIGNING,
                       valid_from=NOW - timedelta(days=1000), valid_to=NOW + timedelta(days=10))
    add_certificate(new_uow(), soon, by=BY, now=NOW)
    with pytest.raises(RegisterInputError, match="allerede registrert"):
        add_certificate(new_uow(), soon, by=BY)
    with pytest.raises(RegisterInputError, match="Ingen kommunikasjonspart"):
        add_certificate(new_uow(), Certificate(**{**soon.__dict__, "her_id": "404"}), by=BY)
    assert [(n.certificate.serial, n.days_left) for n in expiring_certificates(new_uow(), now=NOW)] == [("A", 10)]
    assert expiring_certificates(new_uow(), now=NOW, within_days=5) == []
    # The successor, read from a PEM file: the old one is no longer reported.
    pem = make_certificate(serial=0xB, days=3 * 365).public_bytes(serialization.Encoding.PEM)
    imported = import_certificate_file(new_uow(), HAMAR, PartySource("ny.pem", pem), by=BY)
    assert [(c.serial, c.usage, outcome) for c, outcome in imported] == [("B", CertificateUsage.SIGNING, "created")]
    assert import_certificate_file(new_uow(), HAMAR, PartySource("ny.pem", pem), by=BY)[0][1] == "unchanged"
    assert expiring_certificates(new_uow(), now=NOW) == []
    assert [n.certificate.serial for n in expiring_certificates(new_uow(), now=NOW + timedelta(days=3 * 365))] == [
        "B"]
    remove_certificate(new_uow(), HAMAR, "A", by=BY)
    with pytest.raises(RegisterInputError, match="ikke noe sertifikat"):
        remove_certificate(new_uow(), HAMAR, "A", by=BY)
    assert [(e.key, e.action) for e in journal(new_uow, Entity.CERTIFICATE)] == [
        (f"{HAMAR}/A", Action.CREATED), (f"{HAMAR}/B", Action.CREATED), (f"{HAMAR}/A", Action.DELETED)]


def test_a_certificate_file_whose_usage_is_unknown_needs_it_said(new_uow: NewUow) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    hamar(new_uow)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "HAMAR KOMMUNE")])
    bare = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(77).not_valid_before(NOW).not_valid_after(NOW + timedelta(days=9))
            .sign(key, hashes.SHA256())).public_bytes(serialization.Encoding.DER)
    before = snapshot(new_uow)
    with pytest.raises(RegisterInputError, match="--usage"):
        import_certificate_file(new_uow(), HAMAR, PartySource("x.der", bare), by=BY)
    with pytest.raises(RegisterInputError, match="PEM"):
        import_certificate_file(new_uow(), HAMAR, PartySource("x.txt", b"tull"), by=BY)
    assert snapshot(new_uow) == before
    ((found, _),) = import_certificate_file(new_uow(), HAMAR, PartySource("x.der", bare), by=BY,
                                            usage=CertificateUsage.ENCRYPTION)
    assert (found.serial, found.usage) == ("4D", CertificateUsage.ENCRYPTION)


# --- contacts ------------------------------------------------------------------------------------------


CONTACTS = """partner_her_id,purpose,name,email,phone,staffed_24_7
1000001,feilsoking,Meldingsansvarlig Hamar,meldingsansvarlig@hamar.kommune.no,62 56 30 00,nei
1000001,planlagt_nedetid,Meldingsansvarlig Hamar,meldingsansvarlig@hamar.kommune.no,62 56 30 00,nei
1000001,akutt_nedetid,Kari Nordmann,kari.nordmann@hamar.kommune.no,,ja
1000001,sertifikat,IKT-servicedesk,servicedesk@hamar.kommune.no,+47 62 56 31 00,ja
"""


def test_contacts_import_gaps_deviations_and_export(new_uow: NewUow, samples_dir: Path) -> None:
    hamar(new_uow)
    import_partners(new_uow(), [sample(samples_dir, ORGANISATION)], by=BY)
    result = import_contacts(new_uow(), text_source("kontakter.csv", CONTACTS), by=BY, now=NOW)
    assert len(result.created) == 4
    assert [gap_json(g) for g in contact_gaps(new_uow())] == [
        {"partner_her_id": "8142987", "missing": ["feilsoking", "planlagt_nedetid", "akutt_nedetid", "sertifikat"]}]
    assert [deviation_json(d) for d in contact_deviations(new_uow())] == [
        {"partner_her_id": HAMAR, "purpose": "akutt_nedetid", "email": "kari.nordmann@hamar.kommune.no",
         "reason": "not_standard_address"},
        {"partner_her_id": HAMAR, "purpose": "akutt_nedetid", "email": "kari.nordmann@hamar.kommune.no",
         "reason": "personal_address"},
        {"partner_her_id": HAMAR, "purpose": "akutt_nedetid", "email": "kari.nordmann@hamar.kommune.no",
         "reason": "missing_phone"},
        {"partner_her_id": HAMAR, "purpose": "sertifikat", "email": "servicedesk@hamar.kommune.no",
         "reason": "not_standard_address"},
    ]
    exported = export_contacts_csv(new_uow())
    assert exported.splitlines()[0] == ",".join(CONTACT_COLUMNS)
    assert "1000001,akutt_nedetid,Kari Nordmann,kari.nordmann@hamar.kommune.no,,ja" in exported
    again = import_contacts(new_uow(), text_source("eksport.csv", exported), by=BY)
    assert len(again.unchanged) == 4 and again.created == again.updated == ()
    # Semicolons (a Norwegian spreadsheet) and a byte order mark work too; a change replaces the contact point.
    changed = "\ufeffpartner_her_id;purpose;name;email;phone;staffed_24_7\n" \
              "1000001;akutt_nedetid;IKT-vakt;meldingsansvarlig@hamar.kommune.no;90000000;ja\n"
    assert import_contacts(new_uow(), text_source("k.csv", changed), by="ola").updated == ("1000001/akutt_nedetid",)
    entry = journal(new_uow, Entity.CONTACT)[-1]
    assert (entry.by, entry.action, entry.key) == ("ola", Action.UPDATED, "1000001/akutt_nedetid")
    assert entry.changes == {
        "email": {"before": "kari.nordmann@hamar.kommune.no", "after": "meldingsansvarlig@hamar.kommune.no"},
        "name": {"before": "Kari Nordmann", "after": "IKT-vakt"},
        "phone": {"before": None, "after": HIDDEN},
    }
    assert "62563000" not in json.dumps([change_json(e) for e in journal(new_uow)])


@pytest.mark.parametrize(("row", "text"), [
    ("9999999,feilsoking,M,meldingsansvarlig@x.no,,nei",
     "rad 3, partner_her_id: ingen samarbeidspart med HER-id 9999999"),
    ("1000001,feilsoking,M,meldingsansvarlig(at)hamar.no,,nei", "rad 3, email: E-postadressen"),
    ("1000001,feilsoking,M,meldingsansvarlig@hamar.kommune.no,12 34,nei", "rad 3, phone: Telefonnummeret"),
    ("1000001,nedetid,M,meldingsansvarlig@hamar.kommune.no,,nei", "rad 3, purpose: ukjent formål «nedetid»"),
    ("1000001,sertifikat,M,meldingsansvarlig@hamar.kommune.no,,kanskje", "rad 3, staffed_24_7"),
    ("1000001,planlagt_nedetid,M,meldingsansvarlig@hamar.kommune.no,,nei",
     "rad 3, purpose: HER-id 1000001 har allerede"),
    ("1000001,feilsoking,,meldingsansvarlig@hamar.kommune.no,,nei", "rad 3, name: mangler"),
    ("1000001,feilsoking,M", "rad 3: har 3 felt"),
    ("12a,feilsoking,M,meldingsansvarlig@hamar.kommune.no,,nei", "rad 3, partner_her_id: HER-id «12a»"),
])
def test_a_bad_contact_row_names_row_and_field_and_changes_nothing(new_uow: NewUow, row: str, text: str) -> None:
    hamar(new_uow)
    good = "1000001,planlagt_nedetid,Meldingsansvarlig,meldingsansvarlig@hamar.kommune.no,62563000,nei"
    before = snapshot(new_uow)
    data = f"{','.join(CONTACT_COLUMNS)}\n{good}\n{row}\n"
    with pytest.raises(RegisterInputError) as caught:
        import_contacts(new_uow(), text_source("kontakter.csv", data), by=BY)
    assert str(caught.value).startswith("kontakter.csv: ") and text in str(caught.value)
    assert snapshot(new_uow) == before


@pytest.mark.parametrize(("data", "text"), [
    (b"", "tom"),
    (b"partner_her_id,purpose,name,email,phone\n", "kolonnen «staffed_24_7» mangler"),
    (b"partner_her_id,purpose,name,email,phone,staffed_24_7,extra\n", "ukjent kolonne «extra»"),
    ("partner_her_id,purpose,name,email,phone,staffed_24_7\n1000001,feilsoking,Bjørn".encode("latin-1"), "UTF-8"),
])
def test_a_bad_contact_file_is_refused(new_uow: NewUow, data: bytes, text: str) -> None:
    hamar(new_uow)
    with pytest.raises(RegisterInputError, match=text):
        import_contacts(new_uow(), PartySource("k.csv", data), by=BY)


def test_add_edit_remove_a_contact(new_uow: NewUow) -> None:
    hamar(new_uow)
    point = ContactPoint(partner_her_id=HAMAR, purpose=ContactPurpose.SERTIFIKAT, name="Meldingsansvarlig",
                         email="meldingsansvarlig@hamar.kommune.no")
    add_contact(new_uow(), point, by=BY)
    with pytest.raises(RegisterInputError, match="allerede"):
        add_contact(new_uow(), point, by=BY)
    with pytest.raises(RegisterInputError, match="Ingen samarbeidspart"):
        add_contact(new_uow(), ContactPoint(**{**point.__dict__, "partner_her_id": "404"}), by=BY)
    with pytest.raises(RegisterInputError, match="Telefonnummeret"):
        edit_contact(new_uow(), HAMAR, ContactPurpose.SERTIFIKAT, ContactFields(phone="1"), by=BY)
    edited = edit_contact(new_uow(), HAMAR, ContactPurpose.SERTIFIKAT,
                          ContactFields(phone="62563000", staffed_24_7=True), by=BY)
    assert (edited.phone, edited.staffed_24_7, edited.name) == ("+4762563000", True, "Meldingsansvarlig")
    remove_contact(new_uow(), HAMAR, ContactPurpose.SERTIFIKAT, by=BY)
    assert list_contacts(new_uow()) == []
    assert [e.action for e in journal(new_uow, Entity.CONTACT)] == [Action.CREATED, Action.UPDATED, Action.DELETED]
    with pytest.raises(RegisterInputError):
        list_contacts(new_uow(), "404")


def pdf_text(html_text: str) -> str:
    """The text WeasyPrint lays out for an HTML document (what the PDF shows)."""
    from weasyprint import HTML  # type: ignore[import-untyped]
    from weasyprint.formatting_structure import boxes  # type: ignore[import-untyped]

    document = HTML(string=html_text).render()
    found: list[str] = []

    def walk(box: Any) -> None:
        if isinstance(box, boxes.TextBox):
            found.append(box.text)
        for child in getattr(box, "children", None) or []:
            walk(child)

    for page in document.pages:
        walk(page._page_box)
    return " ".join(found)


def test_the_contact_list_as_pdf(new_uow: NewUow, samples_dir: Path) -> None:
    hamar(new_uow)
    import_partners(new_uow(), [sample(samples_dir, ORGANISATION)], by=BY)
    import_contacts(new_uow(), text_source("k.csv", CONTACTS), by=BY)
    add_partner(new_uow(), "3000003", PartnerFields(name="<Løten & co>"), by=BY)
    data = contacts_pdf(new_uow(), now=NOW)
    assert data.startswith(b"%PDF-")
    page = contacts_html(contact_sheet(new_uow(), now=NOW))
    assert "&lt;Løten &amp; co&gt;" in page and "<Løten" not in page
    shown = pdf_text(page)
    for expected in ("Kontakt- og varslingsliste", "Hamar kommune", "KS-DIGITALE FELLESTJENESTER AS", "<Løten & co>",
                     "meldingsansvarlig@hamar.kommune.no", "Døgnbemannet", "Mangler kontaktpunkt",
                     "Akutt nedetid og uforutsette hendelser", "ser ut som en personlig adresse"):
        assert expected in shown, expected


# --- agreements ----------------------------------------------------------------------------------------


def test_agreements_add_edit_list_and_document(new_uow: NewUow) -> None:
    ensure_seeded(new_uow())
    document = document_from("avtale.pdf", b"%PDF-1.7 avtale")
    added = add_agreement(
        new_uow(), "Hamar", AgreementArea.VIDEO,
        AgreementFields(status=AgreementStatus.SIGNERT, signed_on="2024-05-01", valid_to="2025-04-30",
                      contact="Avtaleansvarlig helse"),
        by=BY, document=document, now=NOW,
    )
    assert (added.municipality, added.document_name, added.document_size) == ("3403", "avtale.pdf", 15)
    with pytest.raises(RegisterInputError, match="allerede"):
        add_agreement(new_uow(), "3403", AgreementArea.VIDEO, AgreementFields(), by=BY)
    with pytest.raises(RegisterInputError, match="signeringsdato"):
        add_agreement(new_uow(), "3405", AgreementArea.VIDEO, AgreementFields(status=AgreementStatus.SIGNERT),
                      by=BY)
    with pytest.raises(RegisterInputError, match="ÅÅÅÅ-MM-DD"):
        add_agreement(new_uow(), "3405", AgreementArea.VIDEO, AgreementFields(valid_to="30.04.2025"), by=BY)
    with pytest.raises(RegisterInputError, match="Ingen kommune"):
        add_agreement(new_uow(), "Bergen", AgreementArea.VIDEO, AgreementFields(), by=BY)
    add_agreement(new_uow(), "3405", AgreementArea.JOURNALTILGANG, AgreementFields(), by=BY)
    day = date(2025, 6, 1)
    assert [a.key for a in list_agreements(new_uow(), status=AgreementStatus.UTLOPT, today=day)] == ["3403/video"]
    assert [a.key for a in list_agreements(new_uow(), municipality="Lillehammer")] == ["3405/journaltilgang"]
    edited = edit_agreement(new_uow(), "3403", AgreementArea.VIDEO,
                            AgreementFields(valid_to="", note="Fornyet"), by="ola",
                            document=document_from("ny.pdf", b"%PDF ny"))
    assert (edited.valid_to, edited.note, edited.document_name) == (None, "Fornyet", "ny.pdf")
    assert agreement_document(new_uow(), "3403", AgreementArea.VIDEO).content == b"%PDF ny"
    with pytest.raises(RegisterInputError, match="ikke noe dokument"):
        agreement_document(new_uow(), "3405", AgreementArea.JOURNALTILGANG)
    entry = journal(new_uow, Entity.AGREEMENT)[-1]
    assert (entry.by, entry.key, entry.action) == ("ola", "3403/video", Action.UPDATED)
    assert entry.changes["document_name"] == {"before": "avtale.pdf", "after": "ny.pdf"}
    assert entry.changes["valid_to"] == {"before": "2025-04-30", "after": None}
    # A partner of category kommune shows its municipality's agreements.
    add_partner(new_uow(), HAMAR, PartnerFields(name="Hamar kommune", municipality="3403",
                                                category=PartnerCategory.KOMMUNE), by=BY)
    assert [a.area for a in get_partner(new_uow(), HAMAR).agreements] == [AgreementArea.VIDEO]


def test_agreements_import_and_export(new_uow: NewUow) -> None:
    ensure_seeded(new_uow())
    data = ("municipality,area,status,signed_on,valid_from,valid_to,contact,note\n"
            "3403,video,signert,2024-05-01,2024-06-01,2026-05-31,Avtaleansvarlig,\n"
            "Elverum,hjemmeoppfolging,under_arbeid,,,,,Utkast sendt\n")
    result = import_agreements(new_uow(), text_source("avtaler.csv", data), by=BY)
    assert result.created == ("3403/video", "3420/hjemmeoppfolging")
    exported = export_agreements_csv(new_uow())
    assert exported.splitlines()[1] == "3403,video,signert,2024-05-01,2024-06-01,2026-05-31,Avtaleansvarlig,"
    assert len(import_agreements(new_uow(), text_source("eksport.csv", exported), by=BY).unchanged) == 2
    as_json = export_agreements_json(new_uow(), today=date(2026, 6, 1))
    assert as_json["agreements"][0]["effective_status"] == "utlopt"
    again = import_agreements(new_uow(), text_source("eksport.json", json.dumps(as_json)), by=BY)
    assert len(again.unchanged) == 2


@pytest.mark.parametrize(("row", "text"), [
    ("0301,video,under_arbeid,,,,,", "rad 3, municipality: Kommune 0301 finnes ikke"),
    ("3403,telefoni,under_arbeid,,,,,", "rad 3, area: ukjent område «telefoni»"),
    ("3403,journaltilgang,ferdig,,,,,", "rad 3, status: ukjent status «ferdig»"),
    ("3403,journaltilgang,signert,,,,,", "rad 3: En signert avtale må ha signeringsdato"),
    ("3403,journaltilgang,under_arbeid,,2025-13-01,,,", "rad 3, valid_from"),
    ("3403,video,under_arbeid,,,,,", "står to ganger"),
])
def test_a_bad_agreement_import_changes_nothing(new_uow: NewUow, row: str, text: str) -> None:
    ensure_seeded(new_uow())
    before = snapshot(new_uow)
    data = f"{','.join(AGREEMENT_COLUMNS)}\n3403,video,under_arbeid,,,,,\n{row}\n"
    with pytest.raises(RegisterInputError) as caught:
        import_agreements(new_uow(), text_source("avtaler.csv", data), by=BY)
    assert text in str(caught.value)
    assert snapshot(new_uow) == before


def test_the_journal_is_oldest_first_and_can_be_limited(new_uow: NewUow) -> None:
    hamar(new_uow)
    everything = journal(new_uow)
    newest = journal_entries(new_uow(), limit=2)
    assert newest == everything[-2:]
    assert journal_entries(new_uow(), entity=Entity.PARTNER, key=HAMAR)[0].action is Action.CREATED
    assert journal_entries(new_uow(), key="404") == []
    ids = [e.id for e in everything]
    assert ids == sorted(ids) and None not in ids
