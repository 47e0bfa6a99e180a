"""Sending mail over SMTP, for every use case that mails: the SMTP server's address (``SAMHANDLING_SMTP_URL``),
the connection (plain, STARTTLS or TLS from the start, optionally logged in), and :func:`send_messages`, which
sends a batch over one connection and says for each message whether the server took it.

The SMTP server is ``smtp://host:port`` (plain, port 25 by default), ``smtp://host:587?starttls=true``
(STARTTLS, required once asked for), or ``smtps://host:465`` (TLS from the start); ``user:password@`` before the
host logs in. The monitoring (:mod:`samhandling.services.monitoring.notify`) and the general mail outbox
(:mod:`samhandling.services.mail.outbox`) both send through here.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

log = logging.getLogger(__name__)

SMTP_TIMEOUT = 20.0
MAIL_POLICY = SMTP.clone(max_line_length=998)
"""Headers are not folded (RFC 5322's hard limit is 998): Python's folding of encoded words drops the space
between them, so a Norwegian subject would arrive as «–Gjøvik» instead of «– Gjøvik»."""
CONNECTION_LOST = "Forbindelsen til SMTP-tjeneren ble brutt."


class SmtpUrlError(ValueError):
    """``SAMHANDLING_SMTP_URL`` cannot be used; the message says why, in Norwegian."""


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to deliver mail, read from an ``smtp://`` or ``smtps://`` URL."""

    host: str
    port: int
    implicit_tls: bool = False
    starttls: bool = False
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_file: Path | None = None
    timeout: float = SMTP_TIMEOUT

    @classmethod
    def from_url(cls, url: str, *, ca_file: Path | None = None, timeout: float = SMTP_TIMEOUT) -> SmtpServer:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        if scheme not in ("smtp", "smtps"):
            raise SmtpUrlError(f"SMTP-adressen må begynne med smtp:// eller smtps:// (fikk «{scheme or url}»).")
        if not parts.hostname:
            raise SmtpUrlError("SMTP-adressen mangler vertsnavn, for eksempel smtp://127.0.0.1:2525.")
        try:
            port = parts.port
        except ValueError:
            raise SmtpUrlError("SMTP-adressen har et ugyldig portnummer.") from None
        options = {k.lower(): v[-1].strip().lower() for k, v in parse_qs(parts.query).items()}
        starttls = options.get("starttls", "false") in ("1", "true", "yes", "ja")
        if scheme == "smtps" and starttls:
            raise SmtpUrlError("smtps:// bruker TLS fra start; STARTTLS gjelder bare smtp://.")
        return cls(
            host=parts.hostname,
            port=port or (465 if scheme == "smtps" else 25),
            implicit_tls=scheme == "smtps",
            starttls=starttls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password is not None else None,
            ca_file=ca_file,
            timeout=timeout,
        )

    def tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if self.ca_file is not None:
            context.load_verify_locations(cafile=str(self.ca_file))
        return context

    def connect(self) -> smtplib.SMTP:
        """An open, greeted and (when asked) encrypted and logged-in connection."""
        connection: smtplib.SMTP
        if self.implicit_tls:
            connection = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self.tls_context())
        else:
            connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            connection.ehlo()
            if self.starttls:
                connection.starttls(context=self.tls_context())
                connection.ehlo()
            if self.username is not None:
                connection.login(self.username, self.password or "")
        except BaseException:
            connection.close()
            raise
        return connection


def send_messages(server: SmtpServer, sender: str, messages: Sequence[tuple[EmailMessage, Sequence[str]]]
                  ) -> list[str | None]:
    """Send each ``(message, recipients)`` over one connection; for each, None when the server took it, else the
    error in Norwegian. Never raises for a fault of the SMTP server or the network.

    A message the server took for some recipients and refused for others counts as sent: sending it again would
    repeat it for those who got it (the refusal is logged).
    """
    return list(iter_send(server, sender, messages))


def iter_send(server: SmtpServer, sender: str, messages: Sequence[tuple[EmailMessage, Sequence[str]]]
              ) -> Iterator[str | None]:
    """Like :func:`send_messages`, yielding each outcome as soon as it is known, so the caller can record it
    before the next message goes (a crash then never leaves a sent message unrecorded for long)."""
    try:
        connection = server.connect()
    except (OSError, smtplib.SMTPException) as exc:
        error = describe_error(exc, server)
        for _ in messages:
            yield error
        return
    done = 0
    try:
        for message, recipients in messages:
            try:
                refused = connection.send_message(message, from_addr=sender, to_addrs=list(recipients))
            except (OSError, smtplib.SMTPException) as exc:
                done += 1
                yield describe_error(exc, server)
                continue
            if refused:
                log.warning("mail refused for some recipients", extra={"refused": len(refused)})
            done += 1
            yield None
    finally:
        try:
            connection.quit()
        except (OSError, smtplib.SMTPException):
            connection.close()
    for _ in range(len(messages) - done):
        yield CONNECTION_LOST


def describe_error(exc: BaseException, server: SmtpServer) -> str:
    """One Norwegian line saying what went wrong with the SMTP server."""
    where = f"{server.host}:{server.port}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"Innloggingen på SMTP-tjeneren {where} ble avvist ({exc.smtp_code})."
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"SMTP-tjeneren {where} svarte {exc.smtp_code}: {text}"
    if isinstance(exc, ssl.SSLError):
        return f"TLS mot SMTP-tjeneren {where} feilet: {exc.reason or exc}"
    if isinstance(exc, TimeoutError):
        return f"SMTP-tjeneren {where} svarte ikke i tide."
    if isinstance(exc, OSError):
        return f"Får ikke kontakt med SMTP-tjeneren {where}: {exc.strerror or exc}"
    return f"Sending til SMTP-tjeneren {where} feilet: {exc}"
