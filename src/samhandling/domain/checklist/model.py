"""The words of the cooperation test checklist (forløpstester) between the hospital and a municipality.

The cooperation procedure (samhandlingsprosedyren, section 3.5, and its appendix "Sjekkliste for normale
test-tilfeller") requires flow tests when a new communication partner starts, when a communication module
changes, when a system that affects messages changes, and when a new message version comes. The hospital
tests every change against at least one municipal partner per municipal EPJ system; a municipality tests
every change against the hospital.

Here are the checklist's terms with their Norwegian texts: who sends (:class:`Side`, K the municipality and S
the hospital), why the test is run (:class:`Trigger`), how (:class:`RunMode`), what a case sends
(:class:`DocumentKind`), to which receiver (:class:`Receiver`), what is checked (:class:`Check`), and the
results (:class:`CaseResult`, :class:`AppRecOutcome`). Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class Side(StrEnum):
    """Who sends, in the checklist's own letters: K the municipality (kommunen), S the hospital (sykehuset)."""

    MUNICIPALITY = "K"
    HOSPITAL = "S"

    @property
    def label(self) -> str:
        return "kommunen" if self is Side.MUNICIPALITY else "sykehuset"

    @property
    def other(self) -> Side:
        return Side.HOSPITAL if self is Side.MUNICIPALITY else Side.MUNICIPALITY


class Trigger(StrEnum):
    """Why the flow test is run (samhandlingsprosedyren 3.5)."""

    NEW_PARTNER = "ny-part"
    COMMUNICATION_MODULE = "kommunikasjonsmodul"
    SYSTEM = "system"
    MESSAGE_VERSION = "meldingsversjon"


TRIGGER_TEXT: Mapping[Trigger, str] = {
    Trigger.NEW_PARTNER: "Ny kommunikasjonspart",
    Trigger.COMMUNICATION_MODULE: "Endret kommunikasjonsmodul",
    Trigger.SYSTEM: "Endring i system som påvirker meldingene",
    Trigger.MESSAGE_VERSION: "Ny meldingsversjon",
}


class RunMode(StrEnum):
    """Automatic: both sides are samhandling nodes. Partner: one side is a real external system."""

    AUTOMATIC = "automatic"
    PARTNER = "partner"


MODE_TEXT: Mapping[RunMode, str] = {
    RunMode.AUTOMATIC: "Automatisk (begge sider er samhandling-noder)",
    RunMode.PARTNER: "Mot partnerens system",
}


class DocumentKind(StrEnum):
    """What a case sends: a document kind the runner knows how to build."""

    INNLEGGELSESRAPPORT = "innleggelsesrapport"
    INNLAGT = "innlagt"
    HELSEOPPLYSNINGER = "helseopplysninger"
    UTSKRIVNINGSKLAR = "utskrivningsklar"
    AVMELDING = "avmelding"
    UTSKREVET = "utskrevet"
    FORESPORSEL = "foresporsel"
    SVAR = "svar"
    AVVIK = "avvik"

    @property
    def msg_type(self) -> str:
        """The MsgHead message type (code system 8279) the document travels as."""
        return MSG_TYPES[self]

    @property
    def is_plo(self) -> bool:
        return self in PLO_KINDS

    @property
    def label(self) -> str:
        return KIND_TEXT[self]


MSG_TYPES: Mapping[DocumentKind, str] = {
    DocumentKind.INNLEGGELSESRAPPORT: "INNLEGGELSESRAPPORT",
    DocumentKind.INNLAGT: "LOG_INNLAGT",
    DocumentKind.HELSEOPPLYSNINGER: "HELSEOPPL_SOKNAD",
    DocumentKind.UTSKRIVNINGSKLAR: "LOG_UTSKRIVNINGSKLAR",
    DocumentKind.AVMELDING: "LOG_AVMELDING",
    DocumentKind.UTSKREVET: "LOG_UTSKREVET",
    DocumentKind.FORESPORSEL: "DIALOG_FORESPORSEL",
    DocumentKind.SVAR: "DIALOG_SVAR",
    DocumentKind.AVVIK: "DIALOG_AVVIK",
}

KIND_TEXT: Mapping[DocumentKind, str] = {
    DocumentKind.INNLEGGELSESRAPPORT: "Innleggelsesrapport",
    DocumentKind.INNLAGT: "Melding om innlagt pasient",
    DocumentKind.HELSEOPPLYSNINGER: "Helseopplysninger",
    DocumentKind.UTSKRIVNINGSKLAR: "Melding om utskrivningsklar pasient",
    DocumentKind.AVMELDING: "Avmelding utskrivningsklar pasient",
    DocumentKind.UTSKREVET: "Melding om utskrevet pasient",
    DocumentKind.FORESPORSEL: "Forespørsel",
    DocumentKind.SVAR: "Svar på forespørsel",
    DocumentKind.AVVIK: "Avvik",
}

PLO_KINDS = frozenset({
    DocumentKind.INNLEGGELSESRAPPORT, DocumentKind.INNLAGT, DocumentKind.HELSEOPPLYSNINGER,
    DocumentKind.UTSKRIVNINGSKLAR, DocumentKind.AVMELDING, DocumentKind.UTSKREVET,
})
DIALOG_KINDS = frozenset(set(DocumentKind) - PLO_KINDS)


class Check(StrEnum):
    """What the runner checks. Per message unless said otherwise."""

    DELIVERED = "delivered"
    VALID = "valid"
    """The bytes as received validate against the official schemas and the built-in rules (HIS 80415 §6.3)."""
    APPREC = "apprec"
    """The receiver answered with a positive AppRec, and the sender got it (HITS 1168)."""
    REPLY = "reply"
    """A reply has ConversationRef/RefToParent to what it answers and goes to its sender (HITS 1218 §3)."""
    TEXT = "text"
    """The text arrives exactly as sent, æ, ø and å included (the messages are UTF-8, HIS 80601)."""
    COMPLETE = "complete"
    """An Innleggelsesrapport carries IPLOS, medication, next of kin, CAVE, diagnoses and services (HIS 1143 §3)."""
    ADDRESSING = "addressing"
    """Per case: the messages of each sending side reached at least two different receivers."""
    SERVICES = "services"
    """Per message to the municipality: its receiver is a service in the municipality, and it was reached."""
    ALL_PLO_APPREC = "all_plo_apprec"
    """Per run: every PLO message of the run got a positive AppRec."""


CHECK_TEXT: Mapping[Check, str] = {
    Check.DELIVERED: "Levert til mottakeren",
    Check.VALID: "Gyldig mot de offisielle skjemaene",
    Check.APPREC: "Positiv applikasjonskvittering",
    Check.REPLY: "Svar til avsenderen, med ConversationRef til meldingen det svares på",
    Check.TEXT: "Æ, ø og å kommer fram uendret",
    Check.COMPLETE: "All informasjon med (IPLOS, legemidler, pårørende, CAVE, diagnoser, tjenester)",
    Check.ADDRESSING: "Adressert fleksibelt til ulike mottakere",
    Check.SERVICES: "Tjenester i kommunen kan være mottakere",
    Check.ALL_PLO_APPREC: "Positiv applikasjonskvittering på hver PLO-melding som er sendt",
}

CHECK_SHORT: Mapping[Check, str] = {
    Check.DELIVERED: "levert",
    Check.VALID: "gyldig",
    Check.APPREC: "positiv AppRec",
    Check.REPLY: "svar til avsender med ConversationRef",
    Check.TEXT: "æøå uendret",
    Check.COMPLETE: "all informasjon med",
    Check.ADDRESSING: "fleksibel adressering",
    Check.SERVICES: "tjeneste i kommunen nådd",
    Check.ALL_PLO_APPREC: "positiv AppRec på alle PLO-meldinger",
}

CASE_CHECKS = frozenset({Check.ADDRESSING})
RUN_CHECKS = frozenset({Check.ALL_PLO_APPREC})


class Receiver(StrEnum):
    """Which receiver on the other side a message goes to, resolved against the register for each run."""

    PRIMARY = "primary"
    """The first service of the party (or the party named for the run, if it is a service)."""
    SECOND = "second"
    """Another service of the same organisation; the organisation itself when it has no other service."""
    ORGANISATION = "organisation"


class CaseResult(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_RUN = "not_run"

    @property
    def label(self) -> str:
        return RESULT_TEXT[self]


RESULT_TEXT: Mapping[CaseResult, str] = {
    CaseResult.PASSED: "Bestått",
    CaseResult.FAILED: "Ikke bestått",
    CaseResult.NOT_RUN: "Ikke kjørt",
}


class AppRecOutcome(StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"
    MISSING = "missing"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        return APPREC_TEXT[self]


APPREC_TEXT: Mapping[AppRecOutcome, str] = {
    AppRecOutcome.POSITIVE: "positiv",
    AppRecOutcome.NEGATIVE: "negativ",
    AppRecOutcome.MISSING: "mangler",
    AppRecOutcome.UNKNOWN: "ukjent",
}
