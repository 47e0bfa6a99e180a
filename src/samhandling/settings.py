"""Settings in one place, read from the environment (``SAMHANDLING_*``) with sensible defaults."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from samhandling.standards.schemas import SchemaSet

DEFAULT_HOME = Path.home() / ".local" / "share" / "samhandling"


class Settings(BaseSettings):
    """Everything an installation can set. Environment variables are the field names with ``SAMHANDLING_``."""

    model_config = SettingsConfigDict(env_prefix="SAMHANDLING_", extra="ignore")

    home: Path = Field(default=DEFAULT_HOME, description="Data directory of this installation.")
    schema_dir: Path | None = Field(
        default=None,
        description="Folder with the official XSDs; default <home>/schemas, where `schemas install` puts them.",
    )
    max_message_bytes: int = Field(default=50 * 1024 * 1024, gt=0, description="Largest message accepted.")
    unknown_patient_rejects: bool = Field(
        default=True,
        description="E35: reject a message about a patient missing from the recipient's patient directory "
        "(false: accept it and note the warning).",
    )
    environment: Literal["production", "test"] = Field(
        default="production",
        description="The network the node runs against: production, or test (NHN's test environments, whose "
        "synthetic test persons, month + 40 or + 80, are valid fødselsnummer and D-nummer).",
    )
    unknown_service_accepted: bool = Field(
        default=False,
        description="E21 (HIS 80415:2012 §3.3.4): false rejects a message to a service or person of our "
        "organisation that we do not have; true accepts it at organisation level instead.",
    )
    msh_url: str | None = Field(
        default=None,
        description="Base URL of the EDI 2.0 message API: NHN's, or a local server (`samhandling msh serve`).",
    )
    msh_token: str | None = Field(default=None, description="Bearer token for the local message server.")
    msh_local: bool = Field(
        default=False,
        description="The message API is samhandling's own local server, which deduplicates: posts may be retried.",
    )
    nhn_source_system: str = Field(default="samhandling", description="The nhn-source-system header.")
    helseid_token_endpoint: str | None = Field(default=None, description="HelseID token endpoint (real NHN).")
    helseid_client_id: str | None = Field(default=None, description="The client id registered in HelseID.")
    helseid_key_file: Path | None = Field(default=None, description="The client's RSA private key (PEM).")
    helseid_scope: str = Field(default="nhn:msh", description="Scope(s) asked of HelseID for the message API.")
    transport_dir: Path | None = Field(
        default=None,
        description="A shared folder used as the network (one mailbox per HER-id), for a region on one machine.",
    )
    poll_interval: float = Field(default=60.0, gt=0, description="Seconds between the node's passes.")
    outbox_lease_seconds: float = Field(
        default=300.0, gt=0,
        description="How long a claimed outbox item is held; after a crash it is sent again when this runs out.",
    )
    epj_dir: Path | None = Field(
        default=None, description="The EPJ's catalog (outbox/, sent/, error/, inbox/); default <home>/epj.")
    smtp_url: str | None = Field(
        default=None,
        description="SMTP server for the monitoring's mail: smtp://[user:password@]host[:port][?starttls=true] or "
        "smtps://… (TLS from the start); unset: no mail, the alerts are only shown by the commands.",
    )
    smtp_ca_file: Path | None = Field(
        default=None, description="CA certificates (PEM) to trust for the SMTP server's TLS, besides the system's.")
    alert_from: str = Field(default="samhandling@localhost", description="The sender address of the monitoring's mail.")
    meldingsansvarlig: str | None = Field(
        default=None,
        description="Our own meldingsansvarlig: the address (or comma-separated addresses) every alert and the "
        "daily summary go to.",
    )
    receipt_warn_hours: float = Field(
        default=1.0, gt=0, description="Working hours a sent message may wait for its AppRec before a warning.")
    receipt_alert_hours: float = Field(
        default=4.0, gt=0, description="Working hours a sent message may wait for its AppRec before an alert.")
    receipt_deadlines: dict[str, tuple[float, float]] = Field(
        default_factory=dict,
        description='Warning and alert hours per message type, JSON, e.g. {"LOG_INNLAGT": [0.5, 2]}.',
    )
    line_tests: dict[str, float] = Field(
        default_factory=dict,
        description='Scheduled line tests: minutes between tests per HER-id, JSON, e.g. {"8201": 60}.',
    )
    line_test_timeout_seconds: float = Field(
        default=600.0, gt=0, description="A line test without AppRec after this long has failed.")
    monitor_interval: float = Field(
        default=300.0, ge=0, description="Seconds between the monitoring's evaluations inside the node.")
    daily_report_at: str | None = Field(
        default="07:00",
        description="Local time (HH:MM) at which the node mails the daily summary of the day before; unset: never.",
    )
    metrics_port: int | None = Field(
        default=None, ge=0, le=65535, description="Port of the node's Prometheus /metrics endpoint; unset: off.")
    metrics_host: str = Field(default="127.0.0.1", description="Address the /metrics endpoint listens on.")
    # --- notices and the public change channel (issue 14) ---
    organisation_name: str = Field(
        default="Vår organisasjon", description="Our organisation's name in notices and the change channel.")
    notice_from: str | None = Field(
        default=None, description="Sender address of notices to partners; default the monitoring's (alert_from).")
    public_url: str = Field(
        default="http://127.0.0.1:8080",
        description="The address partners reach the node's web server at (`samhandling web`): acknowledgement "
        "links and the change channel.")
    notice_secret: str | None = Field(
        default=None, description="Secret for the signed acknowledgement links; default a key kept in "
        "<home>/notices.key (made on first use).")
    freeze_christmas: str = Field(
        default="12-21/01-02", description="Default Christmas freeze (MM-DD/MM-DD, to the year after).")
    freeze_summer: str = Field(default="06-20/08-15", description="Default summer freeze (MM-DD/MM-DD).")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the node's database, e.g. postgresql+psycopg://user@host:5432/samhandling; "
        "default a SQLite file <home>/samhandling.db.",
    )
    database_connect_timeout: float = Field(
        default=10.0, ge=2,
        description="Seconds to wait for the database to accept a connection (PostgreSQL; libpq's least is 2).",
    )
    database_statement_timeout: float = Field(
        default=30.0, gt=0,
        description="Seconds a statement may take; the node waits for an answer a little longer, then the "
        "connection counts as lost. On SQLite, how long to wait for another writer's lock.",
    )

    @field_validator("home")
    @classmethod
    def _home_is_a_folder(cls, value: Path) -> Path:
        if value.exists() and not value.is_dir():
            raise ValueError("må være en mappe, men er en fil")
        return value

    @field_validator("meldingsansvarlig")
    @classmethod
    def _addresses_are_mail_addresses(cls, value: str | None) -> str | None:
        if value is None:
            return None
        import re

        wrong = [a.strip() for a in value.split(",")
                 if not re.fullmatch(r"[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+", a.strip())]
        if wrong:
            raise ValueError("må være e-postadresser skilt med komma; ugyldig: " + ", ".join(f"«{w}»" for w in wrong))
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url_is_usable(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError

        try:
            make_url(value).get_dialect()
        except (ArgumentError, NoSuchModuleError, ValueError):
            raise ValueError("må være en SQLAlchemy-URL som sqlite:///sti/til/fil.db eller "
                             "postgresql+psycopg://bruker@vert:5432/database") from None
        return value

    @property
    def test_environment(self) -> bool:
        return self.environment == "test"

    @property
    def effective_schema_dir(self) -> Path:
        return self.schema_dir if self.schema_dir is not None else self.home / "schemas"

    @property
    def effective_epj_dir(self) -> Path:
        return self.epj_dir if self.epj_dir is not None else self.home / "epj"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'samhandling.db'}"

    @cached_property
    def schemas(self) -> SchemaSet | None:
        """The official schemas, or None when none are installed (schema validation is then off)."""
        found = SchemaSet(self.effective_schema_dir)
        return found if self.effective_schema_dir.is_dir() and found.available() else None


def load_settings() -> Settings:
    return Settings()
