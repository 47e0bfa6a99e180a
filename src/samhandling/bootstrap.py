"""The one place that wires real adapters: settings, database, schemas, and (later) the transport.

Entry points (``cli.py``, the node, the web console) call :func:`bootstrap` and hand the parts to the
services; tests build the same :class:`Node` from a test database or swap in fakes.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from wsgiref.simple_server import WSGIServer

import httpx
from sqlalchemy import Engine

from samhandling.domain.monitoring.receipts import ReceiptDeadlines
from samhandling.services.mail.smtp import SmtpServer
from samhandling.services.messaging.catalog import EpjCatalog
from samhandling.services.messaging.delivery_status import update_delivery_status
from samhandling.services.messaging.reception import ReceiveOptions
from samhandling.services.messaging.send import SendOptions
from samhandling.services.monitoring.metrics import serve_metrics
from samhandling.services.monitoring.monitor import MonitorConfig
from samhandling.services.monitoring.notify import NotifyConfig, split_addresses
from samhandling.services.monitoring.step import MonitorStep, parse_clock_time
from samhandling.services.monitoring.transport_health import MonitoredTransport
from samhandling.services.notices.config import NoticeConfig
from samhandling.settings import Settings, load_settings
from samhandling.store.database import open_engine, upgrade
from samhandling.store.notices.unit_of_work import SqlNoticeUnitOfWork
from samhandling.store.unit_of_work import SqlUnitOfWork
from samhandling.transport.auth import BearerToken, HelseIdClientCredentials
from samhandling.transport.base import Transport
from samhandling.transport.directory import DirectoryTransport
from samhandling.transport.edi2.client import MshApiClient, RetryPolicy
from samhandling.transport.edi2.transport import Edi2Transport


def receive_options(settings: Settings) -> ReceiveOptions:
    """How a node with ``settings`` receives: its schemas, its size limit and its choices for E35 and E21."""
    return ReceiveOptions(
        schemas=settings.schemas,
        max_bytes=settings.max_message_bytes,
        unknown_patient_rejects=settings.unknown_patient_rejects,
        test_environment=settings.test_environment,
        unknown_service_accepted=settings.unknown_service_accepted,
    )


def send_options(settings: Settings) -> SendOptions:
    """How a node with ``settings`` sends: its schemas and its size limit."""
    return SendOptions(schemas=settings.schemas, max_bytes=settings.max_message_bytes)


class ConfigurationError(ValueError):
    """Settings that cannot work together; the message says which, in Norwegian."""


@dataclass
class Node:
    """A samhandling node's wired parts."""

    settings: Settings
    engine: Engine

    def uow(self) -> SqlUnitOfWork:
        return SqlNoticeUnitOfWork(self.engine)  # with the notices, which the monitoring reads

    @property
    def receive_options(self) -> ReceiveOptions:
        return receive_options(self.settings)

    def transport(self) -> Transport | None:
        """The configured transport, or None when the node has none (messages then wait in the outbox).

        Raises ConfigurationError for settings that contradict each other or lack credentials.
        """
        cfg = self.settings
        if cfg.msh_url and cfg.transport_dir:
            raise ConfigurationError("velg én transport: SAMHANDLING_MSH_URL eller SAMHANDLING_TRANSPORT_DIR")
        if cfg.transport_dir is not None:
            return DirectoryTransport(cfg.transport_dir)
        if cfg.msh_url:
            client = MshApiClient(cfg.msh_url, auth=self._msh_auth(), source_system=cfg.nhn_source_system,
                                  retry=RetryPolicy(retry_unsafe_posts=cfg.msh_local))
            return Edi2Transport(client)
        return None

    def monitored_transport(self) -> Transport | None:
        """The transport as the node loop uses it: every send and poll recorded for the monitoring."""
        transport = self.transport()
        return None if transport is None else MonitoredTransport(transport, self.uow)

    def serve_metrics(self) -> WSGIServer | None:
        """Prometheus ``/metrics`` (read from the store on each scrape) in a thread, when the settings ask for it;
        ``server.shutdown()`` stops it. Raises OSError when the address cannot be listened on."""
        if self.settings.metrics_port is None:
            return None
        server, _ = serve_metrics(self.uow, host=self.settings.metrics_host, port=self.settings.metrics_port)
        return server

    def _msh_auth(self) -> httpx.Auth:
        cfg = self.settings
        if cfg.msh_token:
            return BearerToken(cfg.msh_token)
        if cfg.helseid_token_endpoint and cfg.helseid_client_id and cfg.helseid_key_file:
            try:
                key = cfg.helseid_key_file.read_bytes()
            except OSError as exc:
                raise ConfigurationError(f"kan ikke lese HelseID-nøkkelen {cfg.helseid_key_file}: {exc.strerror}"
                                         ) from None
            return HelseIdClientCredentials(cfg.helseid_token_endpoint, cfg.helseid_client_id, key,
                                            scope=cfg.helseid_scope)
        raise ConfigurationError("meldingstjeneren krever autentisering: sett SAMHANDLING_MSH_TOKEN (lokal "
                                 "tjener) eller SAMHANDLING_HELSEID_TOKEN_ENDPOINT, _CLIENT_ID og _KEY_FILE")

    @property
    def send_options(self) -> SendOptions:
        return send_options(self.settings)

    def catalog(self) -> EpjCatalog:
        return EpjCatalog(self.settings.effective_epj_dir, self.uow, self.send_options)

    def steps(self, transport: Transport) -> dict[str, Callable[[], object]]:
        """Further steps of each node pass, by name: the EPJ catalog, delivery status, and the monitoring
        (receipts, the transport, line tests, alerts and their mail, the daily summary)."""
        catalog = self.catalog()
        try:
            monitor = self.monitor_step()
        except ValueError as exc:
            raise ConfigurationError(f"overvåkingen: {exc}") from None
        from samhandling.services.incidents.mails import IncidentStep
        from samhandling.services.notices import NoticeStep

        notices = self.notice_config()
        return {"epj_catalog": catalog.run, "delivery_status": lambda: update_delivery_status(self.uow, transport),
                "monitor": monitor, "incidents": IncidentStep(self.notices_uow, notices),
                "notices": NoticeStep(self.notices_uow, notices)}

    # --- monitoring ---

    def monitor_config(self) -> MonitorConfig:
        """The monitoring's settings: the receipt deadlines, the mail and the EPJ catalog's error/ folder.
        Raises ValueError for deadlines or an SMTP URL that cannot be used."""
        cfg = self.settings
        hours = timedelta(hours=1)
        deadlines = ReceiptDeadlines(
            warn=cfg.receipt_warn_hours * hours,
            alert=cfg.receipt_alert_hours * hours,
            per_type={t: (w * hours, a * hours) for t, (w, a) in cfg.receipt_deadlines.items()},
        )
        smtp = SmtpServer.from_url(cfg.smtp_url, ca_file=cfg.smtp_ca_file) if cfg.smtp_url else None
        notify = NotifyConfig(smtp=smtp, sender=cfg.alert_from,
                              meldingsansvarlig=split_addresses(cfg.meldingsansvarlig))
        return MonitorConfig(deadlines=deadlines, notify=notify, epj_error_dir=cfg.effective_epj_dir / "error")

    def monitor_step(self) -> MonitorStep:
        """The monitoring's step of each node pass; raises ValueError for settings that cannot be used."""
        cfg = self.settings
        return MonitorStep(
            send_options=self.send_options,
            new_uow=self.uow,
            config=self.monitor_config(),
            line_tests=dict(cfg.line_tests),
            line_test_timeout=timedelta(seconds=cfg.line_test_timeout_seconds),
            interval=timedelta(seconds=cfg.monitor_interval),
            daily_report_at=parse_clock_time(cfg.daily_report_at),
        )

    # --- notices (issue 14) ---

    def notices_uow(self) -> SqlNoticeUnitOfWork:
        return SqlNoticeUnitOfWork(self.engine)

    def notice_config(self) -> NoticeConfig:
        """The notices' settings; raises ConfigurationError for settings that cannot be used."""
        from samhandling.domain.notices.freeze import FreezeDefaults
        from samhandling.domain.notices.model import NoticeError
        from samhandling.services.mail.smtp import SmtpUrlError

        cfg = self.settings
        try:
            smtp = SmtpServer.from_url(cfg.smtp_url, ca_file=cfg.smtp_ca_file) if cfg.smtp_url else None
            defaults = FreezeDefaults.parse(cfg.freeze_christmas, cfg.freeze_summer)
        except (SmtpUrlError, NoticeError) as exc:
            raise ConfigurationError(str(exc)) from None
        return NoticeConfig(organisation=cfg.organisation_name, sender=cfg.notice_from or cfg.alert_from,
                            meldingsansvarlig=split_addresses(cfg.meldingsansvarlig), public_url=cfg.public_url,
                            secret=self._notice_secret(), smtp=smtp, freeze_defaults=defaults)

    def _notice_secret(self) -> bytes:
        if self.settings.notice_secret:
            return self.settings.notice_secret.encode("utf-8")
        path = self.settings.home / "notices.key"
        try:
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(descriptor, "w") as file:
                    file.write(secrets.token_urlsafe(32))
            return path.read_text(encoding="utf-8").strip().encode("utf-8")
        except FileExistsError:
            return path.read_text(encoding="utf-8").strip().encode("utf-8")
        except OSError as exc:
            raise ConfigurationError(f"kan ikke lese eller lage nøkkelen {path}: {exc.strerror}") from None

    def close(self) -> None:
        self.engine.dispose()


def open_database(settings: Settings) -> Engine:
    """An engine on the node's database, with the timeouts the settings give (not yet migrated)."""
    return open_engine(settings.effective_database_url, connect_timeout=settings.database_connect_timeout,
                       statement_timeout=settings.database_statement_timeout)


def bootstrap(settings: Settings | None = None) -> Node:
    """Open the node's database, bring it to the newest schema, and wire the parts."""
    cfg = settings or load_settings()
    engine = open_database(cfg)
    upgrade(engine)
    return Node(settings=cfg, engine=engine)


# --- the checklist's nodes ---


def checklist_nodes(settings: Settings) -> Callable[[Path, str, str], Node]:
    """The node factory of an automatic checklist run (``samhandling.services.checklist.sides.NodeFactory``)
    for the installation with ``settings``: a node of its own at ``home``, talking to the local message server at
    ``url`` with ``token``."""

    def new_node(home: Path, url: str, token: str) -> Node:
        return bootstrap(_checklist_node_settings(settings, home, url, token))

    return new_node


def _checklist_node_settings(main: Settings, home: Path, url: str, token: str) -> Settings:
    """A checklist node's settings: everything explicit, so nothing of the installation's environment (its
    database, its transport) leaks in."""
    return Settings(
        home=home, schema_dir=main.effective_schema_dir, max_message_bytes=main.max_message_bytes,
        unknown_patient_rejects=True, msh_url=url, msh_token=token, msh_local=True, transport_dir=None,
        helseid_token_endpoint=None, helseid_client_id=None, helseid_key_file=None,
        database_url=f"sqlite:///{home / 'samhandling.db'}", epj_dir=home / "epj",
    )
