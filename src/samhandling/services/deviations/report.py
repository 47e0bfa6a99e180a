"""The deviation report for the cooperation committee: JSON, CSV and PDF of one content.

The figures are :func:`samhandling.domain.deviations.report.deviation_report`'s. The HTML is Norwegian, has its own
style and no external resources; the PDF is made from it with WeasyPrint, as the checklist report is. Partners are
named as in the register; deviations hold no patient data.
"""

from __future__ import annotations

import csv
import html
import io
from datetime import date, datetime
from typing import Any

from samhandling.domain.calendar import OSLO
from samhandling.domain.clock import as_utc
from samhandling.domain.deviations.deviation import Deviation
from samhandling.domain.deviations.report import NO_PARTNER, DeviationReport, deviation_report
from samhandling.store.unit_of_work import UnitOfWork

TITLE = "Avviksrapport for samarbeidsutvalget"


def build_report(uow: UnitOfWork, first: date, last: date, *, now: datetime) -> tuple[DeviationReport, dict[str, str]]:
    """The report of the period from ``first`` to ``last`` as of ``now``, and the partners' names by HER-id."""
    with uow:
        found = uow.deviations.list()
        parties = uow.parties.all()
    report = deviation_report(found, first, last, as_utc("now", now).astimezone(OSLO).date())
    names = {}
    for her_id in report.by_partner:
        party = parties.get(her_id) if her_id != NO_PARTNER else None
        names[her_id] = party.name if party is not None else her_id
    return report, names


def _when(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(OSLO).isoformat(timespec="minutes")


def _deviation_json(d: Deviation, today: date) -> dict[str, Any]:
    return {
        "id": d.id, "title": d.title, "occurred_at": _when(d.occurred_at), "category": d.category.value,
        "category_label": d.category.label, "severity": d.severity.value, "status": d.status.value,
        "status_label": d.status.label, "source": d.source.value, "partners": list(d.partner_her_ids),
        "message_ids": list(d.message_ids), "closed_at": _when(d.closed_at),
        "measures": [{"number": n, "description": m.description, "owner": m.owner,
                      "deadline": m.deadline.isoformat(), "status": m.status.value, "overdue": m.is_overdue(today)}
                     for n, m in enumerate(d.measures, 1)],
        "partner_told": [{"at": _when(t.at), "by": t.by, "to": t.to} for t in d.told],
    }


def report_json(report: DeviationReport, names: dict[str, str]) -> dict[str, Any]:
    return {
        "period": {"from": report.first.isoformat(), "to": report.last.isoformat()},
        "as_of": report.today.isoformat(),
        "total": report.total,
        "by_category": {c.value: n for c, n in report.by_category.items()},
        "by_partner": [{"her_id": h, "name": names.get(h, h), "count": n} for h, n in report.by_partner.items()],
        "by_status": {s.value: n for s, n in report.by_status.items()},
        "measures": {"done": report.measures_done, "dropped": report.measures_dropped,
                     "planned": report.measures_planned, "overdue": report.measures_overdue},
        "deviations": [_deviation_json(d, report.today) for d in report.deviations],
    }


def report_csv(report: DeviationReport) -> str:
    """One row per deviation, for a spreadsheet (semicolon-separated, as Norwegian spreadsheets expect)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(["Nr", "Skjedde", "Tittel", "Kategori", "Alvorlighet", "Status", "Kilde", "Parter",
                     "Tiltak", "Tiltak gjennomført", "Tiltak på overtid"])
    for d in report.deviations:
        writer.writerow([
            d.id, d.occurred_at.astimezone(OSLO).strftime("%d.%m.%Y %H.%M"), d.title, d.category.label,
            d.severity.label, d.status.label, d.source.label, " ".join(d.partner_her_ids), len(d.measures),
            sum(m.status.value == "gjennomfort" for m in d.measures), len(d.overdue_measures(report.today)),
        ])
    return buffer.getvalue()


_STYLE = """
@page { size: A4; margin: 14mm 12mm 16mm 12mm;
        @bottom-right { content: "Side " counter(page) " av " counter(pages); font-size: 7pt;
                        font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; } }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 9pt; color: #111; }
h1 { font-size: 15pt; margin: 0 0 1mm 0; }
h2 { font-size: 11pt; margin: 5mm 0 1.5mm 0; page-break-after: avoid; }
p.sub { color: #444; margin: 0 0 4mm 0; }
table { width: 100%; border-collapse: collapse; margin-bottom: 2mm; }
th, td { border: 0.5pt solid #999; padding: 1.2mm 1.5mm; text-align: left; vertical-align: top; }
th { background: #e8eef4; }
td.n { text-align: right; width: 18%; }
tr { page-break-inside: avoid; }
.overdue { color: #a11d1d; font-weight: bold; }
"""


def _count_table(heading: str, rows: list[tuple[str, int]]) -> str:
    e = html.escape
    body = "".join(f'<tr><td>{e(label)}</td><td class="n">{n}</td></tr>' for label, n in rows)
    return f"<h2>{e(heading)}</h2><table><tr><th>{e(heading)}</th><th>Antall</th></tr>{body}</table>"


def report_html(report: DeviationReport, names: dict[str, str]) -> str:
    e = html.escape
    period = f"{report.first:%d.%m.%Y}–{report.last:%d.%m.%Y}"
    rows = []
    for d in report.deviations:
        overdue = len(d.overdue_measures(report.today))
        measures = f"{len(d.measures)}" + (f' <span class="overdue">({overdue} på overtid)</span>' if overdue else "")
        rows.append(f"<tr><td>{d.id}</td><td>{d.occurred_at.astimezone(OSLO):%d.%m.%Y}</td><td>{e(d.title)}</td>"
                    f"<td>{e(d.category.label)}</td><td>{e(d.severity.label)}</td><td>{e(d.status.label)}</td>"
                    f"<td>{measures}</td></tr>")
    partners = [(f"{names.get(h, h)}" + (f" ({h})" if h != NO_PARTNER else ""), n)
                for h, n in report.by_partner.items()]
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="no"><head><meta charset="utf-8"><title>{TITLE} {period}</title>',
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>{TITLE}</h1>",
        f'<p class="sub">Perioden {period}, per {report.today:%d.%m.%Y}. {report.total} avvik. '
        "Rapporten inneholder ingen pasientopplysninger.</p>",
        _count_table("Kategori", [(c.label, n) for c, n in report.by_category.items()]),
        _count_table("Samhandlingspart", partners) if partners else "",
        _count_table("Status", [(s.label, n) for s, n in report.by_status.items()]),
        _count_table("Tiltak", [("Gjennomført", report.measures_done), ("Forkastet", report.measures_dropped),
                                ("Planlagt", report.measures_planned), ("På overtid", report.measures_overdue)]),
        "<h2>Avvikene</h2>",
        "<table><tr><th>Nr.</th><th>Skjedde</th><th>Avvik</th><th>Kategori</th><th>Alvorlighet</th>"
        f"<th>Status</th><th>Tiltak</th></tr>{''.join(rows)}</table>" if rows else "<p>Ingen avvik i perioden.</p>",
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p)


def report_pdf(report: DeviationReport, names: dict[str, str]) -> bytes:
    from weasyprint import HTML  # type: ignore[import-untyped]  # loads Pango: only when a PDF is asked for

    return bytes(HTML(string=report_html(report, names)).write_pdf())
