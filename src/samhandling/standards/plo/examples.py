"""Complete synthetic PLO 1.6 documents, for the demo, the node and the cooperation test checklist.

Every person here is made up; the patient's fødselsnummer is synthetic with valid check digits
(HIS 1001:2010 section 4.1). The story: Åse Ørnhøi (49, multiple sclerosis, home nursing from the
municipality) is admitted to Testsykehuset with pneumonia, is ready for discharge a week later and
goes home. Each builder returns a new document; keyword arguments set what varies between
messages of a cooperation test (times, texts, ``forsendelsesstatus``: N, M, A or C).

Codes come from the code systems HIS 80704:2014 names for each element (volven.no), with the
values its profiles prescribe: event codes of 9121 (HIS 1149; code 5, expected discharge-ready date,
is new in 1.6, appendix A), heading codes of 9141, 9142 and 9145 (HIS 1143 section 4.3, HIS 1144
section 4.3, HIS 1148 section 4.3), content types of 9139 and 9140. Optional booleans are only given
when true, as HIS 80704:2014 appendix A recommends.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, datetime, time
from decimal import Decimal

from samhandling.standards.kith import (
    CS,
    CV,
    PQ,
    TS,
    URL,
    Address,
    HealthcareProfessional,
    Ident,
    Organisation,
    Person,
    TeleCom,
)
from samhandling.standards.plo.components import (
    AnsvarForRapport,
    AvtaleOmAdmLegemidler,
    EksisterendeTjeneste,
    FasteHjelpemidler,
    Hjelpemiddelbeskrivelse,
    InfoAvtaleOmLegemiddeladm,
    InfoFraSykepleier,
    InfoInformasjonGitt,
    InfoKartleggingFunksjonsniva,
    InfoKontrolltime,
    InfoMedisinskDiagnose,
    InformasjonGitt,
    InformasjonOmForsendelsen,
    InformasjonOmTime,
    InformertOm,
    KartlagtFunksjon,
    KontaktpersonHelsepersonell,
    MedisinskDiagnose,
    MedisinskfagligeOpplysninger,
    OpplysningerOmHjelpemidler,
    OpplysningerRelevantOppfolging,
    OpplysningOpphold,
    ParorendeForesatt,
    SamletVurderingFunksjonsniva,
    StatusHjelpemiddel,
    Sykepleierdokumentasjon,
    TidsfestetHendelse,
    TilknyttetEnhet,
    TilleggsopplysningPasient,
    TjenesteBehov,
    TypeInnholdIMelding,
    UtskrevetTil,
)
from samhandling.standards.plo.epj import (
    AdmAvHelsepersonell,
    Allergi,
    Allerginotat,
    Cave,
    ForenkletForskrivning,
    Forskrivningsinfo,
    GenereltJournalnotat,
    Journaltekst,
    Legemiddelinfo,
    LegemidlerAdministrertVedOverforing,
    SakshodeCave,
    StikkordCave,
)
from samhandling.standards.plo.messages import (
    FORSENDELSESSTATUS,
    AvmeldingUtskrivningsklarPasient,
    HelseopplysningerVedSoknad,
    Innleggelsesrapport,
    MeldingInnlagtPasient,
    MeldingOmUtskrevetPasient,
    MeldingUtskrivningsklarPasient,
    OrienteringOmDod,
    Pasientlogistikk,
    TverrfagligEpikrise,
)

PATIENT_FNR = "08117530273"
"""The synthetic patient's fødselsnummer (born 8 November 1975, a woman)."""

INNLAGT = datetime(2025, 3, 3, 14, 20)
INNLAGT_DATO = INNLAGT.date()
UTSKRIVNINGSKLAR = date(2025, 3, 10)
UTSKREVET = datetime(2025, 3, 12, 11, 0)

_OID = "2.16.578.1.12.4.1.1"
_IDS = uuid.UUID("5b0f2f4e-8a7c-4c55-9d0e-80704f1c0a16")


def _cv(system: int, v: str, dn: str) -> CV:
    """A value from code system ``system`` (its OID is 2.16.578.1.12.4.1.1.<system>, HIS 80704 4.4)."""
    return CV(v=v, dn=dn, s=f"{_OID}.{system}")


def _komponent_id(name: str) -> str:
    """A stable komponentID for an EPJ component of the examples (the same in every build)."""
    return str(uuid.uuid5(_IDS, name))


def _tel(number: str, kind: str = "HP", dn: str = "Hovedtelefon") -> TeleCom:
    return TeleCom(type_telecom=CS(v=kind, dn=dn), tele_address=URL(v=f"tel:{number}"))


def _forsendelse(status: str) -> InformasjonOmForsendelsen:
    if status not in FORSENDELSESSTATUS:
        raise ValueError(f"ukjent forsendelsesstatus {status!r}, bruk en av {', '.join(FORSENDELSESSTATUS)}")
    return InformasjonOmForsendelsen(forsendelsesstatus=CS(v=status, dn=FORSENDELSESSTATUS[status]))


def _hendelse(code: str, dn: str, when: datetime | date, *, anslag: bool = False,
              beskrivelse: str | None = None, merknad: str | None = None) -> TidsfestetHendelse:
    """An event of code system 9121 (Hendelseskode for logistikkopplysninger, HIS 1149 chapter 3)."""
    return TidsfestetHendelse(hendelsekode=_cv(9121, code, dn), beskrivelse_av_hendelse=beskrivelse,
                              tidspunkt_for_hendelse=TS(v=when), anslag=anslag, merknad=merknad)


def _journaltekst(system: int, code: str, dn: str, notat: str) -> Journaltekst:
    return Journaltekst(overskriftskode=_cv(system, code, dn), notat=notat)


def _journalnotat(prefix: str, *tekster: Journaltekst) -> GenereltJournalnotat:
    return GenereltJournalnotat(informasjonskategori="Andre notater", komponent_id=_komponent_id(prefix),
                                journaltekst=list(tekster))


# --- The people and places of the story ------------------------------------------------------------

def pasient() -> Person:
    """The synthetic patient."""
    return Person(
        family_name="Ørnhøi", given_name="Åse", date_of_birth=date(1975, 11, 8), sex=CS(v="2", dn="Kvinne"),
        ident=[Ident(id=PATIENT_FNR, type_id=_cv(8116, "FNR", "Fødselsnummer"))],
        address=Address(street_adr="Blåbærstien 7", postal_code="7099", city="Flatåsen"),
    )


def _hpr(number: str) -> list[Ident]:
    return [Ident(id=number, type_id=_cv(8116, "HPR", "HPR-nummer"))]


def _sykepleier_kommune() -> HealthcareProfessional:
    return HealthcareProfessional(
        type_healthcare_professional=CS(v="SP", dn="Sykepleier"),
        role_to_patient=_cv(9034, "9", "Primærkontakt"),
        family_name="Sæther", given_name="Gøril", ident=_hpr("9000101"), tele_com=[_tel("72000101")],
    )


def _lege_sykehus() -> HealthcareProfessional:
    return HealthcareProfessional(
        type_healthcare_professional=CS(v="LE", dn="Lege"),
        role_to_patient=_cv(9034, "21", "Helsefaglig kontakt"),
        family_name="Æsøy", given_name="Øystein", ident=_hpr("9000202"),
    )


def _sykepleier_sykehus() -> HealthcareProfessional:
    return HealthcareProfessional(
        type_healthcare_professional=CS(v="SP", dn="Sykepleier"),
        role_to_patient=_cv(9034, "9", "Primærkontakt"),
        family_name="Håland", given_name="Pål", ident=_hpr("9000303"),
    )


def _enhet(name: str, local_id: str, phone: str) -> TilknyttetEnhet:
    """The responsible unit with its phone number (HITS 1174:2017 section 5.1.3)."""
    return TilknyttetEnhet(kontaktenhet=Organisation(
        organisation_name=name,
        ident=[Ident(id=local_id, type_id=_cv(9051, "LOK", "Lokal identifikator uten nærmere angivelse"))],
        tele_com=[_tel(phone)],
    ))


def _sengepost() -> TilknyttetEnhet:
    return _enhet("Testsykehuset HF, Medisinsk avdeling, sengepost 3", "MED3", "73000300")


def _hjemmesykepleien() -> TilknyttetEnhet:
    return _enhet("Testkommune hjemmesykepleie, sone Øst", "HJSPL-ØST", "72000100")


def _ansvarlig(who: HealthcareProfessional, merknad: str, godkjent: date | None = None) -> AnsvarForRapport:
    """The professional responsible for the message (HITS 1174:2017 section 5.1.2)."""
    return AnsvarForRapport(ansvarlig_rapport=who, godkjent_dato=godkjent, merknad=merknad)


def _parorende() -> list[ParorendeForesatt]:
    """An adult son, the closest relative, and a son under 18 (HIS 1143 section 4.3)."""
    return [
        ParorendeForesatt(
            slektskap=CS(v="SO", dn="Sønn"),
            referanseperson=Person(family_name="Ørnhøi", given_name="Bjørnar", tele_com=[
                _tel("90000001", "MC", "Mobiltelefon")]),
            merknad="Nærmeste pårørende.",
        ),
        ParorendeForesatt(
            slektskap=CS(v="SO", dn="Sønn"), fodselsar_mindrearig_parorende="2012",
            referanseperson=Person(family_name="Ørnhøi", given_name="Trygve"),
            merknad="Bor hos faren, er mye hos pasienten. Bør få informasjon tilpasset alder; storebror følger opp.",
        ),
    ]


def _diagnoser() -> list[InfoMedisinskDiagnose]:
    return [InfoMedisinskDiagnose(medisinsk_diagnose=[
        MedisinskDiagnose(hoveddiagnose=True, diagnosekode=_cv(7110, "J189", "Pneumoni, uspesifisert")),
        MedisinskDiagnose(hoveddiagnose=False, diagnosekode=_cv(7110, "G35", "Multippel sklerose"),
                          diagnose_beskrivelse="Kjent MS siden 2009, sekundært progressiv."),
    ])]


def _cave(prefix: str) -> Cave:
    """Critical information: a penicillin allergy with anaphylaxis (HIS 80704:2014 chapter 9)."""
    return Cave(
        informasjonskategori="Cave/allergier", komponent_id=_komponent_id(f"{prefix}/cave"),
        sakshode_cave=SakshodeCave(
            informasjonskategori="Cave/allergier", komponent_id=_komponent_id(f"{prefix}/sakshode-cave"),
            stikkord_cave=[StikkordCave(cave_stikkord="Penicillin: anafylaksi. Registrert 14.02.2016.")],
        ),
        allerginotat=[Allerginotat(
            informasjonskategori="Cave/allergier", komponent_id=_komponent_id(f"{prefix}/allerginotat"),
            journaltekst=[Journaltekst(notat="Anafylaktisk reaksjon på fenoksymetylpenicillin i 2016.")],
            allergi=Allergi(
                hensyn_ved_forskrivning=True, allergisk_mot="Penicilliner",
                virkestoff_legemiddel=_cv(7180, "J01CE02", "Fenoksymetylpenicillin"),
            ),
        )],
    )


def _legemiddel(prefix: str, navn: str, atc: str, styrke: str, dosering: str, bruk: tuple[str, str],
                merknad: str | None = None) -> Legemiddelinfo:
    """One medication as ForenkletForskrivning (HIS 80704:2014 chapter 11), not in multidose."""
    return Legemiddelinfo(
        informasjonskategori="Legemidler", komponent_id=_komponent_id(f"{prefix}/legemiddel/{navn}"),
        forenklet_forskrivning=ForenkletForskrivning(
            inngaar_i_multidose=CS(v="1", dn="Legemiddeldosering inngår ikke i en multidose"),
            merknad=merknad,
            forskrivningsinfo=Forskrivningsinfo(
                dos_veiled_enkel=dosering, navn=navn, atc=CS(v=atc), legemiddelform=CS(v="53", dn="Tablett"),
                styrke=PQ(v=Decimal(styrke), u="mg"), bruk=CS(v=bruk[0], dn=bruk[1]),
                dosering_starttidspunkt=TS(v=date(2024, 9, 1)),
            ),
        ),
    )


def _legemidler(prefix: str) -> list[Legemiddelinfo]:
    fast, ved_behov = ("1", "Fast"), ("3", "Ved behov")
    return [
        _legemiddel(prefix, "Baklofen", "M03BX01", "10", "1 tablett morgen, middag og kveld", fast,
                    "Mot spastisitet. Skal ikke seponeres brått."),
        _legemiddel(prefix, "Vitamin D", "A11CC05", "0.02", "1 tablett daglig", fast),
        _legemiddel(prefix, "Paracetamol", "N02BE01", "500", "2 tabletter inntil 4 ganger i døgnet", ved_behov,
                    "Ved smerter eller feber."),
    ]


def _gitt_i_dag(prefix: str, when: datetime, av: HealthcareProfessional) -> LegemidlerAdministrertVedOverforing:
    """The medication given on the day of transfer (HIS 1143 and HIS 1148: "legemidler gitt i dag")."""
    return LegemidlerAdministrertVedOverforing(
        informasjonskategori="Legemidler", komponent_id=_komponent_id(f"{prefix}/gitt-i-dag"),
        adm_av_helsepersonell=[AdmAvHelsepersonell(
            adm_start=TS(v=when), administrert_av=av,
            forskrivningsinfo=Forskrivningsinfo(navn="Baklofen", dos_veiled_enkel=f"1 tablett gitt kl {when:%H:%M}"),
        )],
    )


def _kartlegging() -> InfoKartleggingFunksjonsniva:
    """The 17 IPLOS function variables of code system 9111, scored 1 to 5."""
    variabler = [
        ("1", "Sosial deltakelse", 2), ("2", "Skaffe seg varer og tjenester", 4),
        ("3", "Beslutninger i dagliglivet", 1), ("4", "Ivareta egen helse", 3),
        ("5", "Bevege seg innendørs", 3), ("6", "Alminnelig husarbeid", 4), ("7", "Personlig hygiene", 3),
        ("8", "På- og avkledning", 3), ("9", "Lage mat", 3), ("10", "Spise", 1), ("11", "Toalett", 2),
        ("12", "Bevege seg utendørs", 4), ("13", "Syn", 1), ("14", "Hørsel", 1), ("15", "Hukommelse", 1),
        ("16", "Kommunikasjon", 1), ("17", "Styre atferd", 1),
    ]
    return InfoKartleggingFunksjonsniva(
        samlet_vurdering_funksjonsniva=SamletVurderingFunksjonsniva(merknad="Funksjonskartlegging utført 17.02.2025."),
        kartlagt_funksjon=[KartlagtFunksjon(funksjonsvariabel=_cv(9111, v, dn), vurdering=score)
                           for v, dn, score in variabler],
    )


def _tjenester() -> list[EksisterendeTjeneste]:
    return [
        EksisterendeTjeneste(
            iplos_tjenestetype=_cv(9151, "15", "[Hjemmetjenester:] Helsetjenester i hjemmet"),
            betegnelse_tjeneste="Hjemmesykepleie", privat_tjeneste=False,
            tjenesten_levert_av="Testkommune hjemmesykepleie", antall_enheter=Decimal("5.5"),
            enhet="timer per uke", startdato=date(2021, 5, 1),
        ),
        EksisterendeTjeneste(
            iplos_tjenestetype=_cv(9151, "1", "[Hjemmetjenester:] Praktisk bistand: daglige gjøremål"),
            betegnelse_tjeneste="Praktisk bistand", privat_tjeneste=False, antall_enheter=Decimal("2"),
            enhet="timer per uke", startdato=date(2022, 1, 10),
        ),
    ]


def _hjelpemidler() -> OpplysningerOmHjelpemidler:
    return OpplysningerOmHjelpemidler(
        faste_hjelpemidler=[FasteHjelpemidler(briller=CS(v="8", dn="Kontaktlinser"))],
        status_hjelpemiddel=[StatusHjelpemiddel(
            status=CS(v="6", dn="Aktiv"),
            hjelpemiddelbeskrivelse=Hjelpemiddelbeskrivelse(betegnelse_hjelpemiddel="Rullator"),
        )],
    )


def _informasjon_gitt(til: Person, av: HealthcareProfessional, dato: date, hva: str) -> InfoInformasjonGitt:
    return InfoInformasjonGitt(informasjon_gitt=[InformasjonGitt(
        beskrivelse_informasjon=hva, muntlig_informasjon=True, informasjon_gitt_til=til,
        informasjon_gitt_dato=dato, informasjon_gitt_av=av,
    )])


# --- Pasientlogistikk (HIS 1149) -------------------------------------------------------------------

def _fra_sengepost(forsendelsesstatus: str) -> Pasientlogistikk:
    """The header of a logistics message from the ward: the unit and the responsible physician, who
    decides whether the patient is ready for discharge (HIS 1149 sections 3.3 and 3.4)."""
    return Pasientlogistikk(
        informasjon_om_forsendelsen=_forsendelse(forsendelsesstatus),
        tilknyttet_enhet=[_sengepost()],
        ansvar_for_rapport=[_ansvarlig(_lege_sykehus(), "Beslutningsansvarlig lege")],
    )


def _innlagt(when: datetime) -> TidsfestetHendelse:
    return _hendelse("1", "Pasient innlagt", when, beskrivelse="Innlagt ved Medisinsk avdeling, sengepost 3.")


def _utskrivningsklar(when: datetime | date, anslag: bool) -> TidsfestetHendelse:
    return _hendelse("3", "Pasient utskrivningsklar", when, anslag=anslag)


def melding_om_innlagt_pasient(*, innlagt: datetime = INNLAGT, forsendelsesstatus: str = "N") -> Pasientlogistikk:
    """LOG_INNLAGT: the patient was admitted at ``innlagt`` (HIS 1149 section 3.2)."""
    return replace(_fra_sengepost(forsendelsesstatus),
                   melding_innlagt_pasient=MeldingInnlagtPasient(tidsfestet_hendelse=_innlagt(innlagt)))


def melding_om_utskrivningsklar_pasient(
    *, innlagt: datetime = INNLAGT, utskrivningsklar: datetime | date = UTSKRIVNINGSKLAR, anslag: bool = False,
    forsendelsesstatus: str = "N",
) -> Pasientlogistikk:
    """LOG_UTSKRIVNINGSKLAR: admitted and ready for discharge, ``anslag`` if the date is an estimate
    (HIS 1149 section 3.3)."""
    return replace(_fra_sengepost(forsendelsesstatus), melding_utskrivningsklar_pasient=MeldingUtskrivningsklarPasient(
        tidsfestet_hendelse=[_innlagt(innlagt), _utskrivningsklar(utskrivningsklar, anslag)]))


def avmelding_utskrivningsklar_pasient(
    *, innlagt: datetime = INNLAGT, utskrivningsklar: datetime | date = UTSKRIVNINGSKLAR,
    avmeldt: datetime | date = UTSKRIVNINGSKLAR, begrunnelse: str = "Ny feberepisode, behandles videre.",
    forsendelsesstatus: str = "N",
) -> Pasientlogistikk:
    """LOG_AVMELDING: the patient is no longer ready for discharge from ``avmeldt``; the message
    repeats the admission and the earlier discharge-ready date (HIS 1149 section 3.4)."""
    avmelding = AvmeldingUtskrivningsklarPasient(tidsfestet_hendelse=[
        _innlagt(innlagt),
        _utskrivningsklar(utskrivningsklar, anslag=False),
        _hendelse("4", "Avmelding av utskrivningsklar pasient", avmeldt, beskrivelse=begrunnelse),
    ])
    return replace(_fra_sengepost(forsendelsesstatus), avmelding_utskrivningsklar_pasient=avmelding)


def melding_om_utskrevet_pasient(*, utskrevet: datetime = UTSKREVET, forsendelsesstatus: str = "N") -> Pasientlogistikk:
    """LOG_UTSKREVET: discharged, alive, to home (code systems 8431 and 8408; HIS 1149 section 3.5)."""
    return replace(_fra_sengepost(forsendelsesstatus), melding_om_utskrevet_pasient=MeldingOmUtskrevetPasient(
        utskrevet_til=UtskrevetTil(uttilstand=_cv(8431, "1", "Som levende"),
                                   ut_til=_cv(8408, "1", "Bosted/arbeidssted")),
        tidsfestet_hendelse=_hendelse("2", "Pasient utskrevet", utskrevet),
    ))


def orientering_om_dodsfall(
    *, dodsfall: datetime | date = date(2025, 4, 2), merknad: str | None = "Døde fredelig i eget hjem.",
    forsendelsesstatus: str = "N",
) -> Pasientlogistikk:
    """LOG_DOD: the municipal nursing service tells the GP that the patient has died (HIS 1149 3.6)."""
    return Pasientlogistikk(
        informasjon_om_forsendelsen=_forsendelse(forsendelsesstatus),
        tilknyttet_enhet=[_hjemmesykepleien()],
        ansvar_for_rapport=[_ansvarlig(_sykepleier_kommune(), "Primærkontakt i hjemmesykepleien")],
        orientering_om_dod=OrienteringOmDod(
            tidsfestet_hendelse=_hendelse("13", "Pasienten er død", dodsfall, merknad=merknad)),
    )


# --- Innleggelsesrapport (HIS 1143) ----------------------------------------------------------------

def innleggelsesrapport(
    *,
    forsendelsesstatus: str = "N",
    godkjent: date = INNLAGT_DATO,
    innleggelsesarsak: str = "Feber 39,4 °C, hoste og tiltagende tungpust siden i går. Legevakt ba om innleggelse.",
    sykepleiesammenfatning: str = "Redusert gangfunksjon og økt trøtthet siste uke. Trenger hjelp til "
                                  "personlig hygiene og påkledning. Klarer å spise selv.",
    praktiske_opplysninger: str = "Nøkkel til boligen er hos hjemmesykepleien. Rullator er sendt med pasienten.",
) -> Innleggelsesrapport:
    """The municipality's report on admission, with everything HIS 1143 section 3 lists: cause of
    admission, diagnoses, CAVE, medication and help with it, medication given today, nursing summary,
    IPLOS function mapping, services received, aids, information given, whether the patient lives
    alone, the responsible unit, next of kin and children under 18."""
    sykepleier = _sykepleier_kommune()
    return Innleggelsesrapport(
        informasjon_om_forsendelsen=_forsendelse(forsendelsesstatus),
        tilleggsopplysning_pasient=TilleggsopplysningPasient(sivil_status=CS(v="6", dn="Enke/enkemann"),
                                                             bor_alene=True),
        parorende_foresatt=_parorende(),
        tilknyttet_enhet=[_hjemmesykepleien()],
        kontaktperson_helsepersonell=[KontaktpersonHelsepersonell(
            kontaktperson=_sykepleier_kommune(), merknad="Treffes på dagtid.")],
        ansvar_for_rapport=[_ansvarlig(sykepleier, "Primærkontakt i hjemmesykepleien", godkjent)],
        info_medisinsk_diagnose=_diagnoser(),
        medisinskfaglige_opplysninger=MedisinskfagligeOpplysninger(
            cave=_cave("innleggelsesrapport"),
            generelt_journalnotat=[_journalnotat(
                "innleggelsesrapport/arsak", _journaltekst(9142, "AAI", "Årsak til innleggelse", innleggelsesarsak))],
        ),
        legemiddelinfo=_legemidler("innleggelsesrapport"),
        eksisterende_tjeneste=_tjenester(),
        info_kartlegging_funksjonsniva=_kartlegging(),
        sykepleierdokumentasjon=Sykepleierdokumentasjon(
            info_fra_sykepleier=InfoFraSykepleier(
                opplysninger_relevant_oppfolging=OpplysningerRelevantOppfolging(
                    hjelp_legemiddeladm=True,
                    merknad_til_legemiddeladministrering="Legemidler er ikke sendt med pasienten.",
                ),
                journaltekst=[
                    _journaltekst(9141, "8", "Sykepleiesammenfatning", sykepleiesammenfatning),
                    _journaltekst(9141, "14", "Praktiske opplysninger", praktiske_opplysninger),
                ],
            ),
            legemidler_administrert_ved_overforing=_gitt_i_dag(
                "innleggelsesrapport", datetime.combine(godkjent, time(8, 0)), sykepleier),
            info_avtale_om_legemiddeladm=InfoAvtaleOmLegemiddeladm(avtale_om_adm_legemidler=AvtaleOmAdmLegemidler(
                avtale_adm_legemidler=True, avtale_adm_multidose=False,
                merknad="Hjemmesykepleien doserer i dosett hver fredag.",
            )),
        ),
        opplysninger_om_hjelpemidler=_hjelpemidler(),
        info_informasjon_gitt=[_informasjon_gitt(
            pasient(), sykepleier, godkjent, "Informert om innleggelsen og at innleggelsesrapport sendes.")],
    )


# --- From the hospital: Helseopplysninger (HIS 1144) and Utskrivningsrapport (HIS 1148) ------------

def helseopplysninger(
    *,
    forsendelsesstatus: str = "N",
    oppdaterte_opplysninger: bool = False,
    innlagt: datetime = INNLAGT,
    forventet_utskrivningsklar: date = UTSKRIVNINGSKLAR,
    pasientens_status: str = "Pneumoni, bedring på intravenøs antibiotika. Sengeliggende, trenger hjelp av to.",
    antatt_forlop: str = "Forventes utskrivningsklar om en uke. Vil trolig trenge økt hjemmesykepleie en periode.",
) -> HelseopplysningerVedSoknad:
    """Helseopplysninger to the municipality: the first notice (code 1 of 9140) or, with
    ``oppdaterte_opplysninger``, an update (code 2); HIS 1144 section 4.3."""
    type_innhold = ("2", "Oppdaterte opplysninger") if oppdaterte_opplysninger else ("1", "Varsel om innlagt pasient")
    return HelseopplysningerVedSoknad(
        informasjon_om_forsendelsen=_forsendelse(forsendelsesstatus),
        parorende_foresatt=_parorende(),
        tilknyttet_enhet=[_sengepost()],
        kontaktperson_helsepersonell=[KontaktpersonHelsepersonell(kontaktperson=_sykepleier_sykehus())],
        ansvar_for_rapport=[_ansvarlig(_lege_sykehus(), "Pasientansvarlig lege")],
        type_innhold_i_melding=TypeInnholdIMelding(type_innhold=_cv(9140, *type_innhold)),
        opplysning_opphold=[
            OpplysningOpphold(tidsfestet_hendelse=_innlagt(innlagt)),
            OpplysningOpphold(tidsfestet_hendelse=_hendelse(
                "5", "Forventet utskrivningsklar dato", forventet_utskrivningsklar, anslag=True)),
        ],
        info_medisinsk_diagnose=_diagnoser(),
        medisinskfaglige_opplysninger=MedisinskfagligeOpplysninger(
            cave=_cave("helseopplysninger"),
            generelt_journalnotat=[_journalnotat(
                "helseopplysninger/status",
                _journaltekst(9145, "1", "Pasientens status", pasientens_status),
                _journaltekst(9145, "2", "Antatt forløp", antatt_forlop),
            )],
        ),
        tjeneste_behov=[TjenesteBehov(
            iplos_tjenestetype=_cv(9151, "15", "[Hjemmetjenester:] Helsetjenester i hjemmet"),
            beskrivelse_av_tjeneste="Hjemmesykepleie morgen og kveld de første to ukene.",
        )],
    )


def utskrivningsrapport(
    *,
    forsendelsesstatus: str = "N",
    innlagt: datetime = INNLAGT,
    utskrevet: datetime = UTSKREVET,
    aktuell_problemstilling: str = "Innlagt med pneumoni. Behandlet med intravenøs antibiotika i fem dager.",
    videre_oppfolging: str = "Kontroll av CRP hos fastlege om en uke. Kontrolltime ved lungepoliklinikken.",
    sykepleiesammenfatning: str = "Tilbake på vanlig funksjonsnivå, går med rullator. Trenger hjelp til dusj.",
) -> TverrfagligEpikrise:
    """The discharge report (TverrfagligEpikrise, code 11 of 9139) with what HIS 1148 section 3 lists:
    problem, diagnoses, CAVE, follow-up and control appointment, medication given today, nursing
    summary and practical information, aids, information given, the responsible unit, next of kin and
    children under 18."""
    sykepleier = _sykepleier_sykehus()
    return TverrfagligEpikrise(
        informasjon_om_forsendelsen=_forsendelse(forsendelsesstatus),
        parorende_foresatt=_parorende(),
        tilknyttet_enhet=[_sengepost()],
        kontaktperson_helsepersonell=[KontaktpersonHelsepersonell(kontaktperson=sykepleier)],
        ansvar_for_rapport=[_ansvarlig(_lege_sykehus(), "Pasientansvarlig lege", utskrevet.date())],
        type_innhold_i_melding=TypeInnholdIMelding(type_innhold=_cv(9139, "11", "Utskrivningsrapport")),
        opplysning_opphold=[
            OpplysningOpphold(tidsfestet_hendelse=_innlagt(innlagt)),
            OpplysningOpphold(tidsfestet_hendelse=_hendelse("2", "Pasient utskrevet", utskrevet)),
        ],
        info_medisinsk_diagnose=_diagnoser(),
        medisinskfaglige_opplysninger=MedisinskfagligeOpplysninger(
            cave=_cave("utskrivningsrapport"),
            generelt_journalnotat=[_journalnotat(
                "utskrivningsrapport/epikrise",
                _journaltekst(9142, "PROB", "Aktuell problemstilling", aktuell_problemstilling),
                _journaltekst(9142, "OP", "Planer for videre oppfølging", videre_oppfolging),
            )],
        ),
        legemiddelinfo=_legemidler("utskrivningsrapport"),
        sykepleierdokumentasjon=Sykepleierdokumentasjon(
            info_fra_sykepleier=InfoFraSykepleier(
                opplysninger_relevant_oppfolging=OpplysningerRelevantOppfolging(hjelp_legemiddeladm=True),
                journaltekst=[
                    _journaltekst(9141, "8", "Sykepleiesammenfatning", sykepleiesammenfatning),
                    _journaltekst(9141, "14", "Praktiske opplysninger",
                                  "Reiser hjem med drosje kl 12. Hjemmesykepleien kommer på kveldsbesøk."),
                ],
            ),
            legemidler_administrert_ved_overforing=_gitt_i_dag(
                "utskrivningsrapport", datetime.combine(utskrevet.date(), time(8, 0)), sykepleier),
        ),
        info_informasjon_gitt=[_informasjon_gitt(
            pasient(), sykepleier, utskrevet.date(), "Informert om kontrolltime og bruk av legemidler.")],
        info_kontrolltime=[InfoKontrolltime(informasjon_om_time=InformasjonOmTime(
            bestilt_kontrolltime=True, tidspunkt_time=datetime(2025, 4, 8, 9, 30), varighet=30,
            sted_time="Testsykehuset HF, Lungepoliklinikken",
            informert_om=InformertOm(pasient_informert=True, parorende_informert=True),
        ))],
        opplysninger_om_hjelpemidler=_hjelpemidler(),
    )
