"""A database that does not answer is a clear error within the timeouts, never a command that hangs.

Two kinds of silence, each on a socket of this test on 127.0.0.1: one that listens and never answers (a
firewall that drops packets, a dead host behind a load balancer), and a proxy to the real PostgreSQL server that
lets the connection start and then stalls. And SQLite's counterpart: a write lock held by another process.
The CLI is called in-process, through the same ``main`` a user runs.
"""

from __future__ import annotations

import socket
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from samhandling import cli
from samhandling.bootstrap import open_database
from samhandling.settings import Settings
from samhandling.store.postgresql import answer_timeout, connect_args
from tests.soak.proxy import database_proxy
from tests.support.stores import create_database, drop_database

QUICK = {"SAMHANDLING_DATABASE_CONNECT_TIMEOUT": "2", "SAMHANDLING_DATABASE_STATEMENT_TIMEOUT": "1"}


def run_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], home: Path, *args: str,
            **env: str) -> tuple[int, str]:
    """``samhandling ARGS`` in this process, as ``main`` runs it: the exit code and what went to stderr."""
    for name in [n for n in __import__("os").environ if n.startswith("SAMHANDLING_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("SAMHANDLING_HOME", str(home))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "argv", ["samhandling", *args])
    with pytest.raises(SystemExit) as ended:
        cli.main()
    stderr = capsys.readouterr().err
    assert "Traceback" not in stderr
    return int(ended.value.code or 0), stderr


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port on 127.0.0.1 that completes the TCP handshake (the kernel's backlog) and never says a word."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


@pytest.fixture
def pg_database(postgres: Engine) -> Iterator[str]:
    url = create_database(postgres)
    yield url
    drop_database(postgres, url)


def test_a_database_that_listens_and_never_answers_is_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, silent_port: int
) -> None:
    url = f"postgresql+psycopg://samhandling:hemmelig@127.0.0.1:{silent_port}/samhandling"
    code, stderr = run_cli(monkeypatch, capsys, tmp_path, "messages", "list", SAMHANDLING_DATABASE_URL=url, **QUICK)
    assert code == 2
    assert stderr.strip().splitlines() == [
        f"Feil: databasen postgresql+psycopg://samhandling:***@127.0.0.1:{silent_port}/samhandling svarer ikke: "
        "fikk ingen forbindelse på 2 sekunder"]
    assert "hemmelig" not in stderr


def test_a_database_that_accepts_and_then_stalls_is_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, pg_database: str
) -> None:
    real = make_url(pg_database)
    with database_proxy((real.host or "127.0.0.1", real.port or 5432), mode="stall") as proxy:
        url = real.set(host="127.0.0.1", port=proxy.port, query={"sslmode": "disable", "gssencmode": "disable"})
        shown = url.render_as_string(hide_password=True)
        code, stderr = run_cli(monkeypatch, capsys, tmp_path, "messages", "list",
                               SAMHANDLING_DATABASE_URL=url.render_as_string(hide_password=False), **QUICK)
    assert code == 2
    assert stderr.strip().splitlines() == [
        f"Feil: databasen {shown} svarer ikke: ingen svar fra databasen på 2 sekunder (tilkoblingen er lukket)"]


def test_a_stalled_connection_is_thrown_away_and_the_engine_works_again_when_the_database_is_back(
    monkeypatch: pytest.MonkeyPatch, pg_database: str
) -> None:
    real = make_url(pg_database)
    with database_proxy((real.host or "127.0.0.1", real.port or 5432)) as proxy:
        url = real.set(host="127.0.0.1", port=proxy.port, query={"sslmode": "disable", "gssencmode": "disable"})
        settings = Settings(database_url=url.render_as_string(hide_password=False), database_connect_timeout=2,
                            database_statement_timeout=1)
        engine = open_database(settings)
        try:
            with engine.connect() as connection:
                assert connection.execute(text("SHOW statement_timeout")).scalar_one() == "1s"
                assert connection.execute(text("SHOW idle_in_transaction_session_timeout")).scalar_one() == "10s"
            proxy.set_mode("blackhole")  # the pooled connection goes silent, new ones get no answer
            with pytest.raises(OperationalError), engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            proxy.set_mode("refuse")
            with pytest.raises(OperationalError), engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            proxy.set_mode("forward")
            with engine.connect() as connection:
                assert connection.execute(text("SELECT 1")).scalar_one() == 1
        finally:
            engine.dispose()


def test_the_server_cancels_a_statement_that_runs_longer_than_the_statement_timeout(pg_database: str) -> None:
    engine = open_database(Settings(database_url=pg_database, database_statement_timeout=1))
    try:
        with pytest.raises(OperationalError, match="statement timeout"), engine.connect() as connection:
            connection.execute(text("SELECT pg_sleep(30)"))
    finally:
        engine.dispose()


def test_a_sqlite_database_locked_by_another_writer_is_one_clear_line_after_the_statement_timeout(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _ = run_cli(monkeypatch, capsys, tmp_path, "messages", "list")  # makes and migrates the database
    assert code == 0
    holder = sqlite3.connect(tmp_path / "samhandling.db", isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process writing, and not letting go
        code, stderr = run_cli(monkeypatch, capsys, tmp_path, "parties", "import", str(tmp_path / "ingen.json"),
                               SAMHANDLING_DATABASE_STATEMENT_TIMEOUT="1")
    finally:
        holder.close()
    assert code == 2
    (line,) = stderr.strip().splitlines()
    assert line.startswith(f"Feil: databasen sqlite:///{tmp_path / 'samhandling.db'} svarer ikke: ")
    assert "locked" in line


@pytest.mark.parametrize(("env", "line"), [
    ({"SAMHANDLING_DATABASE_CONNECT_TIMEOUT": "1"},
     "Feil: innstillingen SAMHANDLING_DATABASE_CONNECT_TIMEOUT=«1» må være minst 2"),
    ({"SAMHANDLING_DATABASE_CONNECT_TIMEOUT": "ti"},
     "Feil: innstillingen SAMHANDLING_DATABASE_CONNECT_TIMEOUT=«ti» må være et tall (med punktum som desimaltegn)"),
    ({"SAMHANDLING_DATABASE_STATEMENT_TIMEOUT": "0"},
     "Feil: innstillingen SAMHANDLING_DATABASE_STATEMENT_TIMEOUT=«0» må være større enn 0"),
    ({"SAMHANDLING_DATABASE_STATEMENT_TIMEOUT": "-5"},
     "Feil: innstillingen SAMHANDLING_DATABASE_STATEMENT_TIMEOUT=«-5» må være større enn 0"),
])
def test_a_bad_timeout_setting_is_one_norwegian_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, env: dict[str, str],
    line: str
) -> None:
    code, stderr = run_cli(monkeypatch, capsys, tmp_path, "messages", "list", **env)
    assert code == 2
    assert stderr.strip().splitlines() == [line]


def test_the_defaults_and_what_the_url_sets_itself() -> None:
    settings = Settings()
    assert (settings.database_connect_timeout, settings.database_statement_timeout) == (10, 30)
    assert answer_timeout(30) == 35
    args = connect_args(make_url("postgresql+psycopg://u@h/d?connect_timeout=4"), 10, 30)
    assert "connect_timeout" not in args  # the URL's own value wins
    assert args["keepalives"] == 1 and args["tcp_user_timeout"] == 35_000
    assert args["options"] == "-c statement_timeout=30000 -c idle_in_transaction_session_timeout=300000"
