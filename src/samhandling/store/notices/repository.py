"""The notices' repository (notices, their edits and recipients, freeze periods), on the database and in memory.

The in-memory variant (:class:`FakeNotices`) behaves as the database does for the services' unit tests.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from sqlalchemy import Connection, Row, delete, select, update

from samhandling.domain.notices.freeze import FreezeKind, FreezePeriod
from samhandling.domain.notices.model import Audience, NoticeEdit, NoticeKind, NoticeStatus, Varsel
from samhandling.domain.notices.recipients import Recipient
from samhandling.store.notices.tables import freeze_periods, notice_edits, notice_recipients, notices


class NoticeRepository(Protocol):
    def add(self, notice: Varsel) -> Varsel: ...

    def get(self, notice_id: int) -> Varsel | None: ...

    def save(self, notice: Varsel) -> None:
        """Store the changed ``notice`` (its id must exist)."""
        ...

    def list(self, statuses: tuple[NoticeStatus, ...] | None = None) -> builtins.list[Varsel]:
        """Notices by start, optionally only those with one of ``statuses``."""
        ...

    def add_edit(self, edit: NoticeEdit) -> None: ...

    def edits(self, notice_id: int) -> builtins.list[NoticeEdit]: ...

    def put_recipient(self, recipient: Recipient) -> Recipient:
        """Store ``recipient`` by notice and key: a new one, or the stored one replaced; returns it with id."""
        ...

    def recipient(self, recipient_id: int) -> Recipient | None: ...

    def recipients(self, notice_id: int | None = None) -> builtins.list[Recipient]: ...

    def put_freeze(self, period: FreezePeriod) -> bool:
        """Store ``period`` (by organisation, kind and first day); True when it is new or changed."""
        ...

    def freeze_periods(self, organisation: str | None = None) -> builtins.list[FreezePeriod]: ...


def _audience_json(audience: Audience) -> dict[str, Any]:
    return {"everyone": audience.everyone, "partners": list(audience.partners), "systems": list(audience.systems)}


def _notice_values(n: Varsel) -> dict[str, Any]:
    return {
        "kind": n.kind.value, "title": n.title, "description": n.description, "responsible": n.responsible,
        "start_at": n.start, "end_at": n.end, "contact_name": n.contact_name, "contact_email": n.contact_email,
        "contact_phone": n.contact_phone, "contact_phone_public": n.contact_phone_public,
        "emergency_routine": n.emergency_routine, "message_types": list(n.message_types),
        "audience": _audience_json(n.audience), "status": n.status.value, "version": n.version,
        "urgent_reason": n.urgent_reason, "freeze_reason": n.freeze_reason, "freeze_periods": list(n.freeze_periods),
        "created_at": n.created_at, "created_by": n.created_by, "sent_at": n.sent_at,
        "published_at": n.published_at, "closed_at": n.closed_at,
    }


def _notice_from(row: Row[Any]) -> Varsel:
    m = row._mapping
    a = m["audience"]
    return Varsel(
        id=m["id"], kind=NoticeKind(m["kind"]), title=m["title"], description=m["description"],
        responsible=m["responsible"], start=m["start_at"], end=m["end_at"], contact_name=m["contact_name"],
        contact_email=m["contact_email"], contact_phone=m["contact_phone"],
        contact_phone_public=m["contact_phone_public"], emergency_routine=m["emergency_routine"],
        message_types=tuple(m["message_types"]),
        audience=Audience(everyone=a["everyone"], partners=tuple(a["partners"]), systems=tuple(a["systems"])),
        status=NoticeStatus(m["status"]), version=m["version"], urgent_reason=m["urgent_reason"],
        freeze_reason=m["freeze_reason"], freeze_periods=tuple(m["freeze_periods"]), created_at=m["created_at"],
        created_by=m["created_by"], sent_at=m["sent_at"], published_at=m["published_at"], closed_at=m["closed_at"],
    )


def _recipient_values(r: Recipient) -> dict[str, Any]:
    return {
        "notice_id": r.notice_id, "key": r.key, "partner_her_id": r.partner_her_id, "email": r.email,
        "name": r.name, "version": r.version, "queued_at": r.queued_at, "delivered_at": r.delivered_at,
        "acknowledged_version": r.acknowledged_version, "acknowledged_at": r.acknowledged_at,
        "acknowledged_by": r.acknowledged_by, "reminded_version": r.reminded_version, "reminded_at": r.reminded_at,
        "escalated_version": r.escalated_version,
    }


def _recipient_from(row: Row[Any]) -> Recipient:
    m = dict(row._mapping)
    m.pop("key")
    return Recipient(**m)


def _freeze_values(p: FreezePeriod) -> dict[str, Any]:
    return {"organisation": p.organisation, "kind": p.kind.value, "first_day": p.first, "last_day": p.last,
            "name": p.name, "source": p.source, "checked_on": p.checked_on}


def _freeze_from(row: Row[Any]) -> FreezePeriod:
    m = row._mapping
    return FreezePeriod(organisation=m["organisation"], kind=FreezeKind(m["kind"]), first=m["first_day"],
                        last=m["last_day"], name=m["name"], source=m["source"], checked_on=m["checked_on"])


class SqlNotices:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, notice: Varsel) -> Varsel:
        new_id = self._c.execute(notices.insert().values(**_notice_values(notice)).returning(notices.c.id)).scalar_one()
        return replace(notice, id=new_id)

    def get(self, notice_id: int) -> Varsel | None:
        row = self._c.execute(select(notices).where(notices.c.id == notice_id)).first()
        return None if row is None else _notice_from(row)

    def save(self, notice: Varsel) -> None:
        assert notice.id is not None
        self._c.execute(update(notices).where(notices.c.id == notice.id).values(**_notice_values(notice)))

    def list(self, statuses: tuple[NoticeStatus, ...] | None = None) -> builtins.list[Varsel]:
        query = select(notices).order_by(notices.c.start_at, notices.c.id)
        if statuses is not None:
            query = query.where(notices.c.status.in_([s.value for s in statuses]))
        return [_notice_from(r) for r in self._c.execute(query)]

    def add_edit(self, edit: NoticeEdit) -> None:
        self._c.execute(notice_edits.insert().values(
            notice_id=edit.notice_id, version=edit.version, at=edit.at, by=edit.by, reason=edit.reason,
            action=edit.action, changes=edit.changes))

    def edits(self, notice_id: int) -> builtins.list[NoticeEdit]:
        rows = self._c.execute(select(notice_edits).where(notice_edits.c.notice_id == notice_id)
                               .order_by(notice_edits.c.id))
        return [NoticeEdit(notice_id=r.notice_id, version=r.version, at=r.at, by=r.by, reason=r.reason,
                           action=r.action, changes=r.changes) for r in rows]

    def put_recipient(self, recipient: Recipient) -> Recipient:
        values = _recipient_values(recipient)
        found = self._c.execute(select(notice_recipients.c.id).where(
            notice_recipients.c.notice_id == recipient.notice_id, notice_recipients.c.key == recipient.key)).first()
        if found is None:
            new_id = self._c.execute(notice_recipients.insert().values(**values)
                                     .returning(notice_recipients.c.id)).scalar_one()
        else:
            new_id = found.id
            self._c.execute(update(notice_recipients).where(notice_recipients.c.id == new_id).values(**values))
        return replace(recipient, id=new_id)

    def recipient(self, recipient_id: int) -> Recipient | None:
        row = self._c.execute(select(notice_recipients).where(notice_recipients.c.id == recipient_id)).first()
        return None if row is None else _recipient_from(row)

    def recipients(self, notice_id: int | None = None) -> builtins.list[Recipient]:
        query = select(notice_recipients).order_by(notice_recipients.c.id)
        if notice_id is not None:
            query = query.where(notice_recipients.c.notice_id == notice_id)
        return [_recipient_from(r) for r in self._c.execute(query)]

    def put_freeze(self, period: FreezePeriod) -> bool:
        where = (freeze_periods.c.organisation == period.organisation, freeze_periods.c.kind == period.kind.value,
                 freeze_periods.c.first_day == period.first)
        row = self._c.execute(select(freeze_periods).where(*where)).first()
        if row is not None and _freeze_from(row) == period:
            return False
        if row is not None:
            self._c.execute(delete(freeze_periods).where(*where))
        self._c.execute(freeze_periods.insert().values(**_freeze_values(period)))
        return True

    def freeze_periods(self, organisation: str | None = None) -> builtins.list[FreezePeriod]:
        query = select(freeze_periods).order_by(freeze_periods.c.first_day, freeze_periods.c.organisation)
        if organisation is not None:
            query = query.where(freeze_periods.c.organisation == organisation)
        return [_freeze_from(r) for r in self._c.execute(query)]


@dataclass
class NoticeData:
    notices: dict[int, Varsel] = field(default_factory=dict)
    edits: list[NoticeEdit] = field(default_factory=list)
    recipients: dict[int, Recipient] = field(default_factory=dict)
    freeze: dict[tuple[str, str, Any], FreezePeriod] = field(default_factory=dict)
    last_ids: dict[str, int] = field(default_factory=dict)

    def new_id(self, kind: str) -> int:
        self.last_ids[kind] = self.last_ids.get(kind, 0) + 1
        return self.last_ids[kind]


class FakeNotices:
    def __init__(self, data: NoticeData) -> None:
        self._d = data

    def add(self, notice: Varsel) -> Varsel:
        stored = replace(notice, id=self._d.new_id("notice"))
        self._d.notices[stored.id] = stored  # type: ignore[index]
        return stored

    def get(self, notice_id: int) -> Varsel | None:
        return self._d.notices.get(notice_id)

    def save(self, notice: Varsel) -> None:
        assert notice.id in self._d.notices
        self._d.notices[notice.id] = notice

    def list(self, statuses: tuple[NoticeStatus, ...] | None = None) -> builtins.list[Varsel]:
        found = [n for n in self._d.notices.values() if statuses is None or n.status in statuses]
        return sorted(found, key=lambda n: (n.start, n.id or 0))

    def add_edit(self, edit: NoticeEdit) -> None:
        self._d.edits.append(edit)

    def edits(self, notice_id: int) -> builtins.list[NoticeEdit]:
        return [e for e in self._d.edits if e.notice_id == notice_id]

    def put_recipient(self, recipient: Recipient) -> Recipient:
        found = next((r for r in self._d.recipients.values()
                      if r.notice_id == recipient.notice_id and r.key == recipient.key), None)
        stored = replace(recipient, id=found.id if found is not None else self._d.new_id("recipient"))
        self._d.recipients[stored.id] = stored  # type: ignore[index]
        return stored

    def recipient(self, recipient_id: int) -> Recipient | None:
        return self._d.recipients.get(recipient_id)

    def recipients(self, notice_id: int | None = None) -> builtins.list[Recipient]:
        return [r for _, r in sorted(self._d.recipients.items()) if notice_id in (None, r.notice_id)]

    def put_freeze(self, period: FreezePeriod) -> bool:
        key = (period.organisation, period.kind.value, period.first)
        if self._d.freeze.get(key) == period:
            return False
        self._d.freeze[key] = period
        return True

    def freeze_periods(self, organisation: str | None = None) -> builtins.list[FreezePeriod]:
        found = [p for p in self._d.freeze.values() if organisation in (None, p.organisation)]
        return sorted(found, key=lambda p: (p.first, p.organisation))
