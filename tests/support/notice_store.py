"""Helpers for the notices' tests: units of work on memory, SQLite and PostgreSQL, a partner register with
contact points, and a notice to send."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from samhandling.domain.messaging.parties import Party, PartyKind
from samhandling.domain.notices.model import Audience, NoticeKind, Varsel, local_moment
from samhandling.domain.registers.contacts import ContactPoint, ContactPurpose
from samhandling.domain.registers.partners import PartnerCategory, PartnerProfile
from samhandling.store.notices.unit_of_work import FakeNoticeUnitOfWork, NoticeUnitOfWork, SqlNoticeUnitOfWork
from tests.support.stores import _engine

NOW = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)  # a Monday
HOSPITAL, GJOVIK, HAMAR, LILLEHAMMER = "8142519", "8979555", "8979556", "8979557"
OWN = "meldingsansvarlig@sykehuset-innlandet.test"
GJOVIK_MAIL = "meldingsansvarlig@gjovik.kommune.test"
HAMAR_MAIL = "meldingsansvarlig@hamar.kommune.test"
HAMAR_CERT = "sertifikat@hamar.kommune.test"


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def notice_uow(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], NoticeUnitOfWork]:
    if request.param == "memory":
        fake = FakeNoticeUnitOfWork()
        return lambda: fake
    engine = _engine(request.param, request, tmp_path)
    return lambda: SqlNoticeUnitOfWork(engine)


def seed_registers(new_uow: Callable[[], NoticeUnitOfWork]) -> None:
    """The hospital (ours), Gjøvik (Gerica, contact for planned downtime), Hamar (Profil, contacts for planned
    downtime and certificates) and Lillehammer (Gerica, no contact point at all)."""
    with new_uow() as uow:
        uow.parties.add(Party(her_id=HOSPITAL, name="Sykehuset Innlandet HF", kind=PartyKind.ORGANISATION,
                              local=True))
        for her_id, name, epj in ((GJOVIK, "Gjøvik kommune", "Gerica"), (HAMAR, "Hamar kommune", "Profil"),
                                  (LILLEHAMMER, "Lillehammer kommune", "Gerica")):
            uow.parties.add(Party(her_id=her_id, name=name, kind=PartyKind.ORGANISATION))
            uow.registers.partners.add(PartnerProfile(her_id=her_id, category=PartnerCategory.KOMMUNE,
                                                      epj_system=epj, comm_module="CGM Link"))
        uow.registers.partners.add(PartnerProfile(her_id=HOSPITAL, category=PartnerCategory.HELSEFORETAK,
                                                  epj_system="DIPS Arena", epj_version="22.1",
                                                  comm_module="DIPS Communicator", comm_version="5.2"))
        uow.registers.contacts.put(ContactPoint(partner_her_id=GJOVIK, purpose=ContactPurpose.PLANLAGT_NEDETID,
                                                name="Meldingsansvarlig Gjøvik", email=GJOVIK_MAIL))
        uow.registers.contacts.put(ContactPoint(partner_her_id=HAMAR, purpose=ContactPurpose.PLANLAGT_NEDETID,
                                                name="Meldingsansvarlig Hamar", email=HAMAR_MAIL))
        uow.registers.contacts.put(ContactPoint(partner_her_id=HAMAR, purpose=ContactPurpose.SERTIFIKAT,
                                                name="Sertifikatansvarlig Hamar", email=HAMAR_CERT))
        uow.commit()


def upgrade_notice(start: str = "2027-02-10 22:00", end: str = "2027-02-11 02:00", **changes: object) -> Varsel:
    values: dict[str, object] = {
        "kind": NoticeKind.UPGRADE, "title": "Oppgradering av DIPS Arena",
        "description": "PLO-meldinger til og fra sykehuset stopper i vinduet og sendes etterpå.",
        "responsible": "Sykehuset Innlandet, IKT", "start": local_moment(start), "end": local_moment(end),
        "contact_name": "IKT-vakt", "contact_email": "ikt-vakt@sykehuset-innlandet.test",
        "contact_phone": "61 00 00 00", "emergency_routine": "Ring sengeposten ved utskrivning.",
        "message_types": ("PLO",), "audience": Audience(everyone=True), "created_at": NOW, "created_by": "kari",
    }
    values.update(changes)
    return Varsel(**values)  # type: ignore[arg-type]
