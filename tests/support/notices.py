"""The notices' test kit: an SMTP server (aiosmtpd), the notices' config on it, the acknowledgement link, mails to one
address."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from samhandling.services.mail.smtp import SmtpServer as Smtp
from samhandling.services.notices.config import NoticeConfig
from tests.support.monitoring import Mail, SmtpServer, start_smtp
from tests.support.notice_store import (
    OWN,
)

LINK = re.compile(r"http://endringer\.test/endringer/bekreft/(\S+)")


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = start_smtp()
    yield server
    server.controller.stop()


def config_for(smtp: SmtpServer | None) -> NoticeConfig:
    return NoticeConfig(organisation="Sykehuset Innlandet HF", sender="samhandling@sykehuset-innlandet.test",
                        meldingsansvarlig=(OWN,), public_url="http://endringer.test", secret=b"s" * 32,
                        smtp=Smtp.from_url(smtp.url) if smtp else None)


def to(mails: list[Mail], address: str) -> list[Mail]:
    return [m for m in mails if address in m.rcpt_tos]
