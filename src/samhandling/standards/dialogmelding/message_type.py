"""What a Dialogmelding is: the MsgHead type (code system 8279) that carries it (HIS 80603:2006 4.1.3)."""

from __future__ import annotations

from samhandling.standards.dialogmelding.codes import (
    DIALOG_AVVIK,
    DIALOG_FORESPORSEL,
    DIALOG_HELSEFAGLIG,
    DIALOG_NOTAT,
    DIALOG_STATUS_HENVISNING,
    DIALOG_SVAR,
    OID_AVVIK,
    OID_STATUS_HENVISNING,
    OID_SVARKATEGORI,
    OID_TEMA_HELSEFAGLIG_DIALOG,
)
from samhandling.standards.dialogmelding.model import Dialogmelding

_MSG_TYPE_OF_TEMA: dict[str, str] = {
    OID_AVVIK: DIALOG_AVVIK,
    OID_SVARKATEGORI: DIALOG_SVAR,
    OID_TEMA_HELSEFAGLIG_DIALOG: DIALOG_HELSEFAGLIG,
    OID_STATUS_HENVISNING: DIALOG_STATUS_HENVISNING,
}


def msg_type_of(document: Dialogmelding) -> str:
    """The MsgHead type (code system 8279) that carries ``document``.

    A document with requests is a Forespørsel. A note is typed by the code system of its ``TemaKodet``
    (HIS 80603:2006 4.1.3): 8117 feedback on errors, 9069 answer, 7322 Helsefaglig dialog, 9148 status
    of a referral; a note that carries the request it answers is an answer (HIS 80603:2006 2.1.2);
    any other note is a Notat.
    """
    if document.foresporsel:
        return DIALOG_FORESPORSEL
    if not document.notat:
        raise ValueError("dialogmeldingen har verken forespørsel eller notat")
    first = document.notat[0]
    by_tema = _MSG_TYPE_OF_TEMA.get(first.tema_kodet.s or "")
    if by_tema is not None:
        return by_tema
    return DIALOG_SVAR if first.foresporsel is not None else DIALOG_NOTAT
