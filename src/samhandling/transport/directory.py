"""A shared folder as the network: each party has a mailbox folder named by its HER-id.

For a region, a rehearsal or a test on one machine. A message is written atomically (to a temporary
name, then renamed) as ``<recipient>/<sender>_<MsgId>.xml``; that name makes a second send of the
same message a no-op, which is the idempotence the :class:`Transport` contract asks for.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

from samhandling.transport.base import Delivery, Envelope, Inbound, Transport, TransportError

_SAFE = re.compile(r"[^A-Za-z0-9._-]")


def _safe(part: str) -> str:
    return _SAFE.sub("_", part) or "_"


class DirectoryTransport(Transport):
    def __init__(self, root: Path) -> None:
        self.root = root

    def _mailbox(self, her_id: str) -> Path:
        return self.root / _safe(her_id)

    def send(self, envelope: Envelope) -> Delivery:
        mailbox = self._mailbox(envelope.recipient_her_id)
        name = f"{_safe(envelope.sender_her_id)}_{_safe(envelope.msg_id)}.xml"
        target = mailbox / name
        try:
            mailbox.mkdir(parents=True, exist_ok=True)
            if target.exists() or (mailbox / "read" / name).exists():
                return Delivery(reference=name)  # sent before: deliver once
            fd, tmp = tempfile.mkstemp(dir=mailbox, prefix=".incoming-")
            with os.fdopen(fd, "wb") as out:
                out.write(envelope.payload)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except OSError as exc:
            raise TransportError(f"kan ikke skrive til postkassen {mailbox}: {exc.strerror}") from None
        return Delivery(reference=name)

    def receive(self, her_ids: Sequence[str]) -> list[Inbound]:
        found: list[Inbound] = []
        for her_id in her_ids:
            mailbox = self._mailbox(her_id)
            if not mailbox.is_dir():
                continue
            for path in sorted(mailbox.glob("*.xml"), key=lambda p: (p.stat().st_mtime, p.name)):
                found.append(Inbound(reference=f"{_safe(her_id)}/{path.name}", recipient_her_id=her_id,
                                     payload=path.read_bytes()))
        return found

    def confirm(self, inbound: Inbound) -> None:
        """Move the message to the mailbox's ``read`` folder (kept, as a message server keeps delivered mail)."""
        source = self.root / inbound.reference
        read = source.parent / "read"
        read.mkdir(exist_ok=True)
        if source.exists():
            os.replace(source, read / source.name)
