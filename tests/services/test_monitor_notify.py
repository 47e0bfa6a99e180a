"""The monitoring's mail over real SMTP servers: plain, STARTTLS with login, TLS from the start; who gets what;
a mail the server does not take is kept with its error; and the metrics built from the store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from samhandling.domain.messaging.parties import Party, PartyKind
from samhandling.domain.monitoring.alerts import Alert
from samhandling.domain.monitoring.causes import AlertCause
from samhandling.domain.registers.contacts import ContactPoint, ContactPurpose
from samhandling.domain.registers.partners import PartnerProfile
from samhandling.services.monitoring.metrics import render_metrics
from samhandling.services.monitoring.notify import (
    NotifyConfig,
    SmtpServer,
    SmtpUrlError,
    alert_recipients,
    deliver_mails,
    queue_alert_mail,
    split_addresses,
)
from samhandling.store.fakes import FakeUnitOfWork
from samhandling.store.unit_of_work import UnitOfWork
from tests.support.monitoring import (
    OWN,
    PARTNER_CONTACT,
    password_check,
    self_signed,
    server_tls,
    smtp,
    start_smtp,
)
from tests.support.monitoring import SmtpServer as SmtpCatcher

__all__ = ["smtp"]

T = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def test_smtp_urls() -> None:
    plain = SmtpServer.from_url("smtp://127.0.0.1:2525")
    assert (plain.host, plain.port, plain.implicit_tls, plain.starttls, plain.username) == ("127.0.0.1", 2525, False,
                                                                                            False, None)
    assert SmtpServer.from_url("smtp://mail.example.no").port == 25
    tls = SmtpServer.from_url("smtps://varsel%40sykehuset.no:hemm%C3%A6lig@mail.example.no")
    assert (tls.port, tls.implicit_tls, tls.username, tls.password) == (465, True, "varsel@sykehuset.no", "hemmælig")
    assert "hemmælig" not in repr(tls)
    assert SmtpServer.from_url("smtp://u:p@mail.example.no:587?starttls=true").starttls
    for bad, text in [("http://mail", "smtp://"), ("smtp://", "vertsnavn"), ("smtp://h:x", "portnummer"),
                      ("smtps://h?starttls=true", "STARTTLS")]:
        with pytest.raises(SmtpUrlError, match=text):
            SmtpServer.from_url(bad)
    assert split_addresses(" a@b.no; c@d.no, a@b.no ,") == ("a@b.no", "c@d.no")


@pytest.fixture
def store() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    with uow:
        uow.parties.add(Party(her_id="8200", name="Gjøvik kommune", kind=PartyKind.ORGANISATION))
        uow.parties.add(Party(her_id="8300", name="Hamar kommune", kind=PartyKind.ORGANISATION))
        uow.registers.partners.put(PartnerProfile(her_id="8200"))
        uow.registers.contacts.put(ContactPoint(partner_her_id="8200", purpose=ContactPurpose.FEILSOKING,
                                                name="Meldingsansvarlig", email=PARTNER_CONTACT))
        uow.commit()
    return uow


def _alert(cause: AlertCause, partner: str | None = "8200") -> Alert:
    return Alert(cause=cause, partner_her_id=partner, opened_at=T, since=T, last_seen_at=T,
                 details=("Én mislykket linjetest",))


def test_who_gets_the_mail(store: FakeUnitOfWork) -> None:
    config = NotifyConfig(meldingsansvarlig=(OWN, "vakt@sykehuset.test"))
    with store as uow:
        assert alert_recipients(uow, _alert(AlertCause.RECEIPT_OVERDUE), config) == (OWN, "vakt@sykehuset.test",
                                                                                    PARTNER_CONTACT)
        assert alert_recipients(uow, _alert(AlertCause.RECEIPT_WARNING), config) == (OWN, "vakt@sykehuset.test")
        assert alert_recipients(uow, _alert(AlertCause.POLL_FAILING, None), config) == (OWN, "vakt@sykehuset.test")
        assert alert_recipients(uow, _alert(AlertCause.LINE_TEST_FAILED, "8300"), config) == (  # no contact listed
            OWN, "vakt@sykehuset.test")
        assert alert_recipients(uow, _alert(AlertCause.PARTNER_QUIET), NotifyConfig()) == (PARTNER_CONTACT,)
        assert queue_alert_mail(uow, _alert(AlertCause.RECEIPT_OVERDUE), True, config, at=T) is None  # mail is off


def _queue(store: FakeUnitOfWork, config: NotifyConfig) -> None:
    with store as uow:
        stored = uow.monitor.add_alert(_alert(AlertCause.LINE_TEST_FAILED))
        assert queue_alert_mail(uow, stored, True, config, at=T) is not None
        uow.commit()


def test_starttls_with_login(store: FakeUnitOfWork, tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    server = start_smtp(tls_context=server_tls(cert, key), require_starttls=True, auth_required=True,
                        authenticator=password_check("varsel", "hemmelig"))
    try:
        url = f"smtp://varsel:hemmelig@127.0.0.1:{server.port}?starttls=true"
        config = NotifyConfig(smtp=SmtpServer.from_url(url, ca_file=cert), sender="samhandling@sykehuset.test",
                              meldingsansvarlig=(OWN,))
        _queue(store, config)
        run = deliver_mails(lambda: store, config)
        assert len(run.sent) == 1 and run.failed == []
        (mail,) = server.mails
        assert mail.subject == "[samhandling] Varsel: Linjetesten feilet – Gjøvik kommune (HER-id 8200)"
        assert sorted(mail.rcpt_tos) == sorted([OWN, PARTNER_CONTACT])
        assert mail.message["Auto-Submitted"] == "auto-generated"
        assert "Én mislykket linjetest" in mail.body
    finally:
        server.controller.stop()


def test_a_wrong_password_or_an_untrusted_certificate_keeps_the_mail(store: FakeUnitOfWork, tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    server = start_smtp(tls_context=server_tls(cert, key), require_starttls=True, auth_required=True,
                        authenticator=password_check("varsel", "hemmelig"))
    try:
        wrong = NotifyConfig(smtp=SmtpServer.from_url(f"smtp://varsel:feil@127.0.0.1:{server.port}?starttls=true",
                                                      ca_file=cert), meldingsansvarlig=(OWN,))
        _queue(store, wrong)
        run = deliver_mails(lambda: store, wrong)
        assert run.sent == [] and "Innloggingen" in (run.error or "")
        untrusted = NotifyConfig(smtp=SmtpServer.from_url(
            f"smtp://varsel:hemmelig@127.0.0.1:{server.port}?starttls=true"), meldingsansvarlig=(OWN,))
        run = deliver_mails(lambda: store, untrusted)
        assert run.sent == [] and "TLS" in (run.error or "")
        with store as uow:
            (kept,) = uow.monitor.unsent_mails()
        assert kept.attempts == 2 and "TLS" in (kept.last_error or "")
        right = NotifyConfig(smtp=SmtpServer.from_url(
            f"smtp://varsel:hemmelig@127.0.0.1:{server.port}?starttls=true", ca_file=cert), meldingsansvarlig=(OWN,))
        assert len(deliver_mails(lambda: store, right).sent) == 1 and len(server.mails) == 1
    finally:
        server.controller.stop()


@pytest.fixture
def smtps(tmp_path: Path) -> Iterator[tuple[SmtpCatcher, Path]]:
    cert, key = self_signed(tmp_path)
    server = start_smtp(ssl_context=server_tls(cert, key))
    yield server, cert
    server.controller.stop()


def test_tls_from_the_start(store: FakeUnitOfWork, smtps: tuple[SmtpCatcher, Path]) -> None:
    server, cert = smtps
    config = NotifyConfig(smtp=SmtpServer.from_url(f"smtps://127.0.0.1:{server.port}", ca_file=cert),
                          meldingsansvarlig=(OWN,))
    _queue(store, config)
    assert len(deliver_mails(lambda: store, config).sent) == 1
    assert len(server.mails) == 1


def test_metrics_from_the_store(new_uow: Callable[[], UnitOfWork]) -> None:
    with new_uow() as uow:
        uow.parties.add(Party(her_id="8200", name="Gjøvik kommune", kind=PartyKind.ORGANISATION))
        uow.monitor.add_alert(_alert(AlertCause.NEGATIVE_RECEIPT))
        uow.commit()
    text = render_metrics(new_uow).decode()
    assert 'samhandling_open_alerts{cause="negative_receipt",partner="8200",severity="alert"} 1.0' in text
    assert 'samhandling_apprec_latency_seconds_bucket{le="+Inf"} 0.0' in text
    assert "samhandling_store_up 1.0" in text and "samhandling_unsent_mails 0.0" in text

    def broken() -> UnitOfWork:
        raise RuntimeError("databasen svarer ikke")

    assert render_metrics(broken).decode().strip().endswith("samhandling_store_up 0.0")
