"""The two sides of a checklist run: how they are set up, and the seam (:class:`Tamper`) between them and the
transport.

Part of running the cooperation test checklist (forløpstester, "Sjekkliste for normale test-tilfeller"; see
:mod:`samhandling.services.checklist.runs`). In automatic mode (:func:`automatic_sides`) both sides are samhandling
nodes in this process, each with its own SQLite database in a temporary folder, talking through a local message
server started on a free port. In partner mode (:func:`partner_sides`) this installation is one side through its
configured transport, and the other is the partner's real system, seen only through what arrives here.
:class:`Tamper` is the one place a run's behaviour is changed (the tests inject faults with it).
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

from samhandling.domain.checklist.model import DocumentKind, Side
from samhandling.msh.region import parties_json, start_message_server
from samhandling.services.checklist.setup import RunSetup
from samhandling.services.messaging.node import NodeParts
from samhandling.services.messaging.reception import ReceiveOptions
from samhandling.services.messaging.send import SendOptions
from samhandling.standards.schemas import SchemaSet
from samhandling.store.messaging.outbox import Backoff
from samhandling.store.unit_of_work import UnitOfWork
from samhandling.transport.base import Delivery, Envelope, Inbound, ReceiverStatus, Transport

CHECKLIST_BACKOFF = Backoff(first=timedelta(seconds=0.5), factor=2.0, ceiling=timedelta(seconds=5))


@dataclass(frozen=True, kw_only=True)
class Outgoing:
    """A message a side is about to submit. ``text`` is the text the case asks for (what the receiver must
    see), ``document`` the business document built from it.

    ``receiver_her_id`` is None for a reply: the node addresses it to the sender of ``in_reply_to``. A
    :class:`Tamper` that sets it for a reply sends the reply elsewhere, as an EPJ that builds its own replies
    wrongly would (the message is then composed here and submitted as ready bytes)."""

    case: int
    side: Side
    kind: DocumentKind
    document: Any
    text: str | None
    sender_her_id: str
    receiver_her_id: str | None
    in_reply_to: str | None


class Tamper:
    """Changes what happens in a run; the default changes nothing.

    Subclass and override what you need (the tests do, to inject faults):

    - :meth:`outgoing`: the document and addressing of a message before its side submits it;
    - :meth:`inbound`: what a side fetches from the transport (change it, e.g. add the transport fault S01 so the
      receiver rejects it, or return None to leave it unfetched);
    - :meth:`outbound`: what a side hands to the transport (return None and it never leaves, e.g. an AppRec
      that should go missing; the node believes it was sent).

    ``case`` is the number of the case running when the transport is used.
    """

    def outgoing(self, outgoing: Outgoing) -> Outgoing:
        return outgoing

    def inbound(self, case: int, side: Side, inbound: Inbound) -> Inbound | None:
        return inbound

    def outbound(self, case: int, side: Side, envelope: Envelope) -> Envelope | None:
        return envelope


class CurrentCase:
    """The case in progress, shared with the transports of the run."""

    case = 0


class TamperedTransport(Transport):
    """A side's transport with the run's :class:`Tamper` in between."""

    def __init__(self, inner: Transport, side: Side, tamper: Tamper, current: CurrentCase) -> None:
        self.inner = inner
        self.side = side
        self.tamper = tamper
        self.current = current

    def send(self, envelope: Envelope) -> Delivery:
        changed = self.tamper.outbound(self.current.case, self.side, envelope)
        if changed is None:
            return Delivery(reference=f"holdt-tilbake-{uuid.uuid4()}")
        return self.inner.send(changed)

    def receive(self, her_ids: Sequence[str]) -> list[Inbound]:
        found = [self.tamper.inbound(self.current.case, self.side, i) for i in self.inner.receive(her_ids)]
        return [i for i in found if i is not None]

    def confirm(self, inbound: Inbound) -> None:
        self.inner.confirm(inbound)

    def status(self, reference: str) -> list[ReceiverStatus]:
        return self.inner.status(reference)

    def close(self) -> None:
        self.inner.close()


@dataclass
class SideNode:
    """One side of a run. A driven side is a samhandling node the runner sends from and runs passes on; an
    external side (partner mode) is a system the runner only sees through the driven side's store."""

    side: Side
    parts: NodeParts | None = None
    send_options: SendOptions | None = None

    @property
    def driven(self) -> bool:
        return self.parts is not None

    def uow(self) -> UnitOfWork:
        assert self.parts is not None
        return self.parts.new_uow()

    @property
    def schemas(self) -> SchemaSet | None:
        return self.parts.receive_options.schemas if self.parts is not None else None

    @property
    def max_bytes(self) -> int:
        return self.parts.receive_options.max_bytes if self.parts is not None else 50 * 1024 * 1024


class AutomaticNode(Protocol):
    """A samhandling node of its own for one side of an automatic run, as the caller's factory makes it."""

    def uow(self) -> UnitOfWork: ...

    def transport(self) -> Transport | None: ...

    @property
    def receive_options(self) -> ReceiveOptions: ...

    @property
    def send_options(self) -> SendOptions: ...

    def close(self) -> None: ...


NodeFactory = Callable[[Path, str, str], AutomaticNode]
"""Makes the node of one side of an automatic run: its home folder (its SQLite database is there), and the URL
of the local message server and the token it authenticates with. The caller (``bootstrap.checklist_nodes``)
makes it with everything explicit, so nothing of the installation's environment (its database, its transport)
leaks in."""


@contextmanager
def automatic_sides(setup: RunSetup, new_node: NodeFactory, *, tamper: Tamper, current: CurrentCase
                    ) -> Iterator[dict[Side, SideNode]]:
    """Two nodes (made by ``new_node``) and a local message server on a free port, for the length of the block;
    all torn down after."""
    with ExitStack() as stack:
        base = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="samhandling-sjekkliste-")))
        register = base / "parter.json"
        register.write_text(parties_json(list(setup.parties), set()), encoding="utf-8")
        server = start_message_server(base / "msh", register)
        stack.callback(server.stop)
        sides: dict[Side, SideNode] = {}
        for side, folder in ((Side.HOSPITAL, "sykehus"), (Side.MUNICIPALITY, "kommune")):
            organisation = setup.organisation(side)
            node = new_node(base / folder, server.url, server.token([organisation]))
            stack.callback(node.close)
            with node.uow() as uow:
                for party in setup.parties:
                    uow.parties.add(replace(party, local=party.her_id == organisation))
                uow.commit()
            inner = node.transport()
            assert inner is not None
            transport = TamperedTransport(inner, side, tamper, current)
            stack.callback(transport.close)
            parts = NodeParts(new_uow=node.uow, transport=transport, receive_options=node.receive_options,
                              worker=f"sjekkliste-{folder}", backoff=CHECKLIST_BACKOFF)
            sides[side] = SideNode(side, parts, node.send_options)
        yield sides


def partner_sides(our: Side, new_uow: Callable[[], UnitOfWork], receive_options: ReceiveOptions,
                  send_options: SendOptions, transport: Transport, *, tamper: Tamper, current: CurrentCase
                  ) -> dict[Side, SideNode]:
    """Partner mode: ``our`` side is this installation (its store, its options, ``transport`` with the run's
    tamper in between); the other side is the partner's system, which the runner does not drive."""
    tampered = TamperedTransport(transport, our, tamper, current)
    parts = NodeParts(new_uow=new_uow, transport=tampered, receive_options=receive_options,
                      worker=f"sjekkliste:{os.getpid()}", backoff=CHECKLIST_BACKOFF)
    return {our: SideNode(our, parts, send_options), our.other: SideNode(our.other)}
