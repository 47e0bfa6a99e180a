"""The transport's health for the monitoring: every send and poll, ok or failed, recorded in the store.

:class:`MonitoredTransport` wraps the node's transport and does nothing else: it passes each call through and
writes the outcome (``uow.monitor.record_attempt``), so that the monitoring sees polls that keep failing
(:func:`samhandling.domain.monitoring.transport.evaluate_polling`) and the metrics the last success. Recording never
changes what the call does: a failure to record is logged and forgotten.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from samhandling.domain.clock import utc_now
from samhandling.store.monitoring.values import AttemptKind, TransportAttempt
from samhandling.store.unit_of_work import UnitOfWork
from samhandling.transport.base import Delivery, Envelope, Inbound, ReceiverStatus, Transport, TransportError

log = logging.getLogger(__name__)


class MonitoredTransport(Transport):
    def __init__(self, inner: Transport, new_uow: Callable[[], UnitOfWork], *,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.inner = inner
        self.new_uow = new_uow
        self.clock = clock

    def send(self, envelope: Envelope) -> Delivery:
        try:
            delivery = self.inner.send(envelope)
        except TransportError as exc:
            self._record(AttemptKind.SEND, ok=False, her_id=envelope.recipient_her_id, error=str(exc))
            raise
        self._record(AttemptKind.SEND, ok=True, her_id=envelope.recipient_her_id)
        return delivery

    def receive(self, her_ids: Sequence[str]) -> list[Inbound]:
        try:
            found = self.inner.receive(her_ids)
        except TransportError as exc:
            self._record(AttemptKind.POLL, ok=False, error=str(exc))
            raise
        self._record(AttemptKind.POLL, ok=True)
        return found

    def confirm(self, inbound: Inbound) -> None:
        self.inner.confirm(inbound)

    def status(self, reference: str) -> list[ReceiverStatus]:
        return self.inner.status(reference)

    def close(self) -> None:
        self.inner.close()

    def _record(self, kind: AttemptKind, *, ok: bool, her_id: str | None = None, error: str = "") -> None:
        try:
            with self.new_uow() as uow:
                uow.monitor.record_attempt(TransportAttempt(kind=kind, at=self.clock(), ok=ok, her_id=her_id,
                                                            error=error))
                uow.commit()
        except Exception as exc:  # the health record must never break the transport
            log.warning("transport attempt not recorded", extra={"kind": kind.value, "error": type(exc).__name__})
