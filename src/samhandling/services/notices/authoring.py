"""Writing notices and moving them through their states: ``draft → planned → in_progress → completed |
cancelled``. Every change is kept with who, when and a required reason (``notice_edits``). Changing the content
or time of a sent notice, or cancelling it, makes a new version and re-notifies every recipient (the time
change is checked against the rules again); completion sends a short completion notice. :func:`advance` moves
notices by time: planned ones whose window has begun are in progress, those whose window is over completed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from samhandling.domain.notices.model import (
    RENOTIFY,
    NoticeEdit,
    NoticeError,
    NoticeKind,
    NoticeStatus,
    Varsel,
    check_transition,
    differences,
)
from samhandling.services.notices.config import NoticeConfig
from samhandling.services.notices.mails import MailWhat
from samhandling.services.notices.sending import affected_partners, check_rules, get_notice, notify_all, queue_mail
from samhandling.store.notices.unit_of_work import NoticeUnitOfWork


def _edit(uow: NoticeUnitOfWork, notice: Varsel, *, by: str, at: datetime, reason: str, action: str,
          changes: dict[str, Any]) -> None:
    assert notice.id is not None
    uow.notices.add_edit(NoticeEdit(notice_id=notice.id, version=notice.version, at=at, by=by, reason=reason,
                                    action=action, changes=changes))


def create_notice(new_uow: Callable[[], NoticeUnitOfWork], notice: Varsel, *, by: str, now: datetime,
                  reason: str = "Nytt varsel") -> Varsel:
    """Store a new draft (``notice`` as a draft, version 1)."""
    draft = notice.with_changes(id=None, status=NoticeStatus.DRAFT, version=1, created_at=now, created_by=by,
                                sent_at=None, published_at=None, closed_at=None)
    if draft.audience.empty and draft.kind is not NoticeKind.MINOR:
        raise NoticeError("Oppgi hvem varselet gjelder: --all, --partner HER-ID eller --system NAVN.")
    with new_uow() as uow:
        affected_partners(uow, draft)  # unknown partners are refused
        stored = uow.notices.add(draft)
        _edit(uow, stored, by=by, at=now, reason=reason, action="created", changes={})
        uow.commit()
    return stored


def edit_notice(new_uow: Callable[[], NoticeUnitOfWork], config: NoticeConfig, notice_id: int,
                changes: dict[str, Any], *, by: str, reason: str, now: datetime, urgent_reason: str | None = None,
                freeze_reason: str | None = None) -> Varsel:
    """Change fields of a notice. A sent notice gets a new version, is checked against the rules again when its
    time changes, and is sent again to every recipient."""
    with new_uow() as uow:
        before = get_notice(uow, notice_id)
        if before.status.closed:
            raise NoticeError(f"Varsel {notice_id} er {before.status.label} og kan ikke endres.")
        after = before.with_changes(**changes)
        found = differences(before, after)
        if not found:
            raise NoticeError("Ingen endringer: de nye verdiene er de samme som før.")
        NoticeEdit(notice_id=notice_id, version=1, at=now, by=by, reason=reason, action="edited")  # checks reason
        affected_partners(uow, after)
        renotify = before.status is not NoticeStatus.DRAFT and bool(RENOTIFY & found.keys())
        if renotify:
            after = after.with_changes(version=before.version + 1)
            if {"start", "end", "audience"} & found.keys():
                after = check_rules(uow, after, config, now=now, urgent_reason=urgent_reason or before.urgent_reason,
                                    freeze_reason=freeze_reason or before.freeze_reason)
        uow.notices.save(after)
        _edit(uow, after, by=by, at=now, reason=reason, action="edited", changes=found)
        if renotify and after.mailed:
            notify_all(uow, after, config, MailWhat.NOTICE, now=now, reason=reason)
        uow.commit()
    return after


def cancel_notice(new_uow: Callable[[], NoticeUnitOfWork], config: NoticeConfig, notice_id: int, *, by: str,
                  reason: str, now: datetime) -> Varsel:
    """Cancel a notice; one that was sent goes out again as cancelled, to every recipient."""
    with new_uow() as uow:
        before = get_notice(uow, notice_id)
        check_transition(before.status, NoticeStatus.CANCELLED)
        sent = before.sent_at is not None
        after = before.with_changes(status=NoticeStatus.CANCELLED, closed_at=now,
                                    version=before.version + 1 if sent else before.version)
        uow.notices.save(after)
        _edit(uow, after, by=by, at=now, reason=reason, action="cancelled",
              changes={"status": {"before": before.status.value, "after": "cancelled"}})
        if sent and after.mailed:
            notify_all(uow, after, config, MailWhat.CANCELLED, now=now, reason=reason)
        uow.commit()
    return after


def _complete(uow: NoticeUnitOfWork, config: NoticeConfig, before: Varsel, *, by: str, reason: str,
              now: datetime) -> Varsel:
    check_transition(before.status, NoticeStatus.COMPLETED)
    after = before.with_changes(status=NoticeStatus.COMPLETED, closed_at=now)
    uow.notices.save(after)
    _edit(uow, after, by=by, at=now, reason=reason, action="completed",
          changes={"status": {"before": before.status.value, "after": "completed"}})
    if after.mailed and after.sent_at is not None:
        for recipient in uow.notices.recipients(after.id):
            queue_mail(uow, after, recipient, MailWhat.COMPLETED, config, now=now)
    return after


def complete_notice(new_uow: Callable[[], NoticeUnitOfWork], config: NoticeConfig, notice_id: int, *, by: str,
                    now: datetime, reason: str = "Endringen er gjennomført") -> Varsel:
    """Mark a notice completed by hand and send the short completion notice to its recipients."""
    with new_uow() as uow:
        after = _complete(uow, config, get_notice(uow, notice_id), by=by, reason=reason, now=now)
        uow.commit()
    return after


def publish_minor(new_uow: Callable[[], NoticeUnitOfWork], notice_id: int, *, by: str, now: datetime) -> Varsel:
    """Publish a minor change in the public change channel, without mail."""
    with new_uow() as uow:
        before = get_notice(uow, notice_id)
        if before.kind is not NoticeKind.MINOR:
            raise NoticeError(f"Varsel {notice_id} er «{before.kind.label}» og sendes med «notices send»; bare "
                              "mindre endringer publiseres uten e-post.")
        if before.published_at is not None:
            raise NoticeError(f"Varsel {notice_id} er allerede publisert.")
        check_transition(before.status, NoticeStatus.PLANNED)
        after = before.with_changes(status=NoticeStatus.PLANNED, published_at=now)
        uow.notices.save(after)
        _edit(uow, after, by=by, at=now, reason="Publisert i endringskanalen", action="published",
              changes={"status": {"before": "draft", "after": "planned"}})
        uow.commit()
    return after


@dataclass(frozen=True)
class Advanced:
    started: tuple[int, ...]
    completed: tuple[int, ...]


def advance(new_uow: Callable[[], NoticeUnitOfWork], config: NoticeConfig, *, now: datetime,
            by: str = "samhandling") -> Advanced:
    """Move notices by time: planned → in progress at the start, → completed at the expected end."""
    started: list[int] = []
    completed: list[int] = []
    with new_uow() as uow:
        for notice in uow.notices.list((NoticeStatus.PLANNED, NoticeStatus.IN_PROGRESS)):
            assert notice.id is not None
            if notice.end <= now:
                _complete(uow, config, notice, by=by, reason="Forventet slutt er passert", now=now)
                completed.append(notice.id)
            elif notice.start <= now and notice.status is NoticeStatus.PLANNED:
                after = notice.with_changes(status=NoticeStatus.IN_PROGRESS)
                uow.notices.save(after)
                _edit(uow, after, by=by, at=now, reason="Starttidspunktet er nådd", action="started",
                      changes={"status": {"before": "planned", "after": "in_progress"}})
                started.append(notice.id)
        uow.commit()
    return Advanced(tuple(started), tuple(completed))
