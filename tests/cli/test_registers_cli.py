"""``samhandling partners``, ``contacts`` and ``agreements`` as a user meets them: JSON out,
one line per fault, nothing stored after a fault."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization

from tests.support.cli import run
from tests.unit.test_registers import make_certificate

ORGANISATION = "adresseregister/get-communication-party-details-organzation-response.xml"
PERSON = "adresseregister/get-communication-party-details-person-response.xml"
DETAILS = "cppa/CommunicationDetails_93238.xml"
CPP = "cppa/CPP_93238.xml"
CPA = "cppa/CPA_93252.xml"
HAMAR = ["partners", "add", "1000001", "--name", "Hamar kommune", "--municipality", "3403", "--category", "kommune",
         "--domain", "hamar.kommune.no", "--epj", "Gerica", "--epj-version", "9.1", "--link", "Visma Link",
         "--link-version", "3.2"]
CONTACTS = """partner_her_id,purpose,name,email,phone,staffed_24_7
1000001,feilsoking,Meldingsansvarlig Hamar,meldingsansvarlig@hamar.kommune.no,62 56 30 00,nei
1000001,planlagt_nedetid,Meldingsansvarlig Hamar,meldingsansvarlig@hamar.kommune.no,62 56 30 00,nei
1000001,akutt_nedetid,Kari Nordmann,kari.nordmann@hamar.kommune.no,,ja
"""


def ok(*args: str, home: Path) -> str:
    result = run(*args, home=home)
    assert result.returncode == 0, result.stderr
    return result.stdout


def as_json(*args: str, home: Path) -> Any:
    return json.loads(ok(*args, "--json", home=home))


def fails(*args: str, home: Path, text: str) -> None:
    result = run(*args, home=home)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Feil: "), result.stderr
    assert text in lines[0], lines[0]


def test_a_new_installation_starts_with_the_municipalities_of_innlandet(tmp_path: Path) -> None:
    listed = as_json("partners", "list", home=tmp_path)
    assert len(listed) == 46 and all(p["partner_to_be"] and p["her_id"] is None for p in listed)
    assert {"municipality": "3428", "name": "Alvdal kommune"}.items() <= listed[21].items()
    text = ok("partners", "list", home=tmp_path)
    assert "Kommende parter (kommuner uten registrert HER-id): 46" in text and "3454 Vang" in text
    own = tmp_path / "region.json"
    own.write_text(json.dumps({"region": "Trøndelag", "municipalities": [{"number": "5001", "name": "Trondheim"}]}))
    assert as_json("partners", "seed", str(own), "--replace", home=tmp_path)["removed"] == 46
    assert [m["number"] for m in as_json("partners", "municipalities", home=tmp_path)] == ["5001"]


def test_partners_from_the_register_cpp_and_certificates(samples_dir: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    samples = [str(samples_dir / n) for n in (ORGANISATION, PERSON, DETAILS)]
    imported = as_json("partners", "import", *samples, "--category", "legekontor", home=home)
    assert sorted(imported["partners"]["created"]) == ["8142987", "84556", "93237"]
    cpp = as_json("partners", "import-cpp", "93238", str(samples_dir / CPP), "--by", "kari", home=home)
    assert cpp["receives"] == 14 and len(cpp["certificates"]["created"]) == 2
    shown = as_json("partners", "show", "93237", home=home)
    assert shown["organisation_number"] == "999944999" and shown["category"] == "legekontor"
    assert {(m["message_type"], m["version"]) for m in shown["receives"]} >= {("APPREC", "1.1"), ("Svar", "1.1")}
    assert [m["her_id"] for m in shown["members"]] == ["93238"]
    assert "Kan motta: APPREC 1.1; DIALOG_INNBYGGER_DIGITALBRUKER 1.1" in ok("partners", "show", "93237", home=home)
    # The CPP's certificates ran out in 2017.
    expiring = as_json("partners", "certificates", "expiring", "--now", "2017-01-01", home=home)
    assert [(c["serial"], c["days_left"], c["expired"]) for c in expiring] == [
        ("10A2DC098EEB4FC80678", 36, False), ("10A3F7E99720077E30AA", 36, False)]
    assert as_json("partners", "certificates", "expiring", "--now", "2017-01-01", "--within-days", "30",
                   home=home) == []
    assert len(as_json("partners", "certificates", "expiring", home=home)) == 2  # expired by now
    assert "gikk ut for" in ok("partners", "certificates", "expiring", home=home)
    # A successor from a PEM file, with its usage from the key usage.
    pem = tmp_path / "ny.pem"
    pem.write_bytes(make_certificate(serial=0xC0FFEE, days=5000, encryption=True).public_bytes(
        serialization.Encoding.PEM))
    added = as_json("partners", "certificates", "import", "93238", str(pem), home=home)
    assert [(c["serial"], c["usage"], c["outcome"]) for c in added] == [("C0FFEE", "encryption", "created")]
    assert [c["usage"] for c in as_json("partners", "certificates", "expiring", home=home)] == ["signing"]
    # The CPA for the other party needs it registered first.
    fails("partners", "import-cpp", "93252", str(samples_dir / CPA), home=home, text="ikke registrert")
    fails("partners", "import-cpp", "93237", str(samples_dir / CPP), home=home, text="gjelder HER-id 93238")
    # Export as JSON, import into a new installation: the same partners.
    exported = tmp_path / "partnere.json"
    ok("partners", "export", "--out", str(exported), home=home)
    other = tmp_path / "other"
    ok("partners", "import", str(exported), home=other)
    before = [p for p in as_json("partners", "list", home=home) if not p["partner_to_be"]]
    assert [p for p in as_json("partners", "list", home=other) if not p["partner_to_be"]] == before
    assert as_json("partners", "list", "--search", "bedriftshelse", home=home)[0]["her_id"] == "8142987"
    csv_text = ok("partners", "export", "--format", "csv", home=home)
    assert csv_text.splitlines()[0].startswith("her_id,name,category,organisation_number")
    journal = as_json("partners", "journal", "--entity", "capabilities", home=home)
    assert [(e["key"], e["by"]) for e in journal] == [("93238", "kari")]
    assert as_json("partners", "journal", "--limit", "1", home=home)[0]["entity"] == "certificate"


def test_the_contact_list(tmp_path: Path) -> None:
    ok(*HAMAR, home=tmp_path)
    good = tmp_path / "kontakter.csv"
    good.write_text(CONTACTS, encoding="utf-8")
    bad = tmp_path / "feil.csv"
    bad.write_text(CONTACTS + "1000001,sertifikat,Sertifikat,sertifikat(at)hamar.kommune.no,,nei\n", encoding="utf-8")
    fails("contacts", "import", str(bad), home=tmp_path, text="feil.csv: rad 5, email: E-postadressen")
    assert as_json("contacts", "list", home=tmp_path) == []
    assert as_json("contacts", "import", str(good), home=tmp_path)["created"] == [
        "1000001/feilsoking", "1000001/planlagt_nedetid", "1000001/akutt_nedetid"]
    assert as_json("contacts", "gaps", home=tmp_path) == [{"partner_her_id": "1000001", "missing": ["sertifikat"]}]
    deviations = as_json("contacts", "deviations", home=tmp_path)
    assert [d["reason"] for d in deviations] == ["not_standard_address", "personal_address", "missing_phone"]
    assert {d["email"] for d in deviations} == {"kari.nordmann@hamar.kommune.no"}
    ok("contacts", "add", "1000001", "sertifikat", "--name", "Meldingsansvarlig", "--email",
       "meldingsansvarlig@hamar.kommune.no", "--phone", "62563000", "--staffed-24-7", home=tmp_path)
    assert as_json("contacts", "gaps", home=tmp_path) == []
    fails("contacts", "add", "1000001", "sertifikat", "--name", "x", "--email", "meldingsansvarlig@hamar.kommune.no",
          home=tmp_path, text="har allerede")
    fails("contacts", "add", "404", "feilsoking", "--name", "x", "--email", "a@b.no", home=tmp_path,
          text="Ingen samarbeidspart med HER-id 404")
    fails("contacts", "add", "1000001", "nedetid", "--name", "x", "--email", "a@b.no", home=tmp_path,
          text="Ukjent formål «nedetid»")
    fails("contacts", "edit", "1000001", "akutt_nedetid", "--phone", "12", home=tmp_path, text="Telefonnummeret")
    ok("contacts", "edit", "1000001", "akutt_nedetid", "--email", "meldingsansvarlig@hamar.kommune.no", "--phone",
       "62563000", "--name", "IKT-vakt", "--by", "ola", home=tmp_path)
    assert as_json("contacts", "deviations", home=tmp_path) == []
    exported = ok("contacts", "export", home=tmp_path)
    assert exported.splitlines()[0] == "partner_her_id,purpose,name,email,phone,staffed_24_7"
    assert len(exported.splitlines()) == 5
    pdf = tmp_path / "kontaktliste.pdf"
    ok("contacts", "export", "--format", "pdf", "--out", str(pdf), home=tmp_path)
    assert pdf.read_bytes().startswith(b"%PDF-")
    fails("contacts", "export", "--format", "pdf", home=tmp_path, text="--out")
    shown = as_json("contacts", "show", "1000001", home=tmp_path)
    assert len(shown["contacts"]) == 4 and shown["missing"] == []
    journal = as_json("contacts", "journal", home=tmp_path)
    assert [e["by"] for e in journal] == [getpass.getuser()] * 4 + ["ola"]
    assert journal[-1]["changes"]["phone"] == {"before": None, "after": "(skjult)"}
    ok("contacts", "remove", "1000001", "sertifikat", home=tmp_path)
    assert as_json("contacts", "gaps", home=tmp_path) == [{"partner_her_id": "1000001", "missing": ["sertifikat"]}]


def test_local_agreements(tmp_path: Path) -> None:
    document = tmp_path / "avtale.pdf"
    document.write_bytes(b"%PDF-1.7 signert avtale")
    added = as_json("agreements", "add", "Hamar", "video", "--status", "signert", "--signed-on", "2024-05-01",
                    "--valid-to", "2026-04-30", "--contact", "Avtaleansvarlig", "--document", str(document),
                    home=tmp_path)
    assert (added["municipality"], added["document_name"], added["document_size"]) == ("3403", "avtale.pdf", 23)
    fails("agreements", "add", "3403", "video", home=tmp_path, text="har allerede en avtale")
    fails("agreements", "add", "3403", "telefoni", home=tmp_path, text="Ukjent område")
    fails("agreements", "add", "Bergen", "video", home=tmp_path, text="Ingen kommune heter «Bergen»")
    fails("agreements", "add", "3405", "video", "--status", "signert", home=tmp_path, text="signeringsdato")
    copy = tmp_path / "kopi.pdf"
    ok("agreements", "document", "3403", "video", "--out", str(copy), home=tmp_path)
    assert copy.read_bytes() == document.read_bytes()
    bad = tmp_path / "avtaler.csv"
    bad.write_text("municipality,area,status\n3405,journaltilgang,under_arbeid\n0301,video,under_arbeid\n")
    fails("agreements", "import", str(bad), home=tmp_path, text="rad 3, municipality")
    assert len(as_json("agreements", "list", home=tmp_path)) == 1
    good = tmp_path / "gode.csv"
    good.write_text("municipality,area,status\n3405,journaltilgang,under_arbeid\n")
    ok("agreements", "import", str(good), home=tmp_path)
    assert [a["municipality"] for a in as_json("agreements", "list", "--status", "under_arbeid", home=tmp_path)] == [
        "3405"]
    ok("agreements", "edit", "3405", "journaltilgang", "--note", "Utkast sendt 1. mars", home=tmp_path)
    assert as_json("agreements", "show", "Lillehammer", "journaltilgang", home=tmp_path)["note"] == (
        "Utkast sendt 1. mars")
    assert ok("agreements", "export", home=tmp_path).splitlines()[0] == (
        "municipality,area,status,signed_on,valid_from,valid_to,contact,note")
    assert len(as_json("agreements", "journal", home=tmp_path)) == 3


def test_bad_input_gives_one_line_and_changes_nothing(tmp_path: Path) -> None:
    ok(*HAMAR, home=tmp_path)
    before = as_json("partners", "list", home=tmp_path)
    fails(*HAMAR, home=tmp_path, text="finnes allerede")
    fails("partners", "add", "2000002", home=tmp_path, text="oppgi navnet (--name)")
    fails("partners", "add", "2000002", "--name", "Elverum kommune", "--org-number", "123456789", home=tmp_path,
          text="kontrollsiffer")
    fails("partners", "add", "2000002", "--name", "Elverum kommune", "--domain", "elverum", home=tmp_path,
          text="domenenavn")
    fails("partners", "edit", "404", "--epj", "DIPS", home=tmp_path, text="Ingen samarbeidspart med HER-id 404")
    fails("partners", "show", "404", home=tmp_path, text="404")
    fails("partners", "certificates", "add", "1000001", "--serial", "xyz", "--subject", "CN=x", "--usage",
          "signing", "--valid-from", "2025-01-01", "--valid-to", "2027-01-01", home=tmp_path, text="heksadesimalt")
    fails("partners", "certificates", "add", "404", "--serial", "0A", "--subject", "CN=x", "--usage", "signing",
          "--valid-from", "2025-01-01", "--valid-to", "2027-01-01", home=tmp_path, text="HER-id 404")
    fails("partners", "certificates", "expiring", "--now", "i går", home=tmp_path, text="ISO-tidspunkt")
    fails("partners", "import", str(tmp_path / "finnes-ikke.xml"), home=tmp_path, text="finnes ikke")
    assert as_json("partners", "list", home=tmp_path) == before
    ok("partners", "certificates", "add", "1000001", "--serial", "0a:0b", "--subject", "CN=HAMAR KOMMUNE",
       "--usage", "signing", "--valid-from", "2025-01-01", "--valid-to", "2025-03-01", home=tmp_path)
    assert as_json("partners", "certificates", "expiring", "--now", "2025-02-01T12:00:00+01:00", home=tmp_path)[0][
        "days_left"] == 27
    assert len(as_json("partners", "journal", home=tmp_path)) == 46 + 3  # seed, party, partner, certificate
