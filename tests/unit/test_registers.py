"""The rules of the cooperation's registers, without storage: partner profiles and identifiers, the contact
list's purposes, standard and personal addresses, gaps and deviations, certificate usage and expiry, agreement
statuses, the journal's change summary, the seed of Innlandet, and the CPP/CPA and certificate readers."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from samhandling.domain.registers.agreements import Agreement, AgreementArea, AgreementStatus
from samhandling.domain.registers.certificates import (
    Certificate,
    CertificateUsage,
    expiring,
    normalise_serial,
    usage_from_key_usage,
)
from samhandling.domain.registers.contacts import (
    ContactPoint,
    ContactPurpose,
    DeviationReason,
    email_problem,
    find_deviations,
    find_gaps,
    looks_personal,
    normalise_phone,
    standard_address,
)
from samhandling.domain.registers.partners import (
    HIDDEN,
    Municipality,
    PartnerProfile,
    field_changes,
    organisation_number_problem,
)
from samhandling.services.registers.municipalities import bundled_seed, read_seed
from samhandling.standards.cpp import CppError, read_certificates, read_cpp, read_register_details
from samhandling.standards.parsing import parse_xml

NOW = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)
CPP = "cppa/CPP_93238.xml"
CPA = "cppa/CPA_93252.xml"
DETAILS = "cppa/CommunicationDetails_93238.xml"


# --- identifiers and profiles ----------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["931796003", "973942425", "994598759", "983971709"])
def test_valid_organisation_numbers(number: str) -> None:
    assert organisation_number_problem(number) is None


@pytest.mark.parametrize(("number", "text"), [
    ("931796004", "kontrollsiffer"),
    ("999944999", "kontrollsiffer"),  # the remainder gives 10: no valid check digit
    ("93179600", "ni sifre"),
    ("93179600x", "ni sifre"),
    ("９３１７９６００３", "ni sifre"),  # full-width digits are not ASCII digits
])
def test_invalid_organisation_numbers(number: str, text: str) -> None:
    problem = organisation_number_problem(number)
    assert problem is not None and text in problem


def test_the_register_s_organisation_number_is_checked_for_form_only() -> None:
    assert organisation_number_problem("999944999", check_digit=False) is None
    assert PartnerProfile(her_id="93237", organisation_number="999944999").organisation_number == "999944999"
    with pytest.raises(ValueError, match="ni sifre"):
        PartnerProfile(her_id="93237", organisation_number="12345")


def test_a_profile_cleans_its_texts_and_lower_cases_its_domain() -> None:
    profile = PartnerProfile(her_id="1000001", domain=" Hamar.Kommune.NO ", epj_system="  Gerica \n", note="")
    assert profile.domain == "hamar.kommune.no"
    assert profile.epj_system == "Gerica"
    assert profile.note is None
    for bad in ("hamar", "hamar kommune.no", "-hamar.no", "hamar..no"):
        with pytest.raises(ValueError, match="domenenavn"):
            PartnerProfile(her_id="1000001", domain=bad)
    with pytest.raises(ValueError):
        PartnerProfile(her_id="12a")


def test_a_municipality_number_has_four_digits() -> None:
    assert Municipality(number="3403", name="Hamar").name == "Hamar"
    for bad in ("403", "34030", "34O3"):
        with pytest.raises(ValueError, match="fire sifre"):
            Municipality(number=bad, name="Hamar")
    with pytest.raises(ValueError, match="navn"):
        Municipality(number="3403", name=" ")


# --- the seed ------------------------------------------------------------------------------------------


INNLANDET = {
    "3401": "Kongsvinger", "3403": "Hamar", "3405": "Lillehammer", "3407": "Gjøvik", "3411": "Ringsaker",
    "3412": "Løten", "3413": "Stange", "3414": "Nord-Odal", "3415": "Sør-Odal", "3416": "Eidskog", "3417": "Grue",
    "3418": "Åsnes", "3419": "Våler", "3420": "Elverum", "3421": "Trysil", "3422": "Åmot", "3423": "Stor-Elvdal",
    "3424": "Rendalen", "3425": "Engerdal", "3426": "Tolga", "3427": "Tynset", "3428": "Alvdal", "3429": "Folldal",
    "3430": "Os", "3431": "Dovre", "3432": "Lesja", "3433": "Skjåk", "3434": "Lom", "3435": "Vågå",
    "3436": "Nord-Fron", "3437": "Sel", "3438": "Sør-Fron", "3439": "Ringebu", "3440": "Øyer", "3441": "Gausdal",
    "3442": "Østre Toten", "3443": "Vestre Toten", "3446": "Gran", "3447": "Søndre Land", "3448": "Nordre Land",
    "3449": "Sør-Aurdal", "3450": "Etnedal", "3451": "Nord-Aurdal", "3452": "Vestre Slidre",
    "3453": "Øystre Slidre", "3454": "Vang",
}


def test_the_bundled_seed_is_the_46_municipalities_of_innlandet() -> None:
    seed = read_seed(bundled_seed())
    assert seed.region == "Innlandet"
    assert {m.number: m.name for m in seed.municipalities} == INNLANDET
    assert len(seed.municipalities) == 46
    assert all("3401" <= m.number <= "3454" and m.region == "Innlandet" for m in seed.municipalities)


@pytest.mark.parametrize(("document", "text"), [
    (b"[]", '"municipalities"'),
    (b'{"municipalities": []}', "tom"),
    (b'{"municipalities": [{"number": 3403, "name": "Hamar"}]}', "municipalities[0]"),
    (b'{"municipalities": [{"number": "343", "name": "Hamar"}]}', "fire sifre"),
    (b'{"municipalities": [{"number": "3403", "name": "Hamar"}, {"number": "3403", "name": "H"}]}', "to ganger"),
    (b'{"municipalities": [', "ugyldig JSON"),
])
def test_a_bad_seed_names_the_place(document: bytes, text: str) -> None:
    with pytest.raises(ValueError, match=r"seed\.json") as caught:
        read_seed(document, "seed.json")
    assert text in str(caught.value)


# --- contacts ------------------------------------------------------------------------------------------


def contact(purpose: ContactPurpose = ContactPurpose.FEILSOKING, **changes: object) -> ContactPoint:
    values: dict[str, object] = {
        "partner_her_id": "1000001",
        "purpose": purpose,
        "name": "Meldingsansvarlig Hamar kommune",
        "email": "meldingsansvarlig@hamar.kommune.no",
        "phone": "62 56 30 00",
        "staffed_24_7": False,
    }
    values.update(changes)
    return ContactPoint(**values)  # type: ignore[arg-type]


def test_the_purposes_are_the_procedure_s_four() -> None:
    assert [p.value for p in ContactPurpose] == ["feilsoking", "planlagt_nedetid", "akutt_nedetid", "sertifikat"]


@pytest.mark.parametrize(("given", "expected"), [
    ("62 56 30 00", "+4762563000"),
    ("+47 625 63 000", "+4762563000"),
    ("0047 62563000", "+4762563000"),
    ("(+46) 8-123 456 78", "+46812345678"),
])
def test_phone_numbers_are_kept_in_e164(given: str, expected: str) -> None:
    assert normalise_phone(given) == expected


@pytest.mark.parametrize("bad", ["6256300", "625630001", "+47 1234567", "ring meg", "+1234", "62-56-30-0x"])
def test_malformed_phone_numbers_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="Telefonnummeret"):
        normalise_phone(bad)


@pytest.mark.parametrize("bad", ["meldingsansvarlig", "a@b", "a b@hamar.no", "@hamar.no", "a@@hamar.no", "a.@hamar.no",
                                 "Kari <kari@hamar.no>"])
def test_malformed_email_addresses_are_refused(bad: str) -> None:
    assert email_problem(bad) is not None
    with pytest.raises(ValueError, match="E-postadressen"):
        contact(email=bad)


def test_a_contact_point_is_cleaned() -> None:
    found = contact(email=" MeldingsAnsvarlig@Hamar.Kommune.no ", name="  Meldingsansvarlig \t Hamar ", phone=" ")
    assert found.email == "meldingsansvarlig@hamar.kommune.no"
    assert found.name == "Meldingsansvarlig Hamar"
    assert found.phone is None
    with pytest.raises(ValueError, match="navn"):
        contact(name=" ")
    with pytest.raises(ValueError):
        contact(purpose="nedetid")


@pytest.mark.parametrize(("email", "name", "personal"), [
    ("meldingsansvarlig@hamar.kommune.no", "Meldingsansvarlig", False),
    ("postmottak@hamar.kommune.no", "Postmottak", False),
    ("servicedesk@sykehuset-innlandet.no", "Servicedesk SI", False),
    ("ikt.vakt@hamar.kommune.no", "IKT-vakt", False),
    ("drift-ehelse@gjovik.kommune.no", "Kari Nordmann", False),  # a function word: shared, whoever answers
    ("kari.nordmann@hamar.kommune.no", "Kari Nordmann", True),
    ("kari.nordmann@hamar.kommune.no", "Meldingsansvarlig", True),  # first.last
    ("knordmann@hamar.kommune.no", "Kari Nordmann", True),
    ("kari@hamar.kommune.no", "Kari Nordmann", True),
    ("kjetil.sorlie@hamar.kommune.no", "Kjetil Sørlie", True),
    ("hamaritsupport@hamar.kommune.no", "Support", False),
    ("xyz@hamar.kommune.no", "Meldingsansvarlig", False),  # unknown single word: benefit of the doubt
])
def test_personal_addresses_are_recognised(email: str, name: str, personal: bool) -> None:
    assert looks_personal(email, name) is personal


def test_the_standard_address() -> None:
    assert standard_address("Hamar.kommune.no") == "meldingsansvarlig@hamar.kommune.no"


def test_gaps_list_every_partner_missing_a_purpose() -> None:
    contacts = [contact(ContactPurpose.FEILSOKING), contact(ContactPurpose.SERTIFIKAT),
                contact(partner_her_id="2000002")]
    gaps = find_gaps(["3000003", "1000001", "2000002", "1000001"], contacts)
    assert [(g.partner_her_id, [p.value for p in g.missing]) for g in gaps] == [
        ("1000001", ["planlagt_nedetid", "akutt_nedetid"]),
        ("2000002", ["planlagt_nedetid", "akutt_nedetid", "sertifikat"]),
        ("3000003", ["feilsoking", "planlagt_nedetid", "akutt_nedetid", "sertifikat"]),
    ]
    assert find_gaps(["1000001"], [contact(p) for p in ContactPurpose]) == []


def test_deviations_name_each_reason() -> None:
    contacts = [
        contact(ContactPurpose.AKUTT_NEDETID, email="kari.nordmann@hamar.kommune.no", name="Kari Nordmann",
                phone=None),
        contact(ContactPurpose.FEILSOKING),
        contact(ContactPurpose.SERTIFIKAT, email="postmottak@hamar.kommune.no"),
        contact(partner_her_id="2000002", email="meldingsansvarlig@elverum.kommune.no"),
    ]
    found = find_deviations(contacts, {"1000001": "hamar.kommune.no", "2000002": None})
    assert [(d.partner_her_id, d.purpose.value, d.email, d.reason) for d in found] == [
        ("1000001", "akutt_nedetid", "kari.nordmann@hamar.kommune.no", DeviationReason.NOT_STANDARD_ADDRESS),
        ("1000001", "akutt_nedetid", "kari.nordmann@hamar.kommune.no", DeviationReason.PERSONAL_ADDRESS),
        ("1000001", "akutt_nedetid", "kari.nordmann@hamar.kommune.no", DeviationReason.MISSING_PHONE),
        ("1000001", "sertifikat", "postmottak@hamar.kommune.no", DeviationReason.NOT_STANDARD_ADDRESS),
        ("2000002", "feilsoking", "meldingsansvarlig@elverum.kommune.no", DeviationReason.DOMAIN_UNKNOWN),
    ]


def test_a_standard_address_on_another_domain_deviates() -> None:
    found = find_deviations([contact(email="meldingsansvarlig@ringsaker.kommune.no")], {"1000001": "hamar.kommune.no"})
    assert [d.reason for d in found] == [DeviationReason.NOT_STANDARD_ADDRESS]


# --- certificates --------------------------------------------------------------------------------------


def certificate(serial: str = "0A1B", usage: CertificateUsage = CertificateUsage.SIGNING, *, her_id: str = "1000001",
                valid_to: datetime = NOW + timedelta(days=30), valid_from: datetime | None = None) -> Certificate:
    return Certificate(her_id=her_id, serial=serial, subject="CN=Hamar kommune, O=HAMAR KOMMUNE", usage=usage,
                       valid_from=valid_from or valid_to - timedelta(days=3 * 365), valid_to=valid_to)


def test_serial_numbers_are_upper_case_hex() -> None:
    assert normalise_serial("10:a2:dc:09") == "10A2DC09"
    assert normalise_serial("0x00ff") == "FF"
    assert normalise_serial(" 10 A2 ") == "10A2"
    for bad in ("", "xyz", "12-34"):
        with pytest.raises(ValueError, match="heksadesimalt"):
            normalise_serial(bad)


def test_a_certificate_needs_a_subject_and_a_sensible_validity() -> None:
    with pytest.raises(ValueError, match="subjekt"):
        Certificate(her_id="1", serial="1", subject=" ", usage=CertificateUsage.SIGNING, valid_from=NOW,
                    valid_to=NOW + timedelta(days=1))
    with pytest.raises(ValueError, match="gyldig til"):
        certificate(valid_from=NOW, valid_to=NOW)
    with pytest.raises(ValueError, match="naive"):
        certificate(valid_to=datetime(2025, 5, 1))


@pytest.mark.parametrize(("flags", "usage"), [
    ({"content_commitment": True}, CertificateUsage.SIGNING),
    ({"digital_signature": True}, CertificateUsage.SIGNING),
    ({"digital_signature": True, "key_encipherment": True, "data_encipherment": True}, CertificateUsage.ENCRYPTION),
    ({"data_encipherment": True}, CertificateUsage.ENCRYPTION),
    ({}, None),
])
def test_usage_from_key_usage(flags: dict[str, bool], usage: CertificateUsage | None) -> None:
    values = {"digital_signature": False, "content_commitment": False, "key_encipherment": False,
              "data_encipherment": False, **flags}
    assert usage_from_key_usage(**values) is usage


def test_expiry_within_the_window() -> None:
    soon = certificate("01", valid_to=NOW + timedelta(days=30))
    edge = certificate("02", CertificateUsage.ENCRYPTION, valid_to=NOW + timedelta(days=60))
    later = certificate("03", her_id="2000002", valid_to=NOW + timedelta(days=61))
    gone = certificate("04", her_id="3000003", valid_to=NOW - timedelta(hours=1))
    notices = expiring([later, edge, soon, gone], NOW)
    assert [(n.certificate.serial, n.days_left, n.expired) for n in notices] == [
        ("4", -1, True), ("1", 30, False), ("2", 60, False),
    ]
    assert [n.certificate.serial for n in expiring([later, edge, soon], NOW, within_days=10)] == []
    assert [n.certificate.serial for n in expiring([later], NOW, within_days=61)] == ["3"]
    with pytest.raises(ValueError):
        expiring([soon], NOW, within_days=-1)


def test_a_certificate_with_a_successor_is_not_reported() -> None:
    old = certificate("01", valid_to=NOW + timedelta(days=20))
    successor = certificate("02", valid_from=NOW - timedelta(days=1), valid_to=NOW + timedelta(days=3 * 365))
    other_usage = certificate("03", CertificateUsage.ENCRYPTION, valid_to=NOW + timedelta(days=20))
    assert [n.certificate.serial for n in expiring([old, successor, other_usage], NOW)] == ["3"]


# --- agreements ----------------------------------------------------------------------------------------


def test_agreement_rules_and_effective_status() -> None:
    signed = Agreement(municipality="3403", area=AgreementArea.VIDEO, status=AgreementStatus.SIGNERT,
                       signed_on=date(2024, 5, 1), valid_from=date(2024, 6, 1), valid_to=date(2025, 5, 31))
    assert signed.effective_status(date(2025, 5, 31)) is AgreementStatus.SIGNERT
    assert signed.effective_status(date(2025, 6, 1)) is AgreementStatus.UTLOPT
    draft = Agreement(municipality="3403", area="journaltilgang")
    assert draft.status is AgreementStatus.UNDER_ARBEID and draft.effective_status(date(2030, 1, 1)) is draft.status
    with pytest.raises(ValueError, match="signeringsdato"):
        Agreement(municipality="3403", area=AgreementArea.VIDEO, status=AgreementStatus.SIGNERT)
    with pytest.raises(ValueError, match="etter"):
        Agreement(municipality="3403", area=AgreementArea.VIDEO, valid_from=date(2025, 1, 2), valid_to=date(2025, 1, 1))
    with pytest.raises(ValueError, match="under arbeid"):
        Agreement(municipality="3403", area=AgreementArea.VIDEO, signed_on=date(2025, 1, 1))
    with pytest.raises(ValueError, match="fire sifre"):
        Agreement(municipality="403", area=AgreementArea.VIDEO)
    with pytest.raises(ValueError):
        Agreement(municipality="3403", area="telefoni")


# --- the journal ---------------------------------------------------------------------------------------


def test_field_changes_keep_names_and_emails_but_not_phones() -> None:
    before = contact().values()
    after = contact(email="postmottak@hamar.kommune.no", phone="90000000", name="Postmottak").values()
    assert field_changes(before, after) == {
        "email": {"before": "meldingsansvarlig@hamar.kommune.no", "after": "postmottak@hamar.kommune.no"},
        "name": {"before": "Meldingsansvarlig Hamar kommune", "after": "Postmottak"},
        "phone": {"before": HIDDEN, "after": HIDDEN},
    }
    assert field_changes(None, {"phone": None, "note": "x"}) == {"note": {"before": None, "after": "x"}}
    assert field_changes(before, before) == {}


def test_field_changes_mask_person_identifiers() -> None:
    changes = field_changes({"note": None}, {"note": "gjelder 01015000232"})
    assert changes["note"]["after"] == "gjelder 010150*****"


# --- CPP, CPA, communication details, certificates ---------------------------------------------------------


def test_the_cpp_sample(samples_dir: Path) -> None:
    found = read_cpp((samples_dir / CPP).read_bytes())
    assert (found.kind, found.id) == ("CPP", "db5342ce-2e56-47b6-b4dc-054969f96f6f")
    (party,) = found.parties
    assert (party.her_id, party.name) == ("93238", "Digitale innbyggertjenester")
    receivable = party.receivable()
    assert len(receivable) == 14
    first = receivable[0]
    assert (first.service, first.action, first.message_version) == (
        "S-DIALOG_INNBYGGER_DIGITALBRUKER", "DIALOG_INNBYGGER_DIGITALBRUKER", "1.1")
    assert first.content is not None and first.content.namespace == "http://www.kith.no/xmlstds/dialog/2013-01-23"
    assert (first.process, first.process_version, first.role) == (
        "Dialog_Innbygger_Digitalbruker", "1.1", "DIALOG_INNBYGGER_DIGITALBRUKERreceiver")
    apprec = next(b for b in receivable if b.action == "APPREC")
    assert apprec.content is not None and apprec.content.namespace.endswith("apprec/2012-02-15")
    assert apprec.message_version == "1.1"
    assert ("BehandlerOversikt", "Svar") in {(b.service, b.action) for b in receivable}
    assert {b.action for b in party.bindings if b.direction == "send"} >= {"Hent", "APPREC"}
    assert [(c.cert_id, c.usage, c.serial) for c in party.certificates] == [
        ("enc", CertificateUsage.ENCRYPTION, "10A2DC098EEB4FC80678"),
        ("sign", CertificateUsage.SIGNING, "10A3F7E99720077E30AA"),
    ]
    sign = party.certificates[1]
    assert sign.subject == "SERIALNUMBER=983544622,CN=TEST helsenorge.no tjenester,OU=IT,O=HELSEDIREKTORATET,C=NO"
    assert sign.valid_to == datetime(2017, 2, 6, 22, 59, tzinfo=UTC)


def test_the_cpa_sample_holds_both_parties(samples_dir: Path) -> None:
    found = read_cpp((samples_dir / CPA).read_bytes())
    assert found.kind == "CPA" and found.label.startswith("CPA 9333f3de")
    assert [(p.her_id, p.name) for p in found.parties] == [
        ("93238", "Digitale innbyggertjenester"), ("93252", "Testlege Testlege")]
    doctor = found.party("93252")
    assert doctor is not None and len(doctor.receivable()) == 13
    assert {c.serial for c in doctor.certificates} == {"1D5BE79F34C56E4E944E", "1D5A932BB4694CDC8EC4"}
    assert found.party("1") is None


def test_communication_details_give_organisation_numbers_and_states(samples_dir: Path) -> None:
    details = read_register_details(parse_xml((samples_dir / DETAILS).read_bytes()))
    assert details["93237"].organisation_number == "999944999"
    assert details["93238"].active is True and details["93238"].organisation_number is None
    organisation = read_register_details(parse_xml(
        (samples_dir / "adresseregister/get-communication-party-details-organzation-response.xml").read_bytes()))
    assert organisation["8142987"].organisation_number == "931796003"
    assert organisation["8143040"].active is False


@pytest.mark.parametrize(("data", "text"), [
    (b"<a/>", "verken en CPP"),
    (b"<x", "velformet"),
    (b'<!DOCTYPE x [<!ENTITY e "e">]><x>&e;</x>', "DOCTYPE"),
    (b'<tns:CollaborationProtocolProfile xmlns:tns="http://www.oasis-open.org/committees/ebxml-cppa/schema/'
     b'cpp-cpa-2_0.xsd"/>', "PartyInfo"),
    (b'<tns:CollaborationProtocolProfile xmlns:tns="http://www.oasis-open.org/committees/ebxml-cppa/schema/'
     b'cpp-cpa-2_0.xsd"><tns:PartyInfo><tns:PartyId tns:type="ENH">1</tns:PartyId></tns:PartyInfo>'
     b"</tns:CollaborationProtocolProfile>", "HER"),
])
def test_a_bad_cpp_is_refused(data: bytes, text: str) -> None:
    with pytest.raises(CppError, match=text):
        read_cpp(data)


def make_certificate(*, serial: int = 0x1234ABCD, days: int = 365, encryption: bool = False) -> x509.Certificate:
    """A self-signed test certificate with the key usage of a signing or an encryption enterprise certificate."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "NO"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "HAMAR KOMMUNE"),
        x509.NameAttribute(NameOID.COMMON_NAME, "HAMAR KOMMUNE"),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, "944117784"),
    ])
    usage = x509.KeyUsage(
        digital_signature=encryption, content_commitment=not encryption, key_encipherment=encryption,
        data_encipherment=encryption, key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False,
        decipher_only=False,
    )
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=days))
        .add_extension(usage, critical=True)
        .sign(key, hashes.SHA256())
    )


def test_certificates_from_pem_and_der() -> None:
    signing, encryption = make_certificate(), make_certificate(serial=0xBEEF, encryption=True)
    pem = signing.public_bytes(serialization.Encoding.PEM) + encryption.public_bytes(serialization.Encoding.PEM)
    found = read_certificates(pem)
    assert [(c.serial, c.usage) for c in found] == [
        ("1234ABCD", CertificateUsage.SIGNING), ("BEEF", CertificateUsage.ENCRYPTION)]
    assert found[0].subject == "SERIALNUMBER=944117784,CN=HAMAR KOMMUNE,O=HAMAR KOMMUNE,C=NO"
    assert found[0].valid_to == NOW + timedelta(days=365)
    (der,) = read_certificates(encryption.public_bytes(serialization.Encoding.DER))
    assert der.serial == "BEEF"
    with pytest.raises(CppError, match="PEM"):
        read_certificates(b"not a certificate")
    with pytest.raises(CppError, match="PEM"):
        read_certificates(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")


def test_a_cpp_certificate_that_is_not_base64_is_refused(samples_dir: Path) -> None:
    data = (samples_dir / CPP).read_bytes()
    start = data.index(b"<ds:X509Certificate>") + len(b"<ds:X509Certificate>")
    broken = data[:start] + b"!!!" + data[start + 3:]
    with pytest.raises(CppError, match="base64"):
        read_cpp(broken)


def test_the_seed_file_says_when_it_is_valid_from() -> None:
    assert json.loads(bundled_seed())["valid_from"] == "2024-01-01"
