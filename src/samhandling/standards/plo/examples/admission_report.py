"""The Innleggelsesrapport of the story (HIS 1143): the municipality's report when the patient is admitted."""

from __future__ import annotations

from datetime import date, datetime, time

from samhandling.standards.kith import CS
from samhandling.standards.plo.components import (
    AvtaleOmAdmLegemidler,
    InfoAvtaleOmLegemiddeladm,
    InfoFraSykepleier,
    KontaktpersonHelsepersonell,
    MedisinskfagligeOpplysninger,
    OpplysningerRelevantOppfolging,
    Sykepleierdokumentasjon,
    TilleggsopplysningPasient,
)
from samhandling.standards.plo.examples.story import (
    INNLAGT_DATO,
    ansvarlig,
    cave,
    diagnoser,
    forsendelse,
    gitt_i_dag,
    hjelpemidler,
    hjemmesykepleien,
    informasjon_gitt,
    journalnotat,
    journaltekst,
    kartlegging,
    legemidler,
    parorende,
    pasient,
    sykepleier_kommune,
    tjenester,
)
from samhandling.standards.plo.messages import Innleggelsesrapport


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
    sykepleier = sykepleier_kommune()
    return Innleggelsesrapport(
        informasjon_om_forsendelsen=forsendelse(forsendelsesstatus),
        tilleggsopplysning_pasient=TilleggsopplysningPasient(sivil_status=CS(v="6", dn="Enke/enkemann"),
                                                             bor_alene=True),
        parorende_foresatt=parorende(),
        tilknyttet_enhet=[hjemmesykepleien()],
        kontaktperson_helsepersonell=[KontaktpersonHelsepersonell(
            kontaktperson=sykepleier_kommune(), merknad="Treffes på dagtid.")],
        ansvar_for_rapport=[ansvarlig(sykepleier, "Primærkontakt i hjemmesykepleien", godkjent)],
        info_medisinsk_diagnose=diagnoser(),
        medisinskfaglige_opplysninger=MedisinskfagligeOpplysninger(
            cave=cave("innleggelsesrapport"),
            generelt_journalnotat=[journalnotat(
                "innleggelsesrapport/arsak", journaltekst(9142, "AAI", "Årsak til innleggelse", innleggelsesarsak))],
        ),
        legemiddelinfo=legemidler("innleggelsesrapport"),
        eksisterende_tjeneste=tjenester(),
        info_kartlegging_funksjonsniva=kartlegging(),
        sykepleierdokumentasjon=Sykepleierdokumentasjon(
            info_fra_sykepleier=InfoFraSykepleier(
                opplysninger_relevant_oppfolging=OpplysningerRelevantOppfolging(
                    hjelp_legemiddeladm=True,
                    merknad_til_legemiddeladministrering="Legemidler er ikke sendt med pasienten.",
                ),
                journaltekst=[
                    journaltekst(9141, "8", "Sykepleiesammenfatning", sykepleiesammenfatning),
                    journaltekst(9141, "14", "Praktiske opplysninger", praktiske_opplysninger),
                ],
            ),
            legemidler_administrert_ved_overforing=gitt_i_dag(
                "innleggelsesrapport", datetime.combine(godkjent, time(8, 0)), sykepleier),
            info_avtale_om_legemiddeladm=InfoAvtaleOmLegemiddeladm(avtale_om_adm_legemidler=AvtaleOmAdmLegemidler(
                avtale_adm_legemidler=True, avtale_adm_multidose=False,
                merknad="Hjemmesykepleien doserer i dosett hver fredag.",
            )),
        ),
        opplysninger_om_hjelpemidler=hjelpemidler(),
        info_informasjon_gitt=[informasjon_gitt(
            pasient(), sykepleier, godkjent, "Informert om innleggelsen og at innleggelsesrapport sendes.")],
    )
