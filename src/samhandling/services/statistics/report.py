"""The annual report for the cooperation committee (samarbeidsutvalget), in Norwegian: HTML and PDF.

Volumes per partner (both counts, labelled), receipts, AppRec times and dialogue answer times, the year
against the year before, the partners without a given message type, and procedure quality: incidents over
three hours, deviations by category, checklist runs. Notices (varsler med en ukes varsel, kvittering innen to
arbeidsdager) come from another branch: :func:`notice_section` is the hook they fill in.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from html import escape

from samhandling.domain.statistics.figures import TimeSummary, VolumeRow
from samhandling.services.statistics.charts import bar_chart
from samhandling.services.statistics.figures import Figures

MONTHS = ("jan", "feb", "mar", "apr", "mai", "jun", "jul", "aug", "sep", "okt", "nov", "des")

_CSS = """
body { font-family: sans-serif; font-size: 10pt; color: #222; }
h1 { font-size: 16pt; } h2 { font-size: 12pt; margin-top: 18pt; border-bottom: 1px solid #888; }
table { border-collapse: collapse; margin: 6pt 0; } th, td { border: 1px solid #bbb; padding: 2pt 5pt; }
th { background: #eef2f5; text-align: left; } td.n { text-align: right; }
.note { color: #555; font-size: 9pt; }
"""


def _duration(seconds: int | None) -> str:
    if seconds is None:
        return "–"
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds / 3600:.1f} t".replace(".", ",")


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f'<td class="n">{v}</td>' if isinstance(v, int) else f"<td>{escape(str(v))}</td>"
                         for v in row) + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body or '<tr><td>Ingen data</td></tr>'}</table>"


def _by_month(rows: Sequence[VolumeRow]) -> tuple[list[int], list[int]]:
    counter, unique = [0] * 12, [0] * 12
    for r in rows:
        month = int(r.period[5:7]) - 1
        counter[month] += r.counter
        unique[month] += r.unique
    return counter, unique


def _times_rows(times: dict[tuple[str, str], TimeSummary], names: dict[str, str]) -> list[list[object]]:
    return [[names.get(a, a), b, t.count, _duration(t.median), _duration(t.p90), _duration(t.p99)]
            for (a, b), t in times.items()]


def notice_section() -> str:
    """Hook for the notices (varsler): lead time of a week, acknowledgement within two working days."""
    return ("<h2>Varsler om endringer og nedetid</h2><p class='note'>Tallene for varsler (minst en ukes varsel, "
            "kvittering innen to arbeidsdager) kommer når varslene er på plass i samhandling.</p>")


def report_html(
    year: int, figures: Figures, last_year: Figures, *, names: dict[str, str], silent: dict[str, list[str]],
    quality_html: str = "",
) -> str:
    counter, unique = _by_month(figures.volumes)
    last_counter, _ = _by_month(last_year.volumes)
    per_partner: dict[str, Counter[str]] = defaultdict(Counter)
    for r in figures.volumes:
        per_partner[r.partner]["counter"] += r.counter
        per_partner[r.partner]["unique"] += r.unique
    last_partner: Counter[str] = Counter()
    for r in last_year.volumes:
        last_partner[r.partner] += r.counter
    rec = figures.receipts
    decided = rec.total - rec.pending

    def pct(n: int) -> str:
        return f"{100 * n / decided:.1f} %".replace(".", ",") if decided else "–"

    parts = [
        f"<!doctype html><html lang='nb'><head><meta charset='utf-8'><title>Samhandlingsstatistikk {year}</title>"
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Elektronisk samhandling {year}: årsrapport til samarbeidsutvalget</h1>",
        "<p class='note'><b>Meldingsteller</b> teller slik Norsk Helsenetts meldingsteller gjør: hver sending, "
        "kopier og nye sendinger medregnet. <b>Unike meldinger</b> teller én per MsgId og mottaker. "
        "Persentiler er nærmeste rang (verdien på plass ⌈p·n⌉ i sortert rekkefølge).</p>",
        "<h2>Meldinger per måned</h2>",
        bar_chart(f"Meldinger per måned {year} mot {year - 1}", MONTHS,
                  [(f"Meldingsteller {year}", counter), (f"Unike {year}", unique),
                   (f"Meldingsteller {year - 1}", last_counter)]),
        _table(["Måned", f"Meldingsteller {year}", f"Unike {year}", f"Meldingsteller {year - 1}"],
               [[m, counter[i], unique[i], last_counter[i]] for i, m in enumerate(MONTHS)]),
        "<h2>Per samarbeidspart</h2>",
        _table(["Part", "Meldingsteller", "Unike", f"Meldingsteller {year - 1}", "Endring"],
               [[names.get(p, p), c["counter"], c["unique"], last_partner[p],
                 f"{(c['counter'] - last_partner[p]) / last_partner[p] * 100:+.0f} %" if last_partner[p] else "–"]
                for p, c in sorted(per_partner.items())]),
        "<h2>Applikasjonskvitteringer</h2>",
        _table(["Sendte meldinger", "Positiv", "Negativ", "Ingen innen fristen", "Venter"],
               [[rec.total, f"{rec.positive} ({pct(rec.positive)})", f"{rec.negative} ({pct(rec.negative)})",
                 f"{rec.missing} ({pct(rec.missing)})", rec.pending]]),
        _table(["Feilkode", "Antall"], [[c, n] for c, n in rec.negative_by_code.items()]),
        "<h3>Tid til kvittering per part og måned</h3>",
        _table(["Part", "Måned", "Antall", "Median", "90-persentil", "99-persentil"],
               _times_rows(figures.receipt_times, names)),
        "<h2>Svartid i dialogen</h2>",
        _table(["Part", "Meldingstype", "Antall", "Median", "90-persentil", "99-persentil"],
               _times_rows(figures.answer_times, names)),
        "<h2>Parter som ikke har utvekslet meldingstypen</h2>",
        _table(["Meldingstype", "Parter"], [[t, ", ".join(names.get(p, p) for p in ps) or "–"]
                                            for t, ps in sorted(silent.items())]),
        notice_section(),
        quality_html,
        "</body></html>",
    ]
    return "".join(parts)


def report_pdf(html: str) -> bytes:
    from weasyprint import HTML  # type: ignore[import-untyped]  # loads Pango: only when a PDF is asked for

    return bytes(HTML(string=html).write_pdf())
