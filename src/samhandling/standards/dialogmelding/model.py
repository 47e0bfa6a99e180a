"""The Dialogmelding document in versions 1.0 and 1.1 (dialogmelding.xsd, dialogmelding-v1.1.xsd), read and written.

Version 1.1 differs from 1.0 only by its namespace and a few additions (HIS 80603:2017 chapter 2.3):
``EmneSporsmal`` and ``KodetOpplysning`` in ``Foresporsel``, ``Sporsmal`` as ``anyType`` (XHTML allowed),
``TypeJournalinfo`` repeatable, and ``TilknyttetEnhet`` in ``RollerRelatertNotat`` whose person became
optional. One set of models serves both versions; the root type says which version a document is in
(:class:`Dialogmelding10`, :class:`Dialogmelding11`), and :func:`.versions.model_issues` names what a 1.0
document holds that only 1.1 allows.
"""

# The binding's field declarations (element(), any_content()) are dataclass field factories, not defaults.


from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar, Literal

from lxml import etree

from samhandling.standards import binding, kith
from samhandling.standards.binding import AnyXml, Namespaces, any_content, element, read, xml_type
from samhandling.standards.content import ContentStandard, write_document
from samhandling.standards.dialogmelding.codes import (
    DIALOG_AVVIK,
    DIALOG_FORESPORSEL,
    DIALOG_NOTAT,
    DIALOG_SVAR,
    MSG_TYPES,
)
from samhandling.standards.kith import CS, CV

Version = Literal["1.0", "1.1"]

DIALOG_1_0_NS = "http://www.kith.no/xmlstds/dialog/2006-10-11"
DIALOG_1_1_NS = "http://www.kith.no/xmlstds/dialog/2013-01-23"


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


ROOTS: dict[Version, type[Dialogmelding]] = {"1.0": Dialogmelding10, "1.1": Dialogmelding11}
"""The root class of each version."""


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
