"""The patient of a received message: its identifier as MsgHead gives it, and whether the recipient's patient
directory knows it (AppRec E35, "Pasienten finnes ikke i mottakersystemet", HIS 80415:2012 kap. 6.3).
"""

from __future__ import annotations

from samhandling.standards.msghead import MsgHead
from samhandling.standards.validation import PERSON_ID_TYPES
from samhandling.store.unit_of_work import UnitOfWork


def patient_known(uow: UnitOfWork, her_id: str, patient_id: str) -> bool | None:
    """Whether the recipient's patient directory knows the patient: the nearest level that keeps a directory
    answers (a ward without one is covered by its organisation's); None when no level keeps one."""
    parties = uow.parties.all()
    for level in [her_id, *(p.her_id for p in parties.ancestors(her_id))]:
        known = uow.patients.known(level, patient_id)
        if known is not None:
            return known
    return None


def patient_ref(head: MsgHead) -> str | None:
    patient = head.msg_info.patient
    if patient is None:
        return None
    ident = patient.ident_of(*PERSON_ID_TYPES) or (patient.ident[0] if patient.ident else None)
    return ident.id.strip() if ident is not None else None
