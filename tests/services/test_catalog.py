"""The EPJ catalog: files in from outbox/ to sent/ or error/, received messages and receipts out to inbox/."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from samhandling.domain.messaging.messages import Direction, MessageState
from samhandling.services.messaging.catalog import EpjCatalog
from samhandling.services.messaging.node import NodeParts, run_once
from samhandling.services.messaging.reception import ReceiveOptions
from samhandling.services.messaging.send import SendOptions
from samhandling.standards.dialogmelding.builders import foresporsel
from samhandling.standards.message import compose, message_bytes
from samhandling.standards.msghead import party
from samhandling.standards.schemas import SchemaSet
from samhandling.store.fakes import FakeUnitOfWork
from samhandling.store.messaging.messages import MessageQuery
from samhandling.store.unit_of_work import UnitOfWork
from samhandling.transport.directory import DirectoryTransport
from tests.support.parties import HOSPITAL, MUNICIPALITY, patient, register


def ready_message(text: str = "Kan pasienten få besøk i helga?") -> bytes:
    return message_bytes(compose(foresporsel(sporsmal=text),
                                 sender=party("Sykehuset", "8100", service=party("Medisinsk avdeling", "8101")),
                                 receiver=party("Gjøvik", "8200", service=party("Hjemmesykepleien", "8201")),
                                 patient=patient()))


def catalog_for(new_uow: Callable[[], UnitOfWork], root: Path, schemas: SchemaSet) -> EpjCatalog:
    register(new_uow, HOSPITAL + MUNICIPALITY, local_her_ids={"8100"})
    return EpjCatalog(root, new_uow, SendOptions(schemas=schemas, max_bytes=10**7))


def outgoing(new_uow: Callable[[], UnitOfWork]) -> list:  # type: ignore[type-arg]
    with new_uow() as uow:
        return uow.messages.list(MessageQuery(direction=Direction.OUTGOING, limit=None))


def test_files_from_the_epj_are_taken_and_refused_files_get_a_reason(
    new_uow: Callable[[], UnitOfWork], tmp_path: Path, schemas: SchemaSet
) -> None:
    catalog = catalog_for(new_uow, tmp_path / "epj", schemas)
    catalog.ensure()
    outbox = catalog.folder("outbox")
    (outbox / "1-foresporsel.xml").write_bytes(ready_message())
    (outbox / "2-notat.json").write_text(json.dumps({
        "sender": "8101", "receiver": "8201", "patient": {"id": patient().ident[0].id, "family_name": "Nordmann",
                                                           "given_name": "Kari"},
        "document": {"type": "notat", "text": "Pasienten har fått ny rullator."}}))
    (outbox / "3-ugyldig.xml").write_bytes(ready_message().replace(b"<MsgId>", b"<MsgId>x"))
    (outbox / "4-tull.json").write_text("{")
    (outbox / ".halvskrevet.xml").write_bytes(b"<MsgHead")
    (outbox / "5-ikke-melding.txt").write_text("hei")

    done = catalog.run()
    assert done.taken == ["1-foresporsel.xml", "2-notat.json"]
    assert done.refused == ["3-ugyldig.xml", "4-tull.json"]
    assert sorted(p.name for p in catalog.folder("sent").iterdir()) == ["1-foresporsel.xml", "2-notat.json"]
    reason = (catalog.folder("error") / "3-ugyldig.xml.reason.txt").read_text()
    assert "E10" in reason and "ikke gyldig" in reason
    assert "ugyldig JSON" in (catalog.folder("error") / "4-tull.json.reason.txt").read_text()
    assert sorted(p.name for p in outbox.iterdir()) == [".halvskrevet.xml", "5-ikke-melding.txt"]
    assert {m.msg_type for m in outgoing(new_uow)} == {"DIALOG_FORESPORSEL", "DIALOG_NOTAT"}
    assert catalog.run().taken == []  # nothing twice


def test_a_file_left_half_taken_by_a_crash_is_finished_once(
    new_uow: Callable[[], UnitOfWork], tmp_path: Path, schemas: SchemaSet
) -> None:
    catalog = catalog_for(new_uow, tmp_path / "epj", schemas)
    catalog.ensure()
    data = ready_message()
    (catalog.folder(".work") / "stored-before-crash.xml").write_bytes(data)
    (catalog.folder(".work") / "not-stored.xml").write_bytes(ready_message("Et annet spørsmål"))
    from samhandling.services.messaging.send import submit_bytes

    submit_bytes(new_uow(), catalog.options, data)  # the crash came after storing, before moving the file
    done = catalog.run()
    assert sorted(done.taken) == ["not-stored.xml", "stored-before-crash.xml"]
    assert len(outgoing(new_uow)) == 2
    assert list(catalog.folder(".work").iterdir()) == []


def notat_request(text: str = "Pasienten har fått ny rullator.") -> str:
    return json.dumps({
        "sender": "8101", "receiver": "8201", "patient": {"id": patient().ident[0].id, "family_name": "Nordmann",
                                                           "given_name": "Kari"},
        "document": {"type": "notat", "text": text}})


def test_a_send_request_taken_again_after_a_crash_is_sent_once(
    new_uow: Callable[[], UnitOfWork], tmp_path: Path, schemas: SchemaSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A JSON request has no MsgId: the node derives one from the file, so a crash after storing finds it."""
    import samhandling.services.messaging.catalog as catalog_module

    catalog = catalog_for(new_uow, tmp_path / "epj", schemas)
    catalog.ensure()
    (catalog.folder("outbox") / "notat.json").write_text(notat_request())

    def crash(path: Path, folder: Path) -> Path:
        raise KeyboardInterrupt("the node was killed after storing, before moving the file")

    monkeypatch.setattr(catalog_module, "_move", crash)
    with pytest.raises(KeyboardInterrupt):
        catalog.run()
    monkeypatch.undo()
    assert [p.name for p in catalog.folder(".work").iterdir()] == ["notat.json"]
    assert len(outgoing(new_uow)) == 1

    assert catalog.run().taken == ["notat.json"]
    (message,) = outgoing(new_uow)
    assert [p.name for p in catalog.folder("sent").iterdir()] == ["notat.json"]

    # The same request written again later is a new file and a new message.
    again = catalog.folder("outbox") / "notat.json"
    again.write_text(notat_request())
    stat = (catalog.folder("sent") / "notat.json").stat()
    os.utime(again, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert catalog.run().taken == ["notat.json"]
    assert len({m.msg_id for m in outgoing(new_uow)}) == 2 and message.msg_id in {m.msg_id for m in outgoing(new_uow)}


def test_received_messages_and_receipts_reach_the_epj_inbox_once(tmp_path: Path, schemas: SchemaSet) -> None:
    hospital_store, municipality_store = FakeUnitOfWork(), FakeUnitOfWork()
    hospital_catalog = catalog_for(lambda: hospital_store, tmp_path / "sykehus-epj", schemas)
    register(lambda: municipality_store, HOSPITAL + MUNICIPALITY, local_her_ids={"8200"})
    municipality_catalog = EpjCatalog(tmp_path / "kommune-epj", lambda: municipality_store,
                                      SendOptions(schemas=schemas, max_bytes=10**7))
    network = DirectoryTransport(tmp_path / "nhn")
    receive = ReceiveOptions(schemas=schemas, max_bytes=10**7)
    hospital = NodeParts(new_uow=lambda: hospital_store, transport=network, receive_options=receive, worker="s",
                         steps=[hospital_catalog.run])
    municipality = NodeParts(new_uow=lambda: municipality_store, transport=network, receive_options=receive,
                             worker="k", steps=[municipality_catalog.run])
    hospital_catalog.ensure()
    data = ready_message("Trenger pasienten hjelp til dusj?")
    (hospital_catalog.folder("outbox") / "foresporsel.xml").write_bytes(data)

    run_once(hospital)  # takes the file; the next pass sends it
    run_once(hospital)
    run_once(municipality)  # receives, answers with an AppRec, hands the message to its EPJ
    run_once(hospital)  # receives the AppRec and hands it to its EPJ
    (delivered,) = municipality_catalog.folder("inbox").iterdir()
    assert delivered.name.startswith("DIALOG_FORESPORSEL_") and delivered.read_bytes() == data
    (receipt,) = hospital_catalog.folder("inbox").iterdir()
    assert receipt.name.startswith("APPREC_") and b"<Status V=\"1\"" in receipt.read_bytes()
    with hospital_store as uow:
        (sent,) = uow.messages.list(MessageQuery(direction=Direction.OUTGOING, limit=None))
    assert sent.state is MessageState.RECEIPT_OK
    for path in (delivered, receipt):
        path.unlink()  # the EPJs have read them
    run_once(hospital)
    run_once(municipality)
    assert list(municipality_catalog.folder("inbox").iterdir()) == []
    assert list(hospital_catalog.folder("inbox").iterdir()) == []
