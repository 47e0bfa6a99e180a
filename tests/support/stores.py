"""Helpers for the storage tests: a PostgreSQL server to make throwaway databases on, and stored messages.

The server is ``SAMHANDLING_TEST_POSTGRES_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``,
trust authentication). Each test session (each pytest-xdist worker is one) makes its own uniquely named
database, migrates it once and drops it at the end; each case empties it afterwards. SQLite cases get a copy of
a file migrated once per process (``migrated_sqlite``); the migration tests (``empty_engine``) run the migrations
on an empty database of their own. Where the server cannot be reached the PostgreSQL variants skip with the
reason, except under ``CI=true``, where that is a failure.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
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


EMPTYING = "; ".join([
    *(f'DELETE FROM "{table.name}"' for table in reversed(metadata.sorted_tables)),
    "SELECT setval((quote_ident(schemaname) || '.' || quote_ident(sequencename))::regclass, start_value, false) "
    "FROM pg_sequences WHERE schemaname = current_schema()",
])
"""What empties the session database after each PostgreSQL case, in one round trip: DELETE from every table,
children before parents (the reverse of the foreign keys' order), then every sequence back to its start. About 2 ms,
where a TRUNCATE of every table (a lock on each and a new file for each) took 80-250 ms."""


_sqlite_template: Path | None = None


def migrated_sqlite(path: Path) -> str:
    """Puts at ``path`` a SQLite database at the newest schema, a copy of one migrated once per test process (each
    pytest-xdist worker is one), and returns its URL. The migrations themselves run in the migration tests."""
    global _sqlite_template
    if _sqlite_template is None:
        folder = Path(tempfile.mkdtemp(prefix="samhandling-test-template-"))
        atexit.register(shutil.rmtree, folder, True)
        template = folder / "samhandling.db"
        engine = open_engine(f"sqlite:///{template}")
        try:
            upgrade(engine)
        finally:
            engine.dispose()
        assert not template.with_name(template.name + "-wal").exists(), "the template is not checkpointed"
        _sqlite_template = template
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_sqlite_template, path)
    return f"sqlite:///{path}"


def _engine(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Engine:
    if backend == "sqlite":
        engine = open_engine(migrated_sqlite(tmp_path / "node" / "samhandling.db"))
        request.addfinalizer(engine.dispose)
        return engine
    engine = open_engine(request.getfixturevalue("postgres_session_url"))

    def empty() -> None:
        with engine.begin() as connection:
            connection.exec_driver_sql(EMPTYING)
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


@pytest.fixture(scope="session")
def postgres_migration_url(postgres: Engine) -> Iterator[str]:
    """One database for the session's migration tests; each leaves it with nothing in it (``empty_engine``)."""
    url = create_database(postgres)
    yield url
    drop_database(postgres, url)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database with nothing in it, not even the migration table."""
    if request.param == "sqlite":
        engine = open_engine(f"sqlite:///{tmp_path / 'empty.db'}")
        yield engine
        engine.dispose()
        return
    engine = open_engine(request.getfixturevalue("postgres_migration_url"))
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema()").scalar() == 0, "the migration database is not empty"
        yield engine
    finally:
        with engine.begin() as connection:  # whatever the test left: tables, sequences, types, the migration table
            connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        engine.dispose()
