"""An incident: unforeseen trouble or acute downtime in the electronic message exchange.

The cooperation procedure (§3.4) says: when an incident affecting the message exchange lasts, or is expected
to last, more than three hours, the contact points for acute downtime (purpose ``akutt_nedetid``) of every
affected partner, and the own meldingsansvarlig, are told at once, and told again when there is news and when
it is over. The three hours are counted from detection. Time-critical information meanwhile goes by telephone
(the emergency routine), and oral dialogue is documented in the patient's record.

The lifecycle is the one people know from status pages: ``investigating → identified → monitoring →
resolved``. Any open status may follow any other (a fix that did not hold sends an incident back to
investigating); ``resolved`` is final. Every change says who made it and when.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from samhandling.domain.clock import as_utc, written
from samhandling.domain.privacy import holds_person_id

DOWNTIME_NOTICE_AFTER = timedelta(hours=3)
"""How long an incident must last, or be expected to last, before the acute-downtime contacts are told
(the cooperation procedure §3.4: «mer enn tre timer»)."""

ORAL_DIALOGUE_REMINDER = "Husk at muntlig dialog om pasienten skal dokumenteres i pasientjournalen."

_TEXT_LIMIT = 2000


class IncidentStatus(StrEnum):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    IncidentStatus.INVESTIGATING: "Undersøkes",
    IncidentStatus.IDENTIFIED: "Årsak funnet",
    IncidentStatus.MONITORING: "Overvåkes",
    IncidentStatus.RESOLVED: "Løst",
}


class AffectedSide(StrEnum):
    """Whose system is down: ours, or a partner's."""

    OURS = "egen"
    PARTNER = "partner"

    @property
    def label(self) -> str:
        return "Vår side" if self is AffectedSide.OURS else "Samhandlingspartens side"


class IncidentSource(StrEnum):
    MANUAL = "manuell"
    MONITORING = "overvaking"


class IncidentError(ValueError):
    """A rule of incidents is broken; the text is one Norwegian line for the user."""


@dataclass(frozen=True, kw_only=True)
class IncidentUpdate:
    """One entry in the incident's history: a status change or follow-up information, with who and when."""

    at: datetime
    by: str
    status: IncidentStatus
    text: str


@dataclass(frozen=True, kw_only=True)
class PhoneCall:
    """A telephone call of the emergency routine: who called whom, when, about what.

    A message is referred to by its internal id only; the text holds no patient name or fødselsnummer.
    """

    at: datetime
    caller: str
    callee: str
    about: str
    message_id: int | None = None
    by: str = ""


@dataclass(frozen=True, kw_only=True)
class Incident:
    title: str
    side: AffectedSide
    detected_at: datetime
    responsible: str
    contact_person: str
    description: str = ""
    partner_her_ids: tuple[str, ...] = ()
    message_types: tuple[str, ...] = ()
    expected_end: datetime | None = None
    status: IncidentStatus = IncidentStatus.INVESTIGATING
    source: IncidentSource = IncidentSource.MANUAL
    source_ref: str | None = None
    """For an incident monitoring proposed: the alert (``alert:<id>``) it came from."""
    resolved_at: datetime | None = None
    downtime_notice_at: datetime | None = None
    """When the acute-downtime contacts were told (at most once; later news goes as updates)."""
    updates: tuple[IncidentUpdate, ...] = ()
    calls: tuple[PhoneCall, ...] = ()
    id: int | None = None
    created_by: str = ""

    @property
    def is_open(self) -> bool:
        return self.status is not IncidentStatus.RESOLVED

    @property
    def expected_duration(self) -> timedelta | None:
        return None if self.expected_end is None else self.expected_end - self.detected_at

    def duration(self, now: datetime) -> timedelta:
        """How long the incident has lasted (until resolution, or until ``now`` while it is open)."""
        end = self.resolved_at if self.resolved_at is not None else as_utc("now", now)
        return max(end - self.detected_at, timedelta(0))


def new_incident(**fields: object) -> Incident:
    """An incident checked against the rules; IncidentError with one Norwegian line when it breaks one."""
    incident = Incident(**fields)  # type: ignore[arg-type]
    _check(incident)
    return incident


def _check(incident: Incident) -> None:
    if not incident.title.strip():
        raise IncidentError("Hendelsen må ha en tittel.")
    for name, text in (("tittelen", incident.title), ("beskrivelsen", incident.description)):
        _check_text(name, text)
    if not incident.responsible.strip():
        raise IncidentError("Hendelsen må ha en ansvarlig.")
    if not incident.contact_person.strip():
        raise IncidentError("Hendelsen må ha en kontaktperson.")
    as_utc("detected_at", incident.detected_at)
    if incident.side is AffectedSide.PARTNER and not incident.partner_her_ids:
        raise IncidentError("Nedetid hos en samhandlingspart må nevne minst én part (HER-id).")
    if incident.expected_end is not None and incident.expected_end <= incident.detected_at:
        raise IncidentError("Forventet slutt må komme etter at hendelsen ble oppdaget.")


def _check_text(name: str, text: str) -> None:
    if len(text) > _TEXT_LIMIT:
        raise IncidentError(f"{name.capitalize()} er for lang (over {_TEXT_LIMIT} tegn).")
    if holds_person_id(text):
        raise IncidentError(f"{name.capitalize()} ser ut til å inneholde et fødselsnummer; "
                            "oppgi meldingens interne id i stedet.")


def needs_downtime_notice(incident: Incident, now: datetime) -> bool:
    """Whether the acute-downtime contacts must be told now (once per incident).

    True when the incident has lasted more than three hours since detection, or is expected to, and they
    have not been told. An incident resolved within three hours with no longer expectation needs none.
    """
    if incident.downtime_notice_at is not None:
        return False
    expected = incident.expected_duration
    if expected is not None and expected > DOWNTIME_NOTICE_AFTER and incident.is_open:
        return True
    return incident.duration(now) > DOWNTIME_NOTICE_AFTER


def downtime_notice_due_at(incident: Incident) -> datetime:
    """When an open incident crosses three hours and its notice falls due, if nobody resolves it first."""
    return incident.detected_at + DOWNTIME_NOTICE_AFTER


def change_status(incident: Incident, status: IncidentStatus, *, by: str, at: datetime, text: str = "") -> Incident:
    """The incident after a status change or follow-up information (``status`` the same as now)."""
    at = as_utc("at", at)
    if not incident.is_open:
        raise IncidentError(f"Hendelsen er løst {written(incident.resolved_at)} og kan ikke endres; "
                            "registrer en ny hendelse.")
    if not by.strip():
        raise IncidentError("Oppgi hvem som gjør endringen.")
    if at < incident.detected_at:
        raise IncidentError("En endring kan ikke være fra før hendelsen ble oppdaget.")
    if status is incident.status and not text.strip():
        raise IncidentError("Oppgi en ny status eller en oppdatering (tekst).")
    _check_text("oppdateringen", text)
    update = IncidentUpdate(at=at, by=by.strip(), status=status, text=text.strip())
    resolved_at = at if status is IncidentStatus.RESOLVED else None
    return replace(incident, status=status, resolved_at=resolved_at, updates=(*incident.updates, update))


def log_call(incident: Incident, call: PhoneCall) -> Incident:
    """The incident with a telephone call of the emergency routine added."""
    as_utc("at", call.at)
    if not call.caller.strip() or not call.callee.strip():
        raise IncidentError("Oppgi både hvem som ringte og hvem som ble ringt.")
    if not call.about.strip():
        raise IncidentError("Oppgi hva samtalen gjaldt.")
    _check_text("samtalen", call.about)
    if call.message_id is not None and call.message_id <= 0:
        raise IncidentError("Meldingens interne id må være et positivt tall.")
    return replace(incident, calls=(*incident.calls, call))
