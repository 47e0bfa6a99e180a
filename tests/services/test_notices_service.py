"""The notices' use cases end to end through a real SMTP server (aiosmtpd): the rules on sending, recipients from
the contact list (and those not reached), delivery recorded per recipient, acknowledgement by the signed link and
by hand, re-notification on change and cancel, completion, reminders and the escalation, on memory, SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest

from samhandling.domain.notices.freeze import FreezeKind, FreezePeriod
from samhandling.domain.notices.model import Audience, NoticeError, NoticeKind, NoticeStatus, local_moment
from samhandling.domain.notices.recipients import RecipientState
from samhandling.domain.notices.tokens import TokenError
from samhandling.services.mail.smtp import SmtpServer as Smtp
from samhandling.services.notices.acks import acknowledge_by_hand, acknowledge_link, follow_up, overdue
from samhandling.services.notices.authoring import (
    advance,
    cancel_notice,
    complete_notice,
    create_notice,
    edit_notice,
    publish_minor,
)
from samhandling.services.notices.sending import deliver_notices, send_notice
from samhandling.store.notices.unit_of_work import NoticeUnitOfWork
from tests.support.monitoring import Mail, SmtpServer
from tests.support.notice_store import (
    GJOVIK,
    GJOVIK_MAIL,
    HAMAR,
    HAMAR_CERT,
    HAMAR_MAIL,
    LILLEHAMMER,
    NOW,
    OWN,
    notice_uow,
    seed_registers,
    upgrade_notice,
)
from tests.support.notices import LINK, config_for, to

__all__ = ["notice_uow"]


def at(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


def token_in(mail: Mail) -> str:
    found = LINK.search(mail.body)
    assert found is not None, mail.body
    return found.group(1)


@pytest.fixture
def ready(notice_uow: Callable[[], NoticeUnitOfWork]) -> Callable[[], NoticeUnitOfWork]:
    seed_registers(notice_uow)
    return notice_uow


def test_a_notice_goes_to_each_contact_point_and_is_acknowledged_by_link(
        ready: Callable[[], NoticeUnitOfWork], smtp: SmtpServer) -> None:
    config = config_for(smtp)
    draft = create_notice(ready, upgrade_notice(), by="kari", now=NOW)
    assert draft.id is not None and draft.status is NoticeStatus.DRAFT
    result = send_notice(ready, config, draft.id, by="kari", now=NOW)
    assert result.notice.status is NoticeStatus.PLANNED
    assert result.not_reached == (LILLEHAMMER,)
    run = deliver_notices(ready, config, now=at(NOW))
    assert len(run.sent) == 3 and not run.failed
    assert sorted(a for m in smtp.mails for a in m.rcpt_tos) == sorted([GJOVIK_MAIL, HAMAR_MAIL, OWN])
    mail = to(smtp.mails, GJOVIK_MAIL)[0]
    assert mail.subject == "Varsel: Oppgradering av DIPS Arena (onsdag 10. februar 2027 kl. 22:00)"
    for text in ("PLO-meldinger til og fra sykehuset stopper", "Ansvarlig for endringen: Sykehuset Innlandet, IKT",
                 "fra onsdag 10. februar 2027 kl. 22:00 til torsdag 11. februar 2027 kl. 02:00",
                 "Kontaktperson: IKT-vakt", "Beredskapsrutine", "innen utgangen av onsdag 3. februar 2027"):
        assert text in mail.body, text
    assert mail.message.get_body(("html",)) is not None
    ics = [p for p in mail.message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert len(ics) == 1
    from icalendar import Calendar

    event = Calendar.from_ical(ics[0].get_content()).walk("VEVENT")[0]
    assert event.decoded("dtstart") == local_moment("2027-02-10 22:00")
    assert "bekreft" not in to(smtp.mails, OWN)[0].body.lower().split("endringskanalen")[0]
    assert deliver_notices(ready, config, now=at(NOW)).sent == []  # nothing twice

    def states(moment: datetime) -> dict[str, RecipientState]:
        with ready() as uow:
            return {r.key: r.state(moment) for r in uow.notices.recipients(draft.id)}

    assert states(NOW)[GJOVIK_MAIL] is RecipientState.SENT
    assert states(NOW)[f"part:{LILLEHAMMER}"] is RecipientState.NOT_REACHED
    done = acknowledge_link(ready, config, token_in(mail), now=NOW + timedelta(hours=2))
    assert not done.already and done.recipient.email == GJOVIK_MAIL
    assert acknowledge_link(ready, config, token_in(mail), now=NOW + timedelta(hours=3)).already
    with pytest.raises(TokenError):
        acknowledge_link(ready, config, token_in(mail)[:-2] + "xx", now=NOW)
    late = local_moment("2027-02-04 00:00")  # Monday's notice: due by the end of Wednesday
    assert states(late)[GJOVIK_MAIL] is RecipientState.ACKNOWLEDGED
    assert states(late)[HAMAR_MAIL] is RecipientState.OVERDUE
    assert [o.recipient.email for o in overdue(ready, config, now=late)] == [HAMAR_MAIL]
    acknowledge_by_hand(ready, draft.id, HAMAR, by="kari", now=late)
    assert overdue(ready, config, now=late) == []


def test_the_rules_refuse_and_the_overrides_are_recorded(ready: Callable[[], NoticeUnitOfWork]) -> None:
    config = config_for(None)
    short = create_notice(ready, upgrade_notice("2027-02-05 22:00", "2027-02-05 23:00"), by="kari", now=NOW)
    assert short.id is not None
    with pytest.raises(NoticeError, match=r"minst én uke.*--urgent-reason"):
        send_notice(ready, config, short.id, by="kari", now=NOW)
    with ready() as uow:
        assert uow.notices.get(short.id) == short and uow.mail.list() == []  # nothing changed
    sent = send_notice(ready, config, short.id, by="kari", now=NOW, urgent_reason="Kritisk sikkerhetsfeil").notice
    assert sent.urgent_reason == "Kritisk sikkerhetsfeil" and sent.freeze_reason is None
    assert "hastevarsel" in sent.deviations[0]
    with ready() as uow:
        uow.notices.put_freeze(FreezePeriod(organisation=HAMAR, kind=FreezeKind.OTHER, first=date(2027, 2, 22),
                                            last=date(2027, 2, 26), name="Vinterferie Hamar 2027",
                                            source="Hamar kommunes skolerute"))
        uow.commit()
    winter = create_notice(ready, upgrade_notice("2027-02-24 22:00", "2027-02-24 23:00"), by="kari", now=NOW)
    assert winter.id is not None
    with pytest.raises(NoticeError, match=r"Vinterferie Hamar 2027.*part 8979556.*--freeze-reason"):
        send_notice(ready, config, winter.id, by="kari", now=NOW)
    only_gjovik = edit_notice(ready, config, winter.id, {"audience": Audience(partners=(GJOVIK,))}, by="kari",
                              reason="Gjelder bare Gjøvik", now=NOW)
    assert send_notice(ready, config, only_gjovik.id or 0, by="kari", now=NOW).notice.freeze_reason is None
    easter = create_notice(ready, upgrade_notice("2027-03-24 22:00", "2027-03-24 23:00"), by="kari", now=NOW)
    with pytest.raises(NoticeError, match=r"Påskeferie 2027.*egen organisasjon"):
        send_notice(ready, config, easter.id or 0, by="kari", now=NOW)
    overridden = send_notice(ready, config, easter.id or 0, by="kari", now=NOW, freeze_reason="Leverandørens frist")
    assert overridden.notice.freeze_periods and "Påskeferie 2027" in overridden.notice.freeze_periods[0]
    # Both overrides are broken rules of the procedure, kept in the deviation register once each.
    with ready() as uow:
        breaches = {d.source_ref: d for d in uow.deviations.list()}
    assert set(breaches) == {f"notice:{short.id}:v1:lead", f"notice:{easter.id}:v1:freeze"}
    assert breaches[f"notice:{short.id}:v1:lead"].title.startswith("Varsel sendt med kortere frist enn én uke")
    assert "Leverandørens frist" in breaches[f"notice:{easter.id}:v1:freeze"].description


def test_changing_the_time_or_cancelling_renotifies_every_recipient(
        ready: Callable[[], NoticeUnitOfWork], smtp: SmtpServer) -> None:
    config = config_for(smtp)
    notice = create_notice(ready, upgrade_notice(), by="kari", now=NOW)
    assert notice.id is not None
    send_notice(ready, config, notice.id, by="kari", now=NOW)
    deliver_notices(ready, config, now=at(NOW))
    acknowledge_link(ready, config, token_in(to(smtp.mails, GJOVIK_MAIL)[0]), now=NOW)
    with pytest.raises(NoticeError, match="begrunnelse"):
        edit_notice(ready, config, notice.id, {"title": "Ny tittel"}, by="kari", reason=" ", now=NOW)
    moved = edit_notice(ready, config, notice.id, {"start": local_moment("2027-02-17 22:00"),
                                                   "end": local_moment("2027-02-18 01:00")},
                        by="kari", reason="Leverandøren ba om en uke til", now=NOW + timedelta(hours=1))
    assert moved.version == 2
    deliver_notices(ready, config, now=at(NOW + timedelta(hours=1)))
    second = to(smtp.mails, GJOVIK_MAIL)[1]
    assert second.subject.startswith("Endret varsel:") and "Leverandøren ba om en uke til" in second.body
    with pytest.raises(NoticeError, match="endret siden"):
        acknowledge_link(ready, config, token_in(to(smtp.mails, HAMAR_MAIL)[0]), now=NOW + timedelta(hours=2))
    with ready() as uow:
        states = {r.key: r.state(NOW + timedelta(hours=2)) for r in uow.notices.recipients(notice.id)}
        assert states[GJOVIK_MAIL] is RecipientState.SENT  # the new version needs a new answer
        assert [e.action for e in uow.notices.edits(notice.id)] == ["created", "sent", "edited"]
        assert uow.notices.edits(notice.id)[-1].changes["start"]["before"].startswith("2027-02-10T21:00")
    cancel_notice(ready, config, notice.id, by="kari", reason="Oppgraderingen er utsatt på ubestemt tid",
                  now=NOW + timedelta(days=1))
    deliver_notices(ready, config, now=at(NOW + timedelta(days=1)))
    for address in (GJOVIK_MAIL, HAMAR_MAIL, OWN):
        assert [m.subject.split(":")[0] for m in to(smtp.mails, address)] == ["Varsel", "Endret varsel", "Avlyst"]
    with pytest.raises(NoticeError, match="avlyst"):
        edit_notice(ready, config, notice.id, {"title": "x"}, by="kari", reason="x", now=NOW)


def test_time_moves_notices_and_completion_is_announced(ready: Callable[[], NoticeUnitOfWork], smtp: SmtpServer
                                                        ) -> None:
    config = config_for(smtp)
    notice = create_notice(ready, upgrade_notice(), by="kari", now=NOW)
    send_notice(ready, config, notice.id or 0, by="kari", now=NOW)
    assert advance(ready, config, now=local_moment("2027-02-10 22:30")).started == (notice.id,)
    assert advance(ready, config, now=local_moment("2027-02-11 02:00")).completed == (notice.id,)
    deliver_notices(ready, config, now=at(local_moment("2027-02-11 02:00")))
    assert [m.subject for m in to(smtp.mails, GJOVIK_MAIL)][-1] == "Fullført: Oppgradering av DIPS Arena"
    other = create_notice(ready, upgrade_notice("2027-03-01 22:00", "2027-03-01 23:00"), by="kari", now=NOW)
    send_notice(ready, config, other.id or 0, by="kari", now=NOW)
    assert complete_notice(ready, config, other.id or 0, by="kari", now=NOW).status is NoticeStatus.COMPLETED
    minor = create_notice(ready, upgrade_notice(kind=NoticeKind.MINOR, title="Ny versjon av meldingsloggen"),
                          by="kari", now=NOW)
    with pytest.raises(NoticeError, match="publiser"):
        send_notice(ready, config, minor.id or 0, by="kari", now=NOW)
    assert publish_minor(ready, minor.id or 0, by="kari", now=NOW).published_at == NOW


def test_overdue_answers_are_reminded_once_then_escalated_once(ready: Callable[[], NoticeUnitOfWork],
                                                               smtp: SmtpServer) -> None:
    config = config_for(smtp)
    notice = create_notice(ready, upgrade_notice(kind=NoticeKind.CERTIFICATE, title="Nytt virksomhetssertifikat"),
                           by="kari", now=NOW)
    result = send_notice(ready, config, notice.id or 0, by="kari", now=NOW)
    assert {r.email for r in result.recipients if r.reached} == {HAMAR_CERT, OWN}  # purpose «sertifikat»
    deliver_notices(ready, config, now=at(NOW))
    wednesday_night = local_moment("2027-02-04 00:00")
    first = follow_up(ready, config, now=wednesday_night)
    assert [r.email for r in first.reminded] == [HAMAR_CERT] and first.escalated == ()
    assert follow_up(ready, config, now=wednesday_night + timedelta(hours=1)).reminded == ()
    deliver_notices(ready, config, now=at(wednesday_night))
    assert to(smtp.mails, HAMAR_CERT)[-1].subject.startswith("Påminnelse:")
    friday = local_moment("2027-02-05 23:59")
    assert follow_up(ready, config, now=friday).escalated == ()  # the reminder is due by the end of Friday
    friday = local_moment("2027-02-06 00:00")
    assert follow_up(ready, config, now=friday).escalated == (notice.id,)
    assert follow_up(ready, config, now=friday + timedelta(days=3)).escalated == ()
    with ready() as uow:  # an acknowledgement overdue is a broken rule of the procedure, registered once
        (breach,) = [d for d in uow.deviations.list() if (d.source_ref or "").startswith(f"notice:{notice.id}:")]
    assert breach.title == f"Varsel {notice.id} er ikke bekreftet innen to arbeidsdager"
    assert breach.partner_her_ids == (HAMAR,)
    from samhandling.domain.monitoring.causes import AlertCause
    from samhandling.services.notices.monitoring import notice_findings

    with ready() as uow:
        findings = [f for f in notice_findings(uow, friday) if f.cause is AlertCause.NOTICE_UNANSWERED]
    assert [(f.partner_her_id, len(f.details)) for f in findings] == [(HAMAR, 1)]
    assert HAMAR_CERT in findings[0].details[0]
    acknowledge_by_hand(ready, notice.id or 0, HAMAR, by="kari", now=friday)
    with ready() as uow:
        assert [f for f in notice_findings(uow, friday) if f.cause is AlertCause.NOTICE_UNANSWERED] == []


def test_our_expiring_certificate_proposes_one_certificate_notice(ready: Callable[[], NoticeUnitOfWork],
                                                                  smtp: SmtpServer) -> None:
    from samhandling.domain.registers.certificates import Certificate, CertificateUsage
    from samhandling.services.notices import NoticeStep
    from samhandling.services.notices.certificates import propose_certificate_notices
    from tests.support.notice_store import HOSPITAL

    with ready() as uow:
        uow.registers.certificates.put(Certificate(
            her_id=HOSPITAL, serial="0a1b2c", subject="CN=Sykehuset Innlandet HF", usage=CertificateUsage.SIGNING,
            valid_from=NOW - timedelta(days=700), valid_to=NOW + timedelta(days=30)))
        uow.registers.certificates.put(Certificate(
            her_id=HAMAR, serial="0d0e0f", subject="CN=Hamar kommune", usage=CertificateUsage.SIGNING,
            valid_from=NOW - timedelta(days=700), valid_to=NOW + timedelta(days=20)))  # not ours
        uow.commit()
    config = config_for(smtp)
    drafts = propose_certificate_notices(ready, config, now=NOW)
    assert len(drafts) == 1 and drafts[0].kind is NoticeKind.CERTIFICATE and drafts[0].status is NoticeStatus.DRAFT
    assert "SERIENUMMER A1B2C" in drafts[0].description.upper() and drafts[0].start >= NOW + timedelta(days=7)
    assert propose_certificate_notices(ready, config, now=NOW + timedelta(days=1)) == []
    step = NoticeStep(ready, config, clock=lambda: NOW + timedelta(days=2))
    assert step()["proposed"] == 0


def test_the_monitoring_alerts_our_meldingsansvarlig_once_for_an_unanswered_notice(
        ready: Callable[[], NoticeUnitOfWork], smtp: SmtpServer) -> None:
    from samhandling.domain.monitoring.causes import AlertCause
    from samhandling.services.monitoring.monitor import MonitorConfig, evaluate
    from samhandling.services.monitoring.notify import NotifyConfig

    config = config_for(smtp)
    first = create_notice(ready, upgrade_notice(), by="kari", now=NOW)
    second = create_notice(ready, upgrade_notice("2027-02-24 22:00", "2027-02-24 23:00", title="Ny brannmur"),
                           by="kari", now=NOW)
    for notice in (first, second):
        send_notice(ready, config, notice.id or 0, by="kari", now=NOW, freeze_reason="Avtalt")
    deliver_notices(ready, config, now=at(NOW))
    follow_up(ready, config, now=local_moment("2027-02-04 00:00"))
    saturday = local_moment("2027-02-06 00:00")
    follow_up(ready, config, now=saturday)
    monitor = MonitorConfig(notify=NotifyConfig(smtp=Smtp.from_url(smtp.url), sender="samhandling@s.test",
                                                meldingsansvarlig=(OWN,)))
    before = len(smtp.mails)
    for hours in (0, 1, 2):
        evaluate(ready, monitor, now=saturday + timedelta(hours=hours))
    with ready() as uow:
        alerts = [a for a in uow.monitor.open_alerts() if a.cause is AlertCause.NOTICE_UNANSWERED]
    assert sorted(a.partner_her_id or "" for a in alerts) == sorted([GJOVIK, HAMAR])  # one per partner
    assert all(len(a.details) == 2 for a in alerts)  # naming both notices
    new = smtp.mails[before:]
    assert len(new) == 2 and all(m.rcpt_tos == [OWN] for m in new)  # ours only, once per alert
    acknowledge_by_hand(ready, first.id or 0, GJOVIK, by="kari", now=saturday)
    acknowledge_by_hand(ready, second.id or 0, GJOVIK, by="kari", now=saturday)
    evaluate(ready, monitor, now=saturday + timedelta(hours=3))
    with ready() as uow:
        still = [a.partner_her_id for a in uow.monitor.open_alerts() if a.cause is AlertCause.NOTICE_UNANSWERED]
    assert still == [HAMAR]
