"""Daily monitoring of the message flow: the rules, as pure functions over plain facts.

What is watched (the issue "Daily monitoring of the message flow"):

- Every message the node sends, until its application receipt (AppRec) comes. Its deadlines depend on the
  message type (:class:`ReceiptDeadlines`): a warning and then an alert after some working time (counted by
  a :class:`~samhandling.domain.calendar.WorkingCalendar`), and after 96 hours of wall-clock time the message
  counts as rejected and the alert is escalated (HITS 1168:2016 §4.1 and §9.1, see below). A message still
  waiting in the outbox, because the transport or the partner is down, is watched by the same deadlines, and
  its alert says it was never delivered.
- Negative AppRecs (status 2, avvist) and AppRecs with status 3 (OK, error in a part), with their error codes.
  The store keeps status 3 as a positive receipt with error codes, so that is how the facts show it.
- Received messages the node rejected, and messages it could not answer because the sender is unknown.
- The transport: sending that keeps failing, polling that keeps failing, an outbox that keeps growing, and
  line tests that failed.
- A partner gone quiet: one that sends on nearly every working day has sent nothing lately.

Each rule gives :class:`Finding` values, ONE per partner organisation and cause, listing every message it
concerns. :func:`reconcile` holds them against the open alerts: a new cause opens an alert, a cause that is
gone resolves it, and one that persists only updates it, so a person gets one e-mail when an alert opens and
one when it resolves (:func:`alert_mail`), never a flood.

Patient data never enters a finding, an alert or a mail: only message ids, types, MsgIds, error codes, HER-ids,
counts and times. As a last guard every detail line has any run of eleven digits masked.

The 96 hours: HITS 1168:2016 (Bruk av applikasjonskvittering) §4.1 says an AppRec shall be received within
96 hours counted from the GenDate of the message, and that a sender with no AppRec within 96 hours shall
regard it as a negative AppRec; §9.1 says the message is then to be regarded as rejected and that this
time-out shall be notified at once to whoever sent it. Since Errata 4 to HIS 80415:2012 the receiver may
still take the message in after 96 hours and answer with a positive AppRec, so a late receipt still moves the
message on. The stored message's ``created_at`` stands in for GenDate: the node writes both when it makes
the message. §4.1 also lets a message standard set stricter deadlines, which the per-type deadlines are for.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from itertools import pairwise
from zoneinfo import ZoneInfo

from samhandling.domain.calendar import OSLO, WorkingCalendar
from samhandling.domain.clock import as_utc
from samhandling.domain.messaging.messages import Direction, MessageState, StoredMessage
from samhandling.domain.privacy import redact_person_ids
from samhandling.domain.text import one_line

# --- causes ------------------------------------------------------------------------------------------------


class Severity(StrEnum):
    """How serious an alert is; the order of the members is the order of seriousness."""

    WARNING = "warning"
    ALERT = "alert"
    ESCALATED = "escalated"

    @property
    def label(self) -> str:
        return {Severity.WARNING: "Advarsel", Severity.ALERT: "Varsel", Severity.ESCALATED: "Eskalert"}[self]

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


class AlertCause(StrEnum):
    """Why an alert is raised. Each cause has a Norwegian title, a severity and what to do."""

    RECEIPT_WARNING = "receipt_warning"
    RECEIPT_OVERDUE = "receipt_overdue"
    RECEIPT_EXPIRED = "receipt_expired"
    NEGATIVE_RECEIPT = "negative_receipt"
    NEVER_DELIVERED = "never_delivered"
    SEND_FAILING = "send_failing"
    POLL_FAILING = "poll_failing"
    QUEUE_GROWING = "queue_growing"
    RECEIVED_REJECTED = "received_rejected"
    UNANSWERABLE = "unanswerable"
    PARTNER_QUIET = "partner_quiet"
    LINE_TEST_FAILED = "line_test_failed"
    INBOUND_FAILED = "inbound_failed"
    RECEIPT_CONFLICT = "receipt_conflict"
    MEASURE_OVERDUE = "measure_overdue"
    NOTICE_UNANSWERED = "notice_unanswered"
    CERTIFICATE_EXPIRING = "certificate_expiring"
    SEND_STOPPED = "send_stopped"
    EPJ_FILE_REJECTED = "epj_file_rejected"
    CERTIFICATE_EXPIRED = "certificate_expired"
    MSGID_REUSED = "msgid_reused"

    @property
    def label(self) -> str:
        """The Norwegian title."""
        return _CAUSES[self][0]

    @property
    def severity(self) -> Severity:
        return _CAUSES[self][1]

    @property
    def advice(self) -> str:
        """What to do, in Norwegian."""
        return _CAUSES[self][2]

    @property
    def node_wide(self) -> bool:
        """Whether the cause concerns the node itself rather than one partner."""
        return self in (AlertCause.POLL_FAILING, AlertCause.QUEUE_GROWING, AlertCause.MEASURE_OVERDUE,
                        AlertCause.SEND_STOPPED, AlertCause.EPJ_FILE_REJECTED)


# The advice follows the cooperation procedure: test the line with a test message, contact the partner's
# troubleshooting contact point (the contact list, procedure section 3.1), and send again once the fault is
# fixed; HITS 1168 §9.1 asks for good routines for following up negative and missing AppRecs.
_CAUSES: dict[AlertCause, tuple[str, Severity, str]] = {
    AlertCause.RECEIPT_WARNING: (
        "Applikasjonskvittering lar vente på seg",
        Severity.WARNING,
        "Ingen handling trengs ennå, men følg med: kommer det ikke kvittering innen fristen for varsel, blir "
        "dette et varsel. Gjelder det mange meldinger til samme part, kan parten ha driftsproblemer; sjekk "
        "linjen med en testmelding.",
    ),
    AlertCause.RECEIPT_OVERDUE: (
        "Applikasjonskvittering mangler",
        Severity.ALERT,
        "Sjekk linjen med en testmelding til parten. Kommer den heller ikke fram, kontakt partens kontaktpunkt "
        "for feilsøking (kontaktlisten). Når feilen er rettet, send meldingen på nytt hvis mottakeren ikke har "
        "fått den. Haster saken for pasienten, ring mottakeren.",
    ),
    AlertCause.RECEIPT_EXPIRED: (
        "Ingen applikasjonskvittering etter 96 timer – meldingen regnes som avvist",
        Severity.ESCALATED,
        "Meldingen skal nå regnes som avvist (HITS 1168). Ring mottakeren og sørg for at opplysningene kommer "
        "fram på annen måte om nødvendig. Finn feilen sammen med partens kontaktpunkt for feilsøking "
        "(kontaktlisten), og send meldingen på nytt når den er rettet. Det kan likevel komme en positiv "
        "kvittering senere.",
    ),
    AlertCause.NEGATIVE_RECEIPT: (
        "Negativ applikasjonskvittering",
        Severity.ALERT,
        "Mottakeren har avvist meldingen, eller deler av den, og behandler ikke det som er avvist. Les "
        "feilkodene, rett feilen (for eksempel pasientens identitet eller mottakeradressen) og send en ny "
        "melding. Er feilen uklar, kontakt partens kontaktpunkt for feilsøking (kontaktlisten).",
    ),
    AlertCause.NEVER_DELIVERED: (
        "Meldingen er aldri levert – den ligger i utboksen",
        Severity.ALERT,
        "Meldingen har ikke kommet ut av utboksen fordi transporten eller mottakeren er nede. Sjekk "
        "forbindelsen til Norsk Helsenett og partens driftsmeldinger, og kontakt partens kontaktpunkt for "
        "feilsøking ved behov. Meldingen sendes av seg selv når forbindelsen er tilbake; haster den, bruk en "
        "annen kanal så lenge.",
    ),
    AlertCause.SEND_FAILING: (
        "Sending feiler gjentatte ganger",
        Severity.ALERT,
        "Les den siste feilmeldingen. Sjekk virksomhetssertifikatet og partens adresse i adresseregisteret, og "
        "test linjen med en testmelding. Ligger feilen hos parten, kontakt partens kontaktpunkt for "
        "feilsøking (kontaktlisten).",
    ),
    AlertCause.POLL_FAILING: (
        "Henting av meldinger feiler",
        Severity.ALERT,
        "Noden får ikke hentet meldinger. Sjekk forbindelsen til Norsk Helsenett, tilgangen (HelseID) og "
        "meldingstjenerens status. Meldinger til oss blir liggende ubesvart til hentingen virker igjen, og "
        "avsenderne regner dem som avvist etter 96 timer.",
    ),
    AlertCause.QUEUE_GROWING: (
        "Utboksen vokser",
        Severity.WARNING,
        "Det legges flere meldinger i utboksen enn det blir sendt. Sjekk at noden kjører og at transporten "
        "svarer, og se etter meldinger der sendingen feiler gjentatte ganger.",
    ),
    AlertCause.RECEIVED_REJECTED: (
        "Mottatte meldinger er avvist",
        Severity.WARNING,
        "Noden har avvist meldinger med negativ applikasjonskvittering, og avsenderen må rette dem og sende på "
        "nytt. Gjentar den samme feilkoden seg (for eksempel E35, ukjent pasient), sjekk eget oppsett og "
        "pasientregister, og kontakt partens kontaktpunkt for feilsøking (kontaktlisten).",
    ),
    AlertCause.UNANSWERABLE: (
        "Mottatte meldinger kan ikke besvares – ukjent avsender",
        Severity.ALERT,
        "Noden fant ikke avsenderen og har ikke sendt applikasjonskvittering, så avsenderen regner meldingen "
        "som avvist etter 96 timer. Finn avsenderen i adresseregisteret, rett oppsettet og be avsenderen "
        "sende meldingen på nytt.",
    ),
    AlertCause.PARTNER_QUIET: (
        "Samhandlingsparten har ikke sendt meldinger",
        Severity.WARNING,
        "Parten pleier å sende meldinger hver arbeidsdag, men har ikke sendt noe den siste tiden. Sjekk linjen "
        "med en testmelding, og kontakt partens kontaktpunkt for feilsøking (kontaktlisten) for å høre om de "
        "har driftsproblemer.",
    ),
    AlertCause.LINE_TEST_FAILED: (
        "Linjetesten feilet",
        Severity.ALERT,
        "Testmeldingen kom ikke fram eller ble ikke kvittert. Kontakt partens kontaktpunkt for feilsøking "
        "(kontaktlisten), rett feilen og kjør testen på nytt før vanlige meldinger sendes igjen.",
    ),
    AlertCause.INBOUND_FAILED: (
        "Mottatt melding kunne ikke behandles",
        Severity.ALERT,
        "Noden feilet på en mottatt melding og har lagret den urørt, uten å sende applikasjonskvittering. "
        "Meldingene etter den er behandlet som vanlig. Les feilen i meldingens journal (samhandling messages "
        "show), meld feilen til den som drifter samhandling, og avtal med avsenderen (kontaktpunktet for "
        "feilsøking) at meldingen sendes på nytt når feilen er rettet; avsenderen regner den ellers som avvist "
        "etter 96 timer.",
    ),
    AlertCause.RECEIPT_CONFLICT: (
        "Motstridende applikasjonskvitteringer",
        Severity.ALERT,
        "Vi har fått to ulike svar på samme melding (for eksempel positiv kvittering i transportens status og "
        "negativ kvittering som melding). Den første kvitteringen gjelder (en sendt kvittering er endelig, "
        "HITS 1168). Kontakt partens kontaktpunkt for feilsøking og finn ut hvilken som er riktig; send "
        "meldingen på nytt om mottakeren ikke har behandlet den.",
    ),
    AlertCause.MEASURE_OVERDUE: (
        "Tiltak i avviksregisteret er på overtid",
        Severity.WARNING,
        "Fristen for tiltakene er gått ut, og de er verken gjennomført eller forkastet. Følg opp med eieren av "
        "tiltaket, og meld det gjennomført (samhandling deviations measure N --done M) eller sett en ny frist "
        "med et nytt tiltak. Avvik skal følges opp med tiltak (samhandlingsrutinen, punkt 2).",
    ),
    AlertCause.NOTICE_UNANSWERED: (
        "Varsel om planlagt endring er ikke bekreftet",
        Severity.ALERT,
        "Parten har ikke bekreftet varselet innen to arbeidsdager, heller ikke etter påminnelse "
        "(samhandlingsprosedyren 3.3). Kontakt partens kontaktpunkt for planlagt nedetid direkte, og registrer "
        "svaret med «samhandling notices ack».",
    ),
    AlertCause.CERTIFICATE_EXPIRING: (
        "Eget virksomhetssertifikat går snart ut",
        Severity.WARNING,
        "Bestill og installer nytt virksomhetssertifikat, oppdater adresseregisteret, og send varselet om "
        "sertifikatbytte som er laget som utkast (samhandling notices list --status draft) til partene.",
    ),
    AlertCause.SEND_STOPPED: (
        "Melding kan ikke sendes",
        Severity.ALERT,
        "Transporten har avvist meldingen for godt, så noden prøver ikke igjen av seg selv; den er ikke sendt og "
        "venter ikke på kvittering. Feilen ligger hos oss (oppsett eller meldingen selv), ikke hos parten. Se "
        "årsaken med «samhandling outbox list», rett den og send på nytt med «samhandling outbox retry ID», "
        "eller avbryt med «samhandling outbox cancel ID». En applikasjonskvittering til en melding som kom som "
        "fil, kan ikke sendes over EDI 2.0-APIet; da avbrytes den.",
    ),
    AlertCause.EPJ_FILE_REJECTED: (
        "EPJ-fil avvist",
        Severity.ALERT,
        "En fil EPJ-systemet la i utboks-katalogen, ble ikke sendt og ligger i error/ med årsaken i "
        "<fil>.reason.txt. Den kliniske brukeren tror meldingen er sendt: gi beskjed til avdelingen, rett feilen "
        "(ofte adressering eller en ugyldig melding) og send den på nytt fra EPJ. Flytt eller slett filen fra "
        "error/ når den er fulgt opp.",
    ),
    AlertCause.CERTIFICATE_EXPIRED: (
        "Sertifikat er utgått",
        Severity.ALERT,
        "Partens virksomhetssertifikat er utgått og har ingen etterfølger i registeret: meldinger kan ikke "
        "krypteres til eller verifiseres fra parten. Kontakt partens kontaktpunkt for sertifikatbytte "
        "(kontaktlisten) og registrer det nye sertifikatet (samhandling partners certificates import).",
    ),
    AlertCause.MSGID_REUSED: (
        "MsgId brukt om igjen med annet innhold",
        Severity.ALERT,
        "Avsenderen har sendt en ny melding med samme MsgId som en melding vi alt har fått, men med annet "
        "innhold. Den nye er lagret urørt ved siden av den første (samhandling messages list/show), men ikke "
        "tatt inn og ikke kvittert: avsenderen har alt fått kvittering på denne MsgId-en, og en sendt "
        "kvittering er endelig (HITS 1168 §5.1). Kontakt avsenderens kontaktpunkt for feilsøking: meldingen "
        "må sendes på nytt med ny MsgId, og feilen i avsenderens system må rettes.",
    ),
}


# --- findings ----------------------------------------------------------------------------------------------

AlertKey = tuple[AlertCause, str | None]
"""What an alert is about: the cause and the partner organisation's HER-id (None: no known partner)."""


@dataclass(frozen=True, kw_only=True)
class Finding:
    """What one rule found for one partner organisation and cause, at the time of the evaluation.

    ``message_ids`` are the stored messages it concerns (oldest first); ``since`` is when the oldest of them
    crossed the line. ``details`` are Norwegian lines without patient data; a run of eleven digits is masked.
    """

    cause: AlertCause
    partner_her_id: str | None
    message_ids: tuple[int, ...] = ()
    since: datetime
    details: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "cause", AlertCause(self.cause))
        object.__setattr__(self, "message_ids", tuple(self.message_ids))
        object.__setattr__(self, "since", as_utc("since", self.since))
        object.__setattr__(self, "details", tuple(redact_person_ids(line) for line in self.details))

    @property
    def key(self) -> AlertKey:
        return (self.cause, self.partner_her_id)


@dataclass(frozen=True)
class _Hit:
    """One message's part of a finding."""

    message_id: int
    since: datetime
    line: str


def _aggregate(hits: Mapping[AlertKey, list[_Hit]]) -> list[Finding]:
    """One finding per key, its messages oldest first; the findings by cause, then partner."""
    order = list(AlertCause)
    findings = []
    for (cause, partner), unordered in hits.items():
        found = sorted(unordered, key=lambda hit: (hit.since, hit.message_id))
        findings.append(
            Finding(
                cause=cause,
                partner_her_id=partner,
                since=found[0].since,
                message_ids=tuple(hit.message_id for hit in found),
                details=tuple(hit.line for hit in found),
            )
        )
    return sorted(findings, key=lambda f: (order.index(f.cause), f.partner_her_id or ""))


def _when(moment: datetime, tz: ZoneInfo = OSLO) -> str:
    """A moment as Norwegians write it, in local time: 02.04.2026 kl. 09.00."""
    return moment.astimezone(tz).strftime("%d.%m.%Y kl. %H.%M")


# --- receipts ----------------------------------------------------------------------------------------------

_DEFAULT_WARN = timedelta(hours=1)
_DEFAULT_ALERT = timedelta(hours=4)
NINETY_SIX_HOURS = timedelta(hours=96)
"""HITS 1168:2016 §4.1 and §9.1: no AppRec within 96 hours from GenDate counts as a negative one."""


@dataclass(frozen=True, kw_only=True)
class ReceiptDeadlines:
    """How long a sent message may wait for its AppRec.

    ``warn`` and ``alert`` are working time (a calendar counts them); ``per_type`` overrides both for a
    message type (MsgHead's ``MsgInfo/Type``, e.g. ``"LOG_UTSKRIVNINGSKLAR"``), as a message standard may ask
    for stricter deadlines (HITS 1168 §4.1). ``reject_after`` is wall-clock time: after it the message counts
    as rejected (HITS 1168 §4.1, §9.1).
    """

    warn: timedelta = _DEFAULT_WARN
    alert: timedelta = _DEFAULT_ALERT
    reject_after: timedelta = NINETY_SIX_HOURS
    per_type: Mapping[str, tuple[timedelta, timedelta]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "per_type", dict(self.per_type))
        for name, (warn, alert) in [("", (self.warn, self.alert)), *self.per_type.items()]:
            where = f" for {name}" if name else ""
            if not timedelta(0) < warn <= alert:
                raise ValueError(
                    f"Fristen for advarsel{where} må være positiv og ikke lengre enn fristen for "
                    f"varsel ({warn} og {alert})."
                )
        if self.reject_after <= timedelta(0):
            raise ValueError("Tiden før en melding uten kvittering regnes som avvist, må være positiv.")

    def for_type(self, msg_type: str) -> tuple[timedelta, timedelta]:
        """The warning and alert deadlines (working time) of a message type."""
        return self.per_type.get(msg_type, (self.warn, self.alert))


WAITING_FOR_RECEIPT = frozenset(
    {MessageState.QUEUED, MessageState.SENT, MessageState.DELIVERED, MessageState.RECEIPT_MISSING}
)
"""Outgoing states in which a message still waits for its AppRec (queued again after a missing one, too)."""


def evaluate_receipts(
    messages: Iterable[StoredMessage],
    now: datetime,
    calendar: WorkingCalendar,
    deadlines: ReceiptDeadlines,
    partner_of: Callable[[str], str | None],
    *,
    error_texts: Mapping[str, str] | None = None,
    handled: Collection[tuple[AlertCause, int]] = frozenset(),
) -> list[Finding]:
    """The receipt findings among stored messages, one per partner organisation and cause.

    Outgoing messages waiting for an AppRec give a warning, then an alert (``never_delivered`` for one still
    in the outbox, ``receipt_overdue`` otherwise), and after 96 hours ``receipt_expired``; each message
    appears under its most serious cause only. Negative AppRecs (status 2) and positive ones with error codes
    (status 3) give ``negative_receipt``. Incoming messages the node rejected give ``received_rejected``,
    those it could not answer ``unanswerable``, a MsgId used again with other content ``msgid_reused``.
    Outgoing AppRecs are watched only while in the outbox.

    ``partner_of`` maps a HER-id to its partner organisation's HER-id (None when unknown): the recipient's
    for an outgoing message, the sender's for an incoming one. ``error_texts`` gives the text of an AppRec
    error code (code system 8221). ``handled`` holds (cause, message id) pairs a person has followed up and
    resolved by hand (:func:`handled_messages`); they give no finding again.
    """
    at = as_utc("now", now)
    texts = error_texts or {}
    hits: dict[AlertKey, list[_Hit]] = defaultdict(list)
    for message in messages:
        found = _receipt_problem(message, at, calendar, deadlines, texts)
        if found is None:
            continue
        cause, since, line = found
        if message.id is None:
            raise ValueError("Bare lagrede meldinger (med id) kan overvåkes.")
        if (cause, message.id) in handled:
            continue
        outgoing = message.direction is Direction.OUTGOING
        counterpart = message.recipient_her_id if outgoing else message.sender_her_id
        partner = partner_of(counterpart) if counterpart else None
        hits[(cause, partner)].append(_Hit(message.id, since, f"Melding {message.id}: {_describe(message)}, {line}"))
    return _aggregate(hits)


def _receipt_problem(
    message: StoredMessage,
    now: datetime,
    calendar: WorkingCalendar,
    deadlines: ReceiptDeadlines,
    texts: Mapping[str, str],
) -> tuple[AlertCause, datetime, str] | None:
    """The cause a message gives, when it began, and the message's line in the finding; None for no cause."""
    state, tz = message.state, calendar.tz
    if message.direction is Direction.INCOMING:
        if state is MessageState.REJECTED:
            what = "applikasjonskvittering som ikke svarer på noe vi har sendt" if message.is_apprec else "avvist"
            return (
                AlertCause.RECEIVED_REJECTED,
                message.updated_at,
                f"fra {_sender(message)}, {what} {_when(message.updated_at, tz)}{_codes(message, texts)}",
            )
        if state is MessageState.UNANSWERABLE:
            return (
                AlertCause.UNANSWERABLE,
                message.updated_at,
                f"fra {_sender(message)}, mottatt {_when(message.created_at, tz)}{_codes(message, texts)}",
            )
        if state is MessageState.FAILED:
            return (
                AlertCause.INBOUND_FAILED,
                message.updated_at,
                f"fra {_sender(message)}, mottatt {_when(message.created_at, tz)}",
            )
        if state is MessageState.MSGID_CONFLICT:
            return (
                AlertCause.MSGID_REUSED,
                message.updated_at,
                f"fra {_sender(message)}, mottatt {_when(message.created_at, tz)}, samme MsgId som melding "
                f"{message.conflicts_with}",
            )
        return None
    if state in WAITING_FOR_RECEIPT and (state is MessageState.QUEUED or not message.is_apprec):
        return _waiting_problem(message, now, calendar, deadlines)
    if message.is_apprec:
        return None
    if message.receipt_conflict is not None and state in (MessageState.RECEIPT_OK, MessageState.RECEIPT_REJECTED):
        return (
            AlertCause.RECEIPT_CONFLICT,
            message.updated_at,
            f"har «{state.label}»{_codes(message, texts)}, men fikk også et annet svar",
        )
    if state is MessageState.RECEIPT_REJECTED:
        return (
            AlertCause.NEGATIVE_RECEIPT,
            message.updated_at,
            f"avvist {_when(message.updated_at, tz)} (status 2){_codes(message, texts)}",
        )
    if state is MessageState.RECEIPT_OK and message.error_codes:
        return (
            AlertCause.NEGATIVE_RECEIPT,
            message.updated_at,
            f"OK med feil i delmelding {_when(message.updated_at, tz)} (status 3){_codes(message, texts)}",
        )
    return None


def _waiting_problem(
    message: StoredMessage, now: datetime, calendar: WorkingCalendar, deadlines: ReceiptDeadlines
) -> tuple[AlertCause, datetime, str] | None:
    created, tz = message.created_at, calendar.tz
    queued = message.state is MessageState.QUEUED
    line = f"laget {_when(created, tz)}, status «{message.state.label}»" + (" – aldri levert" if queued else "")
    if now - created >= deadlines.reject_after:
        hours = deadlines.reject_after / timedelta(hours=1)
        return (
            AlertCause.RECEIPT_EXPIRED,
            created + deadlines.reject_after,
            f"{line}, ingen kvittering etter {hours:.0f} timer: regnes som avvist",
        )
    warn, alert = deadlines.for_type(message.msg_type)
    waited = calendar.working_time_between(created, now)
    if waited >= alert:
        cause = AlertCause.NEVER_DELIVERED if queued else AlertCause.RECEIPT_OVERDUE
        return cause, calendar.add_working_time(created, alert), f"{line}, over fristen på {_hours(alert)}"
    if waited >= warn:
        return (
            AlertCause.RECEIPT_WARNING,
            calendar.add_working_time(created, warn),
            f"{line}, over fristen for advarsel på {_hours(warn)}",
        )
    return None


def _describe(message: StoredMessage) -> str:
    kind = "applikasjonskvittering" if message.is_apprec else (message.msg_type or "ukjent type")
    return f"{kind}, MsgId {message.msg_id or '(mangler)'}"


def _sender(message: StoredMessage) -> str:
    return f"HER-id {message.sender_her_id}" if message.sender_her_id else "ukjent avsender"


def _codes(message: StoredMessage, texts: Mapping[str, str]) -> str:
    if not message.error_codes:
        return ""
    return ": " + "; ".join(f"{code} {texts[code]}" if code in texts else code for code in message.error_codes)


def _hours(duration: timedelta) -> str:
    """A deadline in Norwegian: "4 arbeidstimer", "1 arbeidstime", "30 minutter arbeidstid"."""
    hours, rest = divmod(duration, timedelta(hours=1))
    if rest:
        return f"{duration // timedelta(minutes=1)} minutter arbeidstid"
    return f"{hours} arbeidstime{'' if hours == 1 else 'r'}"


# --- the transport -----------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PendingSend:
    """An outbox item not yet sent: how often it was tried and the last error, without patient data."""

    message_id: int
    recipient_her_id: str | None
    queued_at: datetime
    attempts: int
    last_error: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "queued_at", as_utc("queued_at", self.queued_at))


def evaluate_sending(
    pending: Iterable[PendingSend], partner_of: Callable[[str], str | None], *, min_attempts: int = 3
) -> list[Finding]:
    """``send_failing`` for each partner with outbox items that failed ``min_attempts`` times or more."""
    hits: dict[AlertKey, list[_Hit]] = defaultdict(list)
    for item in pending:
        if item.attempts < min_attempts or not item.last_error:
            continue
        partner = partner_of(item.recipient_her_id) if item.recipient_her_id else None
        error = _short(item.last_error)
        hits[(AlertCause.SEND_FAILING, partner)].append(
            _Hit(
                item.message_id,
                item.queued_at,
                f"Melding {item.message_id}: {item.attempts} forsøk siden {_when(item.queued_at)}, siste feil: {error}",
            )
        )
    return _aggregate(hits)


@dataclass(frozen=True, kw_only=True)
class StoppedSend:
    """An outgoing message the transport refused for good, with the reason (without patient data)."""

    message_id: int
    msg_type: str
    recipient_her_id: str | None
    stopped_at: datetime
    reason: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "stopped_at", as_utc("stopped_at", self.stopped_at))


def evaluate_stopped(stopped: Iterable[StoppedSend]) -> list[Finding]:
    """``send_stopped`` for every message that can never be sent as it is: shown to our own meldingsansvarlig
    (the fault is ours), never counted as waiting for a receipt."""
    hits: dict[AlertKey, list[_Hit]] = defaultdict(list)
    for item in stopped:
        to = f" til HER-id {item.recipient_her_id}" if item.recipient_her_id else ""
        hits[(AlertCause.SEND_STOPPED, None)].append(_Hit(
            item.message_id, item.stopped_at,
            f"Melding {item.message_id} ({item.msg_type}{to}) kan ikke sendes siden {_when(item.stopped_at)}: "
            f"{_short(redact_person_ids(item.reason))}"))
    return _aggregate(hits)


@dataclass(frozen=True, kw_only=True)
class RejectedEpjFile:
    """A file the EPJ put in the catalog's outbox that was refused (moved to error/), with the reason."""

    name: str
    at: datetime
    reason: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", as_utc("at", self.at))


def evaluate_epj_files(rejected: Iterable[RejectedEpjFile]) -> list[Finding]:
    """``epj_file_rejected`` while files lie in the EPJ catalog's error/: the clinician believes they were sent."""
    found = sorted(rejected, key=lambda r: (r.at, r.name))
    if not found:
        return []
    return [Finding(cause=AlertCause.EPJ_FILE_REJECTED, partner_her_id=None, since=found[0].at,
                    details=tuple(f"{redact_person_ids(r.name)} ({_when(r.at)}): {_short(redact_person_ids(r.reason))}"
                                  for r in found))]


def evaluate_certificates(expired: Iterable[tuple[str | None, str, datetime, str]]) -> list[Finding]:
    """``certificate_expired`` per partner with a certificate that has run out without a successor:
    (partner organisation, HER-id, end of validity, what the certificate is)."""
    by_partner: dict[str | None, list[tuple[str, datetime, str]]] = defaultdict(list)
    for partner, her_id, valid_to, what in expired:
        by_partner[partner].append((her_id, as_utc("valid_to", valid_to), what))
    findings = []
    for partner, items in by_partner.items():
        items.sort(key=lambda i: i[1])
        findings.append(Finding(cause=AlertCause.CERTIFICATE_EXPIRED, partner_her_id=partner, since=items[0][1],
                                details=tuple(f"HER-id {h}: {_short(redact_person_ids(w))} gikk ut {_when(t)}"
                                              for h, t, w in items)))
    return sorted(findings, key=lambda f: f.partner_her_id or "")


@dataclass(frozen=True, kw_only=True)
class PollResult:
    """One attempt to fetch messages from the transport."""

    at: datetime
    ok: bool
    error: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", as_utc("at", self.at))


def evaluate_polling(results: Sequence[PollResult], *, min_failures: int = 3) -> list[Finding]:
    """``poll_failing`` when the last ``min_failures`` polls or more all failed."""
    ordered = sorted(results, key=lambda r: r.at)
    streak: list[PollResult] = []
    for result in reversed(ordered):
        if result.ok:
            break
        streak.append(result)
    if len(streak) < min_failures:
        return []
    first, last = streak[-1], streak[0]
    details = [f"{len(streak)} mislykkede hentinger på rad siden {_when(first.at)}"]
    if last.error:
        details.append(f"Siste feil: {_short(last.error)}")
    return [Finding(cause=AlertCause.POLL_FAILING, partner_her_id=None, since=first.at, details=tuple(details))]


@dataclass(frozen=True, kw_only=True)
class QueueSample:
    """How many items the outbox held at a moment."""

    at: datetime
    size: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", as_utc("at", self.at))


def evaluate_queue(
    samples: Sequence[QueueSample],
    now: datetime,
    *,
    window: timedelta = timedelta(hours=1),
    min_samples: int = 3,
    min_size: int = 20,
) -> list[Finding]:
    """``queue_growing`` when the outbox never shrank during ``window`` (at least ``min_samples`` samples),
    grew over it, and now holds ``min_size`` items or more."""
    at = as_utc("now", now)
    recent = sorted((s for s in samples if at - window <= s.at <= at), key=lambda s: s.at)
    if len(recent) < min_samples or recent[-1].size < min_size or recent[-1].size <= recent[0].size:
        return []
    if any(later.size < earlier.size for earlier, later in pairwise(recent)):
        return []
    first, last = recent[0], recent[-1]
    detail = f"Utboksen har vokst fra {first.size} til {last.size} meldinger siden {_when(first.at)}"
    return [Finding(cause=AlertCause.QUEUE_GROWING, partner_her_id=None, since=first.at, details=(detail,))]


@dataclass(frozen=True, kw_only=True)
class LineTestResult:
    """The outcome of one line test (a test message and its AppRec) with a partner organisation."""

    partner_her_id: str
    at: datetime
    ok: bool
    detail: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", as_utc("at", self.at))


def evaluate_line_tests(results: Iterable[LineTestResult]) -> list[Finding]:
    """``line_test_failed`` for each partner whose latest line tests failed, since the first of them."""
    by_partner: dict[str, list[LineTestResult]] = defaultdict(list)
    for result in results:
        by_partner[result.partner_her_id].append(result)
    findings = []
    for partner, tests in sorted(by_partner.items()):
        streak: list[LineTestResult] = []
        for test in sorted(tests, key=lambda t: t.at, reverse=True):
            if test.ok:
                break
            streak.append(test)
        if streak:
            failed = "Én mislykket linjetest" if len(streak) == 1 else f"{len(streak)} mislykkede linjetester på rad"
            details = [f"{failed}, siste {_when(streak[0].at)}"]
            if streak[0].detail:
                details.append(f"Siste feil: {_short(streak[0].detail)}")
            findings.append(
                Finding(
                    cause=AlertCause.LINE_TEST_FAILED,
                    partner_her_id=partner,
                    since=streak[-1].at,
                    details=tuple(details),
                )
            )
    return findings


def _short(text: str) -> str:
    """An error text on one line, cut to 200 characters (it is free text from elsewhere)."""
    return one_line(text, 200)


# --- quiet partners ----------------------------------------------------------------------------------------


def evaluate_partner_quiet(
    history: Mapping[str, Sequence[date]],
    now: datetime,
    calendar: WorkingCalendar,
    *,
    min_days: int = 18,
    baseline: int = 20,
    quiet_days: int = 1,
) -> list[Finding]:
    """``partner_quiet`` for each partner that normally sends every working day but has gone quiet.

    ``history`` holds, per partner organisation, the local dates on which it sent us anything. The last
    ``quiet_days`` working days before today are the quiet window; the ``baseline`` working days before it
    are the baseline. A partner that sent on at least ``min_days`` of the baseline days (18 of 20 by default,
    90 %) and on no day since the window began (today included) is quiet. A message today clears it.
    """
    if not 0 < min_days <= baseline or quiet_days < 1:
        raise ValueError(
            "Kravet for en stille part må være mellom 1 og antall dager i grunnlaget, og vinduet minst én arbeidsdag."
        )
    today = calendar.local_date(now)
    window = calendar.working_days_before(today, quiet_days)
    reference = set(calendar.working_days_before(window[0], baseline))
    findings = []
    for partner, days in sorted(history.items()):
        sent = set(days)
        active = len(sent & reference)
        if active < min_days or any(day >= window[0] for day in sent):
            continue
        hours = calendar.working_hours(window[0])
        assert hours is not None  # working_days_before gives working days only
        last = max(sent)
        details = (
            f"Siste melding fra parten: {last.strftime('%d.%m.%Y')}",
            f"Sendte på {active} av de {baseline} arbeidsdagene før "
            f"{'den siste arbeidsdagen' if quiet_days == 1 else f'de siste {quiet_days} arbeidsdagene'}",
        )
        findings.append(
            Finding(cause=AlertCause.PARTNER_QUIET, partner_her_id=partner, since=hours[0], details=details)
        )
    return findings


# --- the life of an alert ----------------------------------------------------------------------------------


class AlertState(StrEnum):
    """Where an alert is in its life: open, acknowledged (someone has taken it), resolved."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"

    @property
    def label(self) -> str:
        return {AlertState.OPEN: "Åpent", AlertState.ACKNOWLEDGED: "Bekreftet", AlertState.RESOLVED: "Løst"}[self]


RESOLVED_AUTOMATICALLY = "Årsaken er ikke lenger til stede."


@dataclass(frozen=True, kw_only=True)
class Alert:
    """An alert: opened for a finding, acknowledged by a person, resolved automatically or by hand.

    ``id`` is the store's (None until stored). ``since`` is when its cause began, ``last_seen_at`` the last
    evaluation that still found it. ``resolved_by`` is None for an alert that resolved by itself;
    ``resolution`` says how, in Norwegian.
    """

    id: int | None = None
    cause: AlertCause
    partner_her_id: str | None
    opened_at: datetime
    since: datetime
    last_seen_at: datetime
    message_ids: tuple[int, ...] = ()
    details: tuple[str, ...] = ()
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    resolution: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "cause", AlertCause(self.cause))
        object.__setattr__(self, "message_ids", tuple(self.message_ids))
        object.__setattr__(self, "details", tuple(redact_person_ids(line) for line in self.details))
        for name in ("opened_at", "since", "last_seen_at", "acknowledged_at", "resolved_at"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, as_utc(name, value))
        if (self.acknowledged_by is None) != (self.acknowledged_at is None):
            raise ValueError("acknowledged_by and acknowledged_at go together")
        if self.resolved_by is not None and self.resolved_at is None:
            raise ValueError("resolved_by needs resolved_at")

    @property
    def key(self) -> AlertKey:
        return (self.cause, self.partner_her_id)

    @property
    def severity(self) -> Severity:
        return self.cause.severity

    @property
    def state(self) -> AlertState:
        if self.resolved_at is not None:
            return AlertState.RESOLVED
        return AlertState.ACKNOWLEDGED if self.acknowledged_at is not None else AlertState.OPEN

    @property
    def resolved_by_hand(self) -> bool:
        return self.resolved_at is not None and self.resolved_by is not None


class AlertTransitionError(ValueError):
    """A move in an alert's life that is not allowed; the message says why, in Norwegian."""


def open_alert(finding: Finding, now: datetime) -> Alert:
    """A new alert for ``finding``, opened at ``now``."""
    at = as_utc("now", now)
    return Alert(
        cause=finding.cause,
        partner_her_id=finding.partner_her_id,
        opened_at=at,
        since=finding.since,
        last_seen_at=at,
        message_ids=finding.message_ids,
        details=finding.details,
    )


def acknowledge(alert: Alert, by: str, at: datetime) -> Alert:
    """``alert`` acknowledged by ``by``: someone has taken it. It stays open until its cause is gone."""
    when = _check_move(alert, by, at, "bekreftes")
    if alert.acknowledged_at is not None:
        raise AlertTransitionError(
            f"Varselet er allerede bekreftet av {alert.acknowledged_by} {_when(alert.acknowledged_at)}."
        )
    return replace(alert, acknowledged_by=by.strip(), acknowledged_at=when)


def resolve(alert: Alert, by: str, at: datetime, note: str = "") -> Alert:
    """``alert`` resolved by hand by ``by``: the cause is dealt with. Messages it lists are then not raised
    again for the same cause (:func:`handled_messages`); a cause without messages that is still there at the
    next evaluation opens a new alert, so acknowledge rather than resolve what is not fixed yet."""
    when = _check_move(alert, by, at, "løses")
    return replace(
        alert, resolved_at=when, resolved_by=by.strip(), resolution=redact_person_ids(note.strip()) or "Løst manuelt."
    )


def _check_move(alert: Alert, by: str, at: datetime, verb: str) -> datetime:
    when = as_utc("at", at)
    if alert.resolved_at is not None:
        raise AlertTransitionError(f"Varselet er allerede løst ({_when(alert.resolved_at)}) og kan ikke {verb}.")
    if not by.strip():
        raise AlertTransitionError(f"Oppgi hvem som gjør det når et varsel {verb}.")
    if when < alert.opened_at:
        raise AlertTransitionError(f"Et varsel kan ikke {verb} før det ble åpnet ({_when(alert.opened_at)}).")
    return when


def handled_messages(alerts: Iterable[Alert]) -> frozenset[tuple[AlertCause, int]]:
    """The (cause, message id) pairs of alerts resolved by hand: ``handled`` for :func:`evaluate_receipts`."""
    return frozenset((a.cause, m) for a in alerts if a.resolved_by_hand for m in a.message_ids)


@dataclass(frozen=True)
class Reconciliation:
    """What an evaluation does to the alerts.

    Mail goes out for ``opened`` and ``resolved`` only (:attr:`notifications`). ``still_open`` alerts were
    updated quietly. ``superseded`` alerts were closed quietly too: every message they listed is now under
    another cause for the same partner (a warning that became an alert, an overdue receipt that came back
    negative), whose own alert says it all.
    """

    opened: list[Alert] = field(default_factory=list)
    still_open: list[Alert] = field(default_factory=list)
    resolved: list[Alert] = field(default_factory=list)
    superseded: list[Alert] = field(default_factory=list)

    @property
    def notifications(self) -> list[tuple[Alert, bool]]:
        """The alerts to mail about, with True for one that opened and False for one that resolved."""
        return [(a, True) for a in self.opened] + [(a, False) for a in self.resolved]


def reconcile(open_alerts: Iterable[Alert], findings: Iterable[Finding], now: datetime) -> Reconciliation:
    """Hold the open (and acknowledged) alerts against this evaluation's findings.

    A finding whose key has no open alert opens one. An open alert whose key has a finding is updated (its
    messages, details and last seen) but not reopened or notified again, and keeps its acknowledgement. An
    open alert whose key has no finding any more resolves automatically. Findings with the same key are
    taken together; a second open alert with the same key as another is closed as superseded.
    """
    at = as_utc("now", now)
    current = _merge(findings)
    result = Reconciliation()
    seen: set[AlertKey] = set()
    for alert in sorted(open_alerts, key=lambda a: (a.opened_at, a.id or 0)):
        if alert.resolved_at is not None:
            continue
        if alert.key in seen:
            result.superseded.append(replace(alert, resolved_at=at, resolution="Dobbelt varsel for samme årsak."))
            continue
        seen.add(alert.key)
        finding = current.get(alert.key)
        if finding is not None:
            result.still_open.append(
                replace(
                    alert,
                    last_seen_at=at,
                    message_ids=finding.message_ids,
                    details=finding.details,
                    since=min(alert.since, finding.since),
                )
            )
            continue
        successor = _successor(alert, current.values())
        if successor is not None:
            result.superseded.append(
                replace(alert, resolved_at=at, resolution=f"Erstattet av varselet «{successor.label}».")
            )
        else:
            result.resolved.append(replace(alert, resolved_at=at, resolution=RESOLVED_AUTOMATICALLY))
    result.opened.extend(open_alert(f, at) for key, f in current.items() if key not in seen)
    return result


def _merge(findings: Iterable[Finding]) -> dict[AlertKey, Finding]:
    merged: dict[AlertKey, Finding] = {}
    for finding in findings:
        earlier = merged.get(finding.key)
        if earlier is not None:
            ids = earlier.message_ids + tuple(m for m in finding.message_ids if m not in earlier.message_ids)
            finding = replace(
                earlier,
                message_ids=ids,
                since=min(earlier.since, finding.since),
                details=earlier.details + finding.details,
            )
        merged[finding.key] = finding
    return merged


def _successor(alert: Alert, findings: Iterable[Finding]) -> AlertCause | None:
    """The most serious other cause that now lists every message of ``alert``, for the same partner."""
    if not alert.message_ids:
        return None
    mine = set(alert.message_ids)
    taken: dict[AlertCause, set[int]] = defaultdict(set)
    for finding in findings:
        if finding.partner_her_id == alert.partner_her_id and finding.cause is not alert.cause:
            taken[finding.cause] |= mine & set(finding.message_ids)
    if set[int]().union(*taken.values()) != mine:
        return None
    return max((c for c, ids in taken.items() if ids), key=lambda c: c.severity.rank)


# --- mail --------------------------------------------------------------------------------------------------

MAX_MAIL_LINES = 25


def alert_mail(alert: Alert, partner_name: str | None, opened: bool, *, tz: ZoneInfo = OSLO) -> tuple[str, str]:
    """The subject and body (Norwegian plain text) of the one mail for an alert that opened or resolved.

    It says what happened, since when, which messages (by id, type and MsgId; never patient data) and what
    to do. Long message lists are cut after :data:`MAX_MAIL_LINES` lines.
    """
    if not opened and alert.resolved_at is None:
        raise ValueError("Et varsel som ikke er løst, får ingen e-post om at det er løst.")
    cause = alert.cause
    party = _party(alert, partner_name)
    tag = alert.severity.label if opened else "Løst"
    subject = f"[samhandling] {tag}: {cause.label} – {party}"
    lines = [cause.label if opened else f"Løst: {cause.label}", ""]
    lines.append(f"Samhandlingspart: {party}")
    lines.append(f"Alvorlighetsgrad: {alert.severity.label}")
    lines.append(f"Gjelder fra: {_when(alert.since, tz)}")
    lines.append(f"Varselet ble åpnet: {_when(alert.opened_at, tz)}")
    if alert.acknowledged_at is not None:
        lines.append(f"Bekreftet av: {alert.acknowledged_by}, {_when(alert.acknowledged_at, tz)}")
    if alert.resolved_at is not None and not opened:
        who = alert.resolved_by or "automatisk"
        lines.append(f"Løst: {_when(alert.resolved_at, tz)} ({who}). {alert.resolution}".rstrip())
    if alert.message_ids:
        lines += ["", f"Meldinger ({len(alert.message_ids)}):"]
    elif alert.details:
        lines += ["", "Detaljer:"]
    lines += [f"- {line}" for line in alert.details[:MAX_MAIL_LINES]]
    if len(alert.details) > MAX_MAIL_LINES:
        lines.append(f"- … og {len(alert.details) - MAX_MAIL_LINES} til; se oversikten i samhandling.")
    if opened:
        lines += [
            "",
            "Slik følger du opp:",
            cause.advice,
            "",
            "Du får én e-post når et varsel åpnes og én når det er løst. Bekreft varselet i samhandling "
            "når noen har tatt det; det løses av seg selv når årsaken er borte.",
        ]
    else:
        lines += ["", "Ingen flere e-poster kommer om dette varselet."]
    return subject, "\n".join(lines) + "\n"


def _party(alert: Alert, partner_name: str | None) -> str:
    if alert.partner_her_id is None:
        return "hele noden" if alert.cause.node_wide else "ukjent samhandlingspart"
    if partner_name:
        return f"{partner_name} (HER-id {alert.partner_her_id})"
    return f"HER-id {alert.partner_her_id}"
