"""``samhandling deviations new|update|measure|close|list|show|report|tell-partner``: the deviation register.

A deviation is registered by hand or from its source (``--from-alert``, ``--from-message`` for a received
«Tilbakemelding om feil i mottatt melding», ``--from-incident``). Commands that look at time (overdue measures,
the report) take ``--now``; commands that change something act at the clock's time.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from samhandling.bootstrap import bootstrap
from samhandling.cli.common import UserError, out, settings
from samhandling.cli.monitoring import parse_moment, parse_now
from samhandling.cli.registers.session import changed_by
from samhandling.domain.clock import oslo_date, shown, utc_now
from samhandling.domain.deviations.deviation import (
    Deviation,
    DeviationCategory,
    DeviationError,
    DeviationSeverity,
    DeviationStatus,
    MeasureStatus,
)
from samhandling.services.deviations import register as service
from samhandling.services.deviations import report as reports
from samhandling.store.deviations.repository import DeviationQuery

deviations_app = typer.Typer(help="Avviksregisteret: avvik i samhandlingen og tiltakene mot dem.",
                             no_args_is_help=True)

ByOption = Annotated[str | None, typer.Option("--by", help="Hvem (standard: brukernavnet ditt).")]
NowOption = Annotated[str | None, typer.Option(
    "--now", help="Tidspunktet det vurderes for (ISO 8601, f.eks. 2026-03-10T14:00; uten sone: norsk tid).")]
JsonOption = Annotated[bool, typer.Option("--json", help="JSON i stedet for tekst.")]
CATEGORIES = ", ".join(c.value for c in DeviationCategory)


def _run(action: Any) -> Any:
    node = bootstrap(settings())
    try:
        return action(node.uow)
    except DeviationError as exc:
        raise UserError(str(exc).rstrip(".")) from None
    finally:
        node.close()


def _when(moment: datetime | None) -> str:
    return shown(moment) or "–"


def _day(option: str, text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"{option}: «{text}» er ikke en dato på formen 2026-03-31") from None


def _today(now: datetime) -> date:
    return oslo_date(now)


def deviation_json(d: Deviation, today: date) -> dict[str, Any]:
    return reports._deviation_json(d, today) | {"description": d.description, "registered_by": d.registered_by,
                                                 "registered_at": d.registered_at.isoformat(),
                                                 "source_ref": d.source_ref}


@deviations_app.command("new")
def deviations_new(
    title: Annotated[str | None, typer.Option("--title", help="Kort beskrivelse.")] = None,
    description: Annotated[str, typer.Option("--description", help="Hva som skjedde (ingen "
                                                                   "pasientopplysninger).")] = "",
    category: Annotated[DeviationCategory | None, typer.Option("--category", help=f"Kategori: {CATEGORIES}.")] = None,
    severity: Annotated[DeviationSeverity, typer.Option("--severity", help="lav, middels eller hoy.")] = (
        DeviationSeverity.MEDIUM),
    occurred: Annotated[str | None, typer.Option("--occurred", help="Når det skjedde (standard: nå).")] = None,
    partner: Annotated[list[str] | None, typer.Option("--partner", help="Samhandlingspart (HER-id); kan "
                                                      "gjentas.")] = None,
    message: Annotated[list[int] | None, typer.Option("--message", help="Meldingens interne id; kan "
                                                      "gjentas.")] = None,
    from_alert: Annotated[int | None, typer.Option("--from-alert", help="Lag avviket fra et varsel.")] = None,
    from_message: Annotated[int | None, typer.Option(
        "--from-message", help="Lag avviket fra en mottatt tilbakemelding om feil (DIALOG_AVVIK).")] = None,
    from_incident: Annotated[int | None, typer.Option("--from-incident", help="Lag avviket fra en "
                                                      "hendelse.")] = None,
    from_checklist: Annotated[str | None, typer.Option(
        "--from-checklist", help="Ett avvik per tilfelle som ikke besto i denne kjøringen av sjekklisten.")] = None,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Registrer et avvik, for hånd eller fra et varsel, en mottatt tilbakemelding om feil, en hendelse eller en
    kjøring av sjekklisten."""
    now, who = utc_now(), changed_by(by)
    sources = [s for s in (from_alert, from_message, from_incident, from_checklist) if s is not None]
    if len(sources) > 1:
        raise UserError("oppgi bare én av --from-alert, --from-message, --from-incident og --from-checklist")
    if from_checklist is not None:
        made = _run(lambda uow: service.from_checklist_run(uow(), from_checklist, by=who, now=now))
        if as_json:
            print(json.dumps([deviation_json(d, _today(now)) for d in made], ensure_ascii=False))
        elif not made:
            out.print(f"Ingen tilfeller i kjøring {from_checklist} er ikke bestått; ingen avvik registrert.",
                      markup=False)
        for d in made if not as_json else ():
            out.print(f"Avvik {d.id} er registrert: {d.title}.", markup=False)
        return
    if from_alert is not None:
        found = _run(lambda uow: service.from_alert(uow(), from_alert, by=who, now=now, severity=severity,
                                                    **({"category": category} if category else {})))
    elif from_message is not None:
        found = _run(lambda uow: service.from_received_avvik(uow(), from_message, by=who, now=now,
                                                             severity=severity,
                                                             **({"category": category} if category else {})))
    elif from_incident is not None:
        found = _run(lambda uow: service.from_incident(uow(), from_incident, by=who, now=now, severity=severity))
    else:
        if not title or category is None:
            raise UserError("oppgi --title og --category (eller en kilde: --from-alert, --from-message, "
                            "--from-incident)")
        form = service.DeviationForm(title=title, description=description or title, category=category,
                                     severity=severity, occurred_at=parse_moment("--occurred", occurred),
                                     partner_her_ids=tuple(p.strip() for p in partner or ()),
                                     message_ids=tuple(message or ()))
        found = _run(lambda uow: service.register_deviation(uow(), form, by=who, now=now))
    if as_json:
        print(json.dumps(deviation_json(found, _today(now)), ensure_ascii=False))
    else:
        out.print(f"Avvik {found.id} er registrert: {found.title} ({found.category.label}).", markup=False)


@deviations_app.command("update")
def deviations_update(
    deviation_id: Annotated[int, typer.Argument(help="Avvikets nummer.")],
    status: Annotated[DeviationStatus, typer.Option("--status", help="registrert, under_behandling, "
                                                    "tiltak_besluttet eller lukket.")],
) -> None:
    """Flytt et avvik i livsløpet: registrert → under behandling → tiltak besluttet → lukket."""
    found = _run(lambda uow: service.set_status(uow(), deviation_id, status, now=utc_now()))
    out.print(f"Avvik {found.id} har nå status «{found.status.label}».", markup=False)


@deviations_app.command("measure")
def deviations_measure(
    deviation_id: Annotated[int, typer.Argument(help="Avvikets nummer.")],
    description: Annotated[str | None, typer.Option("--description", help="Nytt tiltak: hva som gjøres.")] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Hvem som eier tiltaket.")] = None,
    deadline: Annotated[str | None, typer.Option("--deadline", help="Frist (2026-03-31).")] = None,
    done: Annotated[int | None, typer.Option("--done", help="Tiltak nummer N er gjennomført.")] = None,
    drop: Annotated[int | None, typer.Option("--drop", help="Tiltak nummer N er forkastet.")] = None,
) -> None:
    """Legg til et tiltak (med eier og frist), eller meld et tiltak gjennomført eller forkastet."""
    now = utc_now()
    if done is not None or drop is not None:
        if description or owner or deadline or (done is not None and drop is not None):
            raise UserError("oppgi enten et nytt tiltak eller én av --done og --drop")
        number, status = (done, MeasureStatus.DONE) if done is not None else (drop, MeasureStatus.DROPPED)
        assert number is not None
        found = _run(lambda uow: service.end_measure(uow(), deviation_id, number, status, now=now))
        out.print(f"Tiltak {number} på avvik {found.id} er «{status.label.lower()}».", markup=False)
        return
    if not (description and owner and deadline):
        raise UserError("et nytt tiltak trenger --description, --owner og --deadline")
    when = _day("--deadline", deadline)
    found = _run(lambda uow: service.new_measure(uow(), deviation_id, description=description, owner=owner,
                                                 deadline=when, now=now))
    out.print(f"Tiltak {len(found.measures)} er lagt til avvik {found.id}, frist {when:%d.%m.%Y}.", markup=False)


@deviations_app.command("close")
def deviations_close(deviation_id: Annotated[int, typer.Argument(help="Avvikets nummer.")]) -> None:
    """Lukk et avvik: alle tiltak er gjennomført eller forkastet."""
    found = _run(lambda uow: service.close_deviation(uow(), deviation_id, now=utc_now()))
    out.print(f"Avvik {found.id} er lukket.", markup=False)


@deviations_app.command("list")
def deviations_list(
    status: Annotated[DeviationStatus | None, typer.Option("--status", help="Bare avvik med denne status.")] = None,
    partner: Annotated[str | None, typer.Option("--partner", help="Bare avvik som gjelder denne parten.")] = None,
    now: NowOption = None,
    as_json: JsonOption = False,
) -> None:
    """Avvikene, eldste først, med tiltak på overtid."""
    today = _today(parse_now(now) or utc_now())
    found = _run(lambda uow: service.list_deviations(uow(), DeviationQuery(status=status, partner_her_id=partner)))
    if as_json:
        print(json.dumps([deviation_json(d, today) for d in found], ensure_ascii=False))
        return
    if not found:
        out.print("Ingen avvik.", markup=False)
        return
    for d in found:
        overdue = len(d.overdue_measures(today))
        late = f", {overdue} tiltak på overtid" if overdue else ""
        out.print(f"{d.id:>4}  {_when(d.occurred_at)}  {d.status.label:<16} {d.severity.label:<8} {d.title} "
                  f"({d.category.label}; {len(d.measures)} tiltak{late})", markup=False)


@deviations_app.command("show")
def deviations_show(
    deviation_id: Annotated[int, typer.Argument(help="Avvikets nummer.")],
    now: NowOption = None,
    as_json: JsonOption = False,
) -> None:
    """Alt om ett avvik: beskrivelse, tiltak og når parten ble varslet."""
    today = _today(parse_now(now) or utc_now())
    d = _run(lambda uow: service.get_deviation(uow(), deviation_id))
    if as_json:
        print(json.dumps(deviation_json(d, today), ensure_ascii=False))
        return
    lines = [
        f"Avvik {d.id}: {d.title}",
        f"Status:       {d.status.label}",
        f"Kategori:     {d.category.label}",
        f"Alvorlighet:  {d.severity.label}",
        f"Skjedde:      {_when(d.occurred_at)}",
        f"Registrert:   {_when(d.registered_at)} av {d.registered_by}",
        f"Kilde:        {d.source.label}" + (f" ({d.source_ref})" if d.source_ref else ""),
        f"Parter:       {', '.join(d.partner_her_ids) or '–'}",
        f"Meldinger:    {', '.join(str(i) for i in d.message_ids) or '–'}",
        "", d.description,
    ]
    if d.measures:
        lines += ["", "Tiltak:"]
        for n, m in enumerate(d.measures, 1):
            late = " – PÅ OVERTID" if m.is_overdue(today) else ""
            lines.append(f"  {n}. {m.description} ({m.owner}, frist {m.deadline:%d.%m.%Y}): {m.status.label}{late}")
    if d.told:
        lines += ["", "Parten er varslet:"] + [f"  {_when(t.at)} til {t.to} ({t.by})" for t in d.told]
    out.print("\n".join(lines), markup=False)


@deviations_app.command("tell-partner")
def deviations_tell_partner(
    deviation_id: Annotated[int, typer.Argument(help="Avvikets nummer.")],
    partner: Annotated[str | None, typer.Option("--partner", help="Bare denne parten (HER-id); standard: "
                                                "avvikets parter.")] = None,
    by: ByOption = None,
) -> None:
    """Meld fra til parten (kontaktpunktet for feilsøking) om et avvik, uten pasientopplysninger."""
    from samhandling.bootstrap import ConfigurationError
    from samhandling.services.deviations.tell import tell_partner
    from samhandling.services.notices.sending import deliver_notices

    node = bootstrap(settings())
    try:
        config = node.notice_config()
        deviation, mails = tell_partner(node.notices_uow(), deviation_id, organisation=config.organisation,
                                        by=changed_by(by), now=utc_now(), partner_her_id=partner)
        run = deliver_notices(node.notices_uow, config, now=utc_now)
    except DeviationError as exc:
        raise UserError(str(exc).rstrip(".")) from None
    except ConfigurationError as exc:
        raise UserError(str(exc)) from None
    finally:
        node.close()
    to = ", ".join(m.recipients[0] for m in mails)
    if config.smtp is None:
        out.print(f"E-post til {to} venter i utboksen; e-post er ikke satt opp (SAMHANDLING_SMTP_URL).", markup=False)
    elif run.failed:
        out.print(f"E-post til {to} er lagret, men sendingen feilet ({run.error}); den prøves igjen.", markup=False)
    else:
        out.print(f"Avvik {deviation.id}: {to} er varslet.", markup=False)


@deviations_app.command("report")
def deviations_report(
    first: Annotated[str, typer.Option("--from", help="Periodens første dag (2026-01-01).")],
    last: Annotated[str, typer.Option("--to", help="Periodens siste dag (2026-12-31).")],
    pdf: Annotated[Path | None, typer.Option("--pdf", help="Skriv rapporten som PDF hit.")] = None,
    csv_file: Annotated[Path | None, typer.Option("--csv", help="Skriv avvikene som CSV hit.")] = None,
    now: NowOption = None,
    as_json: JsonOption = False,
) -> None:
    """Avviksrapport for en periode, for samarbeidsutvalget: per kategori, part og status, og tiltakene."""
    at = parse_now(now) or utc_now()
    start, end = _day("--from", first), _day("--to", last)
    if end < start:
        raise UserError(f"perioden slutter ({end:%d.%m.%Y}) før den begynner ({start:%d.%m.%Y})")
    report, names = _run(lambda uow: reports.build_report(uow(), start, end, now=at))
    writers: list[tuple[Path | None, Callable[[], bytes]]] = [
        (pdf, lambda: reports.report_pdf(report, names)), (csv_file, lambda: reports.report_csv(report).encode())]
    for path, data in writers:
        if path is not None:
            try:
                path.write_bytes(data())
            except OSError as exc:
                raise UserError(f"{path}: kan ikke skrives ({exc.strerror})") from None
    if as_json:
        print(json.dumps(reports.report_json(report, names), ensure_ascii=False, indent=2))
        return
    out.print(f"{reports.TITLE}, {start:%d.%m.%Y}–{end:%d.%m.%Y}: {report.total} avvik.", markup=False)
    for category, n in report.by_category.items():
        out.print(f"  {category.label}: {n}", markup=False)
    out.print(f"Tiltak: {report.measures_done} gjennomført, {report.measures_planned} planlagt, "
              f"{report.measures_overdue} på overtid, {report.measures_dropped} forkastet.", markup=False)
    for path in (pdf, csv_file):
        if path is not None:
            out.print(f"Skrevet: {path}", markup=False)
