"""The report of a checklist run: the procedure's form ("Sjekkliste for normale test-tilfeller"), filled in.

The form has the date, the municipality, the testers at the hospital and the municipality, the system and
version of EPJ and communication module ("Link") on both sides, the test patient, and the table of cases with
who sends each and its result (samhandlingsprosedyren 3.5 and its appendix). The report adds the evidence:
message ids, AppRec, what was checked and what was wrong, and the testers' marks.

Three renderings of one content: JSON (:func:`report_json`, kept in the store with the run), HTML in Norwegian
with its own style and no external resources (:func:`report_html`), and PDF from that HTML with WeasyPrint
(:func:`report_pdf`). The test patient appears masked only.
"""

from __future__ import annotations

import html
from typing import Any

from samhandling.domain.checklist.coverage import Coverage
from samhandling.domain.checklist.json_form import case_details_json
from samhandling.domain.checklist.judging import MessageEvidence
from samhandling.domain.checklist.model import CHECK_SHORT, MODE_TEXT, TRIGGER_TEXT, CaseResult, Side
from samhandling.domain.checklist.run import CaseOutcome, ChecklistRun
from samhandling.domain.checklist.systems import Configuration, PartySnapshot
from samhandling.domain.clock import in_oslo, oslo_date, shown

FORM_TITLE = "Sjekkliste for normale test-tilfeller"
FORM_SUBTITLE = "Forløpstest mellom sykehus og kommune (samhandlingsprosedyren, punkt 3.5)"


def _party_json(party: PartySnapshot) -> dict[str, Any]:
    return {
        "her_id": party.her_id, "name": party.name, "epj_system": party.epj_system, "epj_version": party.epj_version,
        "comm_module": party.comm_module, "comm_version": party.comm_version,
        "municipality_number": party.municipality_number, "municipality_name": party.municipality_name,
    }


def _case_json(case: CaseOutcome) -> dict[str, Any]:
    return {
        "number": case.number, "title": case.title, "sender_side": case.sender_side, "result": case.result.value,
        "result_text": case.result.label, "note": case.note, "to_mark": case.to_mark, "problems": case.problems(),
        **case_details_json(case),
    }


def report_json(run: ChecklistRun) -> dict[str, Any]:
    """The filled-in form as JSON (what the store keeps, and ``checklist report --json``)."""
    date = oslo_date(run.started_at).isoformat()
    return {
        "form": FORM_TITLE,
        "checklist": {"id": run.checklist_id, "version": run.checklist_version},
        "run_id": run.run_id,
        "date": date,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "mode": run.mode.value,
        "mode_text": MODE_TEXT[run.mode],
        "trigger": run.trigger.value,
        "trigger_text": TRIGGER_TEXT[run.trigger],
        "changed_side": run.changed.value,
        "municipality": _party_json(run.municipality),
        "hospital": _party_json(run.hospital),
        "testers": {"hospital": run.tester_hospital, "municipality": run.tester_municipality},
        "patient": run.patient,
        "schemas_checked": run.schemas_checked,
        "cases": [_case_json(c) for c in run.cases],
        "summary": {"total": len(run.cases), "passed": run.passed, "failed": run.failed, "not_run": run.not_run},
    }


_STYLE = """
@page { size: A4; margin: 14mm 12mm 16mm 12mm;
        @bottom-left { content: "Sjekkliste for normale test-tilfeller – kjøring " string(runid); font-size: 7pt; }
        @bottom-right { content: "Side " counter(page) " av " counter(pages); font-size: 7pt; } }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 8.5pt; color: #111; }
h1 { font-size: 15pt; margin: 0 0 1mm 0; }
h2 { font-size: 11pt; margin: 5mm 0 1.5mm 0; page-break-after: avoid; }
p.sub { color: #444; margin: 0 0 4mm 0; }
.runid { string-set: runid content(); }
table { width: 100%; border-collapse: collapse; }
th, td { border: 0.5pt solid #999; padding: 1.2mm 1.5mm; text-align: left; vertical-align: top; }
th { background: #e8eef4; }
table.form th { width: 28%; }
table.cases tr { page-break-inside: avoid; }
td.nr, td.side { text-align: center; white-space: nowrap; }
td.passed { color: #1d6b2f; font-weight: bold; }
td.failed { color: #a11d1d; font-weight: bold; }
td.not_run { color: #7a5200; font-weight: bold; }
ul { margin: 0.5mm 0 0 0; padding-left: 4mm; }
li { margin: 0; }
.ev { color: #333; font-size: 7.5pt; }
.bad { color: #a11d1d; }
.open { color: #7a5200; }
.note { color: #555; font-style: italic; }
.sum { margin-top: 3mm; font-weight: bold; }
table.sign td { height: 14mm; width: 50%; }
"""


def _dash(value: str | None) -> str:
    return html.escape(value) if value else "–"


def _system(name: str | None, version: str | None) -> str:
    text = " ".join(v for v in (name, version) if v)
    return html.escape(text) if text else "– (ikke registrert)"


def _evidence_line(e: MessageEvidence) -> str:
    parts = [f"{e.side.value} → {_dash(e.receiver_her_id)}: {html.escape(e.kind.label)}"]
    if e.msg_id:
        parts.append(f"MsgId {html.escape(e.msg_id)}")
    if e.answers_msg_id:
        parts.append(f"svar på {html.escape(e.answers_msg_id)}")
    if e.msg_id:
        receipt = f"AppRec {e.apprec.label}"
        if e.apprec_errors:
            receipt += " (" + html.escape(", ".join(e.apprec_errors)) + ")"
        if e.apprec_msg_id:
            receipt += f", MsgId {html.escape(e.apprec_msg_id)}"
        parts.append(receipt)
    checked = ", ".join(html.escape(CHECK_SHORT[c.check]) for c in e.checks if c.passed)
    line = "; ".join(parts)
    if checked:
        line += f". Kontrollert: {checked}."
    return f'<li class="ev">{line}</li>'


def _case_row(case: CaseOutcome) -> str:
    e = html.escape
    details = [_evidence_line(ev) for ev in case.evidence]
    details += [f'<li class="bad">{e(p)}</li>' for p in case.problems()]
    details += [f'<li class="open">{e(n)}</li>' for n in case.notes if case.result is not CaseResult.FAILED]
    if case.note:
        details.append(f'<li class="note">{e(case.note)}</li>')
    for mark in case.marks:
        when = shown(mark.at)
        text = f"Markert {mark.result.label.lower()} av {mark.by} {when}"
        details.append(f'<li class="note">{e(text)}{": " + e(mark.note) if mark.note else ""}</li>')
    listed = f"<ul>{''.join(details)}</ul>" if details else ""
    return (f'<tr><td class="nr">{case.number}</td><td>{e(case.title)}{listed}</td>'
            f'<td class="side">{e(case.sender_side)}</td>'
            f'<td class="{case.result.value}">{e(case.result.label)}</td></tr>')


def report_html(run: ChecklistRun) -> str:
    """The filled-in form as one HTML document (Norwegian, no external resources); the PDF is made from it."""
    e = html.escape
    h, m = run.hospital, run.municipality
    started = in_oslo(run.started_at)
    number = " ".join(v for v in (m.municipality_number, m.municipality_name) if v)
    municipality = m.name + (f" (kommune {number})" if number else "")
    changed = "sykehuset" if run.changed is Side.HOSPITAL else "kommunen"
    schema = ("ja, mot de offisielle skjemaene" if run.schemas_checked
              else "nei: skjemaene er ikke installert, bare de innebygde reglene ble kjørt")
    rows = "".join(_case_row(c) for c in run.cases)
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="no"><head><meta charset="utf-8"><title>{FORM_TITLE} – {e(m.name)}</title>',
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>{FORM_TITLE}</h1>",
        f'<p class="sub">{FORM_SUBTITLE}. Kjøring <span class="runid">{e(run.run_id)}</span>, '
        f"sjekkliste {e(run.checklist_id)} versjon {e(run.checklist_version)}.</p>",
        "<h2>Opplysninger om testen</h2>",
        '<table class="form">',
        f"<tr><th>Dato</th><td>{started.strftime('%d.%m.%Y')} kl. {started.strftime('%H:%M')}</td></tr>",
        f"<tr><th>Kommune</th><td>{e(municipality)}, HER-id {e(m.her_id)}</td></tr>",
        f"<tr><th>Helseforetak</th><td>{e(h.name)}, HER-id {e(h.her_id)}</td></tr>",
        f"<tr><th>Bakgrunn for testen</th><td>{e(TRIGGER_TEXT[run.trigger])} hos {changed}</td></tr>",
        f"<tr><th>Testmåte</th><td>{e(MODE_TEXT[run.mode])}</td></tr>",
        f"<tr><th>Testpasient</th><td>{e(run.patient)} (syntetisk)</td></tr>",
        f"<tr><th>Skjemavalidering</th><td>{schema}</td></tr>",
        "</table>",
        "<h2>Testere og systemer</h2>",
        '<table class="form"><tr><th></th><th>Sykehuset</th><th>Kommunen</th></tr>',
        f"<tr><th>Tester</th><td>{_dash(run.tester_hospital)}</td><td>{_dash(run.tester_municipality)}</td></tr>",
        f"<tr><th>EPJ-system og versjon</th><td>{_system(h.epj_system, h.epj_version)}</td>"
        f"<td>{_system(m.epj_system, m.epj_version)}</td></tr>",
        f"<tr><th>Kommunikasjonsmodul (Link) og versjon</th><td>{_system(h.comm_module, h.comm_version)}</td>"
        f"<td>{_system(m.comm_module, m.comm_version)}</td></tr>",
        "</table>",
        "<h2>Test-tilfeller</h2>",
        '<p class="sub">K = sendes av kommunen, S = sendes av sykehuset.</p>',
        '<table class="cases"><thead><tr><th>Nr.</th><th>Test-tilfelle</th><th>Sendes av</th><th>Resultat</th>'
        f"</tr></thead><tbody>{rows}</tbody></table>",
        f'<p class="sum">Bestått: {run.passed} av {len(run.cases)}. Ikke bestått: {run.failed}. '
        f"Ikke kjørt: {run.not_run}.</p>",
        "<h2>Signatur</h2>",
        '<table class="sign"><tr><th>Sykehuset</th><th>Kommunen</th></tr><tr><td></td><td></td></tr></table>',
        "</body></html>",
    ]
    return "\n".join(parts)


def report_pdf(run: ChecklistRun) -> bytes:
    """The filled-in form as PDF (WeasyPrint, from :func:`report_html`)."""
    from samhandling.services.pdf import html_to_pdf

    return html_to_pdf(report_html(run))


# --- history and coverage as JSON ----------------------------------------------------------------------


def summary_json(run: ChecklistRun) -> dict[str, Any]:
    """One line of the history."""
    return {
        "run_id": run.run_id, "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None, "mode": run.mode.value,
        "trigger": run.trigger.value, "changed_side": run.changed.value,
        "hospital": {"her_id": run.hospital.her_id, "name": run.hospital.name},
        "municipality": {"her_id": run.municipality.her_id, "name": run.municipality.name},
        "testers": {"hospital": run.tester_hospital, "municipality": run.tester_municipality},
        "passed": run.passed, "failed": run.failed, "not_run": run.not_run, "all_passed": run.all_passed,
    }


def _configuration_json(configuration: Configuration | None) -> dict[str, Any] | None:
    if configuration is None:
        return None
    return {"epj_system": configuration.epj_system, "epj_version": configuration.epj_version,
            "comm_module": configuration.comm_module, "comm_version": configuration.comm_version,
            "label": configuration.label}


def coverage_json(found: Coverage) -> dict[str, Any]:
    return {
        "hospitals": [
            {"her_id": h.hospital_her_id, "name": h.hospital_name,
             "configuration": _configuration_json(h.configuration), "current": h.current, "complete": not h.missing,
             "tested": [{"epj_system": t.epj_system, "municipality_her_id": t.municipality_her_id,
                         "municipality_name": t.municipality_name, "run_id": t.run_id, "at": t.at.isoformat()}
                        for t in h.tested],
             "missing": list(h.missing)}
            for h in found.hospitals
        ],
        "municipalities": [
            {"her_id": m.her_id, "name": m.name, "configuration": _configuration_json(m.configuration),
             "tested": m.tested, "last_passed_run": m.last_passed_run,
             "last_passed_at": m.last_passed_at.isoformat() if m.last_passed_at else None,
             "last_passed_configuration": _configuration_json(m.last_passed_configuration)}
            for m in found.municipalities
        ],
        "without_epj": list(found.without_epj),
    }
