"""The PLO component classes (poKomponent-v1.5.xsd and poKomponent-v1.6.xsd).

Every class here is a global element of poKomponent; its local elements are in the poKomponent
namespace (key ``po``), which is dated 2009-06-30 in PLO 1.5 and 2012-04-01 in PLO 1.6. The two
versions are otherwise nearly the same, so one model serves both. Where they differ, a field has the
looser cardinality of the two and the official XSD of each version checks the rest. The changes
from 1.5 to 1.6 (header of poKomponent-v1.6.xsd; HIS 80704:2014 appendix A):

- ``ParorendeForesatt/FodselsarMindrearigParorende`` is new in 1.6;
- ``InfoKontrolltime`` got a third choice, ``InformasjonOmTentativTime``;
- ``OpplysningerRelevantOppfolging`` got ``MerknadTilBandasjemateriell`` and
  ``MerknadTilLegemiddeladministrering``;
- ``MedisinskDiagnose/Hoveddiagnose`` and ``InformasjonGitt/MuntligInformasjon``, required in 1.5,
  are optional in 1.6.

The field and class names follow the schema; the chapters of HIS 80704:2014 describe each class.
``InfoKontaktepisode``, ``FellesinfoKontaktepisode`` and ``TilleggsinfoKontaktepisode`` are declared in
poKomponent but no PLO message refers to them any more, so they are not modelled.

The module stays whole above 500 lines because it mirrors poKomponent-v1.6.xsd (and v1.5) type by type.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from samhandling.standards.binding import element, xml_type
from samhandling.standards.kith import CS, CV, PQ, TS, HealthcareProfessional, Organisation, Person
from samhandling.standards.plo.epj import (
    Allerginotat,
    Cave,
    GenereltJournalnotat,
    Journaltekst,
    LegemidlerAdministrertVedOverforing,
)

# --- Classes common to every message (HIS 80704:2014 section 5.2) ----------------------------------


@xml_type(ns="po")
@dataclass(kw_only=True)
class Foresporsel:
    """The request a message answers (section 5.2.3)."""

    type_foresp: CV = element("TypeForesp")
    formal: CV | None = element("Formål", default=None)
    hastegrad: CS | None = element("Hastegrad", default=None)
    type_journalinfo: CV | None = element("TypeJournalinfo", default=None)
    sporsmal: str | None = element("Sporsmal", default=None)
    begrunnelse: str | None = element("Begrunnelse", default=None)
    fra_dato: date | None = element("FraDato", default=None)
    til_dato: date | None = element("TilDato", default=None)
    ref_dok_id_foresp: str | None = element("RefDokIdForesp", default=None)


@xml_type(ns="po")
@dataclass(kw_only=True)
class InformasjonOmForsendelsen:
    """Status of the dispatch (section 5.2.2): ``Forsendelsesstatus`` from code system 7309."""

    forsendelsesstatus: CS = element("Forsendelsesstatus")
    forbehold_om_videresending: bool | None = element("ForbeholdOmVideresending", default=None)
    svar_paa_foresporsel: bool | None = element("SvarPaaForesporsel", default=None)
    foresporsel: Foresporsel | None = element("Foresporsel", default=None)


@xml_type(ns="po")
@dataclass(kw_only=True)
class TilleggsopplysningPasient:
    sivil_status: CS | None = element("SivilStatus", default=None)
    bor_alene: bool | None = element("BorAlene", default=None)
    sprak: CS | None = element("Sprak", default=None)


@xml_type(ns="po")
@dataclass(kw_only=True)
class ParorendeForesatt:
    """A next of kin or guardian; also one per child under 18 (HIS 1143 section 4.3)."""

    slektskap: CS | None = element("Slektskap", default=None)
    omsorgsfunksjon: CS | None = element("Omsorgsfunksjon", default=None)
    fodselsar_mindrearig_parorende: str | None = element("FodselsarMindrearigParorende", default=None)
    """gYear, new in 1.6."""
    referanseperson: Person = element("Referanseperson")
    merknad: str | None = element("Merknad", default=None)


@xml_type(ns="po")
@dataclass(kw_only=True)
class TilknyttetEnhet:
    kontaktenhet: Organisation = element("Kontaktenhet")
    merknad: str | None = element("Merknad", default=None)


@xml_type(ns="po")
@dataclass(kw_only=True)
class KontaktpersonHelsepersonell:
    kontaktperson: HealthcareProfessional = element("Kontaktperson")
    merknad: str | None = element("Merknad", default=None)


@xml_type(ns="po")
@dataclass(kw_only=True)
class AnsvarForRapport:
    ansvarlig_rapport: HealthcareProfessional = element("AnsvarligRapport")
    godkjent_dato: date | None = element("GodkjentDato", default=None)
    type_relasjon: CV | None = element("TypeRelasjon", default=None)
    merknad: str | None = element("Merknad", default=None)


@xml_type(ns="po")
@dataclass(kw_only=True)
class SendtDokument:
    opplysning: CV = element("Opplysning")
    ja_nei: bool = element("JaNei")
    dato_sendt: date | None = element("DatoSendt", default=None)
    type_mottaker: CV | None = element("TypeMottaker", default=None)
    navn_mottaker: str | None = element("NavnMottaker", default=None)
    merknad: str | None = element("Merknad", default=None)


# --- Message content ----------------------------------------------------------------------------


@xml_type(ns="po")
@dataclass(kw_only=True)
class Fraversassistent:
    """The addressee is absent (PLO 1.5 MeldingFravar only)."""

    mottaker_fravarende: bool = element("MottakerFravarende")
    melding_videresendt: bool | None = element("MeldingVideresendt", default=None)
    fravarende_fra_dato: date | None = element("FravarendeFraDato", default=None)
    fravarende_til_dato: date | None = element("FravarendeTilDato", default=None)
    videresendt_til: HealthcareProfessional | None = element("VideresendtTil", default=None)
    merknad: str | None = element("Merknad", default=None)


@xml_type(ns="po")
@dataclass(kw_only=True)
class OpplysningerTilSoknad:
    egensoknad_sendt: bool = element("EgensoknadSendt")
    merknad: str | None = element("Merknad", default=None)


@xml_type(ns="po")
@dataclass(kw_only=True)
class TypeInnholdIMelding:
    """What a message is about, e.g. code system 9140 for Helseopplysninger (HIS 1144 section 4.3)."""

    type_innhold: CV = element("TypeInnhold")
    merknad: str | None = element("Merknad", default=None)


@xml_type(ns="po")
@dataclass(kw_only=True)
class InnholdKonsultasjon:
    type_innhold_konsultasjon: CS = element("TypeInnholdKonsultasjon")
    merknad: str | None = element("Merknad", default=None)


@xml_type(ns="po")
@dataclass(kw_only=True)
class StedForHendelse:
    sted_hendelse: str = element("StedHendelse")


@xml_type(ns="po")
@dataclass(kw_only=True)
class TidsfestetHendelse:
    """An event in time; ``Hendelsekode`` from code system 9121 in the logistics messages (HIS 1149)."""

    hendelsekode: CV | None = element("Hendelsekode", default=None)
    beskrivelse_av_hendelse: str | None = element("BeskrivelseAvHendelse", default=None)
    tidspunkt_for_hendelse: TS = element("TidspunktForHendelse")
    anslag: bool = element("Anslag")
    merknad: str | None = element("Merknad", default=None)
    sted_for_hendelse: StedForHendelse | None = element("StedForHendelse", default=None)


@xml_type(ns="po")
@dataclass(kw_only=True)
class OpplysningOpphold:
    tidsfestet_hendelse: TidsfestetHendelse = element("TidsfestetHendelse")


@xml_type(ns="po")
@dataclass(kw_only=True)
class UtskrevetTil:
    uttilstand: CV | None = element("Uttilstand", default=None)
    ut_til: CV = element("UtTil")
    merknad: str | None = element("Merknad", default=None)


@xml_type(ns="po")
@dataclass(kw_only=True)
class EksisterendeTjeneste:
    """A service the patient already receives, municipal or private (section 12.2)."""

    iplos_tjenestetype: CV | None = element("IPLOStjenestetype", default=None)
    betegnelse_tjeneste: str | None = element("BetegnelseTjeneste", default=None)
    privat_tjeneste: bool = element("PrivatTjeneste")
    tjenesten_levert_av: str | None = element("TjenestenLevertAv", default=None)
    opplysninger_om_tjenesten: str | None = element("OpplysningerOmTjenesten", default=None)
    antall_enheter: Decimal | None = element("AntallEnheter", default=None)
    enhet: str | None = element("Enhet", default=None)
    startdato: date | None = element("Startdato", default=None)
    sluttdato: date | None = element("Sluttdato", default=None)
    merknad: str | None = element("Merknad", default=None)


@xml_type(ns="po")
@dataclass(kw_only=True)
class TjenesteBehov:
    """A service the patient needs after transfer."""

    iplos_tjenestetype: CV | None = element("IPLOStjenestetype", default=None)
    betegnelse_tjeneste: str | None = element("BetegnelseTjeneste", default=None)
    ved_institusjon: str | None = element("VedInstitusjon", default=None)
    beskrivelse_av_tjeneste: str | None = element("BeskrivelseAvTjeneste", default=None)
    antall_enheter_onsket: Decimal | None = element("AntallEnheterOnsket", default=None)
    enhet: str | None = element("Enhet", default=None)


# --- Diagnoses, IPLOS --------------------------------------------------------------------------


@xml_type(ns="po")
@dataclass(kw_only=True)
class MedisinskDiagnose:
    """One diagnosis, coded (ICD-10 7110, ICPC-2 7170) or as text."""

    hoveddiagnose: bool | None = element("Hoveddiagnose", default=None)
    diagnosekode: CV | None = element("Diagnosekode", default=None)
    diagnose_beskrivelse: str | None = element("DiagnoseBeskrivelse", default=None)


@xml_type(ns="po")
@dataclass(kw_only=True)
class InfoMedisinskDiagnose:
    medisinsk_diagnose: list[MedisinskDiagnose] = element("MedisinskDiagnose", default_factory=list)


@xml_type(ns="po")
@dataclass(kw_only=True)
class TidsperiodeDiagnose:
    startdato_diagnose: date = element("StartdatoDiagnose")
    sluttdato_diagnose: date | None = element("SluttdatoDiagnose", default=None)
    medisinsk_diagnose: MedisinskDiagnose = element("MedisinskDiagnose")


@xml_type(ns="po")
@dataclass(kw_only=True)
class InfoIPLOSrelevantInformasjon:
    """Information relevant for IPLOS reporting."""

    tidsperiode_diagnose: list[TidsperiodeDiagnose] = element("TidsperiodeDiagnose", default_factory=list)
    tidsfestet_hendelse: TidsfestetHendelse | None = element("TidsfestetHendelse", default=None)


@xml_type(ns="po")
@dataclass(kw_only=True)
class SamletVurderingFunksjonsniva:
    pleietyngde: Decimal | None = element("Pleietyngde", default=None)
    vurdering_pleietyngde: str | None = element("VurderingPleietyngde", default=None)
    merknad: str | None = element("Merknad", default=None)


@xml_type(ns="po")
@dataclass(kw_only=True)
class KartlagtFunksjon:
    """One IPLOS function variable (code system 9111) and its score."""

    funksjonsvariabel: CV | None = element("Funksjonsvariabel", default=None)
    vurdering: int | None = element("Vurdering", default=None)
    merknad: str | None = element("Merknad", default=None)


@xml_type(ns="po")
@dataclass(kw_only=True)
class Ansvarlig:
    type_hendelse: CV | None = element("TypeHendelse", default=None)
    tidspunkt_for_hendelse: datetime = element("TidspunktForHendelse")
    ekstern: bool = element("Ekstern")
    ansvarlig_tjenesteyter: HealthcareProfessional | None = element("AnsvarligTjenesteyter", default=None)
    virksomhet: Organisation | None = element("Virksomhet", default=None)
    merknad: str | None = element("Merknad", default=None)


@xml_type(ns="po")
@dataclass(kw_only=True)
class InfoKartleggingFunksjonsniva:
    """The patient's functional level (IPLOS), section 10.2."""

    samlet_vurdering_funksjonsniva: SamletVurderingFunksjonsniva | None = element(
        "SamletVurderingFunksjonsniva", default=None)
    kartlagt_funksjon: list[KartlagtFunksjon] = element("KartlagtFunksjon", default_factory=list)
    ansvarlig: Ansvarlig | None = element("Ansvarlig", default=None)


# --- Information given, communication, reservations --------------------------------------------


@xml_type(ns="po")
@dataclass(kw_only=True)
class InformasjonGitt:
    type_informasjon: CV | None = element("TypeInformasjon", default=None)
    beskrivelse_informasjon: str | None = element("BeskrivelseInformasjon", default=None)
    muntlig_informasjon: bool | None = element("MuntligInformasjon", default=None)
    """Required in 1.5, optional in 1.6."""
    informasjon_gitt_til: Person = element("InformasjonGittTil")
    informasjon_gitt_dato: date = element("InformasjonGittDato")
    informasjon_gitt_av: HealthcareProfessional = element("InformasjonGittAv")


@xml_type(ns="po")
@dataclass(kw_only=True)
class InfoInformasjonGitt:
    informasjon_gitt: list[InformasjonGitt] = element("InformasjonGitt", default_factory=list)


@xml_type(ns="po")
@dataclass(kw_only=True)
class AssistertKommunikasjon:
    """Need for an interpreter and other help with communication."""

    person_tolkebehov: Person | None = element("PersonTolkebehov", default=None)
    horselsvikt: bool | None = element("Horselsvikt", default=None)
    synsvikt: bool | None = element("Synsvikt", default=None)
    behov_tolk_sprak: CS | None = element("BehovTolkSprak", default=None)
    preferert_tolk: Person | None = element("PreferertTolk", default=None)
    behov_opphort_dato: TS | None = element("BehovOpphortDato", default=None)
    merknad: str | None = element("Merknad", default=None)


@xml_type(ns="po")
@dataclass(kw_only=True)
class InfoAssistertKommunikasjon:
    assistert_kommunikasjon: AssistertKommunikasjon = element("AssistertKommunikasjon")


@xml_type(ns="po")
@dataclass(kw_only=True)
class ReservasjonOnske:
    gjelder: str = element("Gjelder")
    framsatt_av: Person = element("FramsattAv")
    framsatt_dato: date = element("FramsattDato")
    trukket_tilbake_av: Person | None = element("TrukketTilbakeAv", default=None)
    trukket_tilbake_dato: date | None = element("TrukketTilbakeDato", default=None)
    merknad: str | None = element("Merknad", default=None)


@xml_type(ns="po")
@dataclass(kw_only=True)
class InfoReservasjon:
    reservasjon_onske: list[ReservasjonOnske] = element("ReservasjonOnske", default_factory=list)


@xml_type(ns="po")
@dataclass(kw_only=True)
class InfoAndreViktigeOpplysninger:
    """Special conditions that are neither CAVE nor an NB note."""

    generelt_journalnotat: list[GenereltJournalnotat] = element("GenereltJournalnotat", ns="epj2", default_factory=list)
    allerginotat: list[Allerginotat] = element("Allerginotat", ns="epj1", default_factory=list)


# --- Medical information (HIS 80704:2014 chapter 9) --------------------------------------------


@xml_type(ns="po")
@dataclass(kw_only=True)
class RegistrertBlodtype:
    blodtype: CS = element("Blodtype")
    rhesusgruppe: CS | None = element("Rhesusgruppe", default=None)
    merknad: str | None = element("Merknad", default=None)


@xml_type(ns="po")
@dataclass(kw_only=True)
class TidligereSykdomFragment:
    funksjonshemming_kronisk_sykdom: bool = element("FunksjonshemmingKroniskSykdom")
    tidligere_sykdom: str = element("TidligereSykdom")
    diagnosekode: CV | None = element("Diagnosekode", default=None)


@xml_type(ns="po")
@dataclass(kw_only=True)
class InfoTidligereSykdommer:
    """A previous illness: the fragment, a journal text, or both (the schema's annotation)."""

    tidligere_sykdom_fragment: TidligereSykdomFragment | None = element("TidligereSykdomFragment", default=None)
    journaltekst: Journaltekst | None = element("Journaltekst", ns="epj2", default=None)


@xml_type(ns="po")
@dataclass(kw_only=True)
class MedisinskfagligeOpplysninger:
    registrert_blodtype: RegistrertBlodtype | None = element("RegistrertBlodtype", default=None)
    info_tidligere_sykdommer: list[InfoTidligereSykdommer] = element("InfoTidligereSykdommer", default_factory=list)
    cave: Cave | None = element("Cave", ns="epj1", default=None)
    allerginotat: list[Allerginotat] = element("Allerginotat", ns="epj1", default_factory=list)
    generelt_journalnotat: list[GenereltJournalnotat] = element("GenereltJournalnotat", ns="epj2", default_factory=list)


# --- Nursing documentation (HIS 80704:2014 chapter 10) -----------------------------------------


@xml_type(ns="po")
@dataclass(kw_only=True)
class OpplysningerRelevantOppfolging:
    bandasjemateriell_engangsutstyr: bool | None = element("BandasjemateriellEngangsutstyr", default=None)
    hjelp_legemiddeladm: bool | None = element("HjelpLegemiddeladm", default=None)
    endring_funksjonsnivaa: str | None = element("EndringFunksjonsnivaa", default=None)
    merknad_til_bandasjemateriell: str | None = element("MerknadTilBandasjemateriell", default=None)
    """New in 1.6."""
    merknad_til_legemiddeladministrering: str | None = element("MerknadTilLegemiddeladministrering", default=None)
    """New in 1.6."""


@xml_type(ns="po")
@dataclass(kw_only=True)
class InfoFraSykepleier:
    opplysninger_relevant_oppfolging: OpplysningerRelevantOppfolging | None = element(
        "OpplysningerRelevantOppfolging", default=None)
    journaltekst: list[Journaltekst] = element("Journaltekst", ns="epj2", default_factory=list)


@xml_type(ns="po")
@dataclass(kw_only=True)
class GjennomforingAvTiltak:
    utfort_tidspunkt: date = element("UtfortTidspunkt")
    tiltak_kan_termineres: bool | None = element("TiltakKanTermineres", default=None)
    merknad: str | None = element("Merknad", default=None)


@xml_type(ns="po")
@dataclass(kw_only=True)
class PlanlagtGjennomforingTiltak:
    planlagt_start: date = element("PlanlagtStart")
    planlagt_slutt: date | None = element("PlanlagtSlutt", default=None)
    faste_ukedager: list[CS] = element("FasteUkedager", default_factory=list)
    gjentagelse_intervall: PQ | None = element("GjentagelseIntervall", default=None)
    etter_behov: bool | None = element("EtterBehov", default=None)


@xml_type(ns="po")
@dataclass(kw_only=True)
class Tiltaksbeskrivelse:
    """One intervention, carried out or planned."""

    intervensjon_tiltak_kode: list[CV] = element("IntervensjonTiltakKode", default_factory=list)
    intervensjon_tiltak_beskrivelse: str | None = element("IntervensjonTiltakBeskrivelse", default=None)
    kategori_helsepersonell: CS | None = element("KategoriHelsepersonell", default=None)
    stikkord: list[str] = element("Stikkord", default_factory=list)
    evaluering_tidspunkt: date | None = element("EvalueringTidspunkt", default=None)
    merknad: str | None = element("Merknad", default=None)
    gjennomforing_av_tiltak: list[GjennomforingAvTiltak] = element("GjennomforingAvTiltak", default_factory=list)
    planlagt_gjennomforing_tiltak: PlanlagtGjennomforingTiltak | None = element(
        "PlanlagtGjennomforingTiltak", default=None)


@xml_type(ns="po")
@dataclass(kw_only=True)
class IverksatteTiltak:
    tiltaksbeskrivelse: Tiltaksbeskrivelse = element("Tiltaksbeskrivelse")


@xml_type(ns="po")
@dataclass(kw_only=True)
class AnbefaltVidereTiltak:
    tiltaksbeskrivelse: Tiltaksbeskrivelse = element("Tiltaksbeskrivelse")


@xml_type(ns="po")
@dataclass(kw_only=True)
class AdmInstrukser:
    utleveringsform: CS | None = element("Utleveringsform", default=None)
    sarskilte_tiltak: list[CS] = element("SarskilteTiltak", default_factory=list)


@xml_type(ns="po")
@dataclass(kw_only=True)
class AvtaleOmAdmLegemidler:
    """Whether there is an agreement on administering medication and multidose packaging."""

    avtale_adm_legemidler: bool = element("AvtaleAdmLegemidler")
    avtale_adm_multidose: bool = element("AvtaleAdmMultidose")
    merknad: str | None = element("Merknad", default=None)
    adm_instrukser: AdmInstrukser | None = element("AdmInstrukser", default=None)
    tiltaksbeskrivelse: list[Tiltaksbeskrivelse] = element("Tiltaksbeskrivelse", default_factory=list)


@xml_type(ns="po")
@dataclass(kw_only=True)
class InfoAvtaleOmLegemiddeladm:
    avtale_om_adm_legemidler: AvtaleOmAdmLegemidler = element("AvtaleOmAdmLegemidler")


@xml_type(ns="po")
@dataclass(kw_only=True)
class Enkeltvurdering:
    funksjonsomrade: CV | None = element("Funksjonsområde", default=None)
    kodet_vurdering: CV | None = element("KodetVurdering", default=None)
    vurdering_tekst: str | None = element("VurderingTekst", default=None)


@xml_type(ns="po")
@dataclass(kw_only=True)
class InnholdVurdering:
    vurderingen_gjelder: str = element("VurderingenGjelder")
    stikkord: list[str] = element("Stikkord", default_factory=list)
    fra_dato: date | None = element("FraDato", default=None)
    til_dato: date | None = element("TilDato", default=None)
    kategori_helsepersonell: CS | None = element("KategoriHelsepersonell", default=None)
    enkeltvurdering: list[Enkeltvurdering] = element("Enkeltvurdering", default_factory=list)


@xml_type(ns="po")
@dataclass(kw_only=True)
class InfoVurderinger:
    innhold_vurdering: InnholdVurdering = element("InnholdVurdering")
    journaltekst: list[Journaltekst] = element("Journaltekst", ns="epj2", default_factory=list)


@xml_type(ns="po")
@dataclass(kw_only=True)
class InnholdMaaldokument:
    maal_forventet_resultat: CV | None = element("MaalForventetResultat", default=None)
    forventet_grad_maaloppnaaelse: CV | None = element("ForventetGradMaaloppnaaelse", default=None)
    beskrivelse: str | None = element("Beskrivelse", default=None)
    kategori_helsepersonell: CS | None = element("KategoriHelsepersonell", default=None)
    forventes_oppnaadd: date | None = element("ForventesOppnaadd", default=None)
    fra_dato: date | None = element("FraDato", default=None)
    til_dato: date | None = element("TilDato", default=None)
    stikkord: list[str] = element("Stikkord", default_factory=list)


@xml_type(ns="po")
@dataclass(kw_only=True)
class InfoMaalForventetRes:
    innhold_maaldokument: InnholdMaaldokument = element("InnholdMaaldokument")
    journaltekst: list[Journaltekst] = element("Journaltekst", ns="epj2", default_factory=list)


@xml_type(ns="po")
@dataclass(kw_only=True)
class Sykepleierdokumentasjon:
    info_fra_sykepleier: InfoFraSykepleier | None = element("InfoFraSykepleier", default=None)
    legemidler_administrert_ved_overforing: LegemidlerAdministrertVedOverforing | None = element(
        "LegemidlerAdministrertVedOverforing", ns="epj3", default=None)
    info_avtale_om_legemiddeladm: InfoAvtaleOmLegemiddeladm | None = element("InfoAvtaleOmLegemiddeladm", default=None)
    info_vurderinger: list[InfoVurderinger] = element("InfoVurderinger", default_factory=list)
    iverksatte_tiltak: list[IverksatteTiltak] = element("IverksatteTiltak", default_factory=list)
    anbefalt_videre_tiltak: list[AnbefaltVidereTiltak] = element("AnbefaltVidereTiltak", default_factory=list)
    info_maal_forventet_res: list[InfoMaalForventetRes] = element("InfoMaalForventetRes", default_factory=list)
    ansvarlig: list[Ansvarlig] = element("Ansvarlig", default_factory=list)


@xml_type(ns="po")
@dataclass(kw_only=True)
class AndreFagrapporter:
    behandling_start: date | None = element("BehandlingStart", default=None)
    status_innleggelse: str | None = element("StatusInnleggelse", default=None)
    status_behandlingsstart: str | None = element("StatusBehandlingsstart", default=None)
    forventet_status_utskriving: str | None = element("ForventetStatusUtskriving", default=None)
    ansvarlig_rapport: HealthcareProfessional | None = element("AnsvarligRapport", default=None)
    journaltekst: list[Journaltekst] = element("Journaltekst", ns="epj2", default_factory=list)


@xml_type(ns="po")
@dataclass(kw_only=True)
class OpplysningerAndreFaggrupper:
    """Reports from other professions (physiotherapy, occupational therapy, …)."""

    andre_fagrapporter: AndreFagrapporter | None = element("AndreFagrapporter", default=None)
    anbefalt_videre_tiltak: list[AnbefaltVidereTiltak] = element("AnbefaltVidereTiltak", default_factory=list)
    info_vurderinger: list[InfoVurderinger] = element("InfoVurderinger", default_factory=list)


# --- Follow-up appointment, aids --------------------------------------------------------------


@xml_type(ns="po")
@dataclass(kw_only=True)
class InformertOm:
    pasient_informert: bool = element("PasientInformert")
    parorende_informert: bool = element("ParorendeInformert")


@xml_type(ns="po")
@dataclass(kw_only=True)
class InformasjonOmTime:
    bestilt_kontrolltime: bool = element("BestiltKontrolltime")
    tidspunkt_time: datetime | None = element("TidspunktTime", default=None)
    varighet: int | None = element("Varighet", default=None)
    sted_time: str | None = element("StedTime", default=None)
    informert_om: InformertOm | None = element("InformertOm", default=None)


@xml_type(ns="po")
@dataclass(kw_only=True)
class KontrolltimeBestill:
    pasient_parorende_bestiller: bool = element("PasientParorendeBestiller")
    informert_om: InformertOm | None = element("InformertOm", default=None)


@xml_type(ns="po")
@dataclass(kw_only=True)
class InformasjonOmTentativTime:
    """New in 1.6."""

    tentativt_tidspunkt_time: str | None = element("TentativtTidspunktTime", default=None)
    sted_time: str | None = element("StedTime", default=None)
    merknad: str | None = element("Merknad", default=None)
    informert_om: InformertOm | None = element("InformertOm", default=None)


@xml_type(ns="po")
@dataclass(kw_only=True)
class InfoKontrolltime:
    """A follow-up appointment: exactly one of the three (a choice in the schema)."""

    informasjon_om_time: InformasjonOmTime | None = element("InformasjonOmTime", default=None)
    kontrolltime_bestill: KontrolltimeBestill | None = element("KontrolltimeBestill", default=None)
    informasjon_om_tentativ_time: InformasjonOmTentativTime | None = element("InformasjonOmTentativTime", default=None)


@xml_type(ns="po")
@dataclass(kw_only=True)
class FasteHjelpemidler:
    briller: CS | None = element("Briller", default=None)
    hjelpemiddel_horsel: CS | None = element("HjelpemiddelHorsel", default=None)
    pacemaker: bool | None = element("Pacemaker", default=None)
    merknad: str | None = element("Merknad", default=None)


@xml_type(ns="po")
@dataclass(kw_only=True)
class Hjelpemiddelbeskrivelse:
    sekvensnummer: int | None = element("Sekvensnummer", default=None)
    hjelpemiddelkode_rtv: CV | None = element("HjelpemiddelkodeRTV", default=None)
    betegnelse_hjelpemiddel: str = element("BetegnelseHjelpemiddel")


@xml_type(ns="po")
@dataclass(kw_only=True)
class StatusHjelpemiddel:
    status: CS = element("Status")
    hjelpemiddelbeskrivelse: Hjelpemiddelbeskrivelse = element("Hjelpemiddelbeskrivelse")


@xml_type(ns="po")
@dataclass(kw_only=True)
class OpplysningerOmHjelpemidler:
    faste_hjelpemidler: list[FasteHjelpemidler] = element("FasteHjelpemidler", default_factory=list)
    status_hjelpemiddel: list[StatusHjelpemiddel] = element("StatusHjelpemiddel", default_factory=list)
