"""The node's work loop: send the outbox, fetch from the transport, hand over to the EPJ, again and again.

One pass (:func:`run_once`) does each step once; :func:`run_forever` repeats passes until asked to stop,
finishing the pass in flight first, so that SIGTERM never cuts a step in half. Every step is safe to
repeat after a crash: the outbox resends what it cannot know was sent (the transport is idempotent), and
a fetched message is confirmed to the transport only after it is stored (a second download is a duplicate).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from samhandling.services.outbox import OutboxRun, deliver_due
from samhandling.services.receive import ReceiveOptions, receive_message
from samhandling.store.repositories import DEFAULT_LEASE, Backoff
from samhandling.store.unit_of_work import UnitOfWork
from samhandling.transport.base import Transport, TransportError

log = logging.getLogger(__name__)


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


@dataclass
class Pass:
    outbox: OutboxRun
    received: int = 0
    fetch_failed: bool = False


def fetch(parts: NodeParts) -> tuple[int, bool]:
    """Receive what the transport has for the parties this node serves; returns (count, failed)."""
    with parts.new_uow() as uow:
        her_ids = [p.her_id for p in uow.parties.all().served_locally()]
    if not her_ids:
        return 0, False
    try:
        waiting = parts.transport.receive(her_ids)
    except TransportError as exc:
        log.warning("fetch failed", extra={"error": str(exc)})
        return 0, True
    for inbound in waiting:
        result = receive_message(inbound.payload, parts.new_uow(), parts.receive_options,
                                 transport_faults=inbound.faults, transport_ref=inbound.reference)
        try:
            parts.transport.confirm(inbound)
        except TransportError as exc:  # stored already: offered again, it is recognised as a duplicate
            log.warning("confirm failed", extra={"error": str(exc)})
        log.info("received", extra={"msg_type": result.msg_type, "disposition": result.disposition.value,
                                    "apprecs": len(result.apprecs)})
    return len(waiting), False


def run_once(parts: NodeParts) -> Pass:
    outbox = deliver_due(parts.new_uow, parts.transport, worker=parts.worker, lease=parts.lease,
                         backoff=parts.backoff)
    received, failed = fetch(parts)
    if received:  # what was received may have queued AppRecs: send them in the same pass
        more = deliver_due(parts.new_uow, parts.transport, worker=parts.worker, lease=parts.lease,
                           backoff=parts.backoff)
        outbox.sent += more.sent
        outbox.failed += more.failed
    for step in parts.steps:
        step()
    return Pass(outbox=outbox, received=received, fetch_failed=failed)


def run_forever(parts: NodeParts, stop: threading.Event, *, interval: float, wake: threading.Event | None = None
                ) -> None:
    """Passes every ``interval`` seconds (or at once when ``wake`` is set) until ``stop`` is set.

    A pass that fails (the database briefly gone, say) is logged and tried again at the next interval: every step
    is safe to repeat, so the node keeps running instead of stopping on a fault that clears by itself.
    """
    while not stop.is_set():
        try:
            run_once(parts)
        except Exception as exc:  # the loop must outlive a failing pass
            log.error("pass failed", extra={"error": type(exc).__name__})
        if wake is not None:
            wake.wait(interval)
            wake.clear()
        else:
            stop.wait(interval)
