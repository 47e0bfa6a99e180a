"""The EPJ's way in and out: a catalog of folders, as Norwegian EPJ systems exchange messages.

    <epj>/outbox/   the EPJ writes messages to send: a ready MsgHead (.xml) or a send request (.json)
    <epj>/sent/     files the node has stored and queued
    <epj>/error/    files that were refused, each with ``<name>.reason.txt`` saying why
    <epj>/inbox/    the node writes what the EPJ should get: received messages and received AppRecs

A file is taken atomically: it is renamed into ``.work/`` before it is read, so the EPJ never sees it half
taken and two nodes never take the same file. A crash while a file is in ``.work/`` is mended on the next
pass (a message stored already counts as sent). A JSON send request has no MsgId of its own, so the node
derives one from the file (name, modification time and content): the same file taken again after a crash
gets the same MsgId and is recognised as stored, never sent twice. The EPJ should write into ``outbox/`` atomically too
(write under a name starting with ``.`` or ending in ``.tmp``, then rename); such names are left alone.

Files for the EPJ are written under a temporary name and renamed, and each stored message is handed over
once: the store remembers what was handed over, so a crash between writing and remembering at worst
writes the same file again under the same name.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from samhandling.domain.clock import utc_now
from samhandling.domain.messaging.messages import StoredMessage
from samhandling.services.messaging.send import AlreadySubmittedError, SendOptions, SendRefusedError, submit_request
from samhandling.store.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

FOLDERS = ("outbox", "sent", "error", "inbox", ".work")
REQUEST_NAMESPACE = uuid.UUID("0b6f3c1e-5a47-4f0e-9a39-7c1d2e8b4f60")
"""The namespace of the MsgIds derived from EPJ send-request files (UUID version 5, RFC 9562 §5.5)."""
ACCEPTED_SUFFIXES = (".xml", ".json")


@dataclass
class CatalogPass:
    taken: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    handed_over: list[str] = field(default_factory=list)


class EpjCatalog:
    def __init__(self, root: Path, new_uow: Callable[[], UnitOfWork], options: SendOptions) -> None:
        self.root = root
        self.new_uow = new_uow
        self.options = options

    def folder(self, name: str) -> Path:
        return self.root / name

    def ensure(self) -> None:
        for name in FOLDERS:
            self.folder(name).mkdir(parents=True, exist_ok=True)

    def run(self) -> CatalogPass:
        """One pass: take what the EPJ wrote, then hand over what arrived."""
        self.ensure()
        done = CatalogPass()
        for path in sorted(self.folder(".work").iterdir()):  # left by a crash: finish them first
            self._submit(path, done)
        for path in sorted(self.folder("outbox").iterdir(), key=lambda p: (p.stat().st_mtime, p.name)):
            if not path.is_file() or path.name.startswith(".") or path.suffix.lower() not in ACCEPTED_SUFFIXES:
                continue
            claimed = self.folder(".work") / path.name
            try:
                os.rename(path, claimed)
            except FileNotFoundError:
                continue  # taken by someone else
            self._submit(claimed, done)
        self._hand_over(done)
        return done

    def _submit(self, path: Path, done: CatalogPass) -> None:
        try:
            data = path.read_bytes()
            if len(data) > self.options.max_bytes:
                raise SendRefusedError(f"filen er for stor ({len(data)} byte)")
            submit_request(self.new_uow(), self.options, data, base_dir=self.folder("outbox"),
                           msg_id=request_msg_id(path, data))
        except AlreadySubmittedError:
            pass  # stored before a crash: it is on its way
        except SendRefusedError as exc:
            self._refuse(path, [str(exc), *(str(f) for f in exc.findings)])
            done.refused.append(path.name)
            log.warning("catalog file refused", extra={"file": path.name})
            return
        _move(path, self.folder("sent"))
        done.taken.append(path.name)
        log.info("catalog file taken", extra={"file": path.name})

    def _refuse(self, path: Path, reasons: list[str]) -> None:
        target = _move(path, self.folder("error"))
        lines = list(dict.fromkeys(r for r in reasons if r))
        _write_atomically(target.with_name(target.name + ".reason.txt"), ("\n".join(lines) + "\n").encode())

    def _hand_over(self, done: CatalogPass) -> None:
        with self.new_uow() as uow:
            waiting = uow.handover.pending()
        for message in waiting:
            name = handover_name(message)
            _write_atomically(self.folder("inbox") / name, message.raw)
            with self.new_uow() as uow:
                uow.handover.mark(message.id or 0, at=utc_now())
                uow.commit()
            done.handed_over.append(name)


def request_msg_id(path: Path, data: bytes) -> str:
    """The MsgId of the message made from the send-request file ``path`` holding ``data``.

    The same file (name, modification time and content; a rename keeps the time) gives the same MsgId, so
    taking it again after a crash finds the message already stored. A new file with the same name and
    content, written later, has another time and is a new message.
    """
    seed = f"{path.name}\n{path.stat().st_mtime_ns}\n{hashlib.sha256(data).hexdigest()}"
    return str(uuid.uuid5(REQUEST_NAMESPACE, seed))


def handover_name(message: StoredMessage) -> str:
    kind = "APPREC" if message.is_apprec else (message.msg_type or "MELDING")
    return f"{kind}_{message.msg_id or message.id}_{message.recipient_her_id or 'ukjent'}.xml"


def _move(path: Path, folder: Path) -> Path:
    """Move ``path`` into ``folder``, never over an existing file of the same name."""
    target = folder / path.name
    n = 1
    while target.exists():
        target = folder / f"{path.stem}.{n}{path.suffix}"
        n += 1
    os.replace(path, target)
    return target


def _write_atomically(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".samhandling-")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)
