"""A notice (varsel) of a planned change or downtime, and its life: the cooperation procedure §2, §3.1, §3.3.

The procedure asks that planned upgrades and changes in technical set-up are notified to the partners' contact
points for planned downtime (certificate changes to the contact point for certificates), as early as possible
and at least one week before; that the notice says what it affects in message exchange and cooperation, who is
responsible, when it starts and is expected to end, who to contact and the emergency routine to use; that the
recipient answers within two working days; and that smaller changes are published in a channel everyone can
reach (the public change channel, ``/endringer``).

Times are stored in UTC and shown in Europe/Oslo (:func:`local_moment` reads a local wall-clock time and refuses
the hour that does not exist when the clocks go forward, and the ambiguous hour when they go back unless told
which).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from samhandling.domain.calendar import OSLO
from samhandling.domain.clock import as_utc
from samhandling.domain.identifiers import HerId
from samhandling.domain.registers.contacts import ContactPurpose, normalise_email, normalise_phone
from samhandling.domain.registers.partners import clean_text

MAX_TEXT = 4000
MAX_TITLE = 200


class NoticeError(ValueError):
    """A notice or a step on it that the rules refuse; the message says why, in Norwegian, in one line."""


class NoticeKind(StrEnum):
    """What a notice is about. The values are the command line's and the store's."""

    PLANNED_DOWNTIME = "planlagt_nedetid"
    UPGRADE = "oppgradering"
    SETUP_CHANGE = "teknisk_oppsett"
    CERTIFICATE = "sertifikat"
    MINOR = "mindre_endring"

    @property
    def label(self) -> str:
        return KIND_TEXT[self]

    @property
    def purpose(self) -> ContactPurpose:
        """The contact list's purpose whose contact points get the notice (procedure §3.1)."""
        return ContactPurpose.SERTIFIKAT if self is NoticeKind.CERTIFICATE else ContactPurpose.PLANLAGT_NEDETID


KIND_TEXT = {
    NoticeKind.PLANNED_DOWNTIME: "Planlagt nedetid",
    NoticeKind.UPGRADE: "Oppgradering",
    NoticeKind.SETUP_CHANGE: "Endring i teknisk oppsett",
    NoticeKind.CERTIFICATE: "Bytte av virksomhetssertifikat",
    NoticeKind.MINOR: "Mindre endring",
}


class NoticeStatus(StrEnum):
    """``draft → planned → in_progress → completed | cancelled``."""

    DRAFT = "draft"
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return STATUS_TEXT[self]

    @property
    def closed(self) -> bool:
        return self in (NoticeStatus.COMPLETED, NoticeStatus.CANCELLED)


STATUS_TEXT = {
    NoticeStatus.DRAFT: "utkast",
    NoticeStatus.PLANNED: "planlagt",
    NoticeStatus.IN_PROGRESS: "pågår",
    NoticeStatus.COMPLETED: "fullført",
    NoticeStatus.CANCELLED: "avlyst",
}

TRANSITIONS: dict[NoticeStatus, frozenset[NoticeStatus]] = {
    NoticeStatus.DRAFT: frozenset({NoticeStatus.PLANNED, NoticeStatus.CANCELLED}),
    NoticeStatus.PLANNED: frozenset({NoticeStatus.IN_PROGRESS, NoticeStatus.COMPLETED, NoticeStatus.CANCELLED}),
    NoticeStatus.IN_PROGRESS: frozenset({NoticeStatus.COMPLETED, NoticeStatus.CANCELLED}),
    NoticeStatus.COMPLETED: frozenset(),
    NoticeStatus.CANCELLED: frozenset(),
}


def check_transition(current: NoticeStatus, target: NoticeStatus) -> None:
    if target not in TRANSITIONS[current]:
        raise NoticeError(f"Et varsel med status «{current.label}» kan ikke bli «{target.label}».")


def local_moment(text: str, *, fold: int | None = None) -> datetime:
    """A local wall-clock time in Europe/Oslo («2027-03-28 02:30», «2027-03-28T02:30») as an aware UTC moment.

    An aware input (with offset) is taken as it is. The hour skipped when the clocks go forward is refused; the
    hour that comes twice when they go back is refused unless ``fold`` says which (0: the first, summer time;
    1: the second, winter time).
    """
    try:
        parsed = datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    except ValueError:
        raise NoticeError(f"«{text[:40]}» er ikke et tidspunkt; skriv for eksempel 2027-03-10 22:00.") from None
    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC)
    first = parsed.replace(tzinfo=OSLO, fold=0)
    second = parsed.replace(tzinfo=OSLO, fold=1)
    if first.astimezone(UTC).astimezone(OSLO).replace(tzinfo=None) != parsed:
        raise NoticeError(f"{parsed:%Y-%m-%d %H:%M} finnes ikke i norsk tid (klokken stilles fram den natten).")
    if first.utcoffset() != second.utcoffset():
        if fold is None:
            raise NoticeError(f"{parsed:%Y-%m-%d %H:%M} forekommer to ganger i norsk tid (klokken stilles tilbake); "
                              "angi tidspunktet med UTC-forskyvning, for eksempel +02:00 eller +01:00.")
        return (second if fold else first).astimezone(UTC)
    return first.astimezone(UTC)


def oslo(moment: datetime) -> datetime:
    """``moment`` in Europe/Oslo."""
    return as_utc("moment", moment).astimezone(OSLO)


def show_moment(moment: datetime) -> str:
    """«tirsdag 9. mars 2027 kl. 22:00» (Norwegian, Europe/Oslo)."""
    local = oslo(moment)
    return f"{WEEKDAYS[local.weekday()]} {local.day}. {MONTHS[local.month - 1]} {local.year} kl. {local:%H:%M}"


def show_deadline(deadline: datetime) -> str:
    """A deadline at local midnight as the day it closes: «utgangen av onsdag 3. februar 2027»."""
    local = oslo(deadline) - timedelta(microseconds=1)
    return f"utgangen av {WEEKDAYS[local.weekday()]} {local.day}. {MONTHS[local.month - 1]} {local.year}"


WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
MONTHS = ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
          "november", "desember")


@dataclass(frozen=True, kw_only=True)
class Audience:
    """Who a notice concerns: every partner, some partners (HER-ids), or the partners using one of ``systems``
    (an EPJ or communication module, as named in the partner profile: «Gerica», «DIPS Arena», «CGM Link»)."""

    everyone: bool = False
    partners: tuple[str, ...] = ()
    systems: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        partners = tuple(dict.fromkeys(str(HerId(p.strip())) for p in self.partners if p.strip()))
        systems = tuple(dict.fromkeys(s.strip() for s in self.systems if s.strip()))
        object.__setattr__(self, "partners", partners)
        object.__setattr__(self, "systems", systems)

    @property
    def empty(self) -> bool:
        return not (self.everyone or self.partners or self.systems)

    def describe(self) -> str:
        if self.everyone:
            return "alle samarbeidsparter"
        parts = []
        if self.partners:
            parts.append("parter: " + ", ".join(self.partners))
        if self.systems:
            parts.append("brukere av " + ", ".join(self.systems))
        return "; ".join(parts) or "ingen"

    def matches(self, her_id: str, systems: tuple[str | None, ...]) -> bool:
        """Whether a partner with HER-id ``her_id`` using ``systems`` (EPJ, communication module) is concerned."""
        if self.everyone or her_id in self.partners:
            return True
        wanted = {s.casefold() for s in self.systems}
        return any(s is not None and s.casefold() in wanted for s in systems)


def clean_paragraphs(value: str | None) -> str | None:
    """White space collapsed inside each line, line breaks kept (at most one empty line in a row); None for
    nothing."""
    if value is None:
        return None
    lines = [" ".join(line.split()) for line in value.replace("\r\n", "\n").split("\n")]
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    return "\n".join(kept).strip() or None


def _text(name: str, value: str | None, *, required: bool, limit: int = MAX_TEXT) -> str | None:
    cleaned = clean_paragraphs(value)
    if cleaned is None:
        if required:
            raise NoticeError(f"Varselet mangler {name}.")
        return None
    if len(cleaned) > limit:
        raise NoticeError(f"{name[:1].upper()}{name[1:]} er for lang (høyst {limit} tegn).")
    return cleaned


@dataclass(frozen=True, kw_only=True)
class Varsel:
    """A notice of a planned change or downtime (procedure §3.3), one version of it.

    ``description`` says what the change affects in message exchange and cooperation; ``responsible`` who is
    responsible for it; ``start``/``end`` the planned window (UTC; ``end`` the expected end); ``contact_*`` the
    contact person (the phone is shown in the public channel only when ``contact_phone_public``);
    ``emergency_routine`` the routine to use while it lasts, if any. ``version`` grows with every edit that
    re-notifies the recipients (the time, the content, a cancellation).
    """

    id: int | None = None
    kind: NoticeKind
    title: str
    description: str
    responsible: str
    start: datetime
    end: datetime
    contact_name: str
    contact_email: str | None = None
    contact_phone: str | None = None
    contact_phone_public: bool = False
    emergency_routine: str | None = None
    message_types: tuple[str, ...] = ()
    audience: Audience = field(default_factory=Audience)
    status: NoticeStatus = NoticeStatus.DRAFT
    version: int = 1
    urgent_reason: str | None = None
    """Why the notice went out with less than the required lead: a deviation from the procedure."""
    freeze_reason: str | None = None
    """Why the change lies in a freeze period anyway: a deviation from the procedure."""
    freeze_periods: tuple[str, ...] = ()
    """The freeze periods overridden (their names), for the deviation report."""
    created_at: datetime
    created_by: str
    sent_at: datetime | None = None
    published_at: datetime | None = None
    """When the notice appeared in the public change channel (minor changes: published without mail)."""
    closed_at: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", NoticeKind(self.kind))
        object.__setattr__(self, "status", NoticeStatus(self.status))
        object.__setattr__(self, "title", _text("tittel", self.title, required=True, limit=MAX_TITLE))
        object.__setattr__(self, "description", _text("beskrivelse av hva endringen berører", self.description,
                                                      required=True))
        object.__setattr__(self, "responsible", _text("ansvarlig for endringen", self.responsible, required=True,
                                                      limit=MAX_TITLE))
        object.__setattr__(self, "contact_name", _text("kontaktperson", self.contact_name, required=True,
                                                       limit=MAX_TITLE))
        object.__setattr__(self, "emergency_routine", _text("beredskapsrutine", self.emergency_routine,
                                                            required=False))
        email = clean_text(self.contact_email)
        phone = clean_text(self.contact_phone)
        try:
            object.__setattr__(self, "contact_email", None if email is None else normalise_email(email))
            object.__setattr__(self, "contact_phone", None if phone is None else normalise_phone(phone))
        except ValueError as exc:
            raise NoticeError(str(exc)) from None
        types = tuple(dict.fromkeys(t.strip().upper() for t in self.message_types if t.strip()))
        object.__setattr__(self, "message_types", types)
        for name in ("start", "end", "created_at", "sent_at", "published_at", "closed_at"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, as_utc(name, value))
        if self.end <= self.start:
            raise NoticeError("Varselets slutt må komme etter starten.")
        if self.version < 1:
            raise NoticeError("Versjonen må være minst 1.")

    @property
    def purpose(self) -> ContactPurpose:
        return self.kind.purpose

    @property
    def mailed(self) -> bool:
        """Whether the notice goes to the contact points by mail; minor changes are only published."""
        return self.kind is not NoticeKind.MINOR

    @property
    def deviations(self) -> tuple[str, ...]:
        """The deviations from the procedure recorded on the notice, in Norwegian."""
        found = []
        if self.urgent_reason:
            found.append(f"Sendt med kortere varsel enn én uke (hastevarsel): {self.urgent_reason}")
        if self.freeze_reason:
            periods = ", ".join(self.freeze_periods)
            found.append(f"Planlagt i frysperiode ({periods}): {self.freeze_reason}")
        return tuple(found)

    def with_changes(self, **changes: Any) -> Varsel:
        return replace(self, **changes)


EDITABLE = ("title", "description", "responsible", "start", "end", "contact_name", "contact_email", "contact_phone",
            "contact_phone_public", "emergency_routine", "message_types", "audience")
RENOTIFY = frozenset(EDITABLE) - {"contact_phone_public"}
"""Fields whose change sends the notice again to every recipient (the time, above all)."""


def field_value(notice: Varsel, name: str) -> Any:
    value = getattr(notice, name)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Audience):
        return {"everyone": value.everyone, "partners": list(value.partners), "systems": list(value.systems)}
    if isinstance(value, tuple):
        return list(value)
    return value


def differences(before: Varsel, after: Varsel) -> dict[str, dict[str, Any]]:
    """The edited fields with their values before and after (JSON-ready)."""
    return {name: {"before": field_value(before, name), "after": field_value(after, name)}
            for name in EDITABLE if getattr(before, name) != getattr(after, name)}


@dataclass(frozen=True, kw_only=True)
class NoticeEdit:
    """One change to a notice: who, when, why (required), and what (field → before/after, or a status)."""

    notice_id: int
    version: int
    at: datetime
    by: str
    reason: str
    action: str
    changes: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", as_utc("at", self.at))
        reason = clean_text(self.reason)
        if reason is None:
            raise NoticeError("Oppgi en begrunnelse for endringen (--reason).")
        object.__setattr__(self, "reason", reason[:MAX_TEXT])
        by = clean_text(self.by)
        if by is None:
            raise NoticeError("Oppgi hvem som gjør endringen (--by).")
        object.__setattr__(self, "by", by[:100])
