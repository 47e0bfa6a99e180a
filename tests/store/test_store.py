"""The node's storage: domain rules for stored messages and parties, migrations, repositories, unit of work.

Every storage case runs on SQLite (a temporary file) and on PostgreSQL (a database made for the test
session, see ``tests.support.stores``); the repository cases also run on the in-memory fakes, so the fakes the
service tests use keep the same rules. Concurrency cases run on the two databases only.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, insert, inspect
from sqlalchemy.exc import IntegrityError

from samhandling.bootstrap import open_database
from samhandling.domain.messaging.messages import (
    INCOMING_STATES,
    INITIAL_STATE,
    OUTGOING_STATES,
    TRANSITIONS,
    Direction,
    InvalidTransitionError,
    JournalEntry,
    MessageState,
    StoredMessage,
    can_move,
)
from samhandling.domain.messaging.parties import Parties, Party, PartyKind
from samhandling.domain.privacy import redact_person_ids
from samhandling.settings import Settings
from samhandling.store.database import (
    current_revision,
    downgrade,
    head_revision,
    is_up_to_date,
    open_engine,
    upgrade,
)
from samhandling.store.fakes import FakeUnitOfWork
from samhandling.store.messaging.messages import DuplicateMessageError, MessageQuery, UnknownMessageError
from samhandling.store.messaging.outbox import Backoff, LeaseLostError
from samhandling.store.messaging.parties import DuplicatePartyError
from samhandling.store.messaging.tables import messages
from samhandling.store.schema import metadata
from samhandling.store.unit_of_work import SqlUnitOfWork, UnitOfWork
from tests.support.stores import (
    HOME_CARE,
    HOSPITAL,
    MUNICIPALITY,
    OTHER,
    PATIENT,
    T0,
    WARD,
    incoming,
    outgoing,
)

S = MessageState
TABLES = {"parties", "messages", "message_receivers", "journal", "outbox"}

# --- fixtures ----------------------------------------------------------------------------------------


def add(new_uow: Callable[[], UnitOfWork], *found: StoredMessage) -> list[StoredMessage]:
    with new_uow() as uow:
        stored = [uow.messages.add(m) for m in found]
        uow.commit()
    return stored


def ident(message: StoredMessage) -> int:
    assert message.id is not None
    return message.id


# --- domain: states and transitions ------------------------------------------------------------------


def test_every_state_has_a_direction_a_label_and_a_row_in_the_transition_table() -> None:
    assert set(MessageState) == OUTGOING_STATES | INCOMING_STATES
    assert not OUTGOING_STATES & INCOMING_STATES
    assert set(TRANSITIONS) == set(MessageState)
    for state in MessageState:
        assert state.label
        assert all(target.direction == state.direction for target in TRANSITIONS[state]), state
    assert INITIAL_STATE == {Direction.OUTGOING: S.QUEUED, Direction.INCOMING: S.RECEIVED}


@pytest.mark.parametrize(
    ("before", "after", "allowed"),
    [
        (S.QUEUED, S.SENT, True),
        (S.SENT, S.DELIVERED, True),
        (S.SENT, S.RECEIPT_OK, True),  # the AppRec may come before the delivery confirmation
        (S.DELIVERED, S.RECEIPT_REJECTED, True),
        (S.DELIVERED, S.RECEIPT_MISSING, True),
        (S.RECEIPT_MISSING, S.RECEIPT_OK, True),  # a late AppRec
        (S.RECEIPT_MISSING, S.QUEUED, True),  # sent again
        (S.RECEIPT_OK, S.QUEUED, False),
        (S.RECEIPT_REJECTED, S.QUEUED, False),  # a rejected message is corrected and sent as a new one
        (S.QUEUED, S.DELIVERED, False),
        (S.SENT, S.SENT, False),
        (S.RECEIVED, S.ACCEPTED, True),
        (S.RECEIVED, S.HELD, True),
        (S.RECEIVED, S.UNANSWERABLE, True),
        (S.HELD, S.ACCEPTED, True),  # the original came
        (S.ACCEPTED, S.REJECTED, False),
        (S.UNANSWERABLE, S.ACCEPTED, False),
        (S.RECEIVED, S.SENT, False),
        (S.QUEUED, S.RECEIVED, False),
    ],
)
def test_can_move(before: MessageState, after: MessageState, allowed: bool) -> None:
    assert can_move(before, after) is allowed


def test_final_states() -> None:
    final = {s for s in MessageState if s.is_final}
    assert final == {S.RECEIPT_OK, S.RECEIPT_REJECTED, S.ACCEPTED, S.REJECTED, S.UNANSWERABLE, S.FAILED,
                     S.CANCELLED, S.MSGID_CONFLICT}  # cancelled by a person: never sent


def test_a_stored_message_checks_its_state_and_times_and_hides_patient_data_in_repr() -> None:
    message = incoming(raw=b"<secret/>")
    assert PATIENT not in repr(message) and "secret" not in repr(message)
    with pytest.raises(ValueError, match="state"):
        incoming(state=S.QUEUED)
    with pytest.raises(ValueError, match="aware"):
        incoming(created_at=T0.replace(tzinfo=None))
    with pytest.raises(TypeError):
        incoming(raw="<MsgHead/>")
    copies = outgoing(receiver_her_ids=[HOME_CARE, OTHER], recipient_her_id=OTHER)
    assert copies.receiver_her_id == HOME_CARE and copies.copy_her_ids == (OTHER,)


def test_redact_person_ids_masks_eleven_digit_runs_only() -> None:
    text_ = f"AppRec: pasient {PATIENT} ukjent hos HER-id {WARD}; tlf 12345678; 123456789012"
    assert (
        redact_person_ids(text_) == f"AppRec: pasient 010150***** ukjent hos HER-id {WARD}; tlf 12345678; 123456789012"
    )


def test_backoff_grows_to_its_ceiling_without_overflow() -> None:
    backoff = Backoff()
    assert [backoff.delay(n) for n in (1, 2, 3)] == [timedelta(seconds=s) for s in (30, 60, 120)]
    assert backoff.delay(20) == timedelta(hours=1)
    assert backoff.delay(10_000) == timedelta(hours=1)


# --- domain: parties ---------------------------------------------------------------------------------


def party(her_id: str, name: str, kind: PartyKind, parent: str | None = None, **more: Any) -> Party:
    return Party(her_id=her_id, name=name, kind=kind, parent_her_id=parent, **more)


HIERARCHY = [
    party(HOSPITAL, "Helse Vest sykehus", PartyKind.ORGANISATION, local=True),
    party(WARD, "Medisinsk sengepost", PartyKind.SERVICE, HOSPITAL),
    party("8142521", "Lege Hansen", PartyKind.PERSON, WARD),
    party(MUNICIPALITY, "Bergen kommune", PartyKind.ORGANISATION, municipality="4601"),
    party(HOME_CARE, "Hjemmesykepleien", PartyKind.SERVICE, MUNICIPALITY, municipality="4601"),
    party(OTHER, "Helse- og omsorgskontor", PartyKind.SERVICE, MUNICIPALITY, municipality="4601"),
]


def test_parties_hierarchy_and_local_service() -> None:
    parties = Parties(HIERARCHY)
    assert [p.her_id for p in parties.ancestors("8142521")] == [WARD, HOSPITAL]
    assert [p.her_id for p in parties.path("8142521")] == [HOSPITAL, WARD, "8142521"]
    assert [p.name for p in parties.children(MUNICIPALITY)] == ["Helse- og omsorgskontor", "Hjemmesykepleien"]
    org = parties.organisation_of("8142521")
    assert org is not None and org.her_id == HOSPITAL
    assert parties.is_served_locally("8142521") and parties.is_served_locally(HOSPITAL)
    assert not parties.is_served_locally(HOME_CARE) and not parties.is_served_locally("999")
    assert [p.her_id for p in parties.served_locally()] == [HOSPITAL, WARD, "8142521"]
    assert parties.ancestors("999") == [] and parties.path("999") == []


def test_a_party_hierarchy_with_a_loop_is_reported() -> None:
    loop = Parties([party("1", "A", PartyKind.SERVICE, "2"), party("2", "B", PartyKind.SERVICE, "1")])
    with pytest.raises(ValueError, match="løkke"):
        loop.ancestors("1")


def test_a_party_is_checked() -> None:
    with pytest.raises(ValueError, match="HER-id"):
        party("81 42", "Navn", PartyKind.ORGANISATION)
    with pytest.raises(ValueError, match="overordnede"):
        party("1", "Navn", PartyKind.SERVICE, "1")
    with pytest.raises(ValueError, match="navn"):
        party("1", " ", PartyKind.SERVICE)


# --- settings and the database -----------------------------------------------------------------------


def test_default_database_is_a_sqlite_file_in_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SAMHANDLING_DATABASE_URL", raising=False)
    settings = Settings(home=tmp_path / "home")
    assert settings.effective_database_url == f"sqlite:///{tmp_path / 'home' / 'samhandling.db'}"
    engine = open_database(settings)
    try:
        with engine.connect() as connection:
            pragma = connection.exec_driver_sql
            assert pragma("PRAGMA journal_mode").scalar() == "wal"
            assert pragma("PRAGMA foreign_keys").scalar() == 1
            assert pragma("PRAGMA busy_timeout").scalar() == 30_000
        assert (tmp_path / "home" / "samhandling.db").exists()
    finally:
        engine.dispose()
    monkeypatch.setenv("SAMHANDLING_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/x")
    assert Settings(home=tmp_path).effective_database_url == "postgresql+psycopg://postgres@127.0.0.1:5432/x"


def test_an_in_memory_database_is_one_database_for_every_unit_of_work() -> None:
    engine = open_engine("sqlite://")
    try:
        upgrade(engine)
        add(lambda: SqlUnitOfWork(engine), incoming())
        with SqlUnitOfWork(engine) as uow:
            assert len(uow.messages.list()) == 1
    finally:
        engine.dispose()


def test_migrations_build_the_schema_from_empty_and_match_the_tables(empty_engine: Engine) -> None:
    assert current_revision(empty_engine) is None
    assert not TABLES & set(inspect(empty_engine).get_table_names())
    upgrade(empty_engine)
    assert current_revision(empty_engine) == head_revision() == "0013"
    assert is_up_to_date(empty_engine)
    assert set(inspect(empty_engine).get_table_names()) >= TABLES
    with empty_engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), metadata)
    assert differences == []
    upgrade(empty_engine)  # already at the newest: nothing to do
    downgrade(empty_engine, "base")
    assert not TABLES & set(inspect(empty_engine).get_table_names())
    upgrade(empty_engine)
    assert is_up_to_date(empty_engine)


# --- messages ----------------------------------------------------------------------------------------

RAW_EXAMPLES = {
    "latin-1": '<?xml version="1.0" encoding="ISO-8859-1"?>\r\n<MsgHead>Blåbærsyltetøy ÆØÅ</MsgHead>\r\n'.encode(
        "iso-8859-1"
    ),
    "utf-8 with BOM": "\ufeff<?xml version='1.0'?><MsgHead>æøå ÆØÅ é</MsgHead>  \n\n".encode(),
    "any byte": bytes(range(256)) * 3,
}


@pytest.mark.parametrize("raw", RAW_EXAMPLES.values(), ids=RAW_EXAMPLES.keys())
def test_raw_bytes_are_kept_exactly(new_uow: Callable[[], UnitOfWork], raw: bytes) -> None:
    (stored,) = add(new_uow, incoming(raw=raw))
    with new_uow() as uow:
        found = uow.messages.get(ident(stored))
    assert found is not None and found.raw == raw and type(found.raw) is bytes


def test_a_large_message_is_kept_exactly(new_uow: Callable[[], UnitOfWork]) -> None:
    raw = bytes(range(256)) * 20_000  # 5 MB
    (stored,) = add(new_uow, incoming(raw=raw))
    with new_uow() as uow:
        found = uow.messages.get(ident(stored))
    assert found is not None and found.raw == raw


def test_every_field_comes_back_as_stored(new_uow: Callable[[], UnitOfWork]) -> None:
    oslo = T0.astimezone(ZoneInfo("Europe/Oslo"))
    message = outgoing(
        receiver_her_ids=(HOME_CARE, OTHER, "100"),  # primary first, then copies, not sorted
        recipient_her_id=OTHER,
        conversation_ref="conv-1",
        parent_ref="parent-1",
        linked_to_msg_id="orig-1",
        error_codes=("E10", "T02"),
        created_at=oslo,
        updated_at=oslo + timedelta(microseconds=1),
    )
    (stored,) = add(new_uow, message)
    assert stored == replace(message, id=stored.id)
    with new_uow() as uow:
        found = uow.messages.get(ident(stored))
        assert uow.messages.get(10_000) is None
    assert found == stored
    assert found.receiver_her_ids == (HOME_CARE, OTHER, "100")
    assert found.created_at.tzinfo is not None and found.created_at.utcoffset() == timedelta(0)
    assert found.created_at == T0 and found.updated_at == T0 + timedelta(microseconds=1)


def test_a_new_message_starts_in_its_initial_state(new_uow: Callable[[], UnitOfWork]) -> None:
    with new_uow() as uow:
        with pytest.raises(ValueError, match="starts as"):
            uow.messages.add(incoming(state=S.ACCEPTED))
        with pytest.raises(ValueError, match="starts as"):
            uow.messages.add(outgoing(state=S.SENT))


def test_the_same_msg_id_from_the_same_sender_to_the_same_recipient_is_a_duplicate(
    new_uow: Callable[[], UnitOfWork],
) -> None:
    first = incoming("a1b2")
    (stored,) = add(new_uow, first)
    with new_uow() as uow:
        with pytest.raises(DuplicateMessageError) as raised:
            uow.messages.add(replace(first, raw=b"<other/>"))
        assert raised.value.existing_id == stored.id
        # the failed insert leaves the transaction usable
        uow.messages.add(incoming("c3d4"))
        uow.commit()
    with new_uow() as uow:
        assert len(uow.messages.list()) == 2
        found = uow.messages.get_by_key("a1b2", HOME_CARE, WARD)
        assert found is not None and found.id == stored.id and found.raw == b"<MsgHead/>"


def test_what_is_not_a_duplicate(new_uow: Callable[[], UnitOfWork]) -> None:
    base = incoming("a1b2")
    add(
        new_uow,
        base,
        replace(base, recipient_her_id=OTHER),  # the copy to another local party
        replace(base, sender_her_id=OTHER),  # another sender
        replace(base, direction=Direction.OUTGOING, state=S.QUEUED),  # the node sent it to itself
        incoming("", sender_her_id=HOME_CARE),  # MsgId unreadable, twice
        incoming("", sender_her_id=HOME_CARE),
        incoming("x9", sender_her_id=None),  # sender not identifiable, twice
        incoming("x9", sender_her_id=None),
    )
    with new_uow() as uow:
        assert len(uow.messages.list()) == 8
        found = uow.messages.get_by_key("a1b2", HOME_CARE, OTHER)
        assert found is not None and found.recipient_her_id == OTHER
        assert uow.messages.get_by_key("a1b2", HOME_CARE, WARD, Direction.OUTGOING) is not None
        assert uow.messages.get_by_key("x9", None, WARD) is not None
        assert uow.messages.get_by_key("a1b2", WARD, HOME_CARE) is None


def test_the_database_itself_refuses_a_duplicate(engine: Engine) -> None:
    row = {
        "direction": "incoming",
        "msg_id": "a1b2",
        "msg_type": "APPREC",
        "standard": "AppRec 1.0",
        "sender_her_id": HOME_CARE,
        "recipient_her_id": WARD,
        "state": "received",
        "raw": b"x",
        "created_at": T0,
        "updated_at": T0,
        "error_codes": [],
        "is_apprec": True,
    }
    with engine.begin() as connection:
        connection.execute(insert(messages).values(**row))
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(insert(messages).values(**row))


def test_a_duplicate_arriving_at_the_same_time_is_refused(engine: Engine) -> None:
    """Two receivers store the same message at once: the second waits for the first and is refused."""
    message = incoming("same")
    outcome: list[object] = []

    def second() -> None:
        try:
            with SqlUnitOfWork(engine) as uow:
                uow.messages.add(message)
                uow.commit()
            outcome.append("stored")
        except DuplicateMessageError as error:
            outcome.append(error)

    with SqlUnitOfWork(engine) as uow:
        uow.messages.add(message)
        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(0.3)
        uow.commit()
    thread.join(timeout=30)
    assert len(outcome) == 1 and isinstance(outcome[0], DuplicateMessageError)


def test_state_change_is_journaled(new_uow: Callable[[], UnitOfWork]) -> None:
    (stored,) = add(new_uow, outgoing())
    later = T0 + timedelta(minutes=1)
    with new_uow() as uow:
        sent = uow.messages.update_state(ident(stored), S.SENT, detail="Sendt via AMQP", at=later)
        rejected = uow.messages.update_state(
            ident(stored),
            S.RECEIPT_REJECTED,
            detail=f"Avvist: pasient {PATIENT} ukjent",
            error_codes=["E31"],
            at=later + timedelta(minutes=5),
        )
        uow.commit()
    assert sent.state is S.SENT and sent.updated_at == later
    assert rejected.state is S.RECEIPT_REJECTED and rejected.error_codes == ("E31",)
    with new_uow() as uow:
        entries = uow.messages.journal(ident(stored))
        found = uow.messages.get(ident(stored))
    assert found == rejected
    assert entries == [
        JournalEntry(message_id=ident(stored), at=T0, state=S.QUEUED, detail=""),
        JournalEntry(message_id=ident(stored), at=later, state=S.SENT, detail="Sendt via AMQP"),
        JournalEntry(
            message_id=ident(stored),
            at=later + timedelta(minutes=5),
            state=S.RECEIPT_REJECTED,
            detail="Avvist: pasient 010150***** ukjent",  # never a patient identifier in the journal
        ),
    ]


def test_a_forbidden_state_change_changes_nothing(new_uow: Callable[[], UnitOfWork]) -> None:
    (stored,) = add(new_uow, incoming())
    with new_uow() as uow:
        with pytest.raises(InvalidTransitionError, match="kan ikke gå fra «Mottatt» til «Sendt»"):
            uow.messages.update_state(ident(stored), S.SENT)
        with pytest.raises(UnknownMessageError):
            uow.messages.update_state(10_000, S.ACCEPTED)
        uow.commit()
    with new_uow() as uow:
        found = uow.messages.get(ident(stored))
        assert found is not None and found.state is S.RECEIVED
        assert len(uow.messages.journal(ident(stored))) == 1


def test_a_failing_journal_write_undoes_the_state_change(
    new_uow: Callable[[], UnitOfWork], monkeypatch: pytest.MonkeyPatch
) -> None:
    (stored,) = add(new_uow, incoming())

    def broken(*_args: object) -> None:
        raise RuntimeError("disk full")

    with new_uow() as uow:
        monkeypatch.setattr(uow.messages, "_write_journal", broken)
        with pytest.raises(RuntimeError, match="disk full"):
            uow.messages.update_state(ident(stored), S.ACCEPTED)
        monkeypatch.undo()
        found = uow.messages.get(ident(stored))
        assert found is not None and found.state is S.RECEIVED  # already undone inside the transaction
        uow.commit()
    with new_uow() as uow:
        found = uow.messages.get(ident(stored))
        assert found is not None and found.state is S.RECEIVED
        assert [e.state for e in uow.messages.journal(ident(stored))] == [S.RECEIVED]


def test_an_exception_rolls_back_state_and_journal_together(new_uow: Callable[[], UnitOfWork]) -> None:
    (stored,) = add(new_uow, incoming())
    with pytest.raises(RuntimeError), new_uow() as uow:
        uow.messages.update_state(ident(stored), S.HELD)
        raise RuntimeError("crash before commit")
    with new_uow() as uow:
        found = uow.messages.get(ident(stored))
        assert found is not None and found.state is S.RECEIVED
        assert [e.state for e in uow.messages.journal(ident(stored))] == [S.RECEIVED]


def test_a_change_is_linked_to_its_original_without_a_state_change(new_uow: Callable[[], UnitOfWork]) -> None:
    (stored,) = add(new_uow, incoming())
    with new_uow() as uow:
        linked = uow.messages.set_link(ident(stored), "original-msg-id")
        with pytest.raises(UnknownMessageError):
            uow.messages.set_link(10_000, "x")
        uow.commit()
    assert linked == replace(stored, linked_to_msg_id="original-msg-id")
    with new_uow() as uow:
        assert uow.messages.get(ident(stored)) == linked
        assert len(uow.messages.journal(ident(stored))) == 1
        assert [m.id for m in uow.messages.list(MessageQuery(linked_to_msg_id="original-msg-id"))] == [stored.id]


def test_list_filters_and_pages(new_uow: Callable[[], UnitOfWork]) -> None:
    minutes = [T0 + timedelta(minutes=n) for n in range(5)]
    a, b, c, d, apprec = add(
        new_uow,
        outgoing(created_at=minutes[0], updated_at=minutes[0], conversation_ref="conv"),
        outgoing(
            created_at=minutes[1], updated_at=minutes[1], receiver_her_ids=(HOME_CARE, OTHER), recipient_her_id=OTHER
        ),
        incoming(created_at=minutes[2], updated_at=minutes[2], linked_to_msg_id="orig", patient_ref=None),
        incoming(created_at=minutes[3], updated_at=minutes[3], sender_her_id=OTHER, receiver_her_ids=(WARD,)),
        incoming(created_at=minutes[4], updated_at=minutes[4], is_apprec=True, msg_type="APPREC", original_msg_id="m1"),
    )
    with new_uow() as uow:
        uow.messages.update_state(ident(a), S.SENT, at=minutes[4])
        uow.commit()

    def ids(**filters: Any) -> list[int | None]:
        with new_uow() as uow:
            return [m.id for m in uow.messages.list(MessageQuery(**filters))]

    assert ids() == [apprec.id, d.id, c.id, b.id, a.id]
    assert ids(oldest_first=True, limit=2) == [a.id, b.id]
    assert ids(limit=2, offset=1) == [d.id, c.id]
    assert ids(direction=Direction.OUTGOING) == [b.id, a.id]
    assert ids(states=frozenset({S.SENT, S.RECEIVED})) == [apprec.id, d.id, c.id, a.id]
    assert ids(states={S.QUEUED}) == [b.id]
    assert ids(party_her_id=OTHER) == [d.id, b.id]  # sender, or a copy receiver
    assert ids(conversation_ref="conv") == [a.id]
    assert ids(linked_to_msg_id="orig") == [c.id]
    assert ids(patient_ref=PATIENT, direction=Direction.INCOMING) == [apprec.id, d.id]
    assert ids(is_apprec=True) == [apprec.id]
    assert ids(msg_type="APPREC") == [apprec.id]
    assert ids(created_from=minutes[1], created_before=minutes[3]) == [c.id, b.id]
    assert ids(updated_before=minutes[2]) == [b.id]  # a was updated at minute 4


def test_apprec_targets_and_apprecs(new_uow: Callable[[], UnitOfWork]) -> None:
    sent = outgoing("m1", receiver_her_ids=(HOME_CARE, OTHER))
    to_primary, to_copy, same_id_incoming, apprec_in, apprec_out = add(
        new_uow,
        sent,
        replace(sent, recipient_her_id=OTHER),
        incoming("m1"),
        incoming("r1", sender_her_id=OTHER, msg_type="APPREC", is_apprec=True, original_msg_id="m1"),
        outgoing("r2", msg_type="APPREC", is_apprec=True, original_msg_id="m1"),
    )
    with new_uow() as uow:
        assert [m.id for m in uow.messages.find_apprec_targets("m1")] == [to_primary.id, to_copy.id]
        assert [m.id for m in uow.messages.find_apprec_targets("m1", apprec_sender_her_id=OTHER)] == [to_copy.id]
        assert uow.messages.find_apprec_targets("r1") == []  # an AppRec is never answered
        assert [m.id for m in uow.messages.apprecs_for("m1")] == [apprec_in.id, apprec_out.id]
        assert [m.id for m in uow.messages.apprecs_for("m1", direction=Direction.OUTGOING)] == [apprec_out.id]
    assert same_id_incoming.id not in (to_primary.id, to_copy.id)


# --- unit of work ------------------------------------------------------------------------------------


def test_nothing_is_kept_without_commit(new_uow: Callable[[], UnitOfWork]) -> None:
    with new_uow() as uow:
        uow.messages.add(incoming())
        uow.parties.add(HIERARCHY[0])
    with new_uow() as uow:
        assert uow.messages.list() == [] and uow.parties.list() == []


def test_work_after_a_commit_is_a_new_transaction(new_uow: Callable[[], UnitOfWork]) -> None:
    with new_uow() as uow:
        kept = uow.messages.add(incoming())
        uow.commit()
        uow.messages.add(incoming())
        uow.rollback()
        uow.messages.add(incoming())
    with new_uow() as uow:
        assert [m.id for m in uow.messages.list()] == [kept.id]


def test_a_unit_of_work_cannot_be_nested(new_uow: Callable[[], UnitOfWork]) -> None:
    uow = new_uow()
    with uow, pytest.raises(RuntimeError, match="already open"), uow:
        pass
    with uow:  # and can be used again afterwards
        assert uow.messages.list() == []


def test_sql_unit_of_work_needs_a_with_block(engine: Engine) -> None:
    with pytest.raises(RuntimeError, match="with block"):
        SqlUnitOfWork(engine).commit()


def test_fake_unit_of_work_tells_whether_it_committed() -> None:
    uow = FakeUnitOfWork()
    with uow:
        uow.messages.add(incoming())
    assert not uow.committed
    with uow:
        uow.messages.add(incoming())
        uow.commit()
    assert uow.committed and len(uow.messages.list()) == 1


# --- parties -----------------------------------------------------------------------------------------


def test_parties_with_hierarchy(new_uow: Callable[[], UnitOfWork]) -> None:
    with new_uow() as uow:
        for p in reversed(HIERARCHY):  # children before parents: checked at commit
            uow.parties.add(p)
        uow.parties.add(party("0042", "Ledende null", PartyKind.ORGANISATION))
        uow.commit()
    with new_uow() as uow:
        with pytest.raises(DuplicatePartyError):
            uow.parties.add(HIERARCHY[0])
        uow.parties.upsert(replace(HIERARCHY[1], name="Medisinsk avdeling", local=True))
        uow.parties.upsert(party("8142522", "Kirurgisk sengepost", PartyKind.SERVICE, HOSPITAL))
        uow.commit()
    with new_uow() as uow:
        assert uow.parties.get("0042") is not None and uow.parties.get("42") is None
        ward = uow.parties.get(WARD)
        assert ward == replace(HIERARCHY[1], name="Medisinsk avdeling", local=True)
        assert [p.her_id for p in uow.parties.children(HOSPITAL)] == ["8142522", WARD]
        assert [p.her_id for p in uow.parties.list(local=True)] == [HOSPITAL, WARD]
        assert [p.her_id for p in uow.parties.list(kind=PartyKind.ORGANISATION)] == ["0042", HOSPITAL, MUNICIPALITY]
        assert [p.her_id for p in uow.parties.list(municipality="4601")] == [MUNICIPALITY, HOME_CARE, OTHER]
        everyone = uow.parties.all()
        assert len(everyone) == 8
        assert everyone.is_served_locally("8142521") and not everyone.is_served_locally(HOME_CARE)
        assert [p.her_id for p in everyone.ancestors(HOME_CARE)] == [MUNICIPALITY]


def test_a_party_under_an_unknown_parent_is_refused_at_commit(new_uow: Callable[[], UnitOfWork]) -> None:
    with new_uow() as uow:
        uow.parties.add(party(WARD, "Sengepost", PartyKind.SERVICE, "777"))
        with pytest.raises((IntegrityError, ValueError)):
            uow.commit()
    with new_uow() as uow:
        assert uow.parties.get(WARD) is None


# --- outbox ------------------------------------------------------------------------------------------


def queued(new_uow: Callable[[], UnitOfWork], count: int = 1) -> list[int]:
    with new_uow() as uow:
        ids = [ident(uow.messages.add(outgoing())) for _ in range(count)]
        for n, message_id in enumerate(ids):
            uow.outbox.enqueue(message_id, at=T0 + timedelta(seconds=n))
        uow.commit()
    return ids


def test_enqueue_once_per_message(new_uow: Callable[[], UnitOfWork]) -> None:
    (message_id,) = queued(new_uow)
    with new_uow() as uow:
        first = uow.outbox.pending(message_id)
        again = uow.outbox.enqueue(message_id, at=T0 + timedelta(hours=1))
        assert first is not None and again == first and first.next_attempt_at == T0 and first.attempts == 0
        with pytest.raises(UnknownMessageError):
            uow.outbox.enqueue(10_000)
        uow.commit()


def test_claim_lease_and_done(new_uow: Callable[[], UnitOfWork]) -> None:
    first, second = queued(new_uow, 2)
    with new_uow() as uow:
        assert uow.outbox.claim("w1", now=T0 - timedelta(seconds=1)) == []  # not due yet
        (item,) = uow.outbox.claim("w1", now=T0, lease=timedelta(minutes=5))
        uow.commit()
    assert item.message_id == first and item.attempts == 1 and item.claimed_by == "w1"
    assert item.claim_token and item.lease_until == T0 + timedelta(minutes=5)
    with new_uow() as uow:
        (other,) = uow.outbox.claim("w2", now=T0 + timedelta(minutes=1), limit=5)  # the leased one is skipped
        assert other.message_id == second
        done = uow.outbox.mark_done(item, at=T0 + timedelta(minutes=2))
        uow.commit()
    assert done.done and done.done_at == T0 + timedelta(minutes=2) and done.lease_until is None
    with new_uow() as uow:
        assert uow.outbox.pending(first) is None
        with pytest.raises(LeaseLostError):
            uow.outbox.mark_done(item)  # finished already
        # the message can be queued again after its item is done (sent again after a missing receipt)
        again = uow.outbox.enqueue(first, at=T0 + timedelta(hours=2))
        assert again.id != item.id and again.attempts == 0
        uow.commit()


def test_an_expired_lease_is_claimed_again_and_the_old_claim_is_lost(new_uow: Callable[[], UnitOfWork]) -> None:
    queued(new_uow)
    with new_uow() as uow:
        (crashed,) = uow.outbox.claim("w1", now=T0, lease=timedelta(minutes=5))
        uow.commit()
    with new_uow() as uow:
        assert uow.outbox.claim("w2", now=T0 + timedelta(minutes=4)) == []
        (retaken,) = uow.outbox.claim("w2", now=T0 + timedelta(minutes=5), lease=timedelta(minutes=5))
        uow.commit()
    assert retaken.id == crashed.id and retaken.attempts == 2 and retaken.claim_token != crashed.claim_token
    with new_uow() as uow:
        with pytest.raises(LeaseLostError):
            uow.outbox.mark_done(crashed)
        with pytest.raises(LeaseLostError):
            uow.outbox.mark_failed(crashed, "timeout")
        assert uow.outbox.mark_done(retaken).done
        uow.commit()


def test_a_failed_attempt_waits_with_backoff(new_uow: Callable[[], UnitOfWork]) -> None:
    queued(new_uow)
    backoff = Backoff(first=timedelta(seconds=30), factor=2, ceiling=timedelta(minutes=10))
    with new_uow() as uow:
        (item,) = uow.outbox.claim("w1", now=T0)
        failed = uow.outbox.mark_failed(item, f"Mottaker avviste: {PATIENT}", backoff=backoff, at=T0)
        uow.commit()
    assert failed.next_attempt_at == T0 + timedelta(seconds=30)
    assert failed.claim_token is None and failed.lease_until is None and not failed.done
    assert failed.last_error == "Mottaker avviste: 010150*****"
    with new_uow() as uow:
        assert uow.outbox.claim("w1", now=T0 + timedelta(seconds=29)) == []
        (item,) = uow.outbox.claim("w1", now=T0 + timedelta(seconds=30))
        assert item.attempts == 2
        failed = uow.outbox.mark_failed(item, "x" * 5000, backoff=backoff, at=T0 + timedelta(seconds=30))
        uow.commit()
    assert failed.next_attempt_at == T0 + timedelta(seconds=90) and failed.last_error == "x" * 2000


def test_a_waiting_claimer_gets_another_item(engine: Engine) -> None:
    """While one claim is open (PostgreSQL: its rows locked; SQLite: it holds the write lock), a second
    claimer gets a different item: on PostgreSQL at once (SKIP LOCKED), on SQLite after the first commits."""
    queued(lambda: SqlUnitOfWork(engine), 2)
    got: list[int] = []

    def second() -> None:
        with SqlUnitOfWork(engine) as uow:
            got.extend(i.id for i in uow.outbox.claim("w2", now=T0 + timedelta(minutes=1)))
            uow.commit()

    with SqlUnitOfWork(engine) as uow:
        (first,) = uow.outbox.claim("w1", now=T0 + timedelta(minutes=1))
        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(0.3)
        uow.commit()
    thread.join(timeout=30)
    assert len(got) == 1 and got[0] != first.id


def test_concurrent_claimers_never_share_an_item(engine: Engine) -> None:
    total = 40
    queued(lambda: SqlUnitOfWork(engine), total)
    workers = 4
    start = threading.Barrier(workers)
    claimed: dict[str, list[int]] = {}
    errors: list[BaseException] = []

    def work(name: str) -> None:
        mine = claimed.setdefault(name, [])
        try:
            start.wait()
            idle = 0
            while idle < 3:
                with SqlUnitOfWork(engine) as uow:
                    items = uow.outbox.claim(name, limit=3, now=T0 + timedelta(hours=1))
                    time.sleep(0.005)  # hold the claim open a little, so claims overlap
                    uow.commit()
                mine.extend(i.id for i in items)
                idle = 0 if items else idle + 1
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    every = [item for items in claimed.values() for item in items]
    assert len(every) == len(set(every)) == total
