"""The MsgHead message types of Dialogmelding (code system 8279) and the code systems and codes its profiles use."""

from __future__ import annotations

from samhandling.standards.kith import CV

# --- MsgHead message types (code system 8279, "Meldingens funksjon") ----------------------------------

DIALOG_FORESPORSEL = "DIALOG_FORESPORSEL"  # HIS 1152:2006 chapter 4.2
DIALOG_SVAR = "DIALOG_SVAR"  # HIS 1152:2006 chapter 4.2
DIALOG_AVVIK = "DIALOG_AVVIK"  # HIS 1151:2006 chapter 4.2.1
DIALOG_NOTAT = "DIALOG_NOTAT"  # HIS 80603:2006 chapter 2.2 and example 2
DIALOG_HELSEFAGLIG = "DIALOG_HELSEFAGLIG"  # HIS 1077:2017 chapter 5.1.1
DIALOG_STATUS_HENVISNING = "DIALOG_STATUS_HENVISNING"  # official sample Status_paa_henvisning (1.1)

MSG_TYPES: dict[str, str] = {
    DIALOG_FORESPORSEL: "Forespørsel",
    DIALOG_SVAR: "Svar på forespørsel",
    DIALOG_AVVIK: "Tilbakemelding om feil i mottatt melding",
    DIALOG_NOTAT: "Notat",
    DIALOG_HELSEFAGLIG: "Helsefaglig dialog",
    DIALOG_STATUS_HENVISNING: "Status på henvisning",
}
"""Each dialog message type (``MsgInfo/Type/@V``) with its display name (``@DN``)."""

# --- code systems (OIDs on volven.no) --------------------------------------------------------------

OID_TEMA_NOTAT = "2.16.578.1.12.4.1.1.7321"  # Tema for notat, HIS 80603:2006 5.2.4
OID_TEMA_HELSEFAGLIG_DIALOG = "2.16.578.1.12.4.1.1.7322"  # Tema for helsefaglig dialog, HIS 1077:2017 5.2.1
OID_AVVIK = "2.16.578.1.12.4.1.1.8117"  # Avvik ved mottak av elektronisk melding, HIS 1151:2006 4.3.1
OID_TYPE_USPESIFISERT_FORESPORSEL = "2.16.578.1.12.4.1.1.8331"  # HIS 80603:2006 5.2.7
OID_ROLLE_TIL_PASIENT = "2.16.578.1.12.4.1.1.9034"  # Helsepersons roller i forhold til pasient, 5.2.9
OID_SVARKATEGORI = "2.16.578.1.12.4.1.1.9069"  # Svarkategori, overføring av EPJ-informasjon, 5.2.16
OID_TYPE_OPPLYSNING_FRA_PLO = "2.16.578.1.12.4.1.1.9152"  # fra pleie og omsorg, HIS 80704:2014 5.2.3
OID_STATUS_HENVISNING = "2.16.578.1.12.4.1.1.9148"  # TemaKodet of the official Status på henvisning sample

# Codes the builders use. Builders copy them, so a document never shares a code object with another.
FRITEKST = CV(v="5", dn="Fritekst", s=OID_TYPE_USPESIFISERT_FORESPORSEL)
"""Type of request "free text" (8331), the question is then in ``Sporsmal`` (HIS 80603:2006 4.1.2)."""
ANNEN_HENVENDELSE_FRA_PLO = CV(v="99", dn="Annen henvendelse", s=OID_TYPE_OPPLYSNING_FRA_PLO)
"""Type of request sent by pleie og omsorg with PLO (9152), as in the official PLO Forespørsel sample."""
SVAR_PA_FORESPORSEL = CV(v="5", dn="Svar på forespørsel", s=OID_SVARKATEGORI)
"""Answer category (9069) of the official Svar på forespørsel sample with PLO."""
FEIL_ADRESSAT = CV(v="1", dn="Feil adressat", s=OID_AVVIK)
"""Reason "wrong addressee" (8117), the example of HIS 1151:2006 chapter 4.3.1."""
NOTAT_OM_PASIENT = CV(v="1", dn="Notat om pasient", s=OID_TEMA_NOTAT)
HENVENDELSE_OM_PASIENT = CV(v="6", dn="Henvendelse om pasient", s=OID_TEMA_HELSEFAGLIG_DIALOG)
KONTAKT_HOS_MOTTAKER = CV(v="24", dn="Kontakt hos mottaker", s=OID_ROLLE_TIL_PASIENT)
"""Role of the wanted contact at the receiver in Helsefaglig dialog (HIS 1077:2017 5.2.1)."""

# The texts municipalities send in a Tilbakemelding om feil i mottatt melding for a PLO message that
# reached the wrong municipality (reason FEIL_ADRESSAT). They are the usual wording, not codes of 8117.
PASIENTEN_TILHORER_IKKE_KOMMUNEN = "Pasienten tilhører ikke kommunen"
PASIENTEN_MOTTAR_IKKE_KOMMUNALE_TJENESTER = "Pasienten mottar ikke kommunale tjenester"
