"""The code tables of AppRec: status (8258), errors (8221), roles of Sender and Receiver (8112), own MsgType.

Code system OIDs on volven.no; HIS 80415:2012 §6.1.1 gives their common prefix 2.16.578.1.12.4.1.1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from samhandling.standards import msghead
from samhandling.standards.kith import CS, CV

# Code system OIDs (volven.no): HIS 80415:2012 §6.1.1 gives the common prefix 2.16.578.1.12.4.1.1.
OID_STATUS = "2.16.578.1.12.4.1.1.8258"
OID_ERROR = "2.16.578.1.12.4.1.1.8221"
OID_ROLE = "2.16.578.1.12.4.1.1.8112"


@dataclass(frozen=True)
class Code:
    """A code of a code system: value (V), official Norwegian display name (DN) and the system's OID (S)."""

    value: str
    name: str
    system: str

    def cs(self) -> CS:
        return CS(v=self.value, dn=self.name)

    def cv(self, text: str | None = None) -> CV:
        """The code as a coded value, with ``text`` as original text (OT)."""
        return CV(v=self.value, s=self.system, dn=self.name, ot=text)


def _table(*codes: Code) -> Mapping[str, Code]:
    return {code.value: code for code in codes}


# Status for mottak av melding, code system 8258 (HIS 80415:2012 §6.2).
STATUS_OK = Code("1", "OK", OID_STATUS)
STATUS_REJECTED = Code("2", "Avvist", OID_STATUS)
STATUS_OK_ERROR_IN_PART = Code("3", "OK, feil i delmelding", OID_STATUS)
STATUS_CODES = _table(STATUS_OK, STATUS_REJECTED, STATUS_OK_ERROR_IN_PART)

# Feilmeldinger for applikasjonskvittering – Generelle, code system 8221 (HIS 80415:2012 §6.3, which rules
# for each situation which code to use in §3.3.4; HITS 1168 §7: always the most precise code).
ERROR_T01 = Code("T01", "Ikke XML / ikke 'well formed' / uleselig", OID_ERROR)
ERROR_T02 = Code("T02", "XML validerer ikke", OID_ERROR)
ERROR_T10 = Code("T10", "Støtter ikke meldingsformatet", OID_ERROR)
ERROR_T99 = Code("T99", "Annen feil på format", OID_ERROR)
ERROR_S01 = Code("S01", "Feil på signatur", OID_ERROR)
ERROR_S02 = Code("S02", "Ugyldig sertifikat", OID_ERROR)
ERROR_S03 = Code("S03", "Tilbaketrukket sertifikat", OID_ERROR)
ERROR_S99 = Code("S99", "Annen feil på signatur eller sertifikat", OID_ERROR)
ERROR_E10 = Code("E10", "Ugyldig meldingsidentifikator", OID_ERROR)
ERROR_E20 = Code("E20", "Lege finnes ikke", OID_ERROR)
ERROR_E21 = Code("E21", "Mottaker finnes ikke", OID_ERROR)
ERROR_E30 = Code("E30", "Pasientens fødselsnummer mangler", OID_ERROR)
ERROR_E31 = Code("E31", "Pasientens fødselsnummer er feil", OID_ERROR)
ERROR_E32 = Code("E32", "Pasientens navn mangler", OID_ERROR)
ERROR_E35 = Code("E35", "Pasienten finnes ikke i mottakersystemet", OID_ERROR)
ERROR_E36 = Code("E36", "Pasientopplysninger er utilstrekkelig", OID_ERROR)
ERROR_E53 = Code(
    "E53", "Pasientens fødselsnummer eller D-nummer finnes ikke registrert i Folkeregisteret", OID_ERROR
)
ERROR_E54 = Code("E54", "Pasientens fødselsnummer er ikke registrert i mottagersystemet", OID_ERROR)
ERROR_X99 = Code("X99", "Annen feil", OID_ERROR)
ERROR_CODES = _table(
    ERROR_T01, ERROR_T02, ERROR_T10, ERROR_T99,
    ERROR_S01, ERROR_S02, ERROR_S03, ERROR_S99,
    ERROR_E10, ERROR_E20, ERROR_E21, ERROR_E30, ERROR_E31, ERROR_E32, ERROR_E35, ERROR_E36,
    ERROR_E53, ERROR_E54, ERROR_X99,
)  # fmt: skip

# Roles of Sender and Receiver (Rolle til mottaker, code system 8112, the code system of MsgHead's
# OtherReceiver/RoleReceiver). AppRec 1.1: PRIM or COP for Sender, always AVS for Receiver (HIS 80415:2012
# §4.4.4, §4.4.5). AppRec 1.0: REQ for a requester and SPR for other service providers as primary receiver,
# COP for a copy receiver, always RECEIVER for Receiver (HIS 80415:2004 §4.4.4, §4.4.5; HITS 1168 §6.2).
ROLE_PRIMARY = Code("PRIM", "Primærmottaker", OID_ROLE)
ROLE_COPY = Code("COP", "Kopimottaker", OID_ROLE)
ROLE_ORIGINAL_SENDER = Code("AVS", "Avsender", OID_ROLE)
ROLE_REQUESTER = Code("REQ", "Rekvirent", OID_ROLE)
ROLE_SERVICE_PROVIDER = Code("SPR", "Tjenesteyter", OID_ROLE)
ROLE_RECEIVER = Code("RECEIVER", "Mottaker", OID_ROLE)

# The AppRec's own MsgType, from Meldingens funksjon (code system 8279; HIS 80415:2012 §4.3.1).
APPREC_MSG_TYPE = Code("APPREC", "Applikasjonskvittering", msghead.OID_MSG_TYPE)
