"""Use cases of notices (varsel) of planned changes and downtime (the cooperation procedure §2, §3.1, §3.3).

:mod:`.config` the injected settings, :mod:`.authoring` writing, editing, cancelling and completing notices,
:mod:`.sending` the rules checked on sending, the recipients and their mail, :mod:`.acks` acknowledgements and
overdue answers, :mod:`.freeze` the freeze calendar, :mod:`.mails` the mails' texts, :mod:`.channel` the public
change channel (Atom and iCalendar). Every use case takes a unit of work factory and the moment ``now``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from samhandling.domain.clock import utc_now
from samhandling.services.notices.config import NoticeConfig
from samhandling.store.notices.unit_of_work import NoticeUnitOfWork


@dataclass
class NoticeStep:
    """One node pass for notices: proposals for our expiring certificates, states moved by time, overdue answers
    followed up, and the mail outbox delivered."""

    new_uow: Callable[[], NoticeUnitOfWork]
    config: NoticeConfig
    clock: Callable[[], datetime] = utc_now

    def __call__(self) -> dict[str, int]:
        from samhandling.services.notices.acks import follow_up
        from samhandling.services.notices.authoring import advance
        from samhandling.services.notices.certificates import propose_certificate_notices
        from samhandling.services.notices.sending import deliver_notices

        now = self.clock()
        proposed = propose_certificate_notices(self.new_uow, self.config, now=now)
        moved = advance(self.new_uow, self.config, now=now)
        followed = follow_up(self.new_uow, self.config, now=now)
        run = deliver_notices(self.new_uow, self.config, now=self.clock)
        return {"proposed": len(proposed), "started": len(moved.started), "completed": len(moved.completed),
                "reminded": len(followed.reminded), "escalated": len(followed.escalated), "sent": len(run.sent),
                "failed": len(run.failed)}
