"""Storage of notices, their edits, recipients and freeze periods, and the general mail outbox: memory, SQLite
and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from samhandling.domain.notices.freeze import OWN as OWN_ORG
from samhandling.domain.notices.freeze import FreezeKind, FreezePeriod
from samhandling.domain.notices.model import Audience, NoticeEdit, NoticeStatus
from samhandling.domain.notices.recipients import Recipient
from samhandling.store.mail.repository import Attachment, OutgoingMail
from samhandling.store.notices.unit_of_work import NoticeUnitOfWork
from tests.support.notice_store import GJOVIK, GJOVIK_MAIL, NOW, notice_uow, upgrade_notice

__all__ = ["notice_uow"]


def test_notices_round_trip_with_edits_and_recipients(notice_uow: Callable[[], NoticeUnitOfWork]) -> None:
    original = upgrade_notice(audience=Audience(partners=(GJOVIK,), systems=("Gerica",)))
    with notice_uow() as uow:
        stored = uow.notices.add(original)
        assert stored.id is not None
        uow.notices.add_edit(NoticeEdit(notice_id=stored.id, version=1, at=NOW, by="kari", reason="Nytt varsel",
                                        action="created", changes={"title": {"before": None, "after": "x"}}))
        first = uow.notices.put_recipient(Recipient(notice_id=stored.id, partner_her_id=GJOVIK, email=GJOVIK_MAIL,
                                                    name="Meldingsansvarlig Gjøvik", version=1, queued_at=NOW))
        missing = uow.notices.put_recipient(Recipient(notice_id=stored.id, partner_her_id="8979557", email=None))
        uow.commit()
    with notice_uow() as uow:
        assert uow.notices.get(stored.id) == stored
        assert stored.audience.systems == ("Gerica",)
        moved = stored.with_changes(start=stored.start + timedelta(days=1), end=stored.end + timedelta(days=1),
                                    version=2, status=NoticeStatus.PLANNED, sent_at=NOW)
        uow.notices.save(moved)
        again = uow.notices.put_recipient(Recipient(**{**first.__dict__, "version": 2, "delivered_at": NOW}))
        assert again.id == first.id
        uow.commit()
    with notice_uow() as uow:
        assert uow.notices.get(stored.id) == moved
        assert [r.version for r in uow.notices.recipients(stored.id)] == [2, 0]
        assert uow.notices.recipient(missing.id or 0) == missing
        assert [e.reason for e in uow.notices.edits(stored.id)] == ["Nytt varsel"]
        assert uow.notices.list((NoticeStatus.DRAFT,)) == []
        assert uow.notices.list((NoticeStatus.PLANNED,)) == [moved]


def test_nothing_is_kept_without_commit(notice_uow: Callable[[], NoticeUnitOfWork]) -> None:
    with notice_uow() as uow:
        uow.notices.add(upgrade_notice())
        uow.mail.add(OutgoingMail(key="k", topic="t", recipients=("a@b.no",), subject="s", text_body="b",
                                  created_at=NOW))
    with notice_uow() as uow:
        assert uow.notices.list() == [] and uow.mail.list() == []


def test_freeze_periods_are_kept_per_organisation(notice_uow: Callable[[], NoticeUnitOfWork]) -> None:
    easter = FreezePeriod(organisation=GJOVIK, kind=FreezeKind.EASTER, first=date(2027, 3, 22),
                          last=date(2027, 3, 29), source="skolerute.csv", checked_on=date(2027, 1, 10))
    with notice_uow() as uow:
        assert uow.notices.put_freeze(easter)
        assert not uow.notices.put_freeze(easter)
        assert uow.notices.put_freeze(FreezePeriod(organisation=OWN_ORG, kind=FreezeKind.SUMMER,
                                                   first=date(2027, 6, 21), last=date(2027, 8, 13)))
        changed = FreezePeriod(**{**easter.__dict__, "last": date(2027, 3, 30)})
        assert uow.notices.put_freeze(changed)
        uow.commit()
    with notice_uow() as uow:
        assert uow.notices.freeze_periods(GJOVIK) == [changed]
        assert len(uow.notices.freeze_periods()) == 2


def test_the_mail_outbox_stores_a_key_once_and_claims_before_sending(notice_uow: Callable[[], NoticeUnitOfWork]
                                                                      ) -> None:
    mail = OutgoingMail(key="notice:1:v1:a@b.no", topic="notice", ref="1", recipients=("a@b.no",), subject="Varsel",
                        text_body="Tekst", html_body="<p>Tekst</p>",
                        attachments=(Attachment("varsel.ics", "text/calendar", "BEGIN:VCALENDAR"),), created_at=NOW)
    with notice_uow() as uow:
        stored = uow.mail.add(mail)
        assert uow.mail.add(mail).id == stored.id
        uow.commit()
    assert stored.id is not None
    with notice_uow() as uow:
        assert [m.id for m in uow.mail.waiting(NOW)] == [stored.id]
        taken = uow.mail.claim(stored.id, now=NOW, until=NOW + timedelta(minutes=2))
        assert taken is not None and taken.attempts == 1 and taken.attachments == mail.attachments
        assert uow.mail.claim(stored.id, now=NOW, until=NOW + timedelta(minutes=2)) is None
        assert uow.mail.waiting(NOW) == []
        uow.commit()
    later = NOW + timedelta(minutes=3)
    with notice_uow() as uow:
        assert [m.id for m in uow.mail.waiting(later)] == [stored.id]  # the claim ran out: a crash mid-send
        uow.mail.mark_failed(stored.id, "SMTP 451", at=later)
        assert uow.mail.claim(stored.id, now=later, until=later + timedelta(minutes=2)) is not None
        uow.mail.mark_sent(stored.id, at=later)
        uow.commit()
    with notice_uow() as uow:
        sent = uow.mail.get(stored.id)
        assert sent is not None and sent.sent_at == later and sent.attempts == 2 and sent.last_error is None
        assert uow.mail.waiting(later + timedelta(hours=1)) == []
        assert uow.mail.by_key(mail.key) == sent
