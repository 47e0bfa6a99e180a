"""The transport rules: sending that keeps failing or was refused for good, polling that keeps failing, an
outbox that keeps growing, line tests that failed, files the EPJ put out that were refused, and partner
certificates that ran out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

from samhandling.domain.clock import as_utc
from samhandling.domain.monitoring.causes import AlertCause
from samhandling.domain.monitoring.findings import AlertKey, Finding, Hit, aggregate, stamp
from samhandling.domain.privacy import redact_person_ids
from samhandling.domain.text import one_line


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
    hits: dict[AlertKey, list[Hit]] = defaultdict(list)
    for item in pending:
        if item.attempts < min_attempts or not item.last_error:
            continue
        partner = partner_of(item.recipient_her_id) if item.recipient_her_id else None
        error = _short(item.last_error)
        hits[(AlertCause.SEND_FAILING, partner)].append(
            Hit(
                item.message_id,
                item.queued_at,
                f"Melding {item.message_id}: {item.attempts} forsøk siden {stamp(item.queued_at)}, siste feil: {error}",
            )
        )
    return aggregate(hits)


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
    hits: dict[AlertKey, list[Hit]] = defaultdict(list)
    for item in stopped:
        to = f" til HER-id {item.recipient_her_id}" if item.recipient_her_id else ""
        hits[(AlertCause.SEND_STOPPED, None)].append(Hit(
            item.message_id, item.stopped_at,
            f"Melding {item.message_id} ({item.msg_type}{to}) kan ikke sendes siden {stamp(item.stopped_at)}: "
            f"{_short(redact_person_ids(item.reason))}"))
    return aggregate(hits)


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
                    details=tuple(f"{redact_person_ids(r.name)} ({stamp(r.at)}): {_short(redact_person_ids(r.reason))}"
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
                                details=tuple(f"HER-id {h}: {_short(redact_person_ids(w))} gikk ut {stamp(t)}"
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
    details = [f"{len(streak)} mislykkede hentinger på rad siden {stamp(first.at)}"]
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
    detail = f"Utboksen har vokst fra {first.size} til {last.size} meldinger siden {stamp(first.at)}"
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
            details = [f"{failed}, siste {stamp(streak[0].at)}"]
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
