"""What the notices' use cases are given: our own organisation, who sends and who is our meldingsansvarlig, the
public address of the node's web server (for the acknowledgement link), the link's secret, and the freeze
defaults. Built from the settings in :mod:`samhandling.bootstrap`."""

from __future__ import annotations

from dataclasses import dataclass, field

from samhandling.domain.calendar import WorkingCalendar
from samhandling.domain.notices.freeze import FreezeDefaults
from samhandling.services.mail.smtp import SmtpServer


@dataclass(frozen=True)
class NoticeConfig:
    organisation: str = "Vår organisasjon"
    sender: str = "samhandling@localhost"
    meldingsansvarlig: tuple[str, ...] = ()
    public_url: str = "http://127.0.0.1:8080"
    secret: bytes = field(default=b"", repr=False)
    smtp: SmtpServer | None = None
    freeze_defaults: FreezeDefaults = field(default_factory=FreezeDefaults)
    calendar: WorkingCalendar = field(default_factory=WorkingCalendar)

    def ack_url(self, token: str) -> str:
        return f"{self.public_url.rstrip('/')}/endringer/bekreft/{token}"
