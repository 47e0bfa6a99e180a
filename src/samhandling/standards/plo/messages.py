"""The PLO message roots (HIS 80704:2014 and its profiles), registered for PLO 1.6 and PLO 1.5.

Each profile has its own XML Schema and namespace (HIS 80704:2014 section 4.3, table 2) whose root
element refers to the poKomponent classes. Every root starts with the classes common to all
messages (``POMeldingsanvendelse``, section 5.2.1); the rest differs per profile (profile: root
element, MsgHead type from code system 8279):

- Innleggelsesrapport (HIS 1143): ``Innleggelsesrapport``, INNLEGGELSESRAPPORT
- Helseopplysninger (HIS 1144): ``HelseopplysningerVedSoknad``, HELSEOPPL_SOKNAD
- Helseopplysninger til lege: ``Konsultasjon``, HELSEOPPLYSNINGER_LEGE
- Orientering om tjenestetilbud: ``OrienteringOmTjenestetilbud``, ORIENTERING_TJENESTETILBUD
- Medisinske opplysninger: ``OverforingMedisinskeOpplysninger``, MEDISINSKE_OPPLYSNINGER
- Utskrivningsrapport (HIS 1148): ``TverrfagligEpikrise``, UTSKRIVNINGSRAPPORT
- Pasientlogistikk (HIS 1149): ``Pasientlogistikk``, one MsgHead type per logistics message:
  LOG_INNLAGT, LOG_UTSKRIVNINGSKLAR, LOG_AVMELDING, LOG_UTSKREVET, LOG_DOD
- Melding om fravær (PLO 1.5 only): ``MeldingFravar``, FRAVARSMELDING

The root models have namespace key ``po``: their children are references to poKomponent elements,
except the choice of logistics message in ``Pasientlogistikk`` (key ``p1``) and the EPJ components.
The root element's own namespace comes from its :class:`ContentStandard`.

PLO 1.5 (namespaces dated 2009-06-30) is read with the same models. Its roots have the 1.6 structure
except ``HelseopplysningerVedSoknad``, where 1.6 added ``TypeInnholdIMelding`` (required) and
``OpplysningOpphold`` (one or more) and made ``OpplysningerTilSoknad`` optional (header of
Helseopplysninger-v1.6.xsd); the model has the looser cardinality of each and the XSD of each
version checks the rest. ``MeldingFravar`` exists only in 1.5; 1.6 dropped it.
"""

from __future__ import annotations

from dataclasses import dataclass

from samhandling.standards import kith
from samhandling.standards.binding import Namespaces, element, xml_type
from samhandling.standards.content import ContentStandard
from samhandling.standards.plo import epj, v20
from samhandling.standards.plo.components import (
    AnsvarForRapport,
    AssistertKommunikasjon,
    EksisterendeTjeneste,
    Fraversassistent,
    InfoAndreViktigeOpplysninger,
    InfoAssistertKommunikasjon,
    InfoInformasjonGitt,
    InfoIPLOSrelevantInformasjon,
    InfoKartleggingFunksjonsniva,
    InfoKontrolltime,
    InfoMedisinskDiagnose,
    InfoReservasjon,
    InformasjonOmForsendelsen,
    InnholdKonsultasjon,
    KontaktpersonHelsepersonell,
    MedisinskfagligeOpplysninger,
    OpplysningerAndreFaggrupper,
    OpplysningerOmHjelpemidler,
    OpplysningerTilSoknad,
    OpplysningOpphold,
    ParorendeForesatt,
    SendtDokument,
    Sykepleierdokumentasjon,
    TidsfestetHendelse,
    TilknyttetEnhet,
    TilleggsopplysningPasient,
    TjenesteBehov,
    TypeInnholdIMelding,
    UtskrevetTil,
)
from samhandling.standards.plo.epj import Legemiddelinfo

PO = "http://www.kith.no/xmlstds/po"
PO_NS_15 = f"{PO}/poKomponent/2009-06-30"
PO_NS_16 = f"{PO}/poKomponent/2012-04-01"

FORSENDELSESSTATUS = {"N": "Ny", "M": "Endring", "A": "Tillegg", "C": "Kansellering"}
"""Codes of ``Forsendelsesstatus`` (code system 7309) that PLO uses (HIS 80704:2014 section 5.2.2)."""

MSG_TYPES = {
    "INNLEGGELSESRAPPORT": "Innleggelsesrapport",
    "HELSEOPPL_SOKNAD": "Helseopplysninger",
    "HELSEOPPLYSNINGER_LEGE": "Helseopplysninger til lege",
    "ORIENTERING_TJENESTETILBUD": "Orientering om tjenestetilbud",
    "MEDISINSKE_OPPLYSNINGER": "Medisinske opplysninger",
    "UTSKRIVNINGSRAPPORT": "Utskrivningsrapport",
    "LOG_INNLAGT": "Melding om innlagt pasient",
    "LOG_UTSKRIVNINGSKLAR": "Melding om utskrivningsklar pasient",
    "LOG_AVMELDING": "Avmelding av utskrivningsklar pasient",
    "LOG_UTSKREVET": "Melding om utskrevet pasient",
    "LOG_DOD": "Orientering om dødsfall",
    "FRAVARSMELDING": "Fraværsmelding",
}
"""MsgHead types (code system 8279) of the PLO messages, with the display name the profiles give
(``MsgInfo/Type/@V`` and ``@DN``: HIS 1143 section 4.1, HIS 1144 section 4.1, HIS 1148 section 4.1,
HIS 1149 sections 3.2.1 to 3.6.1; the others from the acceptance tests for sending PLO 1.5)."""


@dataclass(kw_only=True)
class POMeldingsanvendelse:
    """The classes every PLO message starts with ("PO-Meldingsanvendelse_a", HIS 80704:2014 5.2.1)."""

    informasjon_om_forsendelsen: InformasjonOmForsendelsen = element("InformasjonOmForsendelsen")
    tilleggsopplysning_pasient: TilleggsopplysningPasient | None = element("TilleggsopplysningPasient", default=None)
    parorende_foresatt: list[ParorendeForesatt] = element("ParorendeForesatt", default_factory=list)
    tilknyttet_enhet: list[TilknyttetEnhet] = element("TilknyttetEnhet", default_factory=list)
    kontaktperson_helsepersonell: list[KontaktpersonHelsepersonell] = element(
        "KontaktpersonHelsepersonell", default_factory=list)
    ansvar_for_rapport: list[AnsvarForRapport] = element("AnsvarForRapport", default_factory=list)
    sendt_dokument: list[SendtDokument] = element("SendtDokument", default_factory=list)


@xml_type(ns="po")
@dataclass(kw_only=True)
class Innleggelsesrapport(POMeldingsanvendelse):
    """Sent by the municipal care service when a patient is admitted to hospital (HIS 1143)."""

    info_medisinsk_diagnose: list[InfoMedisinskDiagnose] = element("InfoMedisinskDiagnose", default_factory=list)
    medisinskfaglige_opplysninger: MedisinskfagligeOpplysninger | None = element(
        "MedisinskfagligeOpplysninger", default=None)
    legemiddelinfo: list[Legemiddelinfo] = element("Legemiddelinfo", ns="epj3", default_factory=list)
    eksisterende_tjeneste: list[EksisterendeTjeneste] = element("EksisterendeTjeneste", default_factory=list)
    info_kartlegging_funksjonsniva: InfoKartleggingFunksjonsniva | None = element(
        "InfoKartleggingFunksjonsniva", default=None)
    info_andre_viktige_opplysninger: InfoAndreViktigeOpplysninger | None = element(
        "InfoAndreViktigeOpplysninger", default=None)
    sykepleierdokumentasjon: Sykepleierdokumentasjon | None = element("Sykepleierdokumentasjon", default=None)
    opplysninger_andre_faggrupper: OpplysningerAndreFaggrupper | None = element(
        "OpplysningerAndreFaggrupper", default=None)
    opplysninger_om_hjelpemidler: OpplysningerOmHjelpemidler | None = element(
        "OpplysningerOmHjelpemidler", default=None)
    info_assistert_kommunikasjon: list[InfoAssistertKommunikasjon] = element(
        "InfoAssistertKommunikasjon", default_factory=list)
    info_reservasjon: list[InfoReservasjon] = element("InfoReservasjon", default_factory=list)
    info_informasjon_gitt: list[InfoInformasjonGitt] = element("InfoInformasjonGitt", default_factory=list)


@xml_type(ns="po")
@dataclass(kw_only=True)
class HelseopplysningerVedSoknad(POMeldingsanvendelse):
    """Helseopplysninger (HIS 1144): the hospital tells the municipality a patient will need services.

    ``TypeInnholdIMelding`` (code system 9140: 1 first notice, 2 updated information) and at least one
    ``OpplysningOpphold`` are required in 1.6; PLO 1.5 had neither (see the module docstring).
    """

    type_innhold_i_melding: TypeInnholdIMelding | None = element("TypeInnholdIMelding", default=None)
    opplysning_opphold: list[OpplysningOpphold] = element("OpplysningOpphold", default_factory=list)
    opplysninger_til_soknad: OpplysningerTilSoknad | None = element("OpplysningerTilSoknad", default=None)
    info_medisinsk_diagnose: list[InfoMedisinskDiagnose] = element("InfoMedisinskDiagnose", default_factory=list)
    medisinskfaglige_opplysninger: MedisinskfagligeOpplysninger | None = element(
        "MedisinskfagligeOpplysninger", default=None)
    sykepleierdokumentasjon: Sykepleierdokumentasjon | None = element("Sykepleierdokumentasjon", default=None)
    opplysninger_andre_faggrupper: list[OpplysningerAndreFaggrupper] = element(
        "OpplysningerAndreFaggrupper", default_factory=list)
    info_kartlegging_funksjonsniva: InfoKartleggingFunksjonsniva | None = element(
        "InfoKartleggingFunksjonsniva", default=None)
    info_assistert_kommunikasjon: list[InfoAssistertKommunikasjon] = element(
        "InfoAssistertKommunikasjon", default_factory=list)
    info_informasjon_gitt: list[InfoInformasjonGitt] = element("InfoInformasjonGitt", default_factory=list)
    tjeneste_behov: list[TjenesteBehov] = element("TjenesteBehov", default_factory=list)


@xml_type(ns="po")
@dataclass(kw_only=True)
class Konsultasjon(POMeldingsanvendelse):
    """Helseopplysninger til lege: from the municipal care service to the patient's GP."""

    innhold_konsultasjon: InnholdKonsultasjon | None = element("InnholdKonsultasjon", default=None)
    info_medisinsk_diagnose: list[InfoMedisinskDiagnose] = element("InfoMedisinskDiagnose", default_factory=list)
    medisinskfaglige_opplysninger: MedisinskfagligeOpplysninger | None = element(
        "MedisinskfagligeOpplysninger", default=None)
    legemiddelinfo: list[Legemiddelinfo] = element("Legemiddelinfo", ns="epj3", default_factory=list)
    info_andre_viktige_opplysninger: InfoAndreViktigeOpplysninger | None = element(
        "InfoAndreViktigeOpplysninger", default=None)
    sykepleierdokumentasjon: Sykepleierdokumentasjon | None = element("Sykepleierdokumentasjon", default=None)
    info_kartlegging_funksjonsniva: InfoKartleggingFunksjonsniva | None = element(
        "InfoKartleggingFunksjonsniva", default=None)
    info_informasjon_gitt: list[InfoInformasjonGitt] = element("InfoInformasjonGitt", default_factory=list)
    info_assistert_kommunikasjon: list[InfoAssistertKommunikasjon] = element(
        "InfoAssistertKommunikasjon", default_factory=list)
    info_reservasjon: list[InfoReservasjon] = element("InfoReservasjon", default_factory=list)


@xml_type(ns="po")
@dataclass(kw_only=True)
class OverforingMedisinskeOpplysninger(POMeldingsanvendelse):
    """Medisinske opplysninger: from the GP to the municipal care service."""

    type_innhold_i_melding: TypeInnholdIMelding | None = element("TypeInnholdIMelding", default=None)
    opplysninger_til_soknad: OpplysningerTilSoknad | None = element("OpplysningerTilSoknad", default=None)
    info_medisinsk_diagnose: InfoMedisinskDiagnose | None = element("InfoMedisinskDiagnose", default=None)
    medisinskfaglige_opplysninger: MedisinskfagligeOpplysninger | None = element(
        "MedisinskfagligeOpplysninger", default=None)
    legemiddelinfo: list[Legemiddelinfo] = element("Legemiddelinfo", ns="epj3", default_factory=list)
    info_iplos_relevant_informasjon: InfoIPLOSrelevantInformasjon | None = element(
        "InfoIPLOSrelevantInformasjon", default=None)
    opplysninger_andre_faggrupper: list[OpplysningerAndreFaggrupper] = element(
        "OpplysningerAndreFaggrupper", default_factory=list)
    info_kartlegging_funksjonsniva: InfoKartleggingFunksjonsniva | None = element(
        "InfoKartleggingFunksjonsniva", default=None)
    info_assistert_kommunikasjon: list[InfoAssistertKommunikasjon] = element(
        "InfoAssistertKommunikasjon", default_factory=list)
    info_informasjon_gitt: list[InfoInformasjonGitt] = element("InfoInformasjonGitt", default_factory=list)
    tjeneste_behov: list[TjenesteBehov] = element("TjenesteBehov", default_factory=list)
    info_andre_viktige_opplysninger: InfoAndreViktigeOpplysninger | None = element(
        "InfoAndreViktigeOpplysninger", default=None)
    info_reservasjon: list[InfoReservasjon] = element("InfoReservasjon", default_factory=list)


@xml_type(ns="po")
@dataclass(kw_only=True)
class OrienteringOmTjenestetilbud(POMeldingsanvendelse):
    """Tells the GP which services the patient receives from the municipality."""

    eksisterende_tjeneste: list[EksisterendeTjeneste] = element("EksisterendeTjeneste", default_factory=list)
    assistert_kommunikasjon: list[AssistertKommunikasjon] = element("AssistertKommunikasjon", default_factory=list)
    """Declared, but the schema says it is not relevant in this message."""


@xml_type(ns="po")
@dataclass(kw_only=True)
class TverrfagligEpikrise(POMeldingsanvendelse):
    """Utskrivningsrapport (HIS 1148): sent by the hospital on the day the patient is discharged."""

    type_innhold_i_melding: TypeInnholdIMelding = element("TypeInnholdIMelding")
    opplysning_opphold: list[OpplysningOpphold] = element("OpplysningOpphold", default_factory=list)
    info_medisinsk_diagnose: list[InfoMedisinskDiagnose] = element("InfoMedisinskDiagnose", default_factory=list)
    medisinskfaglige_opplysninger: MedisinskfagligeOpplysninger | None = element(
        "MedisinskfagligeOpplysninger", default=None)
    legemiddelinfo: list[Legemiddelinfo] = element("Legemiddelinfo", ns="epj3", default_factory=list)
    info_andre_viktige_opplysninger: InfoAndreViktigeOpplysninger | None = element(
        "InfoAndreViktigeOpplysninger", default=None)
    sykepleierdokumentasjon: Sykepleierdokumentasjon | None = element("Sykepleierdokumentasjon", default=None)
    opplysninger_andre_faggrupper: list[OpplysningerAndreFaggrupper] = element(
        "OpplysningerAndreFaggrupper", default_factory=list)
    info_kartlegging_funksjonsniva: InfoKartleggingFunksjonsniva | None = element(
        "InfoKartleggingFunksjonsniva", default=None)
    tjeneste_behov: list[TjenesteBehov] = element("TjenesteBehov", default_factory=list)
    info_informasjon_gitt: list[InfoInformasjonGitt] = element("InfoInformasjonGitt", default_factory=list)
    info_assistert_kommunikasjon: list[InfoAssistertKommunikasjon] = element(
        "InfoAssistertKommunikasjon", default_factory=list)
    info_reservasjon: list[InfoReservasjon] = element("InfoReservasjon", default_factory=list)
    info_kontrolltime: list[InfoKontrolltime] = element("InfoKontrolltime", default_factory=list)
    opplysninger_om_hjelpemidler: OpplysningerOmHjelpemidler | None = element(
        "OpplysningerOmHjelpemidler", default=None)


@xml_type(ns="po")
@dataclass(kw_only=True)
class MeldingFravar(POMeldingsanvendelse):
    """Melding om fravær: the addressee (usually the GP) is absent. PLO 1.5 only, read only."""

    fraversassistent: Fraversassistent = element("Fraversassistent")


# --- Pasientlogistikk (HIS 1149) ----------------------------------------------------------------


@dataclass(kw_only=True)
class _EnHendelse:
    tidsfestet_hendelse: TidsfestetHendelse = element("TidsfestetHendelse")


@dataclass(kw_only=True)
class _Hendelser:
    tidsfestet_hendelse: list[TidsfestetHendelse] = element("TidsfestetHendelse", default_factory=list)


@xml_type(ns="po")
@dataclass(kw_only=True)
class MeldingInnlagtPasient(_EnHendelse):
    """The patient is admitted: event code 1 of code system 9121 and its time (HIS 1149 section 3.2)."""


@xml_type(ns="po")
@dataclass(kw_only=True)
class MeldingUtskrivningsklarPasient(_Hendelser):
    """The patient is ready for discharge: events 1 (admitted) and 3 (ready) (HIS 1149 section 3.3)."""


@xml_type(ns="po")
@dataclass(kw_only=True)
class AvmeldingUtskrivningsklarPasient(_Hendelser):
    """The patient is no longer ready for discharge: at least event 4 (HIS 1149 section 3.4)."""


@xml_type(ns="po")
@dataclass(kw_only=True)
class MeldingOmUtskrevetPasient:
    """The patient is discharged: where to, and event 2 with the date (HIS 1149 section 3.5)."""

    utskrevet_til: UtskrevetTil = element("UtskrevetTil")
    tidsfestet_hendelse: TidsfestetHendelse = element("TidsfestetHendelse")
    info_informasjon_gitt: InfoInformasjonGitt | None = element("InfoInformasjonGitt", default=None)


@xml_type(ns="po")
@dataclass(kw_only=True)
class OrienteringOmDod(_EnHendelse):
    """The patient has died: event 13 and the time of death (HIS 1149 section 3.6)."""


Logistikkmelding = (
    MeldingInnlagtPasient | MeldingUtskrivningsklarPasient | AvmeldingUtskrivningsklarPasient
    | MeldingOmUtskrevetPasient | OrienteringOmDod
)

LOGISTICS_MSG_TYPES: dict[type[Logistikkmelding], str] = {
    MeldingInnlagtPasient: "LOG_INNLAGT",
    MeldingUtskrivningsklarPasient: "LOG_UTSKRIVNINGSKLAR",
    AvmeldingUtskrivningsklarPasient: "LOG_AVMELDING",
    MeldingOmUtskrevetPasient: "LOG_UTSKREVET",
    OrienteringOmDod: "LOG_DOD",
}
"""Each logistics message travels with its own MsgHead type (HIS 1149 sections 3.2.1 to 3.6.1)."""


@xml_type(ns="po")
@dataclass(kw_only=True)
class Pasientlogistikk(POMeldingsanvendelse):
    """Administrative information about a stay: exactly one of the five logistics messages (a choice)."""

    orientering_om_dod: OrienteringOmDod | None = element("OrienteringOmDod", ns="p1", default=None)
    melding_om_utskrevet_pasient: MeldingOmUtskrevetPasient | None = element(
        "MeldingOmUtskrevetPasient", ns="p1", default=None)
    melding_utskrivningsklar_pasient: MeldingUtskrivningsklarPasient | None = element(
        "MeldingUtskrivningsklarPasient", ns="p1", default=None)
    avmelding_utskrivningsklar_pasient: AvmeldingUtskrivningsklarPasient | None = element(
        "AvmeldingUtskrivningsklarPasient", ns="p1", default=None)
    melding_innlagt_pasient: MeldingInnlagtPasient | None = element("MeldingInnlagtPasient", ns="p1", default=None)

    @property
    def logistikkmelding(self) -> Logistikkmelding:
        """The logistics message this document carries."""
        chosen = [m for m in (self.orientering_om_dod, self.melding_om_utskrevet_pasient,
                              self.melding_utskrivningsklar_pasient, self.avmelding_utskrivningsklar_pasient,
                              self.melding_innlagt_pasient) if m is not None]
        if len(chosen) != 1:
            raise ValueError(
                f"Pasientlogistikk skal inneholde nøyaktig én meldingsanvendelse, fant {len(chosen)}")
        return chosen[0]


# --- Registration -------------------------------------------------------------------------------


def _standard(version: str, model: type, prefix: str, namespace: str, schema: str,
              msg_types: tuple[str, ...]) -> ContentStandard:
    """One root in one version. The root's namespace gets the prefix HIS 80704:2014 table 2 gives it."""
    po = {"1.5": PO_NS_15, "1.6": PO_NS_16}[version]
    namespaces = kith.COMMON_NAMESPACES.merged(epj.NAMESPACES).merged(
        Namespaces(uris={"po": po, prefix: namespace}, prefixes={"po": None, prefix: prefix}))
    return ContentStandard(
        standard="PLO", version=version, namespace=namespace, root=model.__name__, model=model,
        namespaces=namespaces, schema_file=f"plo/v{version}/{schema}", msg_types=msg_types,
        writable=version == "1.6",
    )


_LOGISTICS = tuple(LOGISTICS_MSG_TYPES.values())

STANDARDS_16 = [
    _standard("1.6", Innleggelsesrapport, "p7", f"{PO}/Innleggelsesrapport/2012-04-01",
              "Innleggelsesrapport-v1.6.xsd", ("INNLEGGELSESRAPPORT",)),
    _standard("1.6", HelseopplysningerVedSoknad, "p5", f"{PO}/HelseopplysningerVedSoknad/2012-04-01",
              "Helseopplysninger-v1.6.xsd", ("HELSEOPPL_SOKNAD",)),
    _standard("1.6", Konsultasjon, "p6", f"{PO}/HelseopplysningerTilLege/2012-04-01",
              "HelseopplysningerTilLege-v1.6.xsd", ("HELSEOPPLYSNINGER_LEGE",)),
    _standard("1.6", OverforingMedisinskeOpplysninger, "p4", f"{PO}/MedisinskeOpplysninger/2012-04-01",
              "MedisinskeOpplysninger-v1.6.xsd", ("MEDISINSKE_OPPLYSNINGER",)),
    _standard("1.6", OrienteringOmTjenestetilbud, "p3", f"{PO}/OrienteringOmTjenestetilbud/2012-04-01",
              "OrienteringOmTjenestetilbud-v1.6.xsd", ("ORIENTERING_TJENESTETILBUD",)),
    _standard("1.6", TverrfagligEpikrise, "p8", f"{PO}/TverrfagligEpikrise/2012-04-01",
              "TverrfagligEpikrise-v1.6.xsd", ("UTSKRIVNINGSRAPPORT",)),
    _standard("1.6", Pasientlogistikk, "p1", f"{PO}/Pasientlogistikk/2012-04-01",
              "Pasientlogistikk-v1.6.xsd", _LOGISTICS),
]

STANDARDS_15 = [
    _standard("1.5", Innleggelsesrapport, "p7", f"{PO}/Innleggelsesrapport/2009-06-30",
              "Innleggelsesrapport-v1.5.xsd", ("INNLEGGELSESRAPPORT",)),
    _standard("1.5", HelseopplysningerVedSoknad, "p5", f"{PO}/HelseopplysningerVedSoknad/2009-06-30",
              "HelseopplysningerVedSoknad-v1.5.xsd", ("HELSEOPPL_SOKNAD",)),
    _standard("1.5", Konsultasjon, "p6", f"{PO}/Konsultasjon/2009-06-30",
              "HelseopplysningerTilLege-v1.5.xsd", ("HELSEOPPLYSNINGER_LEGE",)),
    _standard("1.5", OverforingMedisinskeOpplysninger, "p4",
              f"{PO}/OverforingMedisinskeOpplysninger/2009-06-30", "MedisinskeOpplysninger-v1.5.xsd",
              ("MEDISINSKE_OPPLYSNINGER",)),
    _standard("1.5", OrienteringOmTjenestetilbud, "p3", f"{PO}/OrienteringOmTjenestetilbud/2009-06-30",
              "OrienteringOmTjenestetilbud-v1.5.xsd", ("ORIENTERING_TJENESTETILBUD",)),
    _standard("1.5", TverrfagligEpikrise, "p8", f"{PO}/TverrfagligEpikrise/2009-06-30",
              "TverrfagligEpikrise-v1.5.xsd", ("UTSKRIVNINGSRAPPORT",)),
    _standard("1.5", Pasientlogistikk, "p1", f"{PO}/Pasientlogistikk/2009-06-30",
              "Pasientlogistikk-v1.5.xsd", _LOGISTICS),
    _standard("1.5", MeldingFravar, "p2", f"{PO}/MeldingFravar/2009-06-30",
              "MeldingFravar-v1.5.xsd", ("FRAVARSMELDING",)),
]

Plo20Dokument = v20.Pasientlogistikk | v20.HelseopplysningerSaksbehandling | v20.Sammenfatning
"""The PLO 2.0 documents samhandling reads (modelled in :mod:`.v20`)."""

_SINGLE_MSG_TYPE = {s.model: s.msg_types[0] for s in STANDARDS_16 + STANDARDS_15 if len(s.msg_types) == 1}


def msg_type_of(document: POMeldingsanvendelse | Plo20Dokument) -> str:
    """The MsgHead type (code system 8279) a PLO document travels as.

    Each profile names one type, except Pasientlogistikk, whose type follows the logistics message
    it carries (HIS 1149 chapter 3). Raises :class:`LookupError` where samhandling does not know the
    type (the PLO 2.0 profiles other than Pasientlogistikk).
    """
    if isinstance(document, Pasientlogistikk):
        return LOGISTICS_MSG_TYPES[type(document.logistikkmelding)]
    if isinstance(document, v20.Pasientlogistikk):
        return v20.msg_type_of_v20(document)
    try:
        return _SINGLE_MSG_TYPE[type(document)]
    except KeyError:
        raise LookupError(
            f"samhandling kjenner ikke meldingstypen (kodeverk 8279) for {type(document).__name__}") from None


def forsendelsesstatus(document: POMeldingsanvendelse | Plo20Dokument) -> str | None:
    """The ``Forsendelsesstatus`` code of a PLO document: N new, M change, A addition, C cancel.

    PLO 1.5 and 1.6 carry ``InformasjonOmForsendelsen`` first in every message (HIS 80704:2014
    section 5.2.2); PLO 2.0 moved it into ``FellesAdministrativeOpplysninger`` (poKomponent-v2.0.xsd).
    """
    if isinstance(document, POMeldingsanvendelse):
        return document.informasjon_om_forsendelsen.forsendelsesstatus.v
    return document.felles_administrative_opplysninger.informasjon_om_forsendelsen.forsendelsesstatus.v
