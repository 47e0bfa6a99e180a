"""Commands for notices of planned changes and downtime (``samhandling notices …``) and the freeze calendar
(``samhandling freeze …``). Registered in ``cli.py``; the use cases are :mod:`samhandling.services.notices`.
Every command that evaluates time takes ``--now``; every fault is one Norwegian line and changes nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from samhandling.cli.common import UserError, read_file, settings
from samhandling.cli.registers.session import ByOption, JsonOption, changed_by, dash, print_json, say, session
from samhandling.domain.notices.model import (
    Audience,
    NoticeError,
    NoticeKind,
    NoticeStatus,
    Varsel,
    local_moment,
    oslo,
    show_moment,
)

if TYPE_CHECKING:
    from samhandling.services.notices.config import NoticeConfig
    from samhandling.store.notices.unit_of_work import NoticeUnitOfWork

notices_app = typer.Typer(help="Varsler om planlagte endringer og nedetid (samhandlingsprosedyren 3.3).",
                          no_args_is_help=True)
freeze_app = typer.Typer(help="Frysperioder: skoleferier uten planlagte oppgraderinger.", no_args_is_help=True)

NowOption = Annotated[str | None, typer.Option(
    "--now", help="Tidspunktet det vurderes for (f.eks. 2027-02-01T09:00; uten sone: norsk tid).")]
ReasonOption = Annotated[str | None, typer.Option("--reason", help="Begrunnelse (påkrevd for endringer).")]
UrgentOption = Annotated[str | None, typer.Option(
    "--urgent-reason", help="Send som hastevarsel med kortere frist enn én uke; begrunnelsen føres som avvik.")]
FreezeOption = Annotated[str | None, typer.Option(
    "--freeze-reason", help="Overstyr frysperioden; begrunnelsen føres som avvik.")]
KindOption = Annotated[NoticeKind | None, typer.Option("--kind", help="Type varsel.")]


def now_of(text: str | None) -> datetime:
    from samhandling.domain.clock import utc_now

    if text is None:
        return utc_now()
    try:
        return local_moment(text)
    except NoticeError as exc:
        raise UserError(f"--now: {exc}") from None


def moment(name: str, text: str) -> datetime:
    try:
        return local_moment(text)
    except NoticeError as exc:
        raise UserError(f"{name}: {exc}") from None


@contextmanager
def notices_session() -> Iterator[tuple[Callable[[], NoticeUnitOfWork], NoticeConfig]]:
    from samhandling.bootstrap import ConfigurationError
    from samhandling.domain.notices.tokens import TokenError

    with session() as node:
        try:
            config = node.notice_config()
        except ConfigurationError as exc:
            raise UserError(str(exc)) from None
        try:
            yield node.notices_uow, config
        except (NoticeError, TokenError, ValueError) as exc:
            raise UserError(str(exc)) from None


def notice_json(n: Varsel) -> dict[str, Any]:
    return {
        "id": n.id, "kind": n.kind.value, "status": n.status.value, "version": n.version, "title": n.title,
        "description": n.description, "responsible": n.responsible, "start": n.start.isoformat(),
        "end": n.end.isoformat(), "contact_name": n.contact_name, "contact_email": n.contact_email,
        "contact_phone": n.contact_phone, "contact_phone_public": n.contact_phone_public,
        "emergency_routine": n.emergency_routine, "message_types": list(n.message_types),
        "audience": {"everyone": n.audience.everyone, "partners": list(n.audience.partners),
                     "systems": list(n.audience.systems)},
        "deviations": list(n.deviations), "sent_at": n.sent_at.isoformat() if n.sent_at else None,
        "published_at": n.published_at.isoformat() if n.published_at else None,
    }


def notice_line(n: Varsel) -> str:
    flags = " [avvik]" if n.deviations else ""
    return (f"{n.id:>4}  {n.status.label:<9} {n.kind.label:<30} {show_moment(n.start)} – "
            f"{oslo(n.end):%d.%m %H:%M}  {n.title} (v{n.version}){flags}")


def _audience(everyone: bool, partners: list[str] | None, systems: list[str] | None) -> Audience | None:
    if not everyone and not partners and not systems:
        return None
    try:
        return Audience(everyone=everyone, partners=tuple(partners or ()), systems=tuple(systems or ()))
    except ValueError as exc:
        raise UserError(f"--partner: {exc}") from None


@notices_app.command("new")
def notices_new(
    kind: Annotated[NoticeKind, typer.Option("--kind", help="Type varsel.")],
    start: Annotated[str, typer.Option("--start", help="Start, norsk tid (f.eks. 2027-03-10 22:00).")],
    end: Annotated[str, typer.Option("--end", help="Forventet slutt, norsk tid.")],
    title: Annotated[str | None, typer.Option("--title", help="Tittel (standard: fra malen).")] = None,
    description: Annotated[str | None, typer.Option(
        "--description", help="Hva endringen berører i meldingsutvekslingen og samhandlingen.")] = None,
    responsible: Annotated[str | None, typer.Option("--responsible", help="Ansvarlig for endringen.")] = None,
    contact_name: Annotated[str | None, typer.Option("--contact-name", help="Kontaktperson.")] = None,
    contact_email: Annotated[str | None, typer.Option("--contact-email")] = None,
    contact_phone: Annotated[str | None, typer.Option("--contact-phone")] = None,
    phone_public: Annotated[bool, typer.Option("--phone-public", help="Vis telefonen i endringskanalen.")] = False,
    emergency: Annotated[str | None, typer.Option("--emergency-routine", help="Beredskapsrutine.")] = None,
    message_types: Annotated[list[str] | None, typer.Option("--message-type", help="Berørt meldingstype.")] = None,
    everyone: Annotated[bool, typer.Option("--all", help="Gjelder alle samarbeidsparter.")] = False,
    partners: Annotated[list[str] | None, typer.Option("--partner", help="Berørt part (HER-id).")] = None,
    systems: Annotated[list[str] | None, typer.Option("--system", help="Berører brukere av EPJ/Link.")] = None,
    by: ByOption = None,
    now: NowOption = None,
    as_json: JsonOption = False,
) -> None:
    """Lag et utkast til varsel; tomme felt fylles fra malen for typen og registrene."""
    from samhandling.services.notices.authoring import create_notice
    from samhandling.services.notices.templates import template_for

    at = now_of(now)
    window = (moment("--start", start), moment("--end", end))
    audience = _audience(everyone, partners, systems) or Audience()
    with notices_session() as (new_uow, config):
        with new_uow() as uow:
            template = template_for(uow, kind, config)
        draft = Varsel(kind=kind, title=title or template.title, description=description or template.description,
                       responsible=responsible or template.responsible, start=window[0], end=window[1],
                       contact_name=contact_name or template.contact_name,
                       contact_email=contact_email or (None if contact_name else template.contact_email),
                       contact_phone=contact_phone, contact_phone_public=phone_public,
                       emergency_routine=emergency if emergency is not None else template.emergency_routine,
                       message_types=tuple(message_types or ()), audience=audience, created_at=at,
                       created_by=changed_by(by))
        stored = create_notice(new_uow, draft, by=changed_by(by), now=at)
    if as_json:
        print_json(notice_json(stored))
    else:
        say(f"Utkast {stored.id} er laget: {stored.title}. Send det med «samhandling notices send {stored.id}».")


@notices_app.command("edit")
def notices_edit(
    notice_id: Annotated[int, typer.Argument(help="Varselnummer.")],
    reason: ReasonOption = None,
    title: Annotated[str | None, typer.Option("--title")] = None,
    description: Annotated[str | None, typer.Option("--description")] = None,
    responsible: Annotated[str | None, typer.Option("--responsible")] = None,
    start: Annotated[str | None, typer.Option("--start")] = None,
    end: Annotated[str | None, typer.Option("--end")] = None,
    contact_name: Annotated[str | None, typer.Option("--contact-name")] = None,
    contact_email: Annotated[str | None, typer.Option("--contact-email")] = None,
    contact_phone: Annotated[str | None, typer.Option("--contact-phone")] = None,
    emergency: Annotated[str | None, typer.Option("--emergency-routine")] = None,
    message_types: Annotated[list[str] | None, typer.Option("--message-type")] = None,
    everyone: Annotated[bool, typer.Option("--all")] = False,
    partners: Annotated[list[str] | None, typer.Option("--partner")] = None,
    systems: Annotated[list[str] | None, typer.Option("--system")] = None,
    urgent_reason: UrgentOption = None,
    freeze_reason: FreezeOption = None,
    by: ByOption = None,
    now: NowOption = None,
) -> None:
    """Endre et varsel. Et sendt varsel får ny versjon og sendes på nytt til alle mottakerne."""
    from samhandling.services.notices.authoring import edit_notice
    from samhandling.services.notices.sending import deliver_notices

    at = now_of(now)
    changes: dict[str, Any] = {k: v for k, v in {
        "title": title, "description": description, "responsible": responsible, "contact_name": contact_name,
        "contact_email": contact_email, "contact_phone": contact_phone, "emergency_routine": emergency,
    }.items() if v is not None}
    if start is not None:
        changes["start"] = moment("--start", start)
    if end is not None:
        changes["end"] = moment("--end", end)
    if message_types:
        changes["message_types"] = tuple(message_types)
    audience = _audience(everyone, partners, systems)
    if audience is not None:
        changes["audience"] = audience
    if not changes:
        raise UserError("Oppgi minst ett felt som skal endres (for eksempel --start).")
    with notices_session() as (new_uow, config):
        after = edit_notice(new_uow, config, notice_id, changes, by=changed_by(by), reason=reason or "", now=at,
                            urgent_reason=urgent_reason, freeze_reason=freeze_reason)
        run = deliver_notices(new_uow, config, now=lambda: at)
    say(f"Varsel {notice_id} er endret (versjon {after.version})." + _mail_note(run, config))


def _mail_note(run: Any, config: NoticeConfig) -> str:
    if config.smtp is None:
        return " E-post er av (SAMHANDLING_SMTP_URL er ikke satt); e-postene venter i utboksen."
    note = f" {len(run.sent)} e-post sendt."
    if run.failed:
        note += f" {len(run.failed)} feilet og prøves igjen: {run.error}"
    return note


@notices_app.command("send")
def notices_send(
    notice_id: Annotated[int, typer.Argument(help="Varselnummer.")],
    urgent_reason: UrgentOption = None,
    freeze_reason: FreezeOption = None,
    by: ByOption = None,
    now: NowOption = None,
) -> None:
    """Send et utkast til kontaktpunktene (sjekker ukesfristen og frysperiodene)."""
    from samhandling.services.notices.sending import deliver_notices, send_notice

    at = now_of(now)
    with notices_session() as (new_uow, config):
        result = send_notice(new_uow, config, notice_id, by=changed_by(by), now=at, urgent_reason=urgent_reason,
                             freeze_reason=freeze_reason)
        run = deliver_notices(new_uow, config, now=lambda: at)
    reached = sum(1 for r in result.recipients if r.reached)
    say(f"Varsel {notice_id} er sendt til {reached} mottakere." + _mail_note(run, config))
    for her_id in result.not_reached:
        say(f"Ikke nådd: part {her_id} mangler kontaktpunkt for formålet (se «samhandling contacts gaps»).")
    for deviation in result.notice.deviations:
        say(f"Avvik fra prosedyren: {deviation}")


@notices_app.command("cancel")
def notices_cancel(notice_id: Annotated[int, typer.Argument()], reason: ReasonOption = None, by: ByOption = None,
                   now: NowOption = None) -> None:
    """Avlys et varsel; mottakerne får beskjed."""
    from samhandling.services.notices.authoring import cancel_notice
    from samhandling.services.notices.sending import deliver_notices

    at = now_of(now)
    with notices_session() as (new_uow, config):
        cancel_notice(new_uow, config, notice_id, by=changed_by(by), reason=reason or "", now=at)
        run = deliver_notices(new_uow, config, now=lambda: at)
    say(f"Varsel {notice_id} er avlyst." + _mail_note(run, config))


@notices_app.command("complete")
def notices_complete(notice_id: Annotated[int, typer.Argument()], by: ByOption = None, now: NowOption = None) -> None:
    """Merk et varsel som fullført; mottakerne får en kort melding."""
    from samhandling.services.notices.authoring import complete_notice
    from samhandling.services.notices.sending import deliver_notices

    at = now_of(now)
    with notices_session() as (new_uow, config):
        complete_notice(new_uow, config, notice_id, by=changed_by(by), now=at)
        run = deliver_notices(new_uow, config, now=lambda: at)
    say(f"Varsel {notice_id} er fullført." + _mail_note(run, config))


@notices_app.command("publish")
def notices_publish(notice_id: Annotated[int, typer.Argument()], by: ByOption = None, now: NowOption = None) -> None:
    """Publiser en mindre endring i endringskanalen (uten e-post)."""
    from samhandling.services.notices.authoring import publish_minor

    with notices_session() as (new_uow, _):
        publish_minor(new_uow, notice_id, by=changed_by(by), now=now_of(now))
    say(f"Varsel {notice_id} er publisert i endringskanalen.")


@notices_app.command("list")
def notices_list(
    status: Annotated[NoticeStatus | None, typer.Option("--status", help="Bare varsler med denne statusen.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Vis varslene etter starttidspunkt."""
    with notices_session() as (new_uow, _), new_uow() as uow:
        found = uow.notices.list((status,) if status else None)
    if as_json:
        print_json([notice_json(n) for n in found])
    elif not found:
        say("Ingen varsler.")
    else:
        for n in found:
            say(notice_line(n))


@notices_app.command("show")
def notices_show(notice_id: Annotated[int, typer.Argument()], now: NowOption = None, as_json: JsonOption = False
                 ) -> None:
    """Vis et varsel med mottakere, svarstatus og endringslogg."""
    from samhandling.services.notices.sending import get_notice

    at = now_of(now)
    with notices_session() as (new_uow, config), new_uow() as uow:
        n = get_notice(uow, notice_id)
        recipients = uow.notices.recipients(notice_id)
        edits = uow.notices.edits(notice_id)
    if as_json:
        print_json({**notice_json(n), "recipients": [
            {"partner_her_id": r.partner_her_id, "email": r.email, "name": r.name, "version": r.version,
             "state": r.state(at, config.calendar).value,
             "deadline": d.isoformat() if (d := r.deadline(config.calendar)) else None} for r in recipients],
            "edits": [{"at": e.at.isoformat(), "by": e.by, "action": e.action, "reason": e.reason,
                       "version": e.version, "changes": e.changes} for e in edits]})
        return
    say(notice_line(n))
    say(f"Ansvarlig: {n.responsible}. Kontakt: {n.contact_name} {dash(n.contact_email)} {dash(n.contact_phone)}")
    say(f"Berørte: {n.audience.describe()}. Meldingstyper: {', '.join(n.message_types) or '–'}")
    say(n.description)
    for deviation in n.deviations:
        say(f"Avvik fra prosedyren: {deviation}")
    say("Mottakere:")
    for r in recipients:
        who = r.email or f"part {r.partner_her_id}"
        deadline = r.deadline(config.calendar)
        due = f", frist {show_moment(deadline)}" if deadline and not r.own else ""
        say(f"  {who} ({dash(r.partner_her_id) if r.partner_her_id else 'egen'}): "
            f"{r.state(at, config.calendar).label if not r.own else 'kopi'}{due}")
    say("Endringslogg:")
    for e in edits:
        say(f"  {oslo(e.at):%Y-%m-%d %H:%M}  {e.by}  {e.action} (v{e.version}): {e.reason}")


@notices_app.command("ack")
def notices_ack(notice_id: Annotated[int, typer.Argument()],
                who: Annotated[str, typer.Argument(help="Partens HER-id eller mottakerens adresse.")],
                by: ByOption = None, now: NowOption = None) -> None:
    """Registrer at en mottaker har bekreftet varselet (for eksempel på telefon)."""
    from samhandling.services.notices.acks import acknowledge_by_hand

    with notices_session() as (new_uow, _):
        result = acknowledge_by_hand(new_uow, notice_id, who, by=changed_by(by), now=now_of(now))
    say(f"{result.recipient.email} hadde allerede bekreftet varsel {notice_id}." if result.already
        else f"Bekreftelse fra {result.recipient.email} er registrert for varsel {notice_id}.")


@notices_app.command("overdue")
def notices_overdue(now: NowOption = None, as_json: JsonOption = False) -> None:
    """Vis mottakere som ikke har svart innen to arbeidsdager."""
    from samhandling.services.notices.acks import overdue

    with notices_session() as (new_uow, config):
        found = overdue(new_uow, config, now=now_of(now))
    if as_json:
        print_json([{"notice_id": o.notice.id, "partner_her_id": o.recipient.partner_her_id,
                     "email": o.recipient.email, "deadline": o.deadline.isoformat()} for o in found])
        return
    if not found:
        say("Ingen forfalte svar.")
    for o in found:
        say(f"Varsel {o.notice.id} «{o.notice.title}»: {o.recipient.email} (part {o.recipient.partner_her_id}), "
            f"frist {show_moment(o.deadline)}")


@notices_app.command("run")
def notices_run(now: NowOption = None) -> None:
    """Flytt varsler etter tid, purr forfalte svar og send e-post som venter (det noden gjør i hver runde)."""
    from samhandling.services.notices.acks import follow_up
    from samhandling.services.notices.authoring import advance
    from samhandling.services.notices.certificates import propose_certificate_notices
    from samhandling.services.notices.sending import deliver_notices

    at = now_of(now)
    with notices_session() as (new_uow, config):
        for draft in propose_certificate_notices(new_uow, config, now=at):
            say(f"Eget sertifikat går snart ut: utkast {draft.id} til varsel om sertifikatbytte er laget.")
        moved = advance(new_uow, config, now=at)
        followed = follow_up(new_uow, config, now=at)
        run = deliver_notices(new_uow, config, now=lambda: at)
    say(f"Startet: {len(moved.started)}, fullført: {len(moved.completed)}, purret: {len(followed.reminded)}, "
        f"varslet meldingsansvarlig: {len(followed.escalated)}." + _mail_note(run, config))


# --- freeze -------------------------------------------------------------------------------------------------


def freeze_json(p: Any) -> dict[str, Any]:
    return {"organisation": p.organisation or "egen", "kind": p.kind.value, "name": p.title,
            "first": p.first.isoformat(), "last": p.last.isoformat(), "source": p.source,
            "checked_on": p.checked_on.isoformat() if p.checked_on else None, "default": p.default}


def freeze_line(p: Any) -> str:
    checked = f", kontrollert {p.checked_on:%d.%m.%Y}" if p.checked_on else ""
    return f"{p.describe()} — kilde: {p.source or '–'}{checked}"


@freeze_app.command("list")
def freeze_list(
    year: Annotated[int | None, typer.Option("--year", help="År (standard: i år).")] = None,
    partner: Annotated[str | None, typer.Option("--partner", help="Bare denne parten (HER-id, eller «egen»).")]
    = None,
    now: NowOption = None,
    as_json: JsonOption = False,
) -> None:
    """Vis frysperiodene som begynner i året: våre og partenes (standard der ingen er registrert)."""
    from samhandling.services.notices.freeze import list_freeze

    chosen = year if year is not None else oslo(now_of(now)).year
    if not 1900 <= chosen <= 2999:
        raise UserError(f"--year: {chosen} er ikke et gyldig år.")
    with notices_session() as (new_uow, config):
        found = list_freeze(new_uow, config, year=chosen, organisation=partner)
    if as_json:
        print_json([freeze_json(p) for p in found])
        return
    for p in found:
        say(freeze_line(p))


@freeze_app.command("import")
def freeze_import(
    file: Annotated[Path, typer.Argument(help="CSV- eller iCalendar-fil (.ics).")],
    partner: Annotated[str | None, typer.Option("--partner", help="Parten en .ics-fil gjelder (standard: egen).")]
    = None,
    checked: Annotated[str | None, typer.Option("--checked", help="Datoen periodene ble kontrollert (YYYY-MM-DD).")]
    = None,
) -> None:
    """Importer frysperioder (alt eller ingenting)."""
    from samhandling.services.notices.freeze import import_freeze

    try:
        checked_on = date.fromisoformat(checked) if checked else None
    except ValueError:
        raise UserError(f"--checked: «{checked}» er ikke en dato (YYYY-MM-DD).") from None
    data = read_file(file, settings().max_message_bytes)
    with notices_session() as (new_uow, _):
        result = import_freeze(new_uow, file.name, data, organisation=partner, checked_on=checked_on)
    say(f"Importerte {result.stored} frysperioder ({result.unchanged} uendret) fra {file.name}.")


@freeze_app.command("check")
def freeze_check(
    start: Annotated[str, typer.Argument(metavar="FROM", help="Fra, norsk tid.")],
    end: Annotated[str, typer.Argument(metavar="TO", help="Til, norsk tid.")],
    partner: Annotated[str | None, typer.Option("--partner", help="Bare vår og denne partens (HER-id).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Sjekk om et tidsrom faller i en frysperiode; status 1 når det gjør det."""
    from samhandling.services.notices.freeze import check_freeze

    window = moment("FROM", start), moment("TO", end)
    with notices_session() as (new_uow, config):
        found = check_freeze(new_uow, config, *window, partner=partner)
    if as_json:
        print_json([freeze_json(p) for p in found])
    elif not found:
        say("Tidsrommet er ikke i noen frysperiode.")
    else:
        for p in found:
            say(f"Frysperiode: {freeze_line(p)}")
    raise typer.Exit(1 if found else 0)
