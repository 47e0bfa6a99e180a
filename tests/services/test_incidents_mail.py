"""An incident over three hours tells the contact points for acute downtime once; updates and the resolution tell
them again (the cooperation procedure §3.4). Mail through a real SMTP server (aiosmtpd)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest

from samhandling.domain.incidents.incident import AffectedSide, IncidentStatus
from samhandling.domain.registers.contacts import ContactPoint, ContactPurpose
from samhandling.services.incidents import incidents as service
from samhandling.services.incidents.mails import tell
from samhandling.services.mail.smtp import SmtpServer as Smtp
from samhandling.services.notices.config import NoticeConfig
from samhandling.services.notices.sending import deliver_notices
from samhandling.store.notices.unit_of_work import NoticeUnitOfWork
from tests.support.monitoring import SmtpServer, assert_no_person_ids, start_smtp
from tests.support.notice_store import GJOVIK, GJOVIK_MAIL, HAMAR, NOW, OWN, notice_uow, seed_registers

__all__ = ["notice_uow"]
HOUR = timedelta(hours=1)
GJOVIK_ACUTE = "vakt@gjovik.kommune.test"
HAMAR_ACUTE = "vakt@hamar.kommune.test"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = start_smtp()
    yield server
    server.controller.stop()


def config_for(smtp: SmtpServer) -> NoticeConfig:
    return NoticeConfig(organisation="Sykehuset Innlandet HF", sender="samhandling@sykehuset-innlandet.test",
                        meldingsansvarlig=(OWN,), smtp=Smtp.from_url(smtp.url))


def seed(new_uow: Callable[[], NoticeUnitOfWork]) -> None:
    seed_registers(new_uow)
    with new_uow() as uow:
        for her_id, address in ((GJOVIK, GJOVIK_ACUTE), (HAMAR, HAMAR_ACUTE)):
            uow.registers.contacts.put(ContactPoint(partner_her_id=her_id, purpose=ContactPurpose.AKUTT_NEDETID,
                                                    name="Vakt", email=address, staffed_24_7=True))
        uow.commit()


def run_pass(new_uow: Callable[[], NoticeUnitOfWork], config: NoticeConfig, at: object) -> None:
    tell(new_uow(), config, now=at)  # type: ignore[arg-type]
    deliver_notices(new_uow, config, now=lambda: at)  # type: ignore[arg-type, return-value]


def test_an_incident_crossing_three_hours_tells_the_acute_downtime_contacts_once_then_updates_and_resolution(
    notice_uow: Callable[[], NoticeUnitOfWork], smtp: SmtpServer
) -> None:
    seed(notice_uow)
    config = config_for(smtp)
    incident = service.register_incident(notice_uow(), service.IncidentForm(
        title="EPJ i Gjøvik er nede", side=AffectedSide.PARTNER, partner_her_ids=(GJOVIK,), responsible="Kari",
        contact_person="Kari Nordmann, 900 00 000", detected_at=NOW), by="kari", now=NOW + HOUR)
    assert incident.id is not None
    run_pass(notice_uow, config, NOW + 2 * HOUR)
    assert smtp.mails == []  # under three hours: nobody is told
    service.update_incident(notice_uow(), incident.id, by="per", now=NOW + 2 * HOUR, status=IncidentStatus.IDENTIFIED,
                            text="Sertifikatet hos kommunen er utløpt")
    run_pass(notice_uow, config, NOW + 3 * HOUR + timedelta(minutes=1))
    run_pass(notice_uow, config, NOW + 3 * HOUR + timedelta(minutes=2))  # the next pass tells nobody again
    assert sorted(m.rcpt_tos[0] for m in smtp.mails) == sorted([GJOVIK_ACUTE, OWN])
    notice = smtp.mails[0]
    assert notice.subject == f"[samhandling] Akutt nedetid: EPJ i Gjøvik er nede (hendelse {incident.id})"
    body = " ".join(notice.body.split())
    assert "gi denne informasjonen videre internt" in body and "Sertifikatet hos kommunen er utløpt" in body
    assert GJOVIK_MAIL not in {m.rcpt_tos[0] for m in smtp.mails}  # planned downtime is another contact point
    assert service.get_incident(notice_uow(), incident.id).downtime_notice_at == NOW + 3 * HOUR + timedelta(minutes=1)

    service.update_incident(notice_uow(), incident.id, by="per", now=NOW + 4 * HOUR, status=IncidentStatus.MONITORING,
                            text="Nytt sertifikat installert, køen tømmes")
    run_pass(notice_uow, config, NOW + 4 * HOUR)
    service.resolve_incident(notice_uow(), incident.id, by="kari", now=NOW + 5 * HOUR)
    run_pass(notice_uow, config, NOW + 5 * HOUR)
    run_pass(notice_uow, config, NOW + 6 * HOUR)
    subjects = [m.subject for m in smtp.mails if m.rcpt_tos == [GJOVIK_ACUTE]]
    assert [s.split(":")[0] for s in subjects] == ["[samhandling] Akutt nedetid", "[samhandling] Oppdatering",
                                                   "[samhandling] Løst"]
    resolved = [m for m in smtp.mails if m.subject.startswith("[samhandling] Løst")]
    body = " ".join(resolved[0].body.split())
    assert len(resolved) == 2 and "meldingene går igjen" in body and "Nytt sertifikat installert" in body
    assert_no_person_ids(smtp.mails)
    with notice_uow() as uow:
        mails = uow.mail.list("incident")
    assert len(mails) == 6 and all(m.sent_at is not None for m in mails)  # each delivery recorded


def test_our_own_downtime_expected_to_last_tells_every_partner_at_once(
    notice_uow: Callable[[], NoticeUnitOfWork], smtp: SmtpServer
) -> None:
    seed(notice_uow)
    config = config_for(smtp)
    service.register_incident(notice_uow(), service.IncidentForm(
        title="Vår meldingstjener er nede", side=AffectedSide.OURS, responsible="Kari", contact_person="IKT-vakt",
        detected_at=NOW, expected_end=NOW + 6 * HOUR), by="kari", now=NOW)
    run_pass(notice_uow, config, NOW + timedelta(minutes=5))
    assert sorted(m.rcpt_tos[0] for m in smtp.mails) == sorted([GJOVIK_ACUTE, HAMAR_ACUTE, OWN])  # no Lillehammer
    assert "Forventet slutt: 01.02.2027 kl. 16.00" in smtp.mails[0].body


def test_an_incident_resolved_within_three_hours_tells_nobody(
    notice_uow: Callable[[], NoticeUnitOfWork], smtp: SmtpServer
) -> None:
    seed(notice_uow)
    config = config_for(smtp)
    incident = service.register_incident(notice_uow(), service.IncidentForm(
        title="Kort brudd", side=AffectedSide.PARTNER, partner_her_ids=(HAMAR,), responsible="Kari",
        contact_person="Kari", detected_at=NOW), by="kari", now=NOW)
    assert incident.id is not None
    service.resolve_incident(notice_uow(), incident.id, by="kari", now=NOW + 2 * HOUR)
    run_pass(notice_uow, config, NOW + 4 * HOUR)
    assert smtp.mails == []


def test_the_partner_is_told_about_a_deviation_by_its_troubleshooting_contact_without_patient_data(
    notice_uow: Callable[[], NoticeUnitOfWork], smtp: SmtpServer
) -> None:
    from samhandling.domain.deviations.deviation import DeviationCategory, DeviationError
    from samhandling.services.deviations.register import DeviationForm, register_deviation
    from samhandling.services.deviations.tell import tell_partner

    seed(notice_uow)
    config = config_for(smtp)
    with notice_uow() as uow:
        uow.registers.contacts.put(ContactPoint(partner_her_id=GJOVIK, purpose=ContactPurpose.FEILSOKING,
                                                name="Feilsøking Gjøvik", email="feil@gjovik.kommune.test"))
        uow.commit()
    deviation = register_deviation(notice_uow(), DeviationForm(
        title="Innleggelsesrapport uten legemidler", description="Rapporten manglet legemiddellisten.",
        category=DeviationCategory.CONTENT_ERROR, partner_her_ids=(GJOVIK,)), by="kari", now=NOW)
    assert deviation.id is not None
    told, _ = tell_partner(notice_uow(), deviation.id, organisation=config.organisation, by="kari", now=NOW)
    deliver_notices(notice_uow, config, now=lambda: NOW)
    (mail,) = smtp.mails
    assert mail.rcpt_tos == ["feil@gjovik.kommune.test"]
    assert mail.subject == "[samhandling] Avvik i meldingsutvekslingen: Innleggelsesrapport uten legemidler"
    assert [(t.to, t.by) for t in told.told] == [("feil@gjovik.kommune.test", "kari")]
    assert_no_person_ids(smtp.mails)
    with pytest.raises(DeviationError, match="ikke noe kontaktpunkt for feilsøking"):
        tell_partner(notice_uow(), deviation.id, organisation=config.organisation, by="kari", now=NOW,
                     partner_her_id=HAMAR)
