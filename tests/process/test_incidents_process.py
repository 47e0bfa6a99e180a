"""An incident from the command line: the node's pass (``node run --once``) tells the acute-downtime contacts of an
incident that has lasted more than three hours once, and tells them again when it is resolved (the cooperation
procedure §3.4). A real SMTP server (aiosmtpd) receives the mail. The commands run in process (tests/support/cli.py);
the node as a real process is tests/process/test_node_process.py."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from samhandling.bootstrap import bootstrap
from samhandling.domain.clock import utc_now
from samhandling.domain.registers.contacts import ContactPoint, ContactPurpose
from samhandling.domain.registers.partners import PartnerCategory, PartnerProfile
from samhandling.settings import Settings
from tests.support.cli import CliResult, run_cli
from tests.support.monitoring import start_smtp
from tests.support.node import node_env
from tests.support.parties import HOSPITAL, MUNICIPALITY, register

ACUTE = "vakt@gjovik.kommune.test"
OWN = "meldingsansvarlig@sykehuset.test"


def cli(env: dict[str, str], *args: str) -> CliResult:
    """``samhandling ARGS`` in this process, with the node's settings (the SAMHANDLING_* variables of ``env``)."""
    return run_cli(*args, env={k: v for k, v in env.items() if k.startswith("SAMHANDLING_")})


def test_the_node_tells_the_acute_downtime_contacts_once_and_again_at_resolution(tmp_path: Path) -> None:
    home, network = tmp_path / "sykehus", tmp_path / "nhn"
    smtp = start_smtp()
    try:
        env = node_env(home, network) | {"SAMHANDLING_SMTP_URL": smtp.url, "SAMHANDLING_MELDINGSANSVARLIG": OWN,
                                         "SAMHANDLING_ORGANISATION_NAME": "Sykehuset Innlandet HF"}
        node = bootstrap(Settings(home=home, transport_dir=network))
        register(node.uow, HOSPITAL + MUNICIPALITY, local_her_ids={"8100"})
        with node.uow() as uow:
            uow.registers.partners.add(PartnerProfile(her_id="8200", category=PartnerCategory.KOMMUNE))
            uow.registers.contacts.put(ContactPoint(partner_her_id="8200", purpose=ContactPurpose.AKUTT_NEDETID,
                                                    name="Vakt", email=ACUTE, staffed_24_7=True))
            uow.commit()
        node.close()
        # Detected four hours before now, whatever the day: more than three hours.
        detected = (utc_now() - timedelta(hours=4)).isoformat(timespec="seconds")
        made = cli(env, "incidents", "new", "--title", "EPJ i Gjøvik er nede", "--side", "partner", "--partner",
                   "8201", "--responsible", "Kari", "--contact", "Kari, 900 00 000", "--detected", detected)
        assert made.returncode == 0, made.stderr
        for _ in range(2):
            once = cli(env, "node", "run", "--once")
            assert once.returncode == 0, once.stderr
        told = [m for m in smtp.mails if "EPJ i Gjøvik er nede" in m.subject]  # (the daily summary goes too)
        assert sorted(m.rcpt_tos[0] for m in told) == sorted([ACUTE, OWN])
        assert all(m.subject.startswith("[samhandling] Akutt nedetid: EPJ i Gjøvik er nede") for m in told)
        shown = cli(env, "incidents", "show", "1")
        assert "Varsel om akutt nedetid: " in shown.stdout and "ikke sendt" not in shown.stdout

        resolved = cli(env, "incidents", "resolve", "1", "--text", "Nytt sertifikat hos kommunen")
        assert resolved.returncode == 0, resolved.stderr
        once = cli(env, "node", "run", "--once")
        assert once.returncode == 0, once.stderr
        told = [m for m in smtp.mails if "EPJ i Gjøvik er nede" in m.subject]
        assert [m.subject.split(":")[0] for m in told].count("[samhandling] Løst") == 2
        assert len(told) == 4
    finally:
        smtp.controller.stop()
