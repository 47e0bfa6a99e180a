"""PLO, the messages between hospitals, GPs and municipal care services (pleie- og omsorgsmeldinger).

samhandling writes PLO 1.6 (HIS 80704:2014) and reads PLO 1.5 and PLO 2.0. The models live in
:mod:`.components` (poKomponent), :mod:`.epj` (the EPJ components) and :mod:`.messages` (the message
roots and their registration); :mod:`.examples` builds complete synthetic 1.6 documents.
"""

from samhandling.standards.content import ContentStandard
from samhandling.standards.plo import v20
from samhandling.standards.plo.messages import (
    FORSENDELSESSTATUS,
    LOGISTICS_MSG_TYPES,
    MSG_TYPES,
    STANDARDS_15,
    STANDARDS_16,
    AvmeldingUtskrivningsklarPasient,
    HelseopplysningerVedSoknad,
    Innleggelsesrapport,
    Konsultasjon,
    MeldingFravar,
    MeldingInnlagtPasient,
    MeldingOmUtskrevetPasient,
    MeldingUtskrivningsklarPasient,
    OrienteringOmDod,
    OrienteringOmTjenestetilbud,
    OverforingMedisinskeOpplysninger,
    Pasientlogistikk,
    Plo20Dokument,
    POMeldingsanvendelse,
    TverrfagligEpikrise,
    forsendelsesstatus,
    msg_type_of,
)

STANDARDS: list[ContentStandard] = STANDARDS_16 + STANDARDS_15 + v20.STANDARDS

__all__ = [
    "FORSENDELSESSTATUS", "LOGISTICS_MSG_TYPES", "MSG_TYPES", "STANDARDS", "STANDARDS_15", "STANDARDS_16",
    "AvmeldingUtskrivningsklarPasient", "HelseopplysningerVedSoknad", "Innleggelsesrapport", "Konsultasjon",
    "MeldingFravar", "MeldingInnlagtPasient", "MeldingOmUtskrevetPasient", "MeldingUtskrivningsklarPasient",
    "OrienteringOmDod", "OrienteringOmTjenestetilbud", "OverforingMedisinskeOpplysninger", "POMeldingsanvendelse",
    "Pasientlogistikk", "Plo20Dokument", "TverrfagligEpikrise", "forsendelsesstatus", "msg_type_of",
]
