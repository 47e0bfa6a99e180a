"""Synthetic parties and patients of the tests: a hospital and a municipality with their services, registered on a
store."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date

from samhandling.domain.identifiers import synthetic_person_id
from samhandling.domain.messaging.parties import Party, PartyKind
from samhandling.standards.msghead import Patient, person_ident
from samhandling.store.unit_of_work import UnitOfWork

HOSPITAL = [
    Party(her_id="8100", name="Sykehuset Innlandet HF", kind=PartyKind.ORGANISATION, local=True),
    Party(her_id="8101", name="Medisinsk avdeling", kind=PartyKind.SERVICE, parent_her_id="8100"),
    Party(her_id="8102", name="Kirsten Lege", kind=PartyKind.PERSON, parent_her_id="8101"),
]


MUNICIPALITY = [
    Party(her_id="8200", name="Gjøvik kommune", kind=PartyKind.ORGANISATION, municipality="3407"),
    Party(her_id="8201", name="Hjemmesykepleien", kind=PartyKind.SERVICE, parent_her_id="8200"),
    Party(her_id="8202", name="Tildelingskontoret", kind=PartyKind.SERVICE, parent_her_id="8200"),
]


def patient(fnr: str | None = None) -> Patient:
    value = fnr or synthetic_person_id(date(1944, 2, 29), rng=random.Random(7))
    return Patient(family_name="Nordmann", given_name="Kari", ident=[person_ident(value)])


def register(new_uow: Callable[[], UnitOfWork], parties: list[Party], *, local_her_ids: set[str]) -> None:
    with new_uow() as uow:
        for p in parties:
            uow.parties.add(Party(her_id=p.her_id, name=p.name, kind=p.kind, parent_her_id=p.parent_her_id,
                                  local=p.her_id in local_her_ids, municipality=p.municipality))
        uow.commit()


INNLEGGELSE = "plo-1.6/innleggelsesrapport_1_6_mottak/Innleggelsesrapport_v1-6_"


HOSPITAL_PARTIES = [
    Party(her_id="59", name="ST OLAVS HOSPITAL HF", kind=PartyKind.ORGANISATION, local=True),
    Party(her_id="90998", name="Ortopedisk kirurgi", kind=PartyKind.SERVICE, parent_her_id="59"),
    Party(her_id="91090", name="Medisinsk avdeling", kind=PartyKind.SERVICE, parent_her_id="59"),
    Party(her_id="99387", name="Alvdal kommune", kind=PartyKind.ORGANISATION, municipality="3428"),
    Party(her_id="5078", name="Sykepleietjeneste", kind=PartyKind.SERVICE, parent_her_id="99387"),
]
