"""Builders of the Dialogmelding profiles: Forespørsel, Svar på forespørsel, avvik, Notat, Helsefaglig dialog.

Each builder returns a new document and refuses to produce one its version does not allow
(:func:`.versions.model_issues`).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

from samhandling.standards import kith
from samhandling.standards.dialogmelding.codes import (
    FEIL_ADRESSAT,
    FRITEKST,
    HENVENDELSE_OM_PASIENT,
    KONTAKT_HOS_MOTTAKER,
    NOTAT_OM_PASIENT,
    SVAR_PA_FORESPORSEL,
)
from samhandling.standards.dialogmelding.model import (
    ROOTS,
    Dialogmelding,
    Dialogmelding11,
    Foresporsel,
    FormattedText,
    HealthcareProfessional,
    Notat,
    RollerRelatertNotat,
    Version,
)
from samhandling.standards.dialogmelding.versions import model_issues
from samhandling.standards.kith import CS, CV, URL
from samhandling.standards.msghead import OID_PERSON_IDENT

Text = str | FormattedText
"""Builders take plain text, or a :class:`FormattedText` for XHTML formatting."""


def helsepersonell_rolle(
    *,
    role_to_patient: CV | None = None,
    rolle_notat: CV | None = None,
    type_healthcare_professional: CS | None = None,
    family_name: str | None = None,
    given_name: str | None = None,
    hpr_nummer: str | None = None,
    telefon: str | None = None,
) -> RollerRelatertNotat:
    """A related role held by a health professional, e.g. the one responsible for the content.

    Helsefaglig dialog requires the name and telephone of that professional (HIS 1077:2017 5.2.1).
    """
    professional = HealthcareProfessional(
        type_healthcare_professional=type_healthcare_professional,
        family_name=family_name,
        given_name=given_name,
    )
    if hpr_nummer is not None:
        hpr = CV(v="HPR", dn="HPR-nummer", s=OID_PERSON_IDENT)
        professional.ident.append(kith.Ident(id=hpr_nummer, type_id=hpr))
    if telefon is not None:
        professional.tele_com.append(kith.TeleCom(tele_address=URL(v=f"tel:{telefon}")))
    return RollerRelatertNotat(
        rolle_notat=rolle_notat, role_to_patient=role_to_patient, healthcare_professional=professional
    )


def foresporsel(
    *,
    sporsmal: Text,
    type_foresp: CV = FRITEKST,
    emne_sporsmal: str | None = None,
    formal: CV | None = None,
    begrunnelse: str | None = None,
    hastegrad: CS | None = None,
    roller: Sequence[RollerRelatertNotat] = (),
    version: Version = "1.0",
) -> Dialogmelding:
    """A Forespørsel (HIS 1152:2006; MsgHead type DIALOG_FORESPORSEL).

    ``type_foresp`` defaults to free text; with PLO, pleie og omsorg uses code system 9152 (e.g.
    :data:`ANNEN_HENVENDELSE_FRA_PLO`), general practitioners 9153 and hospitals 9154 (HIS 80704:2014
    5.2.3). ``emne_sporsmal`` (the subject) exists in 1.1 only.
    """
    request = Foresporsel(
        type_foresp=copy.copy(type_foresp),
        emne_sporsmal=emne_sporsmal,
        sporsmal=_formatted(sporsmal),
        formal=copy.copy(formal),
        begrunnelse=begrunnelse,
        hastegrad=copy.copy(hastegrad),
        roller_relatert_notat=list(roller),
    )
    return _checked(ROOTS[version](foresporsel=[request]))


def svar_pa_foresporsel(
    *,
    tekst: Text,
    svar_pa: Dialogmelding | Foresporsel | None = None,
    tema_kodet: CV = SVAR_PA_FORESPORSEL,
    merknad: str | None = None,
    roller: Sequence[RollerRelatertNotat] = (),
    version: Version | None = None,
) -> Dialogmelding:
    """A Svar på forespørsel (HIS 1152:2006; MsgHead type DIALOG_SVAR).

    ``svar_pa`` is what is answered: a request, or a received document whose request is copied. The
    answer always carries the request it answers (HIS 80603:2006 2.1.2); answering a document without
    a request (a note, a message of another standard) carries none, and the reference is the MsgHead's
    ``ConversationRef`` alone (HITS 1218). A document with several requests is answered one request
    at a time. ``version`` defaults to the version of the answered document, else 1.0.
    """
    if isinstance(svar_pa, Dialogmelding):
        if len(svar_pa.foresporsel) > 1:
            raise ValueError("dokumentet har flere forespørsler: hver forespørsel besvares for seg")
        request = svar_pa.foresporsel[0] if svar_pa.foresporsel else None
        version = version or svar_pa.version
    else:
        request = svar_pa
    note = Notat(
        tema_kodet=copy.copy(tema_kodet),
        tekst_notat_innhold=_formatted(tekst),
        merknad=merknad,
        foresporsel=copy.deepcopy(request),
        roller_relatert_notat=list(roller),
    )
    return _checked(ROOTS[version or "1.0"](notat=[note]))


def avvik(
    *,
    tekst: Text,
    tema_kodet: CV = FEIL_ADRESSAT,
    roller: Sequence[RollerRelatertNotat] = (),
    version: Version = "1.0",
) -> Dialogmelding:
    """A Tilbakemelding om feil i mottatt melding (HIS 1151:2006; MsgHead type DIALOG_AVVIK).

    Sent back to the sender of a message that will not be processed, with the coded and the textual
    reason (chapter 3): ``tema_kodet`` from code system 8117 and ``tekst``, for a misdirected PLO
    message for example :data:`PASIENTEN_TILHORER_IKKE_KOMMUNEN` or
    :data:`PASIENTEN_MOTTAR_IKKE_KOMMUNALE_TJENESTER`. HIS 1151 prescribes version 1.0 (4.2.1).
    """
    note = Notat(tema_kodet=copy.copy(tema_kodet), tekst_notat_innhold=_formatted(tekst),
                 roller_relatert_notat=list(roller))
    return _checked(ROOTS[version](notat=[note]))


def notat(
    *,
    tekst: Text,
    tema: str | None = None,
    tema_kodet: CV = NOTAT_OM_PASIENT,
    merknad: str | None = None,
    roller: Sequence[RollerRelatertNotat] = (),
    version: Version = "1.0",
) -> Dialogmelding:
    """A Notat about the patient, no answer expected (HIS 80603:2006 2.1.3; MsgHead type DIALOG_NOTAT).

    The note's text is required for this use (HIS 80603:2006 4.1.3).
    """
    note = Notat(tema_kodet=copy.copy(tema_kodet), tema=tema, tekst_notat_innhold=_formatted(tekst),
                 merknad=merknad, roller_relatert_notat=list(roller))
    return _checked(ROOTS[version](notat=[note]))


def helsefaglig_dialog(
    *,
    tema: str,
    tekst: Text,
    tema_kodet: CV = HENVENDELSE_OM_PASIENT,
    roller: Sequence[RollerRelatertNotat] = (),
    kontakt_hos_mottaker: CS | None = None,
) -> Dialogmelding:
    """A Helsefaglig dialog message (HIS 1077:2017; Dialogmelding 1.1, MsgHead type DIALOG_HELSEFAGLIG).

    ``tema`` and ``tekst`` are required (5.2.1); keep the subject through the dialog ("Re: ..."). The
    roles name the professional responsible, with name and telephone (:func:`helsepersonell_rolle`),
    and any unit involved (``TilknyttetEnhet``). A new dialog about a patient (code 6) must name the
    wanted profession at the receiver: ``kontakt_hos_mottaker`` (code system 9060) adds that role.
    """
    wanted = [] if kontakt_hos_mottaker is None else [helsepersonell_rolle(
        role_to_patient=KONTAKT_HOS_MOTTAKER, type_healthcare_professional=copy.copy(kontakt_hos_mottaker))]
    note = Notat(tema_kodet=copy.copy(tema_kodet), tema=tema, tekst_notat_innhold=_formatted(tekst),
                 roller_relatert_notat=[*roller, *wanted])
    return _checked(Dialogmelding11(notat=[note]))


def _formatted(value: Text) -> FormattedText:
    return value if isinstance(value, FormattedText) else FormattedText(text=value)


def _checked(document: Dialogmelding) -> Dialogmelding:
    issues = model_issues(document)
    if issues:
        raise ValueError("; ".join(issues))
    return document
