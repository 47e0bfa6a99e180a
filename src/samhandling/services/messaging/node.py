"""The node's work loop: send the outbox, fetch from the transport, hand over to the EPJ, again and again.

One pass (:func:`run_once`) does each step once; :func:`run_forever` repeats passes until asked to stop,
finishing the pass in flight first, so that SIGTERM never cuts a step in half. Every step is safe to
repeat after a crash: the outbox resends what it cannot know was sent (the transport is idempotent), and
a fetched message is confirmed to the transport only after it is stored (a second download is a duplicate).

The node never stops on one message. Each inbound is received on its own: one that the pipeline fails on is
kept as it came with the reason (:func:`~samhandling.services.messaging.receive.store_unprocessable`), confirmed so that
the transport stops offering it, and reported by the monitoring; the next inbound goes on. The database being
away is not such a failure: the inbound is left at the transport and offered again at the next pass. And one
failing step never skips the others: each is run, and each failure is logged with the step's name.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.exc import DBAPIError

from samhandling.domain.privacy import redact_person_ids
from samhandling.domain.text import cut
from samhandling.services.messaging.outbox import OutboxRun, deliver_due
from samhandling.services.messaging.receive import receive_inbound, store_unprocessable
from samhandling.services.messaging.reception import Disposition, ReceiveOptions, Reception
from samhandling.store.messaging.messages import DuplicateMessageError
from samhandling.store.messaging.outbox import DEFAULT_LEASE, Backoff
from samhandling.store.unit_of_work import UnitOfWork
from samhandling.transport.base import Inbound, Transport, TransportError

log = logging.getLogger(__name__)

SEND_BATCH = 20
MAX_SEND_ROUNDS = 10
"""One pass sends at most this many batches: a burst goes out at once, and the pass still ends."""
MAX_RECEIVE_ROUNDS = 20
"""How many times one pass asks the transport again while it keeps offering new messages (a burst drains in one
pass, bounded)."""


@dataclass
class NodeParts:
    """What the loop works with; ``bootstrap`` wires the real ones, tests their own."""

    new_uow: Callable[[], UnitOfWork]
    transport: Transport
    receive_options: ReceiveOptions
    worker: str
    lease: timedelta = DEFAULT_LEASE
    backoff: Backoff = field(default_factory=Backoff)
    steps: list[Callable[[], object]] = field(default_factory=list)
    """Further steps of a pass (the EPJ catalog, the monitor), run after sending and fetching."""
    step_names: list[str] = field(default_factory=list)
    """The names of ``steps`` for the log (by position; a step without one is named by its function)."""


@dataclass
class Pass:
    outbox: OutboxRun
    received: int = 0
    isolated: int = 0
    """Inbound messages the pipeline failed on, kept as failed and taken off the transport."""
    failures: list[StepFailure] = field(default_factory=list)

    @property
    def fetch_failed(self) -> bool:
        return any(f.step == "receive" for f in self.failures)

    @property
    def ok(self) -> bool:
        return not self.failures


class DatabaseUnavailableError(RuntimeError):
    """The store cannot be reached; what was being done is left for the next pass."""


def is_database_outage(exc: BaseException) -> bool:
    """Whether ``exc`` means the database is away (refused, dropped, timed out) rather than a fault in the data."""
    if isinstance(exc, DatabaseUnavailableError):
        return True
    if isinstance(exc, DBAPIError):
        return bool(exc.connection_invalidated) or type(exc).__name__ in ("OperationalError", "InterfaceError")
    return False


def first_line(exc: BaseException, limit: int = 300) -> str:
    """The first line of an error, with person identifiers masked: for the log and the journal."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = redact_person_ids(text)
    return cut(text, limit)


@dataclass
class Fetched:
    """What one receive step did."""

    received: int = 0
    isolated: int = 0
    failure: StepFailure | None = None
    """Why the step stopped early (transport or database away); what was not received waits at the transport."""


@dataclass(frozen=True)
class StepFailure:
    """A step of a pass that failed: its name, the inbound it was on (the transport's reference), and the first
    line of the error with person identifiers masked."""

    step: str
    error: str
    inbound: str | None = None


def fetch(parts: NodeParts) -> Fetched:
    """Receive what the transport has for the parties this node serves.

    While the transport keeps offering messages the pass has not seen, it asks again (at most
    :data:`MAX_RECEIVE_ROUNDS` times), so that a burst does not wait one poll interval per handful.
    """
    with parts.new_uow() as uow:
        her_ids = [p.her_id for p in uow.parties.all().served_locally()]
    done = Fetched()
    if not her_ids:
        return done
    seen: set[tuple[str, str]] = set()
    for _ in range(MAX_RECEIVE_ROUNDS):
        try:
            waiting = parts.transport.receive(her_ids)
        except TransportError as exc:
            done.failure = StepFailure("receive", first_line(exc))
            log.warning("fetch failed", extra={"step": "receive", "error": done.failure.error})
            return done
        fresh = [i for i in waiting if (i.reference, i.recipient_her_id) not in seen]
        if not fresh:
            break
        for inbound in fresh:
            seen.add((inbound.reference, inbound.recipient_her_id))
            outcome = _receive_one(parts, inbound)
            if isinstance(outcome, StepFailure):  # the database is away: leave the rest for the next pass
                done.failure = outcome
                return done
            done.received += 1
            done.isolated += outcome.disposition is Disposition.FAILED
    return done


def _receive_one(parts: NodeParts, inbound: Inbound) -> Reception | StepFailure:
    """Receive one inbound, isolated from the others. A failure is returned when the database is away or the
    inbound could not even be kept: then nothing is confirmed and the transport offers it again."""
    try:
        result = _receive_or_recognise(parts, inbound)
    except Exception as exc:
        reason = f"{type(exc).__name__}: {first_line(exc)}"
        if is_database_outage(exc):
            log.warning("receive postponed: database unavailable",
                        extra={"step": "receive", "inbound": inbound.reference, "error": reason})
            return StepFailure("receive", reason, inbound.reference)
        log.error("inbound failed", extra={"step": "receive", "inbound": inbound.reference, "error": reason})
        try:
            result = store_unprocessable(inbound.payload, parts.new_uow(), reason, origin=inbound)
        except Exception as stored_exc:  # not even kept: leave it at the transport, offered again next pass
            failure = StepFailure("receive", f"{type(stored_exc).__name__}: {first_line(stored_exc)}",
                                  inbound.reference)
            log.error("inbound not kept, left at the transport",
                      extra={"step": "receive", "inbound": inbound.reference, "error": failure.error})
            return failure
    try:
        parts.transport.confirm(inbound)
    except TransportError as exc:  # stored already: offered again, it is recognised as a duplicate
        log.warning("confirm failed", extra={"step": "receive", "inbound": inbound.reference,
                                             "error": first_line(exc)})
    log.info("received", extra={"msg_type": result.msg_type, "disposition": result.disposition.value,
                                "apprecs": len(result.apprecs)})
    return result


def _receive_or_recognise(parts: NodeParts, inbound: Inbound) -> Reception:
    """Receive; when another worker stored the same message meanwhile, receive again: now it is a duplicate."""
    try:
        return receive_inbound(inbound, parts.new_uow(), parts.receive_options)
    except DuplicateMessageError:
        return receive_inbound(inbound, parts.new_uow(), parts.receive_options)


def _send(parts: NodeParts) -> OutboxRun:
    """Send what is due, batch after batch while full batches go out (bounded by :data:`MAX_SEND_ROUNDS`)."""
    total = OutboxRun()
    for _ in range(MAX_SEND_ROUNDS):
        run = deliver_due(parts.new_uow, parts.transport, worker=parts.worker, lease=parts.lease,
                          backoff=parts.backoff, limit=SEND_BATCH)
        total.sent += run.sent
        total.failed += run.failed
        if len(run.sent) + len(run.failed) < SEND_BATCH or run.failed:
            break
    return total


def run_once(parts: NodeParts) -> Pass:
    """One pass: send, receive, send what receiving queued (AppRecs), then the further steps, each on its own."""
    result = Pass(outbox=OutboxRun())

    def step(name: str, work: Callable[[], object]) -> object:
        try:
            return work()
        except Exception as exc:  # one failing step never skips the others
            failure = StepFailure(name, f"{type(exc).__name__}: {first_line(exc)}")
            result.failures.append(failure)
            log.error("step failed", extra={"step": name, "error": failure.error})
            return None

    def send() -> None:
        run = _send(parts)
        result.outbox.sent += run.sent
        result.outbox.failed += run.failed

    step("send", send)
    fetched = step("receive", lambda: fetch(parts))
    if isinstance(fetched, Fetched):
        result.received, result.isolated = fetched.received, fetched.isolated
        if fetched.failure is not None:
            result.failures.append(fetched.failure)
    if result.received:  # what was received may have queued AppRecs: send them in the same pass
        step("send", send)
    for index, further in enumerate(parts.steps):
        name = parts.step_names[index] if index < len(parts.step_names) else getattr(
            further, "__name__", type(further).__name__)
        step(name, further)
    return result


def run_forever(parts: NodeParts, stop: threading.Event, *, interval: float, wake: threading.Event | None = None
                ) -> None:
    """Passes every ``interval`` seconds (or at once when ``wake`` is set) until ``stop`` is set.

    A pass whose steps fail (the database briefly gone, say) is logged step by step and tried again at the next
    interval: every step is safe to repeat, so the node keeps running instead of stopping on a fault that clears
    by itself.
    """
    while not stop.is_set():
        try:
            done = run_once(parts)
            if not done.ok:
                first = done.failures[0]
                log.warning("pass failed", extra={
                    "step": first.step, "inbound": first.inbound, "error": first.error,
                    "failed_steps": ",".join(dict.fromkeys(f.step for f in done.failures))})
        except Exception as exc:  # the loop must outlive anything
            log.error("pass failed", extra={"step": "pass", "error": f"{type(exc).__name__}: {first_line(exc)}"})
        if wake is not None:
            wake.wait(interval)
            wake.clear()
        else:
            stop.wait(interval)


def release_dead_claims(new_uow: Callable[[], UnitOfWork], host: str, *, alive: Callable[[int], bool] | None = None,
                        now: datetime | None = None) -> int:
    """At start: give up the outbox leases of this host's node processes that are gone (killed, crashed), so that
    what they had claimed is sent now instead of when their leases run out. Workers are named ``host:pid``;
    leases of other hosts, and of processes that still run, are left alone. Returns how many items were freed."""
    is_alive = alive or _process_alive
    freed = 0
    with new_uow() as uow:
        for worker in uow.outbox.claimants(now=now):
            name, _, pid = worker.rpartition(":")
            if name == host and pid.isdigit() and int(pid) != os.getpid() and not is_alive(int(pid)):
                freed += uow.outbox.release_claims(worker)
        uow.commit()
    if freed:
        log.info("released claims of stopped workers", extra={"items": freed})
    return freed


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True
