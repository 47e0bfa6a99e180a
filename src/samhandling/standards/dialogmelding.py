"""Dialogmelding 1.0 and 1.1 (HIS 80603:2006 and HIS 80603:2017) and the profiles built on them.

A Dialogmelding holds either one or more ``Foresporsel`` (a request) or one or more ``Notat`` (an
answer, a note, a feedback on errors, a clinical dialog message): what the message *is* is said by
``MsgHead/MsgInfo/Type`` (code system 8279) and the code system of the note's ``TemaKodet``. The
profiles modelled by the builders here:

- Forespørsel and Svar på forespørsel (HIS 1152:2006), Dialogmelding 1.0;
- Tilbakemelding om feil i mottatt melding, "avvik" (HIS 1151:2006), Dialogmelding 1.0;
- Notat (HIS 80603:2006 chapter 2.1.3);
- Helsefaglig dialog (HIS 1077:2017), Dialogmelding 1.1.

Version 1.1 differs from 1.0 only by its namespace and a few additions (HIS 80603:2017 chapter 2.3):
``EmneSporsmal`` and ``KodetOpplysning`` in ``Foresporsel``, ``Sporsmal`` as ``anyType`` (XHTML allowed),
``TypeJournalinfo`` repeatable, and ``TilknyttetEnhet`` in ``RollerRelatertNotat`` whose person became
optional. One set of models serves both versions; the root type says which version a document is in
(:class:`Dialogmelding10`, :class:`Dialogmelding11`), and :func:`model_issues` names what a 1.0
document holds that only 1.1 allows. Every builder refuses to produce such a document.
"""

# The binding's field declarations (element(), any_content()) are dataclass field factories, not defaults.

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import ClassVar, Literal

from lxml import etree

from samhandling.standards import binding, kith
from samhandling.standards.binding import AnyXml, Namespaces, any_content, element, read, xml_type
from samhandling.standards.content import ContentStandard, write_document
from samhandling.standards.kith import CS, CV, URL
from samhandling.standards.msghead import OID_PERSON_IDENT

Version = Literal["1.0", "1.1"]

DIALOG_1_0_NS = "http://www.kith.no/xmlstds/dialog/2006-10-11"
DIALOG_1_1_NS = "http://www.kith.no/xmlstds/dialog/2013-01-23"


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


# --- models ----------------------------------------------------------------------------------------

@xml_type(ns="dia")
@dataclass(kw_only=True)
class FormattedText:
    """The content of an ``anyType`` text element: text, optionally with simple XHTML formatting.

    ``TekstNotatInnhold`` (both versions) and ``Sporsmal`` (1.1) may carry XHTML elements (HISD 1155);
    ``text`` is the text before the first element and each element keeps the text that follows it.
    """

    text: str = binding.text(default="")
    xhtml: AnyXml = any_content()

    def plain_text(self) -> str:
        """All the text, with any formatting elements taken away."""
        return self.text + "".join(
            etree.tostring(e, method="text", encoding="unicode", with_tail=True) for e in self.xhtml
        )


@xml_type(ns="dia")
@dataclass(kw_only=True)
class HealthcareProfessional(kith.HealthcareProfessional):
    """Helsepersonell (``dia:HealthcareProfessional``), structured as in felleskomponent1."""


@xml_type(ns="dia")
@dataclass(kw_only=True)
class Person:
    """Person (``dia:Person``); note the name order, given name first, unlike felleskomponent1."""

    given_name: str | None = element("GivenName", default=None)
    middle_name: str | None = element("MiddleName", default=None)
    family_name: str | None = element("FamilyName", default=None)
    date_of_birth: date | None = element("DateOfBirth", default=None)
    sex: CS | None = element("Sex", default=None)
    nationality: CS | None = element("Nationality", default=None)
    ident: list[kith.Ident] = element("Ident", default_factory=list)
    address: kith.Address | None = element("Address", default=None)
    tele_com: list[kith.TeleCom] = element("TeleCom", default_factory=list)


@xml_type(ns="dia")
@dataclass(kw_only=True)
class TilknyttetEnhet:
    """An organisational unit with a role in the message, e.g. a ward or a nursing home (1.1 only)."""

    kontaktenhet: kith.Organisation = element("Kontaktenhet")
    merknad: str | None = element("Merknad", default=None)
    healthcare_professional: HealthcareProfessional | None = element("HealthcareProfessional", default=None)
    person: Person | None = element("Person", default=None)


@xml_type(ns="dia")
@dataclass(kw_only=True)
class RollerRelatertNotat:
    """A person (or, in 1.1, a unit) with a role related to the note or request (HIS 80603 4.1.5).

    1.0 requires exactly one of ``healthcare_professional`` and ``person``; 1.1 allows neither and
    adds ``tilknyttet_enhet``.
    """

    rolle_notat: CV | None = element("RolleNotat", default=None)
    role_to_patient: CV | None = element("RoleToPatient", default=None)
    tilknyttet_enhet: TilknyttetEnhet | None = element("TilknyttetEnhet", default=None)
    healthcare_professional: HealthcareProfessional | None = element("HealthcareProfessional", default=None)
    person: Person | None = element("Person", default=None)


@xml_type(ns="dia")
@dataclass(kw_only=True)
class Foresporsel:
    """A request (HIS 80603 4.1.2). ``emne_sporsmal`` and ``kodet_opplysning`` exist in 1.1 only."""

    type_foresp: CV = element("TypeForesp")
    emne_sporsmal: str | None = element("EmneSporsmal", default=None)
    sporsmal: FormattedText | None = element("Sporsmal", default=None)
    formal: CV | None = element("Formål", default=None)
    begrunnelse: str | None = element("Begrunnelse", default=None)
    hastegrad: CS | None = element("Hastegrad", default=None)
    fra_dato: date | None = element("FraDato", default=None)
    til_dato: date | None = element("TilDato", default=None)
    type_journalinfo: list[CV] = element("TypeJournalinfo", default_factory=list)
    kodet_opplysning: CV | None = element("KodetOpplysning", default=None)
    dok_id_foresp: str | None = element("DokIdForesp", default=None)
    roller_relatert_notat: list[RollerRelatertNotat] = element("RollerRelatertNotat", default_factory=list)


@xml_type(ns="dia")
@dataclass(kw_only=True)
class Notat:
    """A note: an answer, a note on the patient, a feedback on errors, a dialog message (HIS 80603 4.1.3)."""

    tema_kodet: CV = element("TemaKodet")
    tema: str | None = element("Tema", default=None)
    tekst_notat_innhold: FormattedText | None = element("TekstNotatInnhold", default=None)
    merknad: str | None = element("Merknad", default=None)
    dok_id_notat: str | None = element("DokIdNotat", default=None)
    dato_notat: date | None = element("DatoNotat", default=None)
    foresporsel: Foresporsel | None = element("Foresporsel", default=None)
    roller_relatert_notat: list[RollerRelatertNotat] = element("RollerRelatertNotat", default_factory=list)


@xml_type(ns="dia")
@dataclass(kw_only=True)
class Dialogmelding:
    """The root: requests or notes, never both (HIS 80603:2006 2.4.1). Use the version's subclass."""

    version: ClassVar[Version]

    sakstype_kodet: CV | None = element("SakstypeKodet", default=None)
    sakstype: str | None = element("Sakstype", default=None)
    foresporsel: list[Foresporsel] = element("Foresporsel", default_factory=list)
    notat: list[Notat] = element("Notat", default_factory=list)


@xml_type(ns="dia")
@dataclass(kw_only=True)
class Dialogmelding10(Dialogmelding):
    """A Dialogmelding 1.0 document (namespace ``.../dialog/2006-10-11``)."""

    version: ClassVar[Version] = "1.0"


@xml_type(ns="dia")
@dataclass(kw_only=True)
class Dialogmelding11(Dialogmelding):
    """A Dialogmelding 1.1 document (namespace ``.../dialog/2013-01-23``)."""

    version: ClassVar[Version] = "1.1"


_ROOTS: dict[Version, type[Dialogmelding]] = {"1.0": Dialogmelding10, "1.1": Dialogmelding11}


def _namespaces(dialog_ns: str) -> Namespaces:
    return kith.COMMON_NAMESPACES.merged(Namespaces(uris={"dia": dialog_ns}, prefixes={"dia": None}))


STANDARDS: list[ContentStandard] = [
    ContentStandard(
        standard="Dialogmelding",
        version="1.0",
        namespace=DIALOG_1_0_NS,
        root="Dialogmelding",
        model=Dialogmelding10,
        namespaces=_namespaces(DIALOG_1_0_NS),
        schema_file="dialogmelding/2006-10-11/dialogmelding.xsd",
        msg_types=(DIALOG_FORESPORSEL, DIALOG_SVAR, DIALOG_AVVIK, DIALOG_NOTAT),  # HIS 1151, HIS 1152
    ),
    ContentStandard(
        standard="Dialogmelding",
        version="1.1",
        namespace=DIALOG_1_1_NS,
        root="Dialogmelding",
        model=Dialogmelding11,
        namespaces=_namespaces(DIALOG_1_1_NS),
        schema_file="dialogmelding/2013-01-23/dialogmelding-v1.1.xsd",
        # In 1.1 each profile sets the type (HIS 80603:2017 3.2); 1.1 also covers the uses of 1.0 (3.1).
        msg_types=tuple(MSG_TYPES),
    ),
]


def standard(version: Version) -> ContentStandard:
    """The content standard of Dialogmelding in ``version``."""
    return next(s for s in STANDARDS if s.version == version)


def read_dialogmelding(elem: etree._Element, *, strict: bool = True) -> Dialogmelding:
    """Read a ``Dialogmelding`` element of either version into the model of its version."""
    found = next((s for s in STANDARDS if s.qname == elem.tag), None)
    if found is None:
        raise LookupError(f"{elem.tag} er ikke en dialogmelding")
    document: Dialogmelding = read(found.model, elem, found.namespaces, strict=strict)
    return document


def write_dialogmelding(document: Dialogmelding) -> etree._Element:
    """Write a document as the ``Dialogmelding`` element of its version."""
    return write_document(document, standard(document.version))


# --- what the message is ---------------------------------------------------------------------------

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


# --- the differences between the versions ----------------------------------------------------------

def model_issues(document: Dialogmelding) -> list[str]:
    """What ``document`` holds that its version's schema does not allow, though the shared model does.

    These are the choices the model cannot express (requests and notes together, a role with both a
    professional and a person) and, in a 1.0 document, the additions of 1.1 (HIS 80603:2017 2.3).
    """
    issues: list[str] = []
    if document.foresporsel and document.notat:
        issues.append("Dialogmelding: kan ikke ha både Foresporsel og Notat")
    for path, role in _roles(document):
        issues += _choice_issues(path, role)
        if role.tilknyttet_enhet is not None:
            issues += _choice_issues(f"{path}/TilknyttetEnhet", role.tilknyttet_enhet)
    if document.version == "1.0":
        for path, request in _requests(document):
            issues += _request_issues_1_0(path, request)
        for path, role in _roles(document):
            issues += _role_issues_1_0(path, role)
    return issues


def _choice_issues(path: str, holder: RollerRelatertNotat | TilknyttetEnhet) -> list[str]:
    if holder.healthcare_professional is not None and holder.person is not None:
        return [f"{path}: kan ha HealthcareProfessional eller Person, ikke begge"]
    return []


def _request_issues_1_0(path: str, request: Foresporsel) -> list[str]:
    issues: list[str] = []
    if request.emne_sporsmal is not None:
        issues.append(f"{path}/EmneSporsmal: finnes ikke i Dialogmelding 1.0")
    if request.sporsmal is not None and request.sporsmal.xhtml:
        issues.append(f"{path}/Sporsmal: kan bare inneholde tekst i Dialogmelding 1.0")
    if len(request.type_journalinfo) > 1:
        issues.append(f"{path}/TypeJournalinfo: kan bare forekomme én gang i Dialogmelding 1.0")
    if request.kodet_opplysning is not None:
        issues.append(f"{path}/KodetOpplysning: finnes ikke i Dialogmelding 1.0")
    return issues


def _role_issues_1_0(path: str, role: RollerRelatertNotat) -> list[str]:
    if role.tilknyttet_enhet is not None:
        return [f"{path}/TilknyttetEnhet: finnes ikke i Dialogmelding 1.0"]
    if role.healthcare_professional is None and role.person is None:
        return [f"{path}: må ha HealthcareProfessional eller Person i Dialogmelding 1.0"]
    return []


def _requests(document: Dialogmelding) -> Iterator[tuple[str, Foresporsel]]:
    for i, request in enumerate(document.foresporsel, 1):
        yield f"Dialogmelding/Foresporsel[{i}]", request
    for i, note in enumerate(document.notat, 1):
        if note.foresporsel is not None:
            yield f"Dialogmelding/Notat[{i}]/Foresporsel", note.foresporsel


def _roles(document: Dialogmelding) -> Iterator[tuple[str, RollerRelatertNotat]]:
    for path, request in _requests(document):
        for j, role in enumerate(request.roller_relatert_notat, 1):
            yield f"{path}/RollerRelatertNotat[{j}]", role
    for i, note in enumerate(document.notat, 1):
        for j, role in enumerate(note.roller_relatert_notat, 1):
            yield f"Dialogmelding/Notat[{i}]/RollerRelatertNotat[{j}]", role


# --- builders --------------------------------------------------------------------------------------

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
    return _checked(_ROOTS[version](foresporsel=[request]))


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
    return _checked(_ROOTS[version or "1.0"](notat=[note]))


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
    return _checked(_ROOTS[version](notat=[note]))


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
    return _checked(_ROOTS[version](notat=[note]))


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

