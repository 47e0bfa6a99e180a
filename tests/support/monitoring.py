"""Helpers for the monitoring tests: a real SMTP server (aiosmtpd) on a free local port that keeps what
arrived, a certificate for its TLS, a clock the tests move, and a transport that can be taken down."""

from __future__ import annotations

import datetime as dt
import email
import re
import socket
import ssl
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from samhandling.transport.base import Delivery, Envelope, Inbound, ReceiverStatus, Transport, TransportError

ELEVEN_DIGITS = re.compile(r"(?<![0-9])[0-9]{11}(?![0-9])")
OWN = "meldingsansvarlig@sykehuset.test"
PARTNER_CONTACT = "feilsoking@gjovik.kommune.test"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Mail:
    """One mail as the SMTP server got it."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        part = self.message.get_body(("plain",))
        assert part is not None
        return str(part.get_content())


@dataclass
class Inbox:
    """The handler of the test SMTP server: keeps every mail."""

    mails: list[Mail] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        parsed = email.message_from_bytes(envelope.original_content or envelope.content, policy=default_policy)
        assert isinstance(parsed, EmailMessage)
        self.mails.append(Mail(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 OK"


@dataclass
class SmtpServer:
    host: str
    port: int
    inbox: Inbox
    controller: Controller

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    @property
    def mails(self) -> list[Mail]:
        return self.inbox.mails

    def subjects(self) -> list[str]:
        return [m.subject for m in self.mails]


def start_smtp(**server_options: Any) -> SmtpServer:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **server_options)
    controller.start()
    return SmtpServer(host="127.0.0.1", port=port, inbox=inbox, controller=controller)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = start_smtp()
    yield server
    server.controller.stop()


def assert_no_person_ids(mails: Sequence[Mail]) -> None:
    for mail in mails:
        assert not ELEVEN_DIGITS.search(mail.subject + "\n" + mail.body), mail.subject


# --- TLS -------------------------------------------------------------------------------------------------


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost and its key, as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    import ipaddress

    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                    x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "smtp.pem", directory / "smtp.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def server_tls(cert_file: Path, key_file: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context


def password_check(user: str, password: str) -> Any:
    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and data.login.decode() == user and data.password.decode() == password
        return AuthResult(success=ok, handled=False)

    return authenticator


# --- time and transport ----------------------------------------------------------------------------------


class Clock:
    """A clock the test moves."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at


class Switchable(Transport):
    """A transport that can be taken down: then every send and poll fails, as when Norsk Helsenett is away."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.up = True

    def _check(self) -> None:
        if not self.up:
            raise TransportError("Norsk Helsenett svarer ikke (tidsavbrudd)")

    def send(self, envelope: Envelope) -> Delivery:
        self._check()
        return self.inner.send(envelope)

    def receive(self, her_ids: Sequence[str]) -> list[Inbound]:
        self._check()
        return self.inner.receive(her_ids)

    def confirm(self, inbound: Inbound) -> None:
        self.inner.confirm(inbound)

    def status(self, reference: str) -> list[ReceiverStatus]:
        return self.inner.status(reference)
