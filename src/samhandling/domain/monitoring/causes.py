"""Why an alert is raised: the causes of the daily monitoring, each with its Norwegian title, its severity and
what to do.

What is watched (the issue "Daily monitoring of the message flow"): every message the node sends until its
application receipt (AppRec) comes, negative AppRecs and AppRecs with errors, received messages the node
rejected or could not answer, the transport (sending and polling that keep failing, an outbox that keeps
growing, line tests that failed), and partners gone quiet. The rules that find them are in the other modules
of this package.
"""

from __future__ import annotations

from enum import StrEnum


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
