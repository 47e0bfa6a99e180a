"""PLO 2.0 (pleie- og omsorgsmeldinger), read only.

Three documents: Pasientlogistikk, HelseopplysningerSaksbehandling and Sammenfatning. The models follow the
official schemas ``<Root>-v2.0.xsd`` (namespaces ``http://ehelse.no/xmlstds/po/<Root>/2016-05-30``), their
shared components in ``poKomponent-v2.0.xsd`` (``http://ehelse.no/xmlstds/po/poKomponent/2017-11-30``) and
the EPJ components they reference, which are the same in every PLO version
(:mod:`samhandling.standards.plo.epj`). Persons, healthcare professionals and organisations are the
felleskomponent1 types of :mod:`samhandling.standards.kith`.

2.0 is restructured from 1.6: the administrative classes every message shares
(``InformasjonOmForsendelsen``, ``TilleggsopplysningPasient``, ``ParorendeForesatt`` …) are gathered in
``FellesAdministrativeOpplysninger``, ``TidspunktForHendelse`` is an ``xs:dateTime`` instead of a ``kith:TS``,
and Pasientlogistikk has a sixth variant, ``TilbakemeldingUtskrivningsklarPasient``. samhandling reads 2.0
from partners and writes 1.6, so nothing here is registered as writable.

Binding resolves the namespace key ``po`` per version, so every poKomponent class whose 2.0 declaration is
the same as in 1.6 (same elements, order, types and cardinality, and nested classes that are the same too) is
the model of :mod:`samhandling.standards.plo.components`, imported below. Only what 2.0 changed or added is
defined here, each with a note on how it differs from 1.6.

The module stays whole above 500 lines because it mirrors poKomponent-v2.0.xsd and the three 2.0 root schemas
type by type (tests/test_plo20.py checks each model against its declaration).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from samhandling.standards import kith
from samhandling.standards.binding import AnyXml, Namespaces, any_content, element, text, xml_type
from samhandling.standards.content import ContentStandard
from samhandling.standards.kith import CS, CV, Person
from samhandling.standards.plo import epj
from samhandling.standards.plo.components import (
    AnsvarForRapport,
    InfoAndreViktigeOpplysninger,
    InfoKontrolltime,
    InfoMedisinskDiagnose,
    KontaktpersonHelsepersonell,
    OpplysningerTilSoknad,
    SendtDokument,
    StatusHjelpemiddel,
    StedForHendelse,
    TilknyttetEnhet,
    TypeInnholdIMelding,
)

# Nested in the classes above and re-exported, so that every 2.0 class stays reachable as ``v20.<name>``.
from samhandling.standards.plo.components import Hjelpemiddelbeskrivelse as Hjelpemiddelbeskrivelse
from samhandling.standards.plo.components import InformasjonOmTentativTime as InformasjonOmTentativTime
from samhandling.standards.plo.components import InformasjonOmTime as InformasjonOmTime
from samhandling.standards.plo.components import InformertOm as InformertOm
from samhandling.standards.plo.components import KontrolltimeBestill as KontrolltimeBestill
from samhandling.standards.plo.components import MedisinskDiagnose as MedisinskDiagnose
from samhandling.standards.plo.epj import Cave, GenereltJournalnotat

PO_NS = "http://ehelse.no/xmlstds/po/poKomponent/2017-11-30"
PASIENTLOGISTIKK_NS = "http://ehelse.no/xmlstds/po/Pasientlogistikk/2016-05-30"
HELSEOPPLYSNINGER_SAKSBEHANDLING_NS = "http://ehelse.no/xmlstds/po/HelseopplysningerSaksbehandling/2016-05-30"
SAMMENFATNING_NS = "http://ehelse.no/xmlstds/po/Sammenfatning/2016-05-30"

# Keys and prefixes as the official schemas spell them.
NAMESPACES = kith.COMMON_NAMESPACES.merged(epj.NAMESPACES).merged(
    Namespaces(
        uris={
            "po": PO_NS,
            "p1": PASIENTLOGISTIKK_NS,
            "p5": HELSEOPPLYSNINGER_SAKSBEHANDLING_NS,
            "p9": SAMMENFATNING_NS,
        },
        prefixes={"po": "po", "p1": "p1", "p5": "p5", "p9": "p9"},
    )
)


# --- poKomponent-v2.0.xsd: administrative components --------------------------------------------------------

# Differs from 1.6: no ForbeholdOmVideresending or Foresporsel; Merknad added.
@xml_type(ns="po")
@dataclass(kw_only=True)
class InformasjonOmForsendelsen:
    """``Forsendelsesstatus``: N (ny), M (endring), A (tillegg) or C (kansellering), HIS 80704:2014 §5.2.2."""

    forsendelsesstatus: CS = element("Forsendelsesstatus")
    svar_paa_foresporsel: bool | None = element("SvarPaaForesporsel", default=None)
    merknad: str | None = element("Merknad", default=None)


# Differs from 1.6: MottarKommunaleTjenester and Merknad added.
@xml_type(ns="po")
@dataclass(kw_only=True)
class TilleggsopplysningPasient:
    sivil_status: CS | None = element("SivilStatus", default=None)
    bor_alene: bool | None = element("BorAlene", default=None)
    sprak: CS | None = element("Sprak", default=None)
    mottar_kommunale_tjenester: bool | None = element("MottarKommunaleTjenester", default=None)
    merknad: str | None = element("Merknad", default=None)


# Differs from 1.6: NarmesteParorende added.
@xml_type(ns="po")
@dataclass(kw_only=True)
class ParorendeForesatt:
    slektskap: CS | None = element("Slektskap", default=None)
    omsorgsfunksjon: CS | None = element("Omsorgsfunksjon", default=None)
    fodselsar_mindrearig_parorende: str | None = element(  # xs:gYear, kept as text
        "FodselsarMindrearigParorende", default=None)
    narmeste_parorende: bool | None = element("NarmesteParorende", default=None)
    referanseperson: Person = element("Referanseperson")
    merknad: str | None = element("Merknad", default=None)


# Differs from 1.6: BehovOpphortDato is an xs:date, not a kith:TS.
@xml_type(ns="po")
@dataclass(kw_only=True)
class AssistertKommunikasjon:
    person_tolkebehov: Person | None = element("PersonTolkebehov", default=None)
    horselsvikt: bool | None = element("Horselsvikt", default=None)
    synsvikt: bool | None = element("Synsvikt", default=None)
    behov_tolk_sprak: CS | None = element("BehovTolkSprak", default=None)
    preferert_tolk: Person | None = element("PreferertTolk", default=None)
    behov_opphort_dato: date | None = element("BehovOpphortDato", default=None)
    merknad: str | None = element("Merknad", default=None)


# New in 2.0.
@xml_type(ns="po")
@dataclass(kw_only=True)
class PasientrelatertKontaktperson:
    stilling_rolle: str | None = element("StillingRolle", default=None)
    arbeidssted: str | None = element("Arbeidssted", default=None)
    referanseperson: Person = element("Referanseperson")
    merknad: str | None = element("Merknad", default=None)


# New in 2.0: 1.6 has these classes directly under each message root.
@xml_type(ns="po")
@dataclass(kw_only=True)
class FellesAdministrativeOpplysninger:
    """The administrative part every PLO 2.0 message starts with."""

    informasjon_om_forsendelsen: InformasjonOmForsendelsen = element("InformasjonOmForsendelsen")
    tilleggsopplysning_pasient: TilleggsopplysningPasient | None = element(
        "TilleggsopplysningPasient", default=None)
    parorende_foresatt: list[ParorendeForesatt] = element("ParorendeForesatt", default_factory=list)
    tilknyttet_enhet: list[TilknyttetEnhet] = element("TilknyttetEnhet", default_factory=list)
    kontaktperson_helsepersonell: list[KontaktpersonHelsepersonell] = element(
        "KontaktpersonHelsepersonell", default_factory=list)
    ansvar_for_rapport: list[AnsvarForRapport] = element("AnsvarForRapport", default_factory=list)
    sendt_dokument: list[SendtDokument] = element("SendtDokument", default_factory=list)
    assistert_kommunikasjon: list[AssistertKommunikasjon] = element(
        "AssistertKommunikasjon", default_factory=list)
    pasientrelatert_kontaktperson: list[PasientrelatertKontaktperson] = element(
        "PasientrelatertKontaktperson", default_factory=list)


# --- poKomponent-v2.0.xsd: events (Pasientlogistikk) --------------------------------------------------------

# Differs from 1.6: TidspunktForHendelse is an xs:dateTime, not a kith:TS.
@xml_type(ns="po")
@dataclass(kw_only=True)
class TidsfestetHendelse:
    """An event, planned or past: ``Hendelsekode`` from code system 9121 (HIS 80704:2014 §13.2.7).

    ``Anslag`` is true when the time is only an estimate, false when it is final or the event has taken place.
    """

    hendelsekode: CV | None = element("Hendelsekode", default=None)
    beskrivelse_av_hendelse: str | None = element("BeskrivelseAvHendelse", default=None)
    tidspunkt_for_hendelse: datetime = element("TidspunktForHendelse")
    anslag: bool = element("Anslag")
    merknad: str | None = element("Merknad", default=None)
    sted_for_hendelse: StedForHendelse | None = element("StedForHendelse", default=None)


# Differs from 1.6: UtTil is optional.
@xml_type(ns="po")
@dataclass(kw_only=True)
class UtskrevetTil:
    """Where the patient goes: ``Uttilstand`` code system 8431, ``UtTil`` 8408 (HIS 80704:2014 §13.2.8)."""

    uttilstand: CV | None = element("Uttilstand", default=None)
    ut_til: CV | None = element("UtTil", default=None)
    merknad: str | None = element("Merknad", default=None)


# --- poKomponent-v2.0.xsd: health information (HelseopplysningerSaksbehandling, Sammenfatning) --------------

# New in 2.0 (with Funksjonsbeskrivelse).
@xml_type(ns="po")
@dataclass(kw_only=True)
class AnyContent:
    """An element of type ``xs:anyType``: its text and any child elements, kept as XML (with their tails)."""

    value: str = text(default="")
    elements: AnyXml = any_content()


@xml_type(ns="po")
@dataclass(kw_only=True)
class Funksjonsbeskrivelse:
    funksjonsvariabel: CV | None = element("Funksjonsvariabel", default=None)
    funksjonsbeskrivelse_tekst: AnyContent | None = element("FunksjonsbeskrivelseTekst", default=None)
    dato: date | None = element("Dato", default=None)
    merknad: str | None = element("Merknad", default=None)


# Differs from 1.6: Funksjonsbeskrivelse instead of SamletVurderingFunksjonsniva, KartlagtFunksjon and
# Ansvarlig.
@xml_type(ns="po")
@dataclass(kw_only=True)
class InfoKartleggingFunksjonsniva:
    funksjonsbeskrivelse: list[Funksjonsbeskrivelse] = element("Funksjonsbeskrivelse", default_factory=list)


# New in 2.0.
@xml_type(ns="po")
@dataclass(kw_only=True)
class OpplysningerOmIndividuellPlan:
    individuell_plan_foreligger: bool | None = element("IndividuellPlanForeligger", default=None)
    koordinator_oppnevnt: bool | None = element("KoordinatorOppnevnt", default=None)
    merknad: str | None = element("Merknad", default=None)


# Differs from 1.6: BetegnelseTjeneste is required; no Merknad.
@xml_type(ns="po")
@dataclass(kw_only=True)
class EksisterendeTjeneste:
    iplos_tjenestetype: CV | None = element("IPLOStjenestetype", default=None)
    betegnelse_tjeneste: str = element("BetegnelseTjeneste")
    privat_tjeneste: bool = element("PrivatTjeneste")
    tjenesten_levert_av: str | None = element("TjenestenLevertAv", default=None)
    opplysninger_om_tjenesten: str | None = element("OpplysningerOmTjenesten", default=None)
    antall_enheter: Decimal | None = element("AntallEnheter", default=None)
    enhet: str | None = element("Enhet", default=None)
    startdato: date | None = element("Startdato", default=None)
    sluttdato: date | None = element("Sluttdato", default=None)


# Medicines: all new in 2.0 except AvtaleOmAdmLegemidler.

@xml_type(ns="po")
@dataclass(kw_only=True)
class BistandLegemiddelhandtering:
    hjelp_til_legemiddelhandtering: CV | None = element("HjelpTilLegemiddelhandtering", default=None)
    merknad: str | None = element("Merknad", default=None)


@xml_type(ns="po")
@dataclass(kw_only=True)
class LegemidlerUtdelt:
    legemiddelinntak_i_dag: list[str] = element("LegemiddelinntakIDag", default_factory=list)
    legemidler_utdelt_til_pasient: list[str] = element("LegemidlerUtdeltTilPasient", default_factory=list)
    merknad: str | None = element("Merknad", default=None)


# Differs from 1.6: no AdmInstrukser or Tiltaksbeskrivelse.
@xml_type(ns="po")
@dataclass(kw_only=True)
class AvtaleOmAdmLegemidler:
    avtale_adm_legemidler: bool = element("AvtaleAdmLegemidler")
    avtale_adm_multidose: bool = element("AvtaleAdmMultidose")
    merknad: str | None = element("Merknad", default=None)


@xml_type(ns="po")
@dataclass(kw_only=True)
class Legemiddelgjennomgang:
    dato_legemiddelgjennomgang: date | None = element("DatoLegemiddelgjennomgang", default=None)
    dato_samstemming: date | None = element("DatoSamstemming", default=None)
    merknad: str | None = element("Merknad", default=None)


@xml_type(ns="po")
@dataclass(kw_only=True)
class Reseptinformasjon:
    resept_sendt_med: CV | None = element("ReseptSendtMed", default=None)
    e_resept: bool | None = element("eResept", default=None)
    merknad: str | None = element("Merknad", default=None)


@xml_type(ns="po")
@dataclass(kw_only=True)
class BistandLegemiddelhandteringOgGjennomgang:
    bistand_legemiddelhandtering: BistandLegemiddelhandtering = element("BistandLegemiddelhandtering")
    legemidler_utdelt: LegemidlerUtdelt = element("LegemidlerUtdelt")
    avtale_om_adm_legemidler: AvtaleOmAdmLegemidler = element("AvtaleOmAdmLegemidler")
    legemiddelgjennomgang: Legemiddelgjennomgang = element("Legemiddelgjennomgang")
    reseptinformasjon: Reseptinformasjon = element("Reseptinformasjon")


# Follow-up after the stay.

# Differs from 1.6: no HjelpLegemiddeladm or MerknadTilLegemiddeladministrering.
@xml_type(ns="po")
@dataclass(kw_only=True)
class OpplysningerRelevantOppfolging:
    bandasjemateriell_engangsutstyr: bool | None = element("BandasjemateriellEngangsutstyr", default=None)
    endring_funksjonsnivaa: str | None = element("EndringFunksjonsnivaa", default=None)
    merknad_til_bandasjemateriell: str | None = element("MerknadTilBandasjemateriell", default=None)


# Differs from 1.6: no FasteHjelpemidler.
@xml_type(ns="po")
@dataclass(kw_only=True)
class OpplysningerOmHjelpemidler:
    status_hjelpemiddel: list[StatusHjelpemiddel] = element("StatusHjelpemiddel", default_factory=list)


# --- Pasientlogistikk-v2.0.xsd ------------------------------------------------------------------------------

# The variants' expected events (code system 9121) are those of the PLO 1.6 profile, HIS 1149:2014 chapter 3.
# They have the structure of the 1.6 variants (messages.py), but stay separate: the 2.0 TidsfestetHendelse
# they carry differs, 1.6 MeldingOmUtskrevetPasient also has InfoInformasjonGitt, and the root has
# FellesAdministrativeOpplysninger and a sixth variant.

@xml_type(ns="p1")
@dataclass(kw_only=True)
class _OneEvent:
    tidsfestet_hendelse: TidsfestetHendelse = element("TidsfestetHendelse", ns="po")


@xml_type(ns="p1")
@dataclass(kw_only=True)
class _Events:
    tidsfestet_hendelse: list[TidsfestetHendelse] = element(
        "TidsfestetHendelse", ns="po", default_factory=list)


@xml_type(ns="p1")
@dataclass(kw_only=True)
class MeldingInnlagtPasient(_OneEvent):
    """The patient is admitted: event 1 (Pasient innlagt) at the time of admission (§3.2.2)."""


@xml_type(ns="p1")
@dataclass(kw_only=True)
class MeldingUtskrivningsklarPasient(_Events):
    """Ready for discharge: events 1 (Pasient innlagt) and 3 (Pasient utskrivningsklar) (§3.3.2)."""


@xml_type(ns="p1")
@dataclass(kw_only=True)
class AvmeldingUtskrivningsklarPasient(_Events):
    """No longer ready for discharge: event 4 (Avmelding av utskrivningsklar pasient) (§3.4.2)."""


@xml_type(ns="p1")
@dataclass(kw_only=True)
class TilbakemeldingUtskrivningsklarPasient(_Events):
    """Feedback on a patient ready for discharge, new in 2.0; the standards samhandling has give no profile."""


@xml_type(ns="p1")
@dataclass(kw_only=True)
class MeldingOmUtskrevetPasient:
    """The patient is discharged: where to, and event 2 (Pasient utskrevet) (§3.5.2)."""

    utskrevet_til: UtskrevetTil = element("UtskrevetTil", ns="po")
    tidsfestet_hendelse: TidsfestetHendelse = element("TidsfestetHendelse", ns="po")


@xml_type(ns="p1")
@dataclass(kw_only=True)
class OrienteringOmDod(_OneEvent):
    """The patient has died: event 13 (Pasient er død) (§3.6.2)."""


PasientlogistikkMelding = (
    OrienteringOmDod
    | MeldingInnlagtPasient
    | MeldingOmUtskrevetPasient
    | MeldingUtskrivningsklarPasient
    | AvmeldingUtskrivningsklarPasient
    | TilbakemeldingUtskrivningsklarPasient
)
"""The message variants of Pasientlogistikk 2.0: one of them per document."""


@xml_type(ns="p1")
@dataclass(kw_only=True)
class Pasientlogistikk:
    """Pasientlogistikk 2.0: the administrative part and exactly one message variant (an XSD choice)."""

    felles_administrative_opplysninger: FellesAdministrativeOpplysninger = element(
        "FellesAdministrativeOpplysninger", ns="po")
    orientering_om_dod: OrienteringOmDod | None = element("OrienteringOmDod", default=None)
    melding_innlagt_pasient: MeldingInnlagtPasient | None = element("MeldingInnlagtPasient", default=None)
    melding_om_utskrevet_pasient: MeldingOmUtskrevetPasient | None = element(
        "MeldingOmUtskrevetPasient", default=None)
    melding_utskrivningsklar_pasient: MeldingUtskrivningsklarPasient | None = element(
        "MeldingUtskrivningsklarPasient", default=None)
    avmelding_utskrivningsklar_pasient: AvmeldingUtskrivningsklarPasient | None = element(
        "AvmeldingUtskrivningsklarPasient", default=None)
    tilbakemelding_utskrivningsklar_pasient: TilbakemeldingUtskrivningsklarPasient | None = element(
        "TilbakemeldingUtskrivningsklarPasient", default=None)

    @property
    def melding(self) -> PasientlogistikkMelding:
        """The message variant this document carries."""
        present = [
            variant
            for variant in (
                self.orientering_om_dod,
                self.melding_innlagt_pasient,
                self.melding_om_utskrevet_pasient,
                self.melding_utskrivningsklar_pasient,
                self.avmelding_utskrivningsklar_pasient,
                self.tilbakemelding_utskrivningsklar_pasient,
            )
            if variant is not None
        ]
        if len(present) != 1:
            raise ValueError(
                f"Pasientlogistikk 2.0 skal ha nøyaktig én meldingsanvendelse, men har {len(present)}")
        return present[0]


# The MsgHead type (code system 8279) of each variant, HIS 1149:2014 §3.2.1–3.6.1. That profile is written
# for PLO 1.6; 2.0 keeps these five variants under the same names. The standards samhandling has give no code
# for TilbakemeldingUtskrivningsklarPasient, new in 2.0.
_LOGISTICS_MSG_TYPES: dict[type, str] = {
    MeldingInnlagtPasient: "LOG_INNLAGT",
    MeldingUtskrivningsklarPasient: "LOG_UTSKRIVNINGSKLAR",
    AvmeldingUtskrivningsklarPasient: "LOG_AVMELDING",
    MeldingOmUtskrevetPasient: "LOG_UTSKREVET",
    OrienteringOmDod: "LOG_DOD",
}


def msg_type_of_v20(document: Pasientlogistikk) -> str:
    """The MsgHead type (code system 8279) a Pasientlogistikk 2.0 document travels as, e.g. ``LOG_INNLAGT``.

    Raises :class:`LookupError` for a variant whose code samhandling does not know.
    """
    melding = document.melding
    try:
        return _LOGISTICS_MSG_TYPES[type(melding)]
    except KeyError:
        raise LookupError(
            f"samhandling kjenner ikke meldingstypen (kodeverk 8279) for {type(melding).__name__} i PLO 2.0"
        ) from None


# --- HelseopplysningerSaksbehandling-v2.0.xsd ---------------------------------------------------------------

@xml_type(ns="p5")
@dataclass(kw_only=True)
class HelseopplysningerSaksbehandling:
    """Health information for the municipality's case processing (application for municipal services)."""

    type_innhold_i_melding: TypeInnholdIMelding = element("TypeInnholdIMelding", ns="po")
    felles_administrative_opplysninger: FellesAdministrativeOpplysninger = element(
        "FellesAdministrativeOpplysninger", ns="po")
    opplysninger_til_soknad: OpplysningerTilSoknad | None = element(
        "OpplysningerTilSoknad", ns="po", default=None)
    info_medisinsk_diagnose: list[InfoMedisinskDiagnose] = element(
        "InfoMedisinskDiagnose", ns="po", default_factory=list)
    cave: Cave | None = element("Cave", ns="epj1", default=None)
    generelt_journalnotat: list[GenereltJournalnotat] = element(
        "GenereltJournalnotat", ns="epj2", default_factory=list)
    bistand_legemiddelhandtering: BistandLegemiddelhandtering | None = element(
        "BistandLegemiddelhandtering", ns="po", default=None)
    info_kartlegging_funksjonsniva: InfoKartleggingFunksjonsniva | None = element(
        "InfoKartleggingFunksjonsniva", ns="po", default=None)
    opplysninger_om_individuell_plan: OpplysningerOmIndividuellPlan | None = element(
        "OpplysningerOmIndividuellPlan", ns="po", default=None)
    eksisterende_tjeneste: EksisterendeTjeneste | None = element(
        "EksisterendeTjeneste", ns="po", default=None)
    info_andre_viktige_opplysninger: InfoAndreViktigeOpplysninger | None = element(
        "InfoAndreViktigeOpplysninger", ns="po", default=None)


# --- Sammenfatning-v2.0.xsd ---------------------------------------------------------------------------------

@xml_type(ns="p9")
@dataclass(kw_only=True)
class Sammenfatning:
    """A summary of the patient's health and care needs, with medicines, follow-up and aids."""

    type_innhold_i_melding: TypeInnholdIMelding = element("TypeInnholdIMelding", ns="po")
    felles_administrative_opplysninger: FellesAdministrativeOpplysninger = element(
        "FellesAdministrativeOpplysninger", ns="po")
    info_medisinsk_diagnose: InfoMedisinskDiagnose | None = element(
        "InfoMedisinskDiagnose", ns="po", default=None)
    cave: Cave | None = element("Cave", ns="epj1", default=None)
    generelt_journalnotat: list[GenereltJournalnotat] = element(
        "GenereltJournalnotat", ns="epj2", default_factory=list)
    bistand_legemiddelhandtering_og_gjennomgang: BistandLegemiddelhandteringOgGjennomgang | None = element(
        "BistandLegemiddelhandteringOgGjennomgang", ns="po", default=None)
    info_kartlegging_funksjonsniva: InfoKartleggingFunksjonsniva | None = element(
        "InfoKartleggingFunksjonsniva", ns="po", default=None)
    opplysninger_om_individuell_plan: OpplysningerOmIndividuellPlan | None = element(
        "OpplysningerOmIndividuellPlan", ns="po", default=None)
    opplysninger_relevant_oppfolging: OpplysningerRelevantOppfolging | None = element(
        "OpplysningerRelevantOppfolging", ns="po", default=None)
    eksisterende_tjeneste: EksisterendeTjeneste | None = element(
        "EksisterendeTjeneste", ns="po", default=None)
    info_andre_viktige_opplysninger: InfoAndreViktigeOpplysninger | None = element(
        "InfoAndreViktigeOpplysninger", ns="po", default=None)
    info_kontrolltime: list[InfoKontrolltime] = element("InfoKontrolltime", ns="po", default_factory=list)
    opplysninger_om_hjelpemidler: OpplysningerOmHjelpemidler | None = element(
        "OpplysningerOmHjelpemidler", ns="po", default=None)


# --- registration -------------------------------------------------------------------------------------------

def _read_only(root: str, namespace: str, model: type, msg_types: tuple[str, ...]) -> ContentStandard:
    return ContentStandard(
        standard="PLO",
        version="2.0",
        namespace=namespace,
        root=root,
        model=model,
        namespaces=NAMESPACES,
        schema_file=f"plo/v2.0/{root}-v2.0.xsd",
        msg_types=msg_types,
        writable=False,
    )


# The MsgHead types of HelseopplysningerSaksbehandling and Sammenfatning are set by the PLO 2.0 profiles,
# which samhandling does not have: they are registered without, so no type is checked against them.
STANDARDS: list[ContentStandard] = [
    _read_only("Pasientlogistikk", PASIENTLOGISTIKK_NS, Pasientlogistikk,
               tuple(_LOGISTICS_MSG_TYPES.values())),
    _read_only("HelseopplysningerSaksbehandling", HELSEOPPLYSNINGER_SAKSBEHANDLING_NS,
               HelseopplysningerSaksbehandling, ()),
    _read_only("Sammenfatning", SAMMENFATNING_NS, Sammenfatning, ()),
]
