"""The unit of work of the notices: the node's (:class:`samhandling.store.unit_of_work.UnitOfWork`, for the
registers and parties) with ``notices`` and ``mail`` (the general mail outbox) added, in the same transaction."""

from __future__ import annotations

import copy
from types import TracebackType
from typing import Protocol, Self

from sqlalchemy import Engine

from samhandling.store.fakes import FakeUnitOfWork
from samhandling.store.mail.repository import FakeMailOutbox, MailData, MailOutbox, SqlMailOutbox
from samhandling.store.notices.repository import FakeNotices, NoticeData, NoticeRepository, SqlNotices
from samhandling.store.unit_of_work import SqlUnitOfWork, UnitOfWork


class NoticeUnitOfWork(UnitOfWork, Protocol):
    @property
    def notices(self) -> NoticeRepository: ...

    @property
    def mail(self) -> MailOutbox: ...


class SqlNoticeUnitOfWork(SqlUnitOfWork):
    notices: SqlNotices
    mail: SqlMailOutbox

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)

    def __enter__(self) -> Self:
        super().__enter__()
        connection = self._open()
        self.notices = SqlNotices(connection)
        self.mail = SqlMailOutbox(connection)
        return self


class FakeNoticeUnitOfWork(FakeUnitOfWork):
    """In memory; ``notice_data`` and ``mail_data`` are saved and restored with the rest."""

    def __init__(self) -> None:
        super().__init__()
        self.notice_data = NoticeData()
        self.mail_data = MailData()
        self.notices = FakeNotices(self.notice_data)
        self.mail = FakeMailOutbox(self.mail_data)
        self._saved_notices: tuple[NoticeData, MailData] | None = None

    def __enter__(self) -> Self:
        super().__enter__()
        self._saved_notices = copy.deepcopy((self.notice_data, self.mail_data))
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        super().__exit__(exc_type, exc, tb)
        self._saved_notices = None

    def commit(self) -> None:
        super().commit()
        self._saved_notices = copy.deepcopy((self.notice_data, self.mail_data))

    def rollback(self) -> None:
        super().rollback()
        if self._saved_notices is not None:
            notices, mails = copy.deepcopy(self._saved_notices)
            self.notice_data.__dict__.update(notices.__dict__)
            self.mail_data.__dict__.update(mails.__dict__)
