"""Helpers for the storage tests: a PostgreSQL server to make throwaway databases on, and stored messages.

The server is ``SAMHANDLING_TEST_POSTGRES_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``,
trust authentication). Each test session makes its own uniquely named database and drops it at the end.
Where the server cannot be reached the PostgreSQL variants skip with the reason, except under
``CI=true``, where that is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from samhandling.domain.messaging.messages import Direction, MessageState, StoredMessage
from samhandling.store.database import open_engine, upgrade
from samhandling.store.fakes import FakeUnitOfWork
from samhandling.store.schema import metadata
from samhandling.store.unit_of_work import SqlUnitOfWork, UnitOfWork

POSTGRES_URL = os.environ.get("SAMHANDLING_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

T0 = datetime(2025, 3, 14, 9, 26, 53, 589793, tzinfo=UTC)
HOSPITAL, WARD, MUNICIPALITY, HOME_CARE, OTHER = "8142519", "8142520", "8979555", "8979556", "8979557"
PATIENT = "01015000232"  # HIS 1001:2010's own test number, assigned to no one


def postgres_admin() -> Engine:
    """An engine on the server's maintenance database, or skip (fail under CI=true) if it is unreachable."""
    engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        engine.dispose()
        where = make_url(POSTGRES_URL).render_as_string(hide_password=True)
        reason = f"PostgreSQL not reachable at {where} (set SAMHANDLING_TEST_POSTGRES_URL): {error.orig}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return engine


def create_database(admin: Engine) -> str:
    """A new empty database on the server; returns its URL."""
    name = f"samhandling_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


def drop_database(admin: Engine, url: str) -> None:
    name = make_url(url).database
    assert name is not None and name.startswith("samhandling_test_")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def incoming(msg_id: str | None = None, **changes: Any) -> StoredMessage:
    """A new incoming dialog message from home care in the municipality to the hospital ward."""
    values: dict[str, Any] = {
        "direction": Direction.INCOMING,
        "msg_id": msg_id or str(uuid.uuid4()),
        "msg_type": "DIALOG_FORESPORSEL",
        "standard": "Dialogmelding 1.1",
        "sender_her_id": HOME_CARE,
        "receiver_her_ids": (WARD,),
        "recipient_her_id": WARD,
        "patient_ref": PATIENT,
        "state": MessageState.RECEIVED,
        "raw": b"<MsgHead/>",
        "created_at": T0,
        "updated_at": T0,
    }
    values.update(changes)
    return StoredMessage(**values)


def outgoing(msg_id: str | None = None, **changes: Any) -> StoredMessage:
    """A new outgoing PLO message from the hospital ward to home care in the municipality."""
    values: dict[str, Any] = {
        "direction": Direction.OUTGOING,
        "sender_her_id": WARD,
        "receiver_her_ids": (HOME_CARE,),
        "recipient_her_id": HOME_CARE,
        "msg_type": "LOG_INNLAGT",
        "standard": "PLO 1.6",
        "state": MessageState.QUEUED,
    }
    values.update(changes)
    return incoming(msg_id, **values)


# --- fixtures (registered for every test module through conftest.py) ------------------------------


@pytest.fixture(scope="session")
def postgres() -> Iterator[Engine]:
    admin = postgres_admin()
    yield admin
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_session_url(postgres: Engine) -> Iterator[str]:
    """One migrated database for the session's PostgreSQL cases; each case empties it afterwards."""
    url = create_database(postgres)
    engine = open_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    yield url
    drop_database(postgres, url)


def _engine(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Engine:
    if backend == "sqlite":
        engine = open_engine(f"sqlite:///{tmp_path / 'node' / 'samhandling.db'}")
        upgrade(engine)
        request.addfinalizer(engine.dispose)
        return engine
    engine = open_engine(request.getfixturevalue("postgres_session_url"))

    def empty() -> None:
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {', '.join(sorted(metadata.tables))} RESTART IDENTITY CASCADE"))
        engine.dispose()

    request.addfinalizer(empty)
    return engine


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Engine:
    return _engine(request.param, request, tmp_path)


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def new_uow(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], UnitOfWork]:
    """Makes units of work on one store: the in-memory fake, or a database."""
    if request.param == "memory":
        fake = FakeUnitOfWork()
        return lambda: fake
    engine = _engine(request.param, request, tmp_path)
    return lambda: SqlUnitOfWork(engine)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database with nothing in it, not even the migration table."""
    if request.param == "sqlite":
        engine = open_engine(f"sqlite:///{tmp_path / 'empty.db'}")
        yield engine
        engine.dispose()
        return
    admin = request.getfixturevalue("postgres")
    url = create_database(admin)
    engine = open_engine(url)
    yield engine
    engine.dispose()
    drop_database(admin, url)
