"""The EPJ components PLO messages carry: CAVE, journal notes and medication (EPJ-*.xsd, 2008-02-20).

These schemas are shared by PLO 1.5 and 1.6 (and 2.0), so their namespaces do not vary by version.
An EPJ component ("EPJ sak" or "EPJ dokument") carries metadata attributes from ``EPJ-meta.xsd``: its
base component type and component type OID (both fixed by the schema), an optional information
category and a required ``komponentID`` (HIS 80704:2014 section 4.5). Fragments inside a component
(Journaltekst, Allergi, Forskrivningsinfo, …) carry none.

``Legemidler`` and ``Notater`` (EPJ sak) are declared by the schemas but no PLO message refers to
them, so they are not modelled.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass
from typing import Any

from samhandling.standards.binding import Namespaces, attribute, element, xml_type
from samhandling.standards.kith import CS, CV, PQ, TS, HealthcareProfessional

EPJ1_NS = "http://www.kith.no/xmlstds/epj/epj1/2008-02-20"  # EPJ-cave-mv.xsd
EPJ2_NS = "http://www.kith.no/xmlstds/epj/epj2/2008-02-20"  # EPJ-journalnotat-mv.xsd
EPJ3_NS = "http://www.kith.no/xmlstds/epj/epj3/2008-02-20"  # EPJ-legemiddel-mv.xsd
META_NS = "http://www.kith.no/xmlstds/epj/meta/2008-02-20"  # EPJ-meta.xsd

NAMESPACES = Namespaces(
    uris={"epj1": EPJ1_NS, "epj2": EPJ2_NS, "epj3": EPJ3_NS, "m1": META_NS},
    prefixes={"epj1": "epj1", "epj2": "epj2", "epj3": "epj3", "m1": "m1"},
)

EPJ_SAK = "EPJ sak"
EPJ_DOKUMENT = "EPJ dokument"
OID_EPJ_COMPONENT = "2.16.578.1.12.4.1.6"
"""EPJ component types are OIDs under this arc (HIS 80704:2014 section 4.5)."""


def _fixed(name: str, value: str) -> Any:
    """A metadata attribute whose value the schema fixes (``use="required" fixed="…"``)."""
    return attribute(name, ns="m1", default=value)


@dataclass(kw_only=True)
class EpjKomponent:
    """Metadata of an EPJ component (attribute ``informasjonskategori`` and attribute group ``meta1``)."""

    informasjonskategori: str | None = attribute("informasjonskategori", ns="m1")
    komponent_id: str = attribute("komponentID", default=MISSING)
    referanse_viktig_tilleggsinfo: str | None = attribute("referanseViktigTilleggsinfo")


# --- EPJ-journalnotat-mv.xsd -----------------------------------------------------------------------

@xml_type(ns="epj2")
@dataclass(kw_only=True)
class Journaltekst:
    """A text with an optional heading code (for example 9141, 9142 or 9145, as the profiles require)."""

    overskriftskode: CV | None = element("Overskriftskode", default=None)
    notat: str = element("Notat")
    merknad: str | None = element("Merknad", default=None)


@xml_type(ns="epj2")
@dataclass(kw_only=True)
class GenereltJournalnotat(EpjKomponent):
    """EPJ dokument "Generelt journalnotat", OID 13.11009.0."""

    basiskomponenttype: str = _fixed("basiskomponenttype", EPJ_DOKUMENT)
    komponenttype: str = _fixed("komponenttype", f"{OID_EPJ_COMPONENT}.13.11009.0")
    journaltekst: list[Journaltekst] = element("Journaltekst", default_factory=list)


# --- EPJ-cave-mv.xsd -------------------------------------------------------------------------------

@xml_type(ns="epj1")
@dataclass(kw_only=True)
class StikkordCave:
    cave_stikkord: str = element("CaveStikkord")
    journaltekst: Journaltekst | None = element("Journaltekst", ns="epj2", default=None)


@xml_type(ns="epj1")
@dataclass(kw_only=True)
class SakshodeCave(EpjKomponent):
    """EPJ dokument "Sakshode Cave", OID 13.10028.0."""

    basiskomponenttype: str = _fixed("basiskomponenttype", EPJ_DOKUMENT)
    komponenttype: str = _fixed("komponenttype", f"{OID_EPJ_COMPONENT}.13.10028.0")
    stikkord_cave: list[StikkordCave] = element("StikkordCave", default_factory=list)


@xml_type(ns="epj1")
@dataclass(kw_only=True)
class Allergi:
    hensyn_ved_forskrivning: bool | None = element("HensynVedForskrivning", default=None)
    hensyn_mat_drikke: bool | None = element("HensynMatDrikke", default=None)
    kontaktallergi: bool | None = element("Kontaktallergi", default=None)
    pollen_innsektstikk: bool | None = element("PollenInnsektstikk", default=None)
    allergisk_mot: str = element("AllergiskMot")
    virkestoff_legemiddel: CV | None = element("VirkestoffLegemiddel", default=None)
    kode_annet_stoff: CV | None = element("KodeAnnetStoff", default=None)
    anafylaktiske_reaksjoner: CS | None = element("AnafylaktiskeReaksjoner", default=None)


@xml_type(ns="epj1")
@dataclass(kw_only=True)
class Allerginotat(EpjKomponent):
    """EPJ dokument "Allerginotat", OID 13.11036.1."""

    basiskomponenttype: str = _fixed("basiskomponenttype", EPJ_DOKUMENT)
    komponenttype: str = _fixed("komponenttype", f"{OID_EPJ_COMPONENT}.13.11036.1")
    journaltekst: list[Journaltekst] = element("Journaltekst", ns="epj2", default_factory=list)
    allergi: Allergi = element("Allergi")


@xml_type(ns="epj1")
@dataclass(kw_only=True)
class Cave(EpjKomponent):
    """EPJ sak "Cave", OID 14.50001.0: critical information (HIS 80704:2014 chapter 9)."""

    basiskomponenttype: str = _fixed("basiskomponenttype", EPJ_SAK)
    komponenttype: str = _fixed("komponenttype", f"{OID_EPJ_COMPONENT}.14.50001.0")
    sakshode_cave: SakshodeCave = element("SakshodeCave")
    allerginotat: list[Allerginotat] = element("Allerginotat", default_factory=list)


# --- EPJ-legemiddel-mv.xsd -------------------------------------------------------------------------

@xml_type(ns="epj3")
@dataclass(kw_only=True)
class Forskrivningsinfo:
    bruksomrade_tekst: str | None = element("BruksomradeTekst", default=None)
    dos_veiled_enkel: str | None = element("DosVeiledEnkel", default=None)
    nr: str | None = element("Nr", default=None)
    navn: str = element("Navn")
    generisk_navn: str | None = element("GeneriskNavn", default=None)
    atc: CS | None = element("Atc", default=None)
    legemiddelform: CS | None = element("Legemiddelform", default=None)
    styrke: PQ | None = element("Styrke", default=None)
    bruk: CS | None = element("Bruk", default=None)
    dosering_starttidspunkt: TS | None = element("DoseringStarttidspunkt", default=None)
    dosering_sluttidspunkt: TS | None = element("DoseringSluttidspunkt", default=None)
    skal_ikke_tas_sammen_med_annet_legemiddel: bool | None = element(
        "SkalIkkeTasSammenMedAnnetLegemiddel", default=None)


@xml_type(ns="epj3")
@dataclass(kw_only=True)
class ForenkletForskrivning:
    status_til_forskrivningen: CS | None = element("StatusTilForskrivningen", default=None)
    inngaar_i_multidose: CS | None = element("InngaarIMultidose", default=None)
    resept_id: str | None = element("ReseptId", default=None)
    merknad: str | None = element("Merknad", default=None)
    forskriver: HealthcareProfessional | None = element("Forskriver", default=None)
    forskrivningsinfo: Forskrivningsinfo = element("Forskrivningsinfo")


@xml_type(ns="epj3")
@dataclass(kw_only=True)
class Legemiddelinfo(EpjKomponent):
    """EPJ dokument "Legemiddelinfo", OID 13.10301.0: one medication prescribed, in use or stopped."""

    basiskomponenttype: str = _fixed("basiskomponenttype", EPJ_DOKUMENT)
    komponenttype: str = _fixed("komponenttype", f"{OID_EPJ_COMPONENT}.13.10301.0")
    forenklet_forskrivning: ForenkletForskrivning = element("ForenkletForskrivning")


@xml_type(ns="epj3")
@dataclass(kw_only=True)
class AdministrertLegemiddel:
    kvantum: str | None = element("Kvantum", default=None)


@xml_type(ns="epj3")
@dataclass(kw_only=True)
class UtlevertLegemiddel:
    ant_enkeltdoser: int = element("AntEnkeltdoser")


@xml_type(ns="epj3")
@dataclass(kw_only=True)
class AdmAvHelsepersonell:
    """A dose given by healthcare personnel."""

    adm_enkeltdose: PQ | None = element("AdmEnkeltdose", default=None)
    adm_start: TS = element("AdmStart")
    adm_slutt: TS | None = element("AdmSlutt", default=None)
    administrert_av: HealthcareProfessional | None = element("AdministrertAv", default=None)
    adm_status: CS | None = element("AdmStatus", default=None)
    administrert_legemiddel: AdministrertLegemiddel | None = element("AdministrertLegemiddel", default=None)
    forskrivningsinfo: Forskrivningsinfo | None = element("Forskrivningsinfo", default=None)


@xml_type(ns="epj3")
@dataclass(kw_only=True)
class Egenadministrering:
    """Doses handed out for the patient to take."""

    adm_enkeltdose: PQ | None = element("AdmEnkeltdose", default=None)
    adm_start: TS = element("AdmStart")
    adm_slutt: TS | None = element("AdmSlutt", default=None)
    administrert_av: HealthcareProfessional | None = element("AdministrertAv", default=None)
    utlevert_legemiddel: list[UtlevertLegemiddel] = element("UtlevertLegemiddel", default_factory=list)
    forskrivningsinfo: Forskrivningsinfo | None = element("Forskrivningsinfo", default=None)


@xml_type(ns="epj3")
@dataclass(kw_only=True)
class LegemidlerAdministrertVedOverforing(EpjKomponent):
    """EPJ dokument OID 13.10302.0: medication given on the day of transfer.

    The schema allows the two kinds of administration in any order (an unbounded choice); the model
    keeps each kind in its own list, so a written document lists every ``AdmAvHelsepersonell`` before
    every ``Egenadministrering``, which the schema equally accepts.
    """

    basiskomponenttype: str = _fixed("basiskomponenttype", EPJ_DOKUMENT)
    komponenttype: str = _fixed("komponenttype", f"{OID_EPJ_COMPONENT}.13.10302.0")
    adm_av_helsepersonell: list[AdmAvHelsepersonell] = element("AdmAvHelsepersonell", default_factory=list)
    egenadministrering: list[Egenadministrering] = element("Egenadministrering", default_factory=list)


__all__ = [
    "EPJ1_NS", "EPJ2_NS", "EPJ3_NS", "EPJ_DOKUMENT", "EPJ_SAK", "META_NS", "NAMESPACES", "OID_EPJ_COMPONENT",
    "AdmAvHelsepersonell", "AdministrertLegemiddel", "Allergi", "Allerginotat", "Cave", "Egenadministrering",
    "EpjKomponent", "ForenkletForskrivning", "Forskrivningsinfo", "GenereltJournalnotat", "Journaltekst",
    "Legemiddelinfo", "LegemidlerAdministrertVedOverforing", "SakshodeCave", "StikkordCave",
    "UtlevertLegemiddel",
]
