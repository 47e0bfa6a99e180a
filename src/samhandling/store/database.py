"""The database: an engine from a URL, and the migrations that bring it to the newest schema.

The default is a SQLite file ``<SAMHANDLING_HOME>/samhandling.db``; ``SAMHANDLING_DATABASE_URL`` selects
another, e.g. PostgreSQL (``postgresql+psycopg://user@host:5432/samhandling``).

SQLite runs in WAL mode (readers do not block the writer) with foreign keys on and a busy timeout, and
every transaction starts with ``BEGIN IMMEDIATE``: it takes the single write lock at once, so two
transactions never both read and then fail to write, and writers queue instead of failing. The busy timeout
is ``SAMHANDLING_DATABASE_STATEMENT_TIMEOUT``.

PostgreSQL connections are bounded in time at every layer (see :mod:`samhandling.store.postgresql`): a database
that does not answer is an error within the connect or statement timeout, never a command that hangs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.engine import Connection
from sqlalchemy.pool import StaticPool

from samhandling.store import postgresql

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Any constant: PostgreSQL advisory lock held while migrating, so two processes starting at once take turns.
_MIGRATION_LOCK = 7_263_540_211


CONNECT_TIMEOUT = 10.0
"""Seconds to wait for the database to accept a connection (the default of ``SAMHANDLING_DATABASE_CONNECT_TIMEOUT``)."""
STATEMENT_TIMEOUT = 30.0
"""Seconds a statement may take (the default of ``SAMHANDLING_DATABASE_STATEMENT_TIMEOUT``)."""


def open_engine(url: str, *, connect_timeout: float = CONNECT_TIMEOUT, statement_timeout: float = STATEMENT_TIMEOUT,
                **options: Any) -> Engine:
    """An engine for ``url``. Creates the folder of a SQLite file. The node opens its database through
    :func:`samhandling.bootstrap.open_database`, which takes the timeouts from the settings.

    ``sqlite://`` (in memory) is one connection shared by everything, for tests: one unit of work at a time.
    """
    found = make_url(url)
    if found.get_backend_name() == "postgresql" and found.get_driver_name() == "psycopg":
        connect_args = options.setdefault("connect_args", {})
        for key, value in postgresql.connect_args(found, connect_timeout,
                                                  statement_timeout).items():
            connect_args.setdefault(key, value)
        engine = create_engine(found, pool_pre_ping=True, **options)
        postgresql.guard(engine, statement_timeout)
        return engine
    if found.get_backend_name() != "sqlite":
        return create_engine(found, pool_pre_ping=True, **options)
    if not found.database or found.database == ":memory:":
        # One shared connection, or every unit of work would see its own empty database.
        options.setdefault("poolclass", StaticPool)
        options.setdefault("connect_args", {}).setdefault("check_same_thread", False)
    else:
        Path(found.database).parent.mkdir(parents=True, exist_ok=True)
    busy_seconds = statement_timeout
    options.setdefault("connect_args", {}).setdefault("timeout", busy_seconds)
    engine = create_engine(found, **options)

    def configure(dbapi_connection: Any, record: Any) -> None:
        _configure_sqlite(dbapi_connection, record, busy_seconds)

    event.listen(engine, "connect", configure)
    event.listen(engine, "begin", _begin_immediate)
    return engine


def _configure_sqlite(dbapi_connection: Any, _record: Any, busy_seconds: float) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (see _begin_immediate).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_seconds * 1000)}")
    finally:
        cursor.close()


def _begin_immediate(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config(connection: Connection | None = None) -> Config:
    """The Alembic configuration for the migrations shipped in this package (there is no alembic.ini)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` (the newest schema by default), in one transaction."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        command.upgrade(alembic_config(connection), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the database back to ``revision`` (``"base"``: empty). For development and tests."""
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), revision)


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at; None for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest schema revision shipped with this version of samhandling."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def is_up_to_date(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()
