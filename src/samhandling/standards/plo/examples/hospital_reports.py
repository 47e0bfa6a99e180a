"""From the hospital: Helseopplysninger (HIS 1144) and Utskrivningsrapport (HIS 1148) of the story."""

from __future__ import annotations

from datetime import date, datetime, time

from samhandling.standards.plo.components import (
    InfoFraSykepleier,
    InfoKontrolltime,
    InformasjonOmTime,
    InformertOm,
    KontaktpersonHelsepersonell,
    MedisinskfagligeOpplysninger,
    OpplysningerRelevantOppfolging,
    OpplysningOpphold,
    Sykepleierdokumentasjon,
    TjenesteBehov,
    TypeInnholdIMelding,
)
from samhandling.standards.plo.examples.story import (
    INNLAGT,
    UTSKREVET,
    UTSKRIVNINGSKLAR,
    ansvarlig,
    cave,
    cv,
    diagnoser,
    forsendelse,
    gitt_i_dag,
    hendelse,
    hendelse_innlagt,
    hjelpemidler,
    informasjon_gitt,
    journalnotat,
    journaltekst,
    lege_sykehus,
    legemidler,
    parorende,
    pasient,
    sengepost,
    sykepleier_sykehus,
)
from samhandling.standards.plo.messages import HelseopplysningerVedSoknad, TverrfagligEpikrise


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
        informasjon_om_forsendelsen=forsendelse(forsendelsesstatus),
        parorende_foresatt=parorende(),
        tilknyttet_enhet=[sengepost()],
        kontaktperson_helsepersonell=[KontaktpersonHelsepersonell(kontaktperson=sykepleier_sykehus())],
        ansvar_for_rapport=[ansvarlig(lege_sykehus(), "Pasientansvarlig lege")],
        type_innhold_i_melding=TypeInnholdIMelding(type_innhold=cv(9140, *type_innhold)),
        opplysning_opphold=[
            OpplysningOpphold(tidsfestet_hendelse=hendelse_innlagt(innlagt)),
            OpplysningOpphold(tidsfestet_hendelse=hendelse(
                "5", "Forventet utskrivningsklar dato", forventet_utskrivningsklar, anslag=True)),
        ],
        info_medisinsk_diagnose=diagnoser(),
        medisinskfaglige_opplysninger=MedisinskfagligeOpplysninger(
            cave=cave("helseopplysninger"),
            generelt_journalnotat=[journalnotat(
                "helseopplysninger/status",
                journaltekst(9145, "1", "Pasientens status", pasientens_status),
                journaltekst(9145, "2", "Antatt forløp", antatt_forlop),
            )],
        ),
        tjeneste_behov=[TjenesteBehov(
            iplos_tjenestetype=cv(9151, "15", "[Hjemmetjenester:] Helsetjenester i hjemmet"),
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
    sykepleier = sykepleier_sykehus()
    return TverrfagligEpikrise(
        informasjon_om_forsendelsen=forsendelse(forsendelsesstatus),
        parorende_foresatt=parorende(),
        tilknyttet_enhet=[sengepost()],
        kontaktperson_helsepersonell=[KontaktpersonHelsepersonell(kontaktperson=sykepleier)],
        ansvar_for_rapport=[ansvarlig(lege_sykehus(), "Pasientansvarlig lege", utskrevet.date())],
        type_innhold_i_melding=TypeInnholdIMelding(type_innhold=cv(9139, "11", "Utskrivningsrapport")),
        opplysning_opphold=[
            OpplysningOpphold(tidsfestet_hendelse=hendelse_innlagt(innlagt)),
            OpplysningOpphold(tidsfestet_hendelse=hendelse("2", "Pasient utskrevet", utskrevet)),
        ],
        info_medisinsk_diagnose=diagnoser(),
        medisinskfaglige_opplysninger=MedisinskfagligeOpplysninger(
            cave=cave("utskrivningsrapport"),
            generelt_journalnotat=[journalnotat(
                "utskrivningsrapport/epikrise",
                journaltekst(9142, "PROB", "Aktuell problemstilling", aktuell_problemstilling),
                journaltekst(9142, "OP", "Planer for videre oppfølging", videre_oppfolging),
            )],
        ),
        legemiddelinfo=legemidler("utskrivningsrapport"),
        sykepleierdokumentasjon=Sykepleierdokumentasjon(
            info_fra_sykepleier=InfoFraSykepleier(
                opplysninger_relevant_oppfolging=OpplysningerRelevantOppfolging(hjelp_legemiddeladm=True),
                journaltekst=[
                    journaltekst(9141, "8", "Sykepleiesammenfatning", sykepleiesammenfatning),
                    journaltekst(9141, "14", "Praktiske opplysninger",
                                  "Reiser hjem med drosje kl 12. Hjemmesykepleien kommer på kveldsbesøk."),
                ],
            ),
            legemidler_administrert_ved_overforing=gitt_i_dag(
                "utskrivningsrapport", datetime.combine(utskrevet.date(), time(8, 0)), sykepleier),
        ),
        info_informasjon_gitt=[informasjon_gitt(
            pasient(), sykepleier, utskrevet.date(), "Informert om kontrolltime og bruk av legemidler.")],
        info_kontrolltime=[InfoKontrolltime(informasjon_om_time=InformasjonOmTime(
            bestilt_kontrolltime=True, tidspunkt_time=datetime(2025, 4, 8, 9, 30), varighet=30,
            sted_time="Testsykehuset HF, Lungepoliklinikken",
            informert_om=InformertOm(pasient_informert=True, parorende_informert=True),
        ))],
        opplysninger_om_hjelpemidler=hjelpemidler(),
    )
