"""``samhandling msh serve`` and ``samhandling msh token``: the local message server (NHN's EDI 2.0 API on
one machine) and the bearer tokens of its clients. Registered in ``cli.py`` as ``samhandling msh …``."""

from __future__ import annotations

import signal
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from samhandling.cli.common import UserError, out, read_file, settings
from samhandling.domain.messaging.parties import Parties

if TYPE_CHECKING:
    from fastapi import FastAPI

msh_app = typer.Typer(
    help="Lokal meldingstjener med Norsk Helsenetts EDI 2.0-API, for parter på én maskin.", no_args_is_help=True
)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8470


def load_parties(path: Path, max_bytes: int) -> Parties:
    """The parties register of a JSON file in the format of ``samhandling parties import``; UserError with
    one line naming the file and the place of the first fault."""
    from samhandling.services.registers.parties import PartyImportError, PartySource, check, merge, read_party_file

    source = PartySource(str(path), read_file(path, max_bytes))
    try:
        entries = merge(read_party_file(source, max_bytes=max_bytes))
        check(entries, Parties())
    except PartyImportError as exc:
        raise UserError(str(exc)) from None
    return Parties(entry.party for entry in entries)


def _run(app: FastAPI, sock: socket.socket) -> None:
    """Serve ``app`` with uvicorn on the bound socket until SIGTERM or Ctrl+C."""
    import uvicorn

    class Server(uvicorn.Server):
        @contextmanager
        def capture_signals(self) -> Iterator[None]:
            # Stop cleanly and end the command normally, as `node run` does (uvicorn would raise the
            # signal again once it has stopped, and the process would end "killed by SIGTERM").
            previous = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    config = uvicorn.Config(app, log_config=None, access_log=False, server_header=False)
    Server(config).run(sockets=[sock])


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port`` (0: any free port), or a UserError saying why not."""
    try:
        family, kind, protocol, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, protocol)
    except (OSError, UnicodeError) as exc:
        raise UserError(f"kan ikke lytte på {host}:{port}: {exc}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise UserError(f"kan ikke lytte på {host}:{port}: {exc.strerror or exc}") from None
    return sock


@msh_app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Adressen tjeneren lytter på.")] = DEFAULT_HOST,
    port: Annotated[int, typer.Option(min=0, max=65535, help="Porten tjeneren lytter på (0: en ledig port).")] = (
        DEFAULT_PORT
    ),
    parties: Annotated[
        Path | None,
        typer.Option(help="Partsregister (JSON som for «parties import»): en klient kan da også handle for "
                          "tjenestene og personene under sine HER-id-er."),
    ] = None,
) -> None:
    """Kjør meldingstjeneren til den stoppes (Ctrl+C eller SIGTERM).

    Meldingene lagres i nodens database (SAMHANDLING_DATABASE_URL, ellers SQLite i SAMHANDLING_HOME).
    """
    from samhandling import eventlog
    from samhandling.bootstrap import open_database
    from samhandling.msh.app import create_app
    from samhandling.msh.tokens import TokenError, load_or_create_secret
    from samhandling.store.database import upgrade

    cfg = settings()
    register = load_parties(parties, cfg.max_message_bytes) if parties is not None else None
    try:
        secret = load_or_create_secret(cfg.home)
    except (TokenError, OSError) as exc:
        raise UserError(f"hemmeligheten for tokener: {exc}") from None
    sock = _bind(host, port)
    engine = open_database(cfg)
    try:
        upgrade(engine)
        app = create_app(engine, secret, register, max_message_bytes=cfg.max_message_bytes)
        eventlog.configure()
        bound_host, bound_port = sock.getsockname()[:2]
        shown = f"[{bound_host}]" if ":" in bound_host else bound_host
        out.print(f"Meldingstjeneren lytter på http://{shown}:{bound_port}", markup=False)
        sys.stdout.flush()
        _run(app, sock)
    finally:
        sock.close()
        engine.dispose()


@msh_app.command("token")
def token(
    her_id: Annotated[
        list[str], typer.Option("--her-id", help="HER-id klienten kan handle for (gjenta for flere).")
    ],
    days: Annotated[
        int | None, typer.Option(min=1, help="Antall dager tokenet gjelder (uten: det utløper ikke).")
    ] = None,
) -> None:
    """Skriv ut et signert token for en klient av meldingstjeneren (Authorization: Bearer TOKEN)."""
    from samhandling.msh.tokens import TokenError, issue_token, load_or_create_secret

    cfg = settings()
    try:
        secret = load_or_create_secret(cfg.home)
        issued = issue_token(secret, her_id, lifetime=timedelta(days=days) if days is not None else None)
    except (TokenError, ValueError, OSError) as exc:
        raise UserError(str(exc)) from None
    print(issued)
