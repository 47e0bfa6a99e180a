"""A deviation (avvik) and its measures (tiltak).

Lifecycle: ``registered → being handled → measures decided → closed``. A deviation moves forward one step or
more, never back, except that a closed one may be reopened to being handled; measures can only be decided
when there is at least one, and a deviation closes only when every measure is done or dropped. A measure has
an owner, a deadline and a status; one past its deadline and not done is overdue (and alerted once).

A deviation refers to messages by their internal ids and never holds patient data: texts with a
fødselsnummer are refused.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from samhandling.domain.clock import as_utc
from samhandling.domain.privacy import holds_person_id

_TEXT_LIMIT = 4000
_OSLO = ZoneInfo("Europe/Oslo")


class DeviationError(ValueError):
    """A rule of the deviation register is broken; one Norwegian line for the user."""


class DeviationCategory(StrEnum):
    CONTENT_ERROR = "innholdsfeil"
    WRONG_PATIENT_OR_RECIPIENT = "feil_pasient_eller_mottaker"
    AGREEMENT_BREACH = "brudd_pa_avtalen"
    TECHNICAL_FAULT = "teknisk_feil"
    ROUTINE_NOT_FOLLOWED = "rutine_ikke_fulgt"

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self]


CATEGORY_LABELS = {
    DeviationCategory.CONTENT_ERROR: "Feil i innholdet i en mottatt melding",
    DeviationCategory.WRONG_PATIENT_OR_RECIPIENT: "Feil pasient eller feil mottaker",
    DeviationCategory.AGREEMENT_BREACH: "Brudd på samarbeidsavtalen",
    DeviationCategory.TECHNICAL_FAULT: "Teknisk feil",
    DeviationCategory.ROUTINE_NOT_FOLLOWED: "Rutine ikke fulgt",
}


class DeviationSource(StrEnum):
    """Where a deviation came from."""

    MANUAL = "manuell"
    ALERT = "varsel"
    RECEIVED_AVVIK = "mottatt_avvik"
    """A received «Tilbakemelding om feil i mottatt melding» (HIS 1151, Dialogmelding Avvik)."""
    PROCEDURE_RULE = "rutinebrudd"
    """A broken rule of the procedure: a notice with less than a week's lead, a change in a freeze period, an
    acknowledgement overdue, a checklist case failed."""
    INCIDENT = "hendelse"

    @property
    def label(self) -> str:
        return {
            DeviationSource.MANUAL: "Registrert manuelt",
            DeviationSource.ALERT: "Fra et overvåkingsvarsel",
            DeviationSource.RECEIVED_AVVIK: "Fra en mottatt tilbakemelding om feil",
            DeviationSource.PROCEDURE_RULE: "Fra et brudd på samhandlingsrutinen",
            DeviationSource.INCIDENT: "Fra en hendelse",
        }[self]


class DeviationSeverity(StrEnum):
    LOW = "lav"
    MEDIUM = "middels"
    HIGH = "hoy"

    @property
    def label(self) -> str:
        return {DeviationSeverity.LOW: "Lav", DeviationSeverity.MEDIUM: "Middels",
                DeviationSeverity.HIGH: "Høy"}[self]


class DeviationStatus(StrEnum):
    REGISTERED = "registrert"
    BEING_HANDLED = "under_behandling"
    MEASURES_DECIDED = "tiltak_besluttet"
    CLOSED = "lukket"

    @property
    def label(self) -> str:
        return {DeviationStatus.REGISTERED: "Registrert", DeviationStatus.BEING_HANDLED: "Under behandling",
                DeviationStatus.MEASURES_DECIDED: "Tiltak besluttet", DeviationStatus.CLOSED: "Lukket"}[self]


_ORDER = list(DeviationStatus)


class MeasureStatus(StrEnum):
    PLANNED = "planlagt"
    DONE = "gjennomfort"
    DROPPED = "forkastet"

    @property
    def label(self) -> str:
        return {MeasureStatus.PLANNED: "Planlagt", MeasureStatus.DONE: "Gjennomført",
                MeasureStatus.DROPPED: "Forkastet"}[self]


@dataclass(frozen=True, kw_only=True)
class Measure:
    """A measure (tiltak): what is done so it does not happen again, by whom, by when."""

    description: str
    owner: str
    deadline: date
    status: MeasureStatus = MeasureStatus.PLANNED
    done_at: datetime | None = None
    overdue_alerted_at: datetime | None = None
    id: int | None = None

    def is_overdue(self, today: date) -> bool:
        return self.status is MeasureStatus.PLANNED and self.deadline < today


@dataclass(frozen=True, kw_only=True)
class PartnerTold:
    """The partner's troubleshooting contact was told about the deviation (§3.2), by whom and when."""

    at: datetime
    by: str
    to: str


@dataclass(frozen=True, kw_only=True)
class Deviation:
    title: str
    description: str
    occurred_at: datetime
    category: DeviationCategory
    severity: DeviationSeverity
    registered_by: str
    registered_at: datetime
    source: DeviationSource = DeviationSource.MANUAL
    source_ref: str | None = None
    """What it came from: ``alert:<id>``, ``message:<id>``, ``incident:<id>``, ``notice:<id>``, ``checklist:…``."""
    partner_her_ids: tuple[str, ...] = ()
    message_ids: tuple[int, ...] = ()
    status: DeviationStatus = DeviationStatus.REGISTERED
    measures: tuple[Measure, ...] = ()
    told: tuple[PartnerTold, ...] = ()
    closed_at: datetime | None = None
    id: int | None = None

    def overdue_measures(self, today: date) -> list[Measure]:
        return [m for m in self.measures if m.is_overdue(today)]


def check_text(name: str, text: str, *, required: bool = True) -> str:
    """``text`` cleaned, or DeviationError when it is empty (and required), too long, or holds a person id."""
    cleaned = text.strip()
    if required and not cleaned:
        raise DeviationError(f"{name.capitalize()} mangler.")
    if len(cleaned) > _TEXT_LIMIT:
        raise DeviationError(f"{name.capitalize()} er for lang (over {_TEXT_LIMIT} tegn).")
    if holds_person_id(cleaned):
        raise DeviationError(f"{name.capitalize()} ser ut til å inneholde et fødselsnummer; avviksregisteret skal "
                             "ikke ha pasientopplysninger (oppgi meldingens interne id).")
    return cleaned


def new_deviation(*, title: str, description: str, occurred_at: datetime, category: DeviationCategory,
                  severity: DeviationSeverity, registered_by: str, registered_at: datetime,
                  source: DeviationSource = DeviationSource.MANUAL, source_ref: str | None = None,
                  partner_her_ids: tuple[str, ...] = (), message_ids: tuple[int, ...] = ()) -> Deviation:
    occurred_at, registered_at = as_utc("occurred_at", occurred_at), as_utc("registered_at", registered_at)
    if occurred_at > registered_at:
        raise DeviationError("Et avvik kan ikke ha skjedd etter at det ble registrert.")
    if any(i <= 0 for i in message_ids):
        raise DeviationError("Meldingsreferanser er meldingenes interne id-er (positive tall).")
    return Deviation(
        title=check_text("tittelen", title), description=check_text("beskrivelsen", description),
        occurred_at=occurred_at, category=category, severity=severity,
        registered_by=check_text("hvem som registrerer", registered_by), registered_at=registered_at,
        source=source, source_ref=source_ref, partner_her_ids=tuple(dict.fromkeys(partner_her_ids)),
        message_ids=tuple(dict.fromkeys(message_ids)))


def move(deviation: Deviation, status: DeviationStatus, *, at: datetime) -> Deviation:
    """The deviation in ``status``; DeviationError when the lifecycle does not allow it."""
    at = as_utc("at", at)
    current = deviation.status
    if status is current:
        raise DeviationError(f"Avviket har allerede status «{status.label}».")
    reopening = current is DeviationStatus.CLOSED and status is DeviationStatus.BEING_HANDLED
    if _ORDER.index(status) < _ORDER.index(current) and not reopening:
        raise DeviationError(f"Et avvik kan ikke gå tilbake fra «{current.label}» til «{status.label}».")
    if status is DeviationStatus.MEASURES_DECIDED and not deviation.measures:
        raise DeviationError("Legg til minst ett tiltak før tiltak kan være besluttet.")
    if status is DeviationStatus.CLOSED:
        open_ones = [m for m in deviation.measures if m.status is MeasureStatus.PLANNED]
        if open_ones:
            raise DeviationError(f"Avviket har {len(open_ones)} tiltak som ikke er gjennomført eller forkastet; "
                                 "det kan ikke lukkes ennå.")
    return replace(deviation, status=status, closed_at=at if status is DeviationStatus.CLOSED else None)


def add_measure(deviation: Deviation, *, description: str, owner: str, deadline: date, today: date) -> Deviation:
    if deviation.status is DeviationStatus.CLOSED:
        raise DeviationError("Avviket er lukket; gjenåpne det før du legger til tiltak.")
    if deadline < today:
        raise DeviationError(f"Fristen {deadline:%d.%m.%Y} har allerede gått ut.")
    measure = Measure(description=check_text("tiltaket", description), owner=check_text("eieren", owner),
                      deadline=deadline)
    status = DeviationStatus.BEING_HANDLED if deviation.status is DeviationStatus.REGISTERED else deviation.status
    return replace(deviation, measures=(*deviation.measures, measure), status=status)


def finish_measure(deviation: Deviation, number: int, status: MeasureStatus, *, at: datetime) -> Deviation:
    """The deviation with its measure ``number`` (1-based, in the order added) done or dropped."""
    if not 1 <= number <= len(deviation.measures):
        raise DeviationError(f"Avviket har ikke tiltak nummer {number} (det har {len(deviation.measures)}).")
    measure = deviation.measures[number - 1]
    if measure.status is not MeasureStatus.PLANNED:
        raise DeviationError(f"Tiltak {number} er allerede «{measure.status.label}».")
    if status is MeasureStatus.PLANNED:
        raise DeviationError("Et tiltak kan bare settes til gjennomført eller forkastet.")
    changed = replace(measure, status=status, done_at=as_utc("at", at))
    measures = (*deviation.measures[:number - 1], changed, *deviation.measures[number:])
    return replace(deviation, measures=measures)


def record_told(deviation: Deviation, *, at: datetime, by: str, to: str) -> Deviation:
    return replace(deviation, told=(*deviation.told, PartnerTold(at=as_utc("at", at), by=by, to=to)))


def partner_mail(deviation: Deviation, *, partner_name: str, own_name: str) -> tuple[str, str]:
    """Subject and body of the mail that tells a partner about a deviation (§3.2). No patient data: the
    deviation's texts hold none, and messages are named by the sender's internal ids only."""
    subject = f"[samhandling] Avvik i meldingsutvekslingen: {deviation.title}"
    refs = ", ".join(str(i) for i in deviation.message_ids)
    lines = [
        f"Til {partner_name}",
        "",
        f"{own_name} har registrert et avvik i den elektroniske samhandlingen som kan gjelde dere, og ber dere",
        "undersøke det (samhandlingsrutinen, punkt 3.2: melde fra når feil mistenkes eller avdekkes).",
        "",
        f"Avvik: {deviation.title}",
        f"Kategori: {deviation.category.label}",
        f"Alvorlighet: {deviation.severity.label}",
        f"Skjedde: {deviation.occurred_at.astimezone(_OSLO):%d.%m.%Y kl. %H.%M}",
        "",
        deviation.description,
    ]
    if refs:
        lines += ["", f"Våre interne meldingsreferanser: {refs} (oppgi dem når dere svarer)."]
    lines += ["", "Mailen inneholder ingen pasientopplysninger. Svar til avsenderens kontaktpunkt for feilsøking.",
              f"Avviksnummer hos oss: {deviation.id}" if deviation.id else ""]
    return subject, "\n".join(lines).rstrip() + "\n"

