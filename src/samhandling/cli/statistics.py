"""``samhandling stats``: the statistics of the cooperation (issue 17), and ``stats report``: the annual report."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer

from samhandling.bootstrap import bootstrap
from samhandling.cli.common import UserError, out, settings
from samhandling.cli.monitoring import parse_now
from samhandling.domain.clock import utc_now
from samhandling.domain.statistics import silent_partners
from samhandling.services.statistics.figures import Figures, StatsQuery, compute, facts_of
from samhandling.services.statistics.quality import quality_html
from samhandling.services.statistics.report import report_html, report_pdf

OSLO = ZoneInfo("Europe/Oslo")
stats_app = typer.Typer(help="Statistikk for samhandlingen: volumer, kvitteringer og svartider.",
                        invoke_without_command=True, no_args_is_help=False)

NowOption = Annotated[str | None, typer.Option(
    "--now", help="Tidspunktet fristene vurderes for (ISO 8601; uten sone: norsk tid).")]
REPORT_TYPES = ("LOG_INNLAGT", "LOG_UTSKRIVNINGSKLAR", "LOG_UTSKREVET", "DIALOG_FORESPORSEL", "DIALOG_SVAR")


def _day(option: str, text: str | None, default: date) -> datetime:
    if text is None:
        day = default
    else:
        try:
            day = date.fromisoformat(text.strip())
        except ValueError:
            raise UserError(f"{option}: «{text}» er ikke en dato på formen 2026-03-10") from None
    return datetime(day.year, day.month, day.day, tzinfo=OSLO)


def _figures(query: StatsQuery, now: datetime, *, last_year: StatsQuery | None = None,
             year: int | None = None) -> tuple[Figures, Figures | None, dict[str, str], list[str], str, list[Any]]:
    node = bootstrap(settings())
    config = node.monitor_config()
    try:
        with node.uow() as uow:
            facts = facts_of(uow, query)
            earlier = facts_of(uow, last_year) if last_year else None
            parties = uow.parties.list()
            quality = quality_html(uow, start=query.start, end=query.end, now=now) if year else ""
    finally:
        node.close()
    names = {p.her_id: p.name for p in parties}
    partners = [p.her_id for p in parties if not p.local]
    figures = compute(facts, query, now=now, calendar=config.calendar, deadlines=config.deadlines)
    before = (compute(earlier, last_year, now=now, calendar=config.calendar, deadlines=config.deadlines)
              if earlier is not None and last_year else None)
    return figures, before, names, partners, quality, facts


def _json(figures: Figures) -> dict[str, Any]:
    r = figures.receipts
    return {
        "from": figures.query.start.isoformat(), "to": figures.query.end.isoformat(), "by": figures.query.by,
        "count_note": "counter: every sending, copies and resends included (Meldingsteller); unique: one per MsgId "
                      "and recipient",
        "percentile_method": "nearest rank, whole seconds",
        "volumes": [vars(v) for v in figures.volumes],
        "receipts": {"total": r.total, "positive": r.positive, "negative": r.negative,
                     "negative_by_code": r.negative_by_code, "missing_in_deadline": r.missing, "pending": r.pending},
        "receipt_times": [{"partner": p, "month": m, **vars(t)} for (p, m), t in figures.receipt_times.items()],
        "answer_times": [{"partner": p, "msg_type": m, **vars(t)} for (p, m), t in figures.answer_times.items()],
    }


@stats_app.callback()
def stats(
    ctx: typer.Context,
    start: Annotated[str | None, typer.Option("--from", help="Fra og med dato (standard: 30 dager tilbake).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Til og med dato (standard: i dag).")] = None,
    partner: Annotated[str | None, typer.Option("--partner", help="Bare denne parten (HER-id).")] = None,
    msg_type: Annotated[str | None, typer.Option("--type", help="Bare denne meldingstypen.")] = None,
    by: Annotated[str, typer.Option("--by", help="Periode: day, week eller month.")] = "month",
    as_json: Annotated[bool, typer.Option("--json", help="JSON i stedet for tekst.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Volumene som CSV.")] = False,
    now_text: NowOption = None,
) -> None:
    """Volumer (meldingsteller og unike), kvitteringer og svartider for en periode."""
    if ctx.invoked_subcommand is not None:
        return
    if by not in ("day", "week", "month"):
        raise UserError(f"--by: «{by}» er ikke en periode; bruk day, week eller month")
    now = parse_now(now_text) or utc_now()
    today = now.astimezone(OSLO).date()
    first = _day("--from", start, today - timedelta(days=30))
    last = _day("--to", end, today) + timedelta(days=1)
    if last <= first:
        raise UserError("--to må være samme dag som eller etter --from")
    figures, *_ = _figures(StatsQuery(start=first, end=last, partner=partner, msg_type=msg_type, by=by), now)
    if as_json:
        out.print_json(json.dumps(_json(figures), ensure_ascii=False))
        return
    if as_csv:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["periode", "part", "meldingstype", "retning", "meldingsteller", "unike"])
        for v in figures.volumes:
            writer.writerow([v.period, v.partner, v.msg_type, v.direction, v.counter, v.unique])
        typer.echo(buffer.getvalue(), nl=False)
        return
    out.print(f"Periode {first.date()} til {(last - timedelta(days=1)).date()} "
              "(meldingsteller: hver sending med kopier og nye sendinger; unike: én per MsgId og mottaker)")
    for v in figures.volumes:
        retning = "sendt" if v.direction == "outgoing" else "mottatt"
        out.print(f"{v.period}  {v.partner:<10} {v.msg_type:<24} {retning:<8} {v.counter:>7} {v.unique:>7}",
                  highlight=False)
    r = figures.receipts
    out.print(f"Kvitteringer: {r.positive} positive, {r.negative} negative, {r.missing} uten kvittering innen "
              f"fristen, {r.pending} venter (av {r.total} sendte)", highlight=False)


@stats_app.command("report")
def report(
    year: Annotated[int, typer.Option("--year", help="Året rapporten gjelder.")],
    pdf: Annotated[Path | None, typer.Option("--pdf", help="Skriv rapporten som PDF hit.")] = None,
    html: Annotated[Path | None, typer.Option("--html", help="Skriv rapporten som HTML hit.")] = None,
    now_text: NowOption = None,
) -> None:
    """Årsrapport til samarbeidsutvalget (HTML og/eller PDF)."""
    if not 2000 <= year <= 2100:
        raise UserError(f"--year: {year} er ikke et gyldig år")
    if pdf is None and html is None:
        raise UserError("Oppgi --pdf og/eller --html for rapporten")
    now = parse_now(now_text) or utc_now()
    this = StatsQuery(start=datetime(year, 1, 1, tzinfo=OSLO), end=datetime(year + 1, 1, 1, tzinfo=OSLO))
    before = StatsQuery(start=datetime(year - 1, 1, 1, tzinfo=OSLO), end=this.start)
    figures, last_year, names, partners, quality, facts = _figures(this, now, last_year=before, year=year)
    assert last_year is not None
    silent = {t: silent_partners(facts, partners, t) for t in REPORT_TYPES}
    document = report_html(year, figures, last_year, names=names, silent=silent, quality_html=quality)
    for path, content in ((html, document.encode()), (pdf, report_pdf(document) if pdf else b"")):
        if path is None:
            continue
        try:
            path.write_bytes(content)
        except OSError as exc:
            raise UserError(f"Kan ikke skrive {path}: {exc.strerror}") from None
        out.print(f"Skrev {path}")
