"""``samhandling checklist`` as a user meets it, with only the two parties in the register.

The run sets up both sides itself (two nodes and a local message server on a free port), writes the PDF
report and one XML file per message and AppRec, and stores the run; ``history``, ``show``, ``mark``,
``report`` and ``coverage`` work on what it stored.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from samhandling.standards.plo.examples.story import PATIENT_FNR
from tests.support.cli import run

PARTIES = {"parties": [
    {"her_id": "8100", "name": "Sykehuset Innlandet HF", "kind": "organisation", "local": True},
    {"her_id": "8101", "name": "Medisinsk avdeling Gjøvik", "kind": "service", "parent_her_id": "8100"},
    {"her_id": "8200", "name": "Gjøvik kommune", "kind": "organisation", "municipality": "3407"},
    {"her_id": "8201", "name": "Hjemmesykepleien Gjøvik", "kind": "service", "parent_her_id": "8200"},
    {"her_id": "8202", "name": "Tildelingskontoret Gjøvik", "kind": "service", "parent_her_id": "8200"},
]}
HEADINGS = ("Sjekkliste for normale test-tilfeller", "Opplysninger om testen", "Testere og systemer",
            "Test-tilfeller", "Dato", "Kommune", "Testpasient", "Kommunikasjonsmodul (Link)", "Sendes av", "Resultat")


def pdf_text(pdf: Path, html: Path) -> str:
    """The PDF's text, with white space folded (a heading may wrap inside its table cell), by ``pdftotext`` when it
    is installed, else the same form laid out by WeasyPrint's document API (the PDF is written from that layout)."""
    if shutil.which("pdftotext"):
        extracted = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        return " ".join(extracted.split())
    from weasyprint import HTML  # type: ignore[import-untyped]

    document = HTML(string=html.read_text(encoding="utf-8")).render()
    texts: list[str] = []

    def walk(box: object) -> None:
        text = getattr(box, "text", None)
        if isinstance(text, str):
            texts.append(text)
        for child in getattr(box, "children", ()):
            walk(child)

    for page in document.pages:
        walk(page._page_box)
    return " ".join(" ".join(texts).split())


@pytest.mark.process
def test_a_full_run_from_the_command_line_with_report_evidence_history_and_coverage(
    tmp_path: Path, schema_dir: Path
) -> None:
    home = tmp_path / "hjem"
    register = tmp_path / "parter.json"
    register.write_text(json.dumps(PARTIES, ensure_ascii=False), encoding="utf-8")
    assert run("parties", "import", str(register), home=home).returncode == 0

    pdf, evidence = tmp_path / "rapport.pdf", tmp_path / "bevis"
    result = run("checklist", "run", "--hospital", "8100", "--municipality", "8200", "--trigger", "kommunikasjonsmodul",
                 "--tester-hospital", "Pål Håland", "--tester-municipality", "Gøril Sæther", "--json",
                 "--report", str(pdf), "--evidence", str(evidence), home=home, schema_dir=schema_dir)
    assert result.returncode == 0, result.stderr
    assert PATIENT_FNR not in result.stdout + result.stderr
    output = json.loads(result.stdout)
    assert set(output) >= {"run_id", "cases", "passed", "failed"}
    assert (output["passed"], output["failed"]) == (20, 0)
    assert [c["number"] for c in output["cases"]] == list(range(1, 21))
    assert all(c["result"] == "passed" for c in output["cases"])
    assert {c["sender_side"] for c in output["cases"]} == {"K", "S", "K og S"}
    case3 = output["cases"][2]
    assert case3["title"].startswith("Innleggelsesrapport med all informasjon utfylt som svar")
    (reply,) = case3["evidence"]
    assert reply["answers_msg_id"] == output["cases"][1]["evidence"][0]["msg_id"]
    assert reply["apprec"] == "positive" and reply["apprec_msg_id"]
    assert {c["check"] for c in reply["checks"]} >= {"delivered", "valid", "apprec", "reply", "complete"}

    # one XML file per message and per AppRec
    messages = [e for c in output["cases"] if c["number"] != 19 for e in c["evidence"]]
    files = sorted(p.name for p in evidence.iterdir())
    assert len(files) == len(messages) + sum(1 for e in messages if e["apprec_msg_id"])
    assert all(name.endswith(".xml") for name in files)
    assert {e["msg_id"] for e in messages} <= {re.sub(r"^\d+-\d+-[KS]-[A-Z_]+-", "", n)[:-4] for n in files}

    # the PDF report: the form, filled in
    assert pdf.read_bytes().startswith(b"%PDF")
    run_id = output["run_id"]
    html = tmp_path / "rapport.html"
    assert run("checklist", "report", run_id, "--html", str(html), home=home).returncode == 0
    text = pdf_text(pdf, html)
    for heading in HEADINGS:
        assert heading in text
    assert "Gjøvik kommune" in text and "Pål Håland" in text and "Gøril Sæther" in text
    assert "081175*****" in text and PATIENT_FNR not in text
    assert "Gjentar tilfelle 16" in text

    # history and show
    listed = json.loads(run("checklist", "history", "--json", home=home).stdout)
    assert [(r["run_id"], r["all_passed"], r["trigger"]) for r in listed] == [(run_id, True, "kommunikasjonsmodul")]
    shown = json.loads(run("checklist", "show", run_id, "--json", home=home).stdout)
    assert shown["municipality"]["name"] == "Gjøvik kommune" and shown["summary"]["passed"] == 20

    # a tester's mark is kept with the run
    marked = run("checklist", "mark", run_id, "9", "failed", "--note", "Æøå vises feil i EPJ", "--by", "Gøril",
                 home=home)
    assert marked.returncode == 0, marked.stderr
    assert "Ikke bestått" in marked.stdout
    shown = json.loads(run("checklist", "show", run_id, "--json", home=home).stdout)
    assert shown["cases"][8]["result"] == "failed" and shown["cases"][8]["marks"][0]["by"] == "Gøril"

    # coverage: the run recorded no systems; once the register names them, the rule shows what is missing
    assert run("partners", "add", "8100", "--category", "helseforetak", "--epj", "DIPS Arena", "--epj-version",
               "23.1", "--link", "DIPS Communicator", "--link-version", "5", home=home).returncode == 0
    assert run("partners", "add", "8200", "--category", "kommune", "--epj", "Gerica", "--epj-version", "8.2",
               "--link", "Link", "--link-version", "3", home=home).returncode == 0
    covered = json.loads(run("checklist", "coverage", "--json", home=home).stdout)
    current = next(h for h in covered["hospitals"] if h["current"])
    assert current["configuration"]["epj_system"] == "DIPS Arena" and current["missing"] == ["Gerica"]
    (gjovik,) = covered["municipalities"]
    assert gjovik["name"] == "Gjøvik kommune" and gjovik["tested"] is False


def test_the_command_line_says_in_one_line_what_is_wrong(tmp_path: Path) -> None:
    home = tmp_path / "hjem"
    result = run("checklist", "run", "--hospital", "8100", "--municipality", "8200", home=home)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("Feil: HER-id 8100 (sykehuset) finnes ikke")
    missing = run("checklist", "show", "finnes-ikke", home=home)
    assert missing.returncode == 2 and "Ingen kjøring av sjekklisten med id finnes-ikke" in missing.stderr
    empty = run("checklist", "history", home=home)
    assert empty.returncode == 0 and "Ingen kjøringer" in empty.stdout
    assert json.loads(run("checklist", "history", "--json", home=home).stdout) == []
