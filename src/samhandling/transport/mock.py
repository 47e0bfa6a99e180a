"""A transport driven by plain functions, so that every caller is testable without a network.

    sent = []
    transport = MockTransport(lambda envelope: sent.append(envelope) or Delivery(envelope.msg_id))

The handler decides what a send does: record it, fail (raise :class:`TransportError`), or deliver it
into an ``inbox`` list that ``receive`` offers until ``confirm``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from samhandling.transport.base import Delivery, Envelope, Inbound, Transport


class MockTransport(Transport):
    def __init__(self, handler: Callable[[Envelope], Delivery], inbox: list[Inbound] | None = None) -> None:
        self.handler = handler
        self.inbox: list[Inbound] = inbox if inbox is not None else []

    def send(self, envelope: Envelope) -> Delivery:
        return self.handler(envelope)

    def receive(self, her_ids: Sequence[str]) -> list[Inbound]:
        return [i for i in self.inbox if i.recipient_her_id in her_ids]

    def confirm(self, inbound: Inbound) -> None:
        self.inbox[:] = [i for i in self.inbox if i.reference != inbound.reference]
