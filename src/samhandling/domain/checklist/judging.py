"""Judging a checklist run's messages and cases on the evidence.

A run gives every case a result with its evidence: per message (:class:`MessageEvidence`) the ids, the AppRec
outcome and each check (:class:`CheckResult`) with what was wrong. Judging is here (:func:`judge_message` on
the facts of one message, :func:`judge_addressing` and :func:`judge_plo_apprecs` on a case's or the run's
messages, :func:`judge_case`); gathering the facts (:class:`MessageFacts`) is the runner's
(:mod:`samhandling.services.checklist.runs`). Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from samhandling.domain.checklist.model import (
    CASE_CHECKS,
    RUN_CHECKS,
    AppRecOutcome,
    CaseResult,
    Check,
    DocumentKind,
    Side,
)
from samhandling.domain.text import cut

MOJIBAKE = ("Ã¦", "Ã¸", "Ã¥", "Ã†", "Ã˜", "Ã…", "Ã\u0086", "Ã\u0098", "Ã\u0085", "\ufffd")
"""What æ, ø and å become when UTF-8 is read as ISO-8859-1 or Windows-1252, and the replacement character a
decoder leaves for bytes it cannot read: the signs of a system with the wrong encoding."""

NORWEGIAN_LETTERS = frozenset("æøåÆØÅ")


@dataclass(frozen=True)
class CheckResult:
    """One check of one message (or case): passed, failed, or None when it could not be judged."""

    check: Check
    passed: bool | None
    detail: str = ""


@dataclass(frozen=True, kw_only=True)
class Answered:
    """The message a reply answers, as the answering side received it."""

    msg_id: str
    sender_her_id: str | None


@dataclass(frozen=True, kw_only=True)
class MessageFacts:
    """What the runner found out about one message; None where it cannot know (the other side is external).

    ``recipient_her_id`` is where the message arrived, ``addressed_her_id`` the primary receiver in its MsgHead,
    ``intended_her_id`` where the case meant it to go (for a reply: the sender of what it answers).
    """

    delivered: bool | None
    recipient_her_id: str | None = None
    addressed_her_id: str | None = None
    intended_her_id: str | None = None
    findings: tuple[str, ...] | None = None
    schema_checked: bool = False
    apprec: AppRecOutcome = AppRecOutcome.UNKNOWN
    apprec_errors: tuple[str, ...] = ()
    apprec_by_us: bool = False
    """The AppRec was sent by samhandling for a partner's message (partner mode)."""
    waited_seconds: float = 0.0
    answered: Answered | None = None
    parent_ref: str | None = None
    text_sent: str | None = None
    text_received: str | None = None
    missing_parts: tuple[str, ...] | None = None
    to_municipality: bool = False
    receiver_is_municipal_service: bool | None = None


def judge_message(checks: Iterable[Check], facts: MessageFacts) -> tuple[CheckResult, ...]:
    """The per-message checks of a case, judged on the facts (case and run checks are left out)."""
    results: list[CheckResult] = []
    for check in checks:
        if check in CASE_CHECKS or check in RUN_CHECKS:
            continue
        if check is Check.SERVICES and not facts.to_municipality:
            continue  # only messages to the municipality are addressed to its services
        results.append(_JUDGES[check](facts))
    return tuple(results)


def _delivered(f: MessageFacts) -> CheckResult:
    if f.delivered is None:
        if f.apprec is AppRecOutcome.POSITIVE or f.apprec is AppRecOutcome.NEGATIVE:
            return CheckResult(Check.DELIVERED, True, "Mottakeren svarte med applikasjonskvittering.")
        return CheckResult(Check.DELIVERED, None, "Kan ikke ses herfra; mottakerens system må bekrefte.")
    if not f.delivered:
        return CheckResult(Check.DELIVERED, False, f"Meldingen kom ikke fram innen {f.waited_seconds:g} s.")
    return CheckResult(Check.DELIVERED, True, f"Mottatt hos HER-id {f.recipient_her_id}.")


def _valid(f: MessageFacts) -> CheckResult:
    if f.findings is None:
        return CheckResult(Check.VALID, None, "Meldingen er ikke tilgjengelig for validering.")
    if f.findings:
        return CheckResult(Check.VALID, False, "; ".join(f.findings[:5]))
    if not f.schema_checked:
        return CheckResult(Check.VALID, True, "Ingen feil i de innebygde reglene; skjemavalidering var av "
                                              "(de offisielle skjemaene er ikke installert).")
    return CheckResult(Check.VALID, True, "Gyldig mot de offisielle skjemaene.")


def _apprec(f: MessageFacts) -> CheckResult:
    codes = f" ({', '.join(f.apprec_errors)})" if f.apprec_errors else ""
    if f.apprec is AppRecOutcome.POSITIVE:
        if f.apprec_by_us:
            return CheckResult(Check.APPREC, True, "samhandling svarte med positiv kvittering" + codes + ".")
        return CheckResult(Check.APPREC, True, "Positiv kvittering mottatt" + codes + ".")
    if f.apprec is AppRecOutcome.NEGATIVE:
        who = "samhandling avviste meldingen" if f.apprec_by_us else "Negativ kvittering mottatt"
        return CheckResult(Check.APPREC, False, who + codes + ".")
    if f.apprec is AppRecOutcome.MISSING:
        return CheckResult(Check.APPREC, False, f"Ingen kvittering innen {f.waited_seconds:g} s.")
    if f.waited_seconds:
        return CheckResult(Check.APPREC, None, f"Ingen kvittering fra mottakerens system innen {f.waited_seconds:g} s.")
    return CheckResult(Check.APPREC, None, "Kvitteringen er ikke kjent.")


def _reply(f: MessageFacts) -> CheckResult:
    if f.answered is None:
        return CheckResult(Check.REPLY, None, "Meldingen det svares på, er ikke kjent.")
    problems = []
    if f.parent_ref != f.answered.msg_id:
        found = f.parent_ref or "ingen"
        problems.append(f"ConversationRef/RefToParent er {found}, ikke {f.answered.msg_id}")
    if f.answered.sender_her_id is not None and f.addressed_her_id != f.answered.sender_her_id:
        problems.append(f"adressert til HER-id {f.addressed_her_id or 'ingen'}, ikke til avsenderen "
                        f"{f.answered.sender_her_id}")
    if problems:
        text = "; ".join(problems)
        return CheckResult(Check.REPLY, False, text[0].upper() + text[1:] + ".")
    return CheckResult(Check.REPLY, True, f"Svar på {f.answered.msg_id} til avsenderen HER-id "
                                          f"{f.answered.sender_her_id}.")


def _text_check(f: MessageFacts) -> CheckResult:
    received = f.text_received
    if received is None:
        return CheckResult(Check.TEXT, None, "Teksten er ikke tilgjengelig.")
    if f.text_sent is not None:
        if received == f.text_sent:
            return CheckResult(Check.TEXT, True, "Teksten kom fram tegn for tegn, med æ, ø og å.")
        return CheckResult(Check.TEXT, False, f"Sendt «{cut(f.text_sent, 80)}», mottatt «{cut(received, 80)}».")
    if any(sign in received for sign in MOJIBAKE):
        return CheckResult(Check.TEXT, False, f"Tegn er ødelagt: «{cut(received, 80)}».")
    if NORWEGIAN_LETTERS & set(received):
        return CheckResult(Check.TEXT, True, f"Mottatt «{cut(received, 80)}».")
    return CheckResult(Check.TEXT, None, "Teksten har ingen æ, ø eller å; testeren må vurdere.")


def _complete(f: MessageFacts) -> CheckResult:
    if f.missing_parts is None:
        return CheckResult(Check.COMPLETE, None, "Dokumentet er ikke tilgjengelig.")
    if f.missing_parts:
        return CheckResult(Check.COMPLETE, False, "Mangler: " + ", ".join(f.missing_parts) + ".")
    return CheckResult(Check.COMPLETE, True, "IPLOS, legemidler, pårørende, CAVE, diagnoser og tjenester er med.")


def _services(f: MessageFacts) -> CheckResult:
    target = f.recipient_her_id or f.addressed_her_id
    if f.receiver_is_municipal_service is None:
        return CheckResult(Check.SERVICES, None, "Mottakeren er ikke kjent i registeret.")
    if not f.receiver_is_municipal_service:
        return CheckResult(Check.SERVICES, False, f"HER-id {target} er ikke en tjeneste i kommunen (registrer "
                                                  "tjenestene i kommunen som kommunikasjonsparter).")
    if f.delivered is False:
        return CheckResult(Check.SERVICES, False, f"Tjenesten HER-id {target} ble ikke nådd.")
    return CheckResult(Check.SERVICES, True, f"Tjenesten HER-id {target} ble nådd.")


_JUDGES = {
    Check.DELIVERED: _delivered,
    Check.VALID: _valid,
    Check.APPREC: _apprec,
    Check.REPLY: _reply,
    Check.TEXT: _text_check,
    Check.COMPLETE: _complete,
    Check.SERVICES: _services,
}


@dataclass(frozen=True, kw_only=True)
class MessageEvidence:
    """One message of a case, as the report shows it: who sent it to whom, its ids, its AppRec, the checks."""

    case: int
    side: Side
    kind: DocumentKind
    msg_id: str | None
    sender_her_id: str | None
    receiver_her_id: str | None
    answers_msg_id: str | None = None
    apprec: AppRecOutcome = AppRecOutcome.UNKNOWN
    apprec_msg_id: str | None = None
    apprec_errors: tuple[str, ...] = ()
    checks: tuple[CheckResult, ...] = ()
    problem: str | None = None
    """Why the message could not be sent or found (then it has no checks)."""

    @property
    def msg_type(self) -> str:
        return self.kind.msg_type

    @property
    def failed(self) -> bool:
        return any(c.passed is False for c in self.checks)


def judge_addressing(evidence: Sequence[MessageEvidence]) -> tuple[CheckResult, ...]:
    """Per sending side: its messages reached at least two different receivers, every one of them. Not judged
    for a side whose messages were not all sent (or, in partner mode, did not all come)."""
    results = []
    for side in (Side.MUNICIPALITY, Side.HOSPITAL):
        mine = [e for e in evidence if e.side is side]
        if not mine:
            continue
        delivered = [c.passed for e in mine for c in e.checks if c.check is Check.DELIVERED]
        receivers = sorted({e.receiver_her_id for e in mine if e.receiver_her_id})
        if any(e.problem is not None for e in mine):
            results.append(CheckResult(Check.ADDRESSING, None, f"{side.value}: ikke alle meldingene ble sendt."))
        elif len(receivers) < 2:
            found = ", ".join(receivers) or "ingen"
            results.append(CheckResult(Check.ADDRESSING, False, f"{side.value}: bare én mottaker ({found}); "
                                       "registrer flere tjenester for parten."))
        elif False in delivered:
            results.append(CheckResult(Check.ADDRESSING, False, f"{side.value}: ikke alle mottakerne ble nådd."))
        elif None in delivered:
            results.append(CheckResult(Check.ADDRESSING, None, f"{side.value}: mottak kan ikke ses herfra."))
        else:
            results.append(CheckResult(Check.ADDRESSING, True, f"{side.value}: nådde " + ", ".join(receivers) + "."))
    return tuple(results)


def judge_plo_apprecs(evidence: Sequence[MessageEvidence]) -> CheckResult:
    """Case 19: every PLO message sent in the run got a positive AppRec."""
    plo = [e for e in evidence if e.kind.is_plo and e.msg_id is not None]
    if not plo:
        return CheckResult(Check.ALL_PLO_APPREC, None, "Ingen PLO-meldinger ble sendt.")
    bad = [e for e in plo if e.apprec is not AppRecOutcome.POSITIVE and e.apprec is not AppRecOutcome.UNKNOWN]
    unknown = [e for e in plo if e.apprec is AppRecOutcome.UNKNOWN]
    if bad:
        listed = ", ".join(f"tilfelle {e.case} ({e.kind.label}: {e.apprec.label})" for e in bad)
        return CheckResult(Check.ALL_PLO_APPREC, False, f"Ikke positiv kvittering: {listed}.")
    if unknown:
        listed = ", ".join(f"tilfelle {e.case}" for e in unknown)
        return CheckResult(Check.ALL_PLO_APPREC, None, f"Kvitteringen er ikke kjent for {listed}.")
    return CheckResult(Check.ALL_PLO_APPREC, True, f"Positiv kvittering på alle {len(plo)} PLO-meldingene.")


def judge_case(evidence: Sequence[MessageEvidence], checks: Sequence[CheckResult] = (),
               *, not_run: str | None = None) -> CaseResult:
    """Failed when anything failed; not run when nothing was judged, something could not be judged, or the
    case could not be carried out; passed otherwise."""
    every = [c for e in evidence for c in e.checks] + list(checks)
    if any(c.passed is False for c in every):
        return CaseResult.FAILED
    if not_run is not None or not every or any(e.problem for e in evidence):
        return CaseResult.NOT_RUN
    if any(c.passed is None for c in every):
        return CaseResult.NOT_RUN
    return CaseResult.PASSED
