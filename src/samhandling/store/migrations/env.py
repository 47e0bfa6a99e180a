"""Alembic environment: runs on the connection :func:`samhandling.store.database.upgrade` passes in, or,
from the ``alembic`` command line, on the database the settings name."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from samhandling.store.schema import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _settings_url() -> str:
    # Only for the ``alembic`` command line, an entry point of its own: the node itself passes a connection.
    from samhandling.settings import load_settings

    return load_settings().effective_database_url


def _run_offline() -> None:
    context.configure(url=_settings_url(), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def _run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from samhandling.store.database import open_engine

    engine = open_engine(_settings_url())
    try:
        with engine.begin() as own:
            _run(own)
    finally:
        engine.dispose()


if context.is_offline_mode():
    _run_offline()
else:
    _run_online()
