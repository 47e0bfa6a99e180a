"""The monitoring's store (``uow.monitor``) on memory, SQLite and PostgreSQL: alerts with one open alert per
cause and partner, handled messages, the facts the rules read (without patient data), transport attempts,
queue samples, line tests and mails (one per alert and kind, one summary per day)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

import pytest

from samhandling.domain.messaging.messages import MessageState
from samhandling.domain.monitoring.alerts import Alert
from samhandling.domain.monitoring.causes import AlertCause
from samhandling.domain.monitoring.transport import QueueSample
from samhandling.store.monitoring import repository as monitor_repository
from samhandling.store.monitoring.repository import DuplicateOpenAlertError
from samhandling.store.monitoring.values import AttemptKind, LineTest, MailKind, MonitorMail, TransportAttempt
from samhandling.store.unit_of_work import UnitOfWork
from tests.support.stores import HOME_CARE, PATIENT, T0, WARD, incoming, outgoing

HOUR = timedelta(hours=1)


def alert(cause: AlertCause = AlertCause.RECEIPT_OVERDUE, partner: str | None = "8200", **changes: object) -> Alert:
    values: dict[str, object] = {"cause": cause, "partner_her_id": partner, "opened_at": T0, "since": T0 - HOUR,
                                 "last_seen_at": T0, "message_ids": (), "details": ("Melding 1: LOG_INNLAGT",)}
    values.update(changes)
    return Alert(**values)  # type: ignore[arg-type]


def test_alerts_are_stored_and_one_is_open_per_cause_and_partner(new_uow: Callable[[], UnitOfWork]) -> None:
    with new_uow() as uow:
        first = uow.monitor.add_alert(alert(details=("Pasient 01015000232",)))
        node_wide = uow.monitor.add_alert(alert(AlertCause.POLL_FAILING, None))
        uow.commit()
    assert first.id is not None and node_wide.id is not None
    with new_uow() as uow:
        with pytest.raises(DuplicateOpenAlertError):
            uow.monitor.add_alert(alert(opened_at=T0 + HOUR))
        with pytest.raises(DuplicateOpenAlertError):
            uow.monitor.add_alert(alert(AlertCause.POLL_FAILING, None))  # "" counts as a partner: no NULL loophole
        other = uow.monitor.add_alert(alert(partner="8300"))  # another partner: fine
        uow.commit()
    with new_uow() as uow:
        stored = uow.monitor.get_alert(first.id)
        assert stored is not None and stored.details == ("Pasient 010150*****",)  # masked
        assert stored.partner_her_id == "8200" and uow.monitor.get_alert(node_wide.id).partner_her_id is None  # type: ignore[union-attr]
        assert [a.id for a in uow.monitor.open_alerts()] == [first.id, node_wide.id, other.id]
        done = uow.monitor.save_alert(replace(stored, resolved_at=T0 + HOUR, resolution="Løst manuelt."))
        again = uow.monitor.add_alert(alert(opened_at=T0 + 2 * HOUR))  # the old one is resolved: a new may open
        uow.commit()
    with new_uow() as uow:
        assert [a.id for a in uow.monitor.open_alerts()] == [node_wide.id, other.id, again.id]
        assert [a.id for a in uow.monitor.list_alerts(include_resolved=True)][-1] == done.id
        assert uow.monitor.get_alert(999) is None


def test_the_receipt_facts_come_without_patient_data_and_leave_out_what_is_handled(
    new_uow: Callable[[], UnitOfWork],
) -> None:
    with new_uow() as uow:
        waiting = uow.messages.add(outgoing())
        uow.messages.update_state(waiting.id or 0, MessageState.SENT, at=T0)
        negative = uow.messages.add(outgoing())
        uow.messages.update_state(negative.id or 0, MessageState.RECEIPT_REJECTED, error_codes=["E35"], at=T0)
        partly = uow.messages.add(outgoing())
        uow.messages.update_state(partly.id or 0, MessageState.RECEIPT_OK, error_codes=["E32"], at=T0)
        fine = uow.messages.add(outgoing())
        uow.messages.update_state(fine.id or 0, MessageState.RECEIPT_OK, error_codes=[], at=T0)
        apprec_sent = uow.messages.add(outgoing(is_apprec=True, msg_type="APPREC"))
        uow.messages.update_state(apprec_sent.id or 0, MessageState.SENT, at=T0)
        apprec_queued = uow.messages.add(outgoing(is_apprec=True, msg_type="APPREC"))
        rejected = uow.messages.add(incoming())
        uow.messages.update_state(rejected.id or 0, MessageState.REJECTED, error_codes=["E31"], at=T0)
        accepted = uow.messages.add(incoming())
        uow.messages.update_state(accepted.id or 0, MessageState.ACCEPTED, at=T0)
        uow.commit()
    with new_uow() as uow:
        found = uow.monitor.receipt_candidates()
    ids = [m.id for m in found]
    assert ids == [waiting.id, negative.id, partly.id, apprec_queued.id, rejected.id]
    assert all(m.raw == b"" and m.patient_ref is None for m in found)
    assert PATIENT not in repr(found)

    with new_uow() as uow:
        uow.monitor.mark_handled(alert(AlertCause.NEGATIVE_RECEIPT, message_ids=(negative.id, 999)), at=T0)
        uow.monitor.mark_handled(alert(AlertCause.RECEIPT_WARNING, message_ids=(waiting.id,)), at=T0)
        uow.monitor.mark_handled(alert(AlertCause.NEGATIVE_RECEIPT, message_ids=(negative.id,)), at=T0)  # twice: ok
        uow.commit()
    with new_uow() as uow:
        assert uow.monitor.handled() == {(AlertCause.NEGATIVE_RECEIPT, negative.id),
                                         (AlertCause.RECEIPT_WARNING, waiting.id)}
        # A final state handled is read no more; a waiting message still is (its cause may change).
        assert [m.id for m in uow.monitor.receipt_candidates()] == [waiting.id, partly.id, apprec_queued.id,
                                                                   rejected.id]


def test_the_outbox_activity_counts_and_latencies(new_uow: Callable[[], UnitOfWork]) -> None:
    with new_uow() as uow:
        queued = uow.messages.add(outgoing())
        uow.outbox.enqueue(queued.id or 0, at=T0)
        (item,) = uow.outbox.claim("w", now=T0)
        uow.outbox.mark_failed(item, "Tidsavbrudd for 01015000232", at=T0)
        answered = uow.messages.add(outgoing(created_at=T0, updated_at=T0))
        uow.messages.update_state(answered.id or 0, MessageState.SENT, at=T0 + timedelta(seconds=1))
        uow.messages.update_state(answered.id or 0, MessageState.RECEIPT_OK, at=T0 + timedelta(seconds=90))
        uow.messages.add(incoming(created_at=T0 - timedelta(days=3)))
        uow.messages.add(incoming(created_at=T0 - HOUR))
        uow.commit()
    with new_uow() as uow:
        (pending,) = uow.monitor.pending_sends()
        assert pending.message_id == queued.id and pending.recipient_her_id == HOME_CARE
        assert pending.attempts == 1 and pending.last_error == "Tidsavbrudd for 010150*****"
        assert uow.monitor.outbox_size() == 1
        assert uow.monitor.incoming_activity(T0 - timedelta(days=1)) == [(HOME_CARE, T0 - HOUR)]
        counts = {(c.direction.value, c.state.value, c.counterpart_her_id): c.count
                  for c in uow.monitor.message_counts()}
        assert counts == {("outgoing", "queued", HOME_CARE): 1, ("outgoing", "receipt_ok", HOME_CARE): 1,
                          ("incoming", "received", HOME_CARE): 2}
        assert uow.monitor.receipt_latencies() == [90.0]
        day = uow.monitor.messages_between(T0 - 2 * HOUR, T0 + HOUR)
        assert [m.created_at for m in day] == [T0 - HOUR, T0, T0] and all(m.raw == b"" for m in day)


def test_transport_attempts_and_queue_samples_keep_the_newest(
    new_uow: Callable[[], UnitOfWork], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(monitor_repository, "KEEP_ATTEMPTS", 3)
    with new_uow() as uow:
        for minute in range(5):
            uow.monitor.record_attempt(TransportAttempt(kind=AttemptKind.POLL, at=T0 + minute * timedelta(minutes=1),
                                                        ok=minute != 4, error="nede" if minute == 4 else ""))
        uow.monitor.record_attempt(TransportAttempt(kind=AttemptKind.SEND, at=T0, ok=True, her_id=WARD))
        for hours in (0, 20, 30):
            uow.monitor.add_queue_sample(QueueSample(at=T0 + hours * HOUR, size=hours))
        uow.commit()
    with new_uow() as uow:
        polls = uow.monitor.attempts(AttemptKind.POLL)
        assert [(a.at - T0, a.ok) for a in polls] == [(timedelta(minutes=4), False), (timedelta(minutes=3), True),
                                                      (timedelta(minutes=2), True)]
        assert polls[0].error == "nede"
        assert [a.her_id for a in uow.monitor.attempts(AttemptKind.SEND)] == [WARD]
        assert [s.size for s in uow.monitor.queue_samples(T0 - HOUR)] == [20, 30]  # older than a day: gone
        assert [s.size for s in uow.monitor.queue_samples(T0 + 25 * HOUR)] == [30]


def test_line_tests(new_uow: Callable[[], UnitOfWork]) -> None:
    with new_uow() as uow:
        message = uow.messages.add(outgoing())
        first = uow.monitor.add_line_test(LineTest(her_id=HOME_CARE, partner_her_id="8979555",
                                                   message_id=message.id, msg_id=message.msg_id, started_at=T0))
        second = uow.monitor.add_line_test(LineTest(her_id="8201", partner_her_id="8200", message_id=None,
                                                    msg_id="x", started_at=T0 + HOUR))
        uow.commit()
    assert first.pending and first.result() is None
    with new_uow() as uow:
        done = uow.monitor.save_line_test(replace(first, ok=True, finished_at=T0 + timedelta(seconds=3),
                                                  round_trip=timedelta(seconds=2.5), detail="OK"))
        uow.commit()
    with new_uow() as uow:
        assert uow.monitor.get_line_test(first.id or 0) == done
        assert [t.id for t in uow.monitor.line_tests()] == [second.id, first.id]
        assert [t.id for t in uow.monitor.line_tests(pending=True)] == [second.id]
        assert [t.id for t in uow.monitor.line_tests(pending=False, her_id=HOME_CARE)] == [first.id]
        assert uow.monitor.line_test_message_ids() == {message.id}
        assert uow.monitor.is_line_test(message.id or 0) and not uow.monitor.is_line_test(999)
    result = done.result()
    assert result is not None and result.ok and result.partner_her_id == "8979555"
    assert done.round_trip == timedelta(seconds=2.5)


def test_one_mail_per_alert_and_kind_and_one_summary_per_day(new_uow: Callable[[], UnitOfWork]) -> None:
    with new_uow() as uow:
        stored = uow.monitor.add_alert(alert())
        uow.commit()
    assert stored.id is not None

    def mail(kind: MailKind, **changes: object) -> MonitorMail:
        values: dict[str, object] = {"kind": kind, "alert_id": stored.id, "subject": "Emne", "body": "Tekst",
                                     "recipients": ("a@b.test",), "created_at": T0}
        values.update(changes)
        return MonitorMail(**values)  # type: ignore[arg-type]

    with new_uow() as uow:
        opened = uow.monitor.add_mail(mail(MailKind.OPENED, body="Fnr 01015000232"))
        assert uow.monitor.add_mail(mail(MailKind.OPENED)) is None
        resolved = uow.monitor.add_mail(mail(MailKind.RESOLVED))
        daily = uow.monitor.add_mail(mail(MailKind.DAILY, alert_id=None, day=date(2025, 3, 13)))
        assert uow.monitor.add_mail(mail(MailKind.DAILY, alert_id=None, day=date(2025, 3, 13))) is None
        uow.commit()
    assert opened is not None and resolved is not None and daily is not None
    assert opened.body == "Fnr 010150*****"
    with new_uow() as uow:
        assert [m.id for m in uow.monitor.unsent_mails()] == [opened.id, resolved.id, daily.id]
        claimed = uow.monitor.claim_mail(opened.id or 0, now=T0, until=T0 + HOUR)
        assert claimed is not None and claimed.claim_until == T0 + HOUR
        assert uow.monitor.claim_mail(opened.id or 0, now=T0, until=T0 + HOUR) is None  # held by the first
        uow.monitor.mail_failed(opened.id or 0, "Får ikke kontakt", at=T0)
        assert uow.monitor.claim_mail(opened.id or 0, now=T0, until=T0 + HOUR) is not None  # free again
        uow.monitor.mail_sent(opened.id or 0, at=T0 + HOUR)
        uow.commit()
    with new_uow() as uow:
        assert [m.id for m in uow.monitor.unsent_mails()] == [resolved.id, daily.id]
        sent = next(m for m in uow.monitor.list_mails() if m.id == opened.id)
        assert sent.sent_at == T0 + HOUR and sent.attempts == 2 and sent.last_error is None
        assert uow.monitor.claim_mail(opened.id or 0, now=T0, until=T0 + HOUR) is None  # sent: never again
    with pytest.raises(ValueError):
        mail(MailKind.DAILY)  # a summary belongs to a day, not an alert

