"""PostgreSQL connections that never hang: a database that does not answer is an error within bounded time.

A database behind a firewall that drops packets, or a proxy that accepted the connection and then stalled, would
otherwise make every command wait forever without a word. Each layer gets its own bound:

- ``connect_timeout``: libpq gives up connecting (TCP handshake, TLS, the start-up exchange) after this long;
- ``statement_timeout``: the server cancels a statement that runs longer;
- ``idle_in_transaction_session_timeout``: the server ends a session left idle inside a transaction (a client
  that vanished while holding locks), so the others are not blocked by it;
- TCP keepalives and ``tcp_user_timeout``: the kernel notices a peer that is gone on an idle or a busy socket;
- :class:`GuardedConnection`: psycopg waits for every answer at most ``statement_timeout`` plus a margin. The
  server enforces ``statement_timeout`` only if it is there to answer; the guard covers the server (or the path
  to it) that accepted the connection and then went silent. The connection is then broken, so that the pool
  throws it away, and the error is an ``OperationalError`` like any other outage.

Every value comes from the settings ``SAMHANDLING_DATABASE_CONNECT_TIMEOUT`` and
``SAMHANDLING_DATABASE_STATEMENT_TIMEOUT``; a parameter written in the database URL itself wins.
"""

from __future__ import annotations

import math
from typing import Any

import psycopg
from psycopg import errors
from sqlalchemy import Engine, event
from sqlalchemy.engine import URL

GUARD_MARGIN_SECONDS = 5.0
"""How much longer than ``statement_timeout`` the client waits for an answer (at most; never more than the
statement timeout itself again): the server's own cancellation has time to arrive first, as the clear error it
is."""
IDLE_IN_TRANSACTION_FACTOR = 10
"""``idle_in_transaction_session_timeout`` is this many statement timeouts: long enough for any step of the node
between two statements of one transaction, short enough that a vanished client frees its locks."""
KEEPALIVE_IDLE_SECONDS = 30
KEEPALIVE_INTERVAL_SECONDS = 10
KEEPALIVE_COUNT = 3


class GuardedConnection(psycopg.Connection[Any]):
    """A psycopg connection whose every wait for the server is bounded by :attr:`answer_timeout` seconds."""

    answer_timeout: float | None = None

    def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
        bound = self.answer_timeout
        if bound is not None and (timeout is None or timeout > bound):
            timeout = bound
        try:
            return super().wait(gen, interval=interval, timeout=timeout)
        except errors._WaitTimeout:
            # The connection's state is unknown (a half-sent statement, a half-read answer): it cannot be used
            # again. Finishing it marks it broken, and SQLAlchemy throws it out of the pool.
            self.pgconn.finish()
            raise errors.OperationalError(
                f"ingen svar fra databasen på {bound:g} sekunder (tilkoblingen er lukket)") from None


def connect_args(url: URL, connect_timeout: float, statement_timeout: float) -> dict[str, Any]:
    """libpq parameters for the timeouts and keepalives, leaving out those the URL sets itself."""
    given = set(url.query)
    statement_ms = int(statement_timeout * 1000)
    wanted: dict[str, Any] = {
        "connect_timeout": max(2, math.ceil(connect_timeout)),  # libpq takes whole seconds, at least 2
        "keepalives": 1,
        "keepalives_idle": KEEPALIVE_IDLE_SECONDS,
        "keepalives_interval": KEEPALIVE_INTERVAL_SECONDS,
        "keepalives_count": KEEPALIVE_COUNT,
        # Unacknowledged data (a peer gone while we send) ends the connection after this long.
        "tcp_user_timeout": int(answer_timeout(statement_timeout) * 1000),
    }
    args = {key: value for key, value in wanted.items() if key not in given}
    if "options" not in given:
        args["options"] = (f"-c statement_timeout={statement_ms} "
                           f"-c idle_in_transaction_session_timeout={statement_ms * IDLE_IN_TRANSACTION_FACTOR}")
    return args


def answer_timeout(statement_timeout: float) -> float:
    """How long the client waits for any answer of the server."""
    return statement_timeout + min(GUARD_MARGIN_SECONDS, statement_timeout)


def guard(engine: Engine, statement_timeout: float) -> None:
    """Make ``engine`` open :class:`GuardedConnection` s, each waiting at most the answer timeout."""
    bound = answer_timeout(statement_timeout)

    class _Bounded(GuardedConnection):
        answer_timeout = bound

    @event.listens_for(engine, "do_connect")
    def _connect(_dialect: Any, _record: Any, cargs: Any, cparams: dict[str, Any]) -> Any:
        return _Bounded.connect(*cargs, **cparams)
