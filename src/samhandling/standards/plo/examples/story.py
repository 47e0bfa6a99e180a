"""The story of the synthetic PLO documents: the patient, the professionals and units, and the parts they share.

Every person here is made up; the patient's fødselsnummer is synthetic with valid check digits
(HIS 1001:2010 section 4.1). Codes come from the code systems HIS 80704:2014 names for each element
(volven.no).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
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
    EksisterendeTjeneste,
    FasteHjelpemidler,
    Hjelpemiddelbeskrivelse,
    InfoInformasjonGitt,
    InfoKartleggingFunksjonsniva,
    InfoMedisinskDiagnose,
    InformasjonGitt,
    InformasjonOmForsendelsen,
    KartlagtFunksjon,
    MedisinskDiagnose,
    OpplysningerOmHjelpemidler,
    ParorendeForesatt,
    SamletVurderingFunksjonsniva,
    StatusHjelpemiddel,
    TidsfestetHendelse,
    TilknyttetEnhet,
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
from samhandling.standards.plo.messages import FORSENDELSESSTATUS

PATIENT_FNR = "08117530273"
"""The synthetic patient's fødselsnummer (born 8 November 1975, a woman)."""

INNLAGT = datetime(2025, 3, 3, 14, 20)
INNLAGT_DATO = INNLAGT.date()
UTSKRIVNINGSKLAR = date(2025, 3, 10)
UTSKREVET = datetime(2025, 3, 12, 11, 0)

_OID = "2.16.578.1.12.4.1.1"
_IDS = uuid.UUID("5b0f2f4e-8a7c-4c55-9d0e-80704f1c0a16")


def cv(system: int, v: str, dn: str) -> CV:
    """A value from code system ``system`` (its OID is 2.16.578.1.12.4.1.1.<system>, HIS 80704 4.4)."""
    return CV(v=v, dn=dn, s=f"{_OID}.{system}")


def _komponent_id(name: str) -> str:
    """A stable komponentID for an EPJ component of the examples (the same in every build)."""
    return str(uuid.uuid5(_IDS, name))


def _tel(number: str, kind: str = "HP", dn: str = "Hovedtelefon") -> TeleCom:
    return TeleCom(type_telecom=CS(v=kind, dn=dn), tele_address=URL(v=f"tel:{number}"))


def forsendelse(status: str) -> InformasjonOmForsendelsen:
    if status not in FORSENDELSESSTATUS:
        raise ValueError(f"ukjent forsendelsesstatus {status!r}, bruk en av {', '.join(FORSENDELSESSTATUS)}")
    return InformasjonOmForsendelsen(forsendelsesstatus=CS(v=status, dn=FORSENDELSESSTATUS[status]))


def hendelse(code: str, dn: str, when: datetime | date, *, anslag: bool = False,
              beskrivelse: str | None = None, merknad: str | None = None) -> TidsfestetHendelse:
    """An event of code system 9121 (Hendelseskode for logistikkopplysninger, HIS 1149 chapter 3)."""
    return TidsfestetHendelse(hendelsekode=cv(9121, code, dn), beskrivelse_av_hendelse=beskrivelse,
                              tidspunkt_for_hendelse=TS(v=when), anslag=anslag, merknad=merknad)


def journaltekst(system: int, code: str, dn: str, notat: str) -> Journaltekst:
    return Journaltekst(overskriftskode=cv(system, code, dn), notat=notat)


def journalnotat(prefix: str, *tekster: Journaltekst) -> GenereltJournalnotat:
    return GenereltJournalnotat(informasjonskategori="Andre notater", komponent_id=_komponent_id(prefix),
                                journaltekst=list(tekster))


def hendelse_innlagt(when: datetime) -> TidsfestetHendelse:
    return hendelse("1", "Pasient innlagt", when, beskrivelse="Innlagt ved Medisinsk avdeling, sengepost 3.")


# --- The people and places of the story ------------------------------------------------------------

def pasient() -> Person:
    """The synthetic patient."""
    return Person(
        family_name="Ørnhøi", given_name="Åse", date_of_birth=date(1975, 11, 8), sex=CS(v="2", dn="Kvinne"),
        ident=[Ident(id=PATIENT_FNR, type_id=cv(8116, "FNR", "Fødselsnummer"))],
        address=Address(street_adr="Blåbærstien 7", postal_code="7099", city="Flatåsen"),
    )


def _hpr(number: str) -> list[Ident]:
    return [Ident(id=number, type_id=cv(8116, "HPR", "HPR-nummer"))]


def sykepleier_kommune() -> HealthcareProfessional:
    return HealthcareProfessional(
        type_healthcare_professional=CS(v="SP", dn="Sykepleier"),
        role_to_patient=cv(9034, "9", "Primærkontakt"),
        family_name="Sæther", given_name="Gøril", ident=_hpr("9000101"), tele_com=[_tel("72000101")],
    )


def lege_sykehus() -> HealthcareProfessional:
    return HealthcareProfessional(
        type_healthcare_professional=CS(v="LE", dn="Lege"),
        role_to_patient=cv(9034, "21", "Helsefaglig kontakt"),
        family_name="Æsøy", given_name="Øystein", ident=_hpr("9000202"),
    )


def sykepleier_sykehus() -> HealthcareProfessional:
    return HealthcareProfessional(
        type_healthcare_professional=CS(v="SP", dn="Sykepleier"),
        role_to_patient=cv(9034, "9", "Primærkontakt"),
        family_name="Håland", given_name="Pål", ident=_hpr("9000303"),
    )


def _enhet(name: str, local_id: str, phone: str) -> TilknyttetEnhet:
    """The responsible unit with its phone number (HITS 1174:2017 section 5.1.3)."""
    return TilknyttetEnhet(kontaktenhet=Organisation(
        organisation_name=name,
        ident=[Ident(id=local_id, type_id=cv(9051, "LOK", "Lokal identifikator uten nærmere angivelse"))],
        tele_com=[_tel(phone)],
    ))


def sengepost() -> TilknyttetEnhet:
    return _enhet("Testsykehuset HF, Medisinsk avdeling, sengepost 3", "MED3", "73000300")


def hjemmesykepleien() -> TilknyttetEnhet:
    return _enhet("Testkommune hjemmesykepleie, sone Øst", "HJSPL-ØST", "72000100")


def ansvarlig(who: HealthcareProfessional, merknad: str, godkjent: date | None = None) -> AnsvarForRapport:
    """The professional responsible for the message (HITS 1174:2017 section 5.1.2)."""
    return AnsvarForRapport(ansvarlig_rapport=who, godkjent_dato=godkjent, merknad=merknad)


def parorende() -> list[ParorendeForesatt]:
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


def diagnoser() -> list[InfoMedisinskDiagnose]:
    return [InfoMedisinskDiagnose(medisinsk_diagnose=[
        MedisinskDiagnose(hoveddiagnose=True, diagnosekode=cv(7110, "J189", "Pneumoni, uspesifisert")),
        MedisinskDiagnose(hoveddiagnose=False, diagnosekode=cv(7110, "G35", "Multippel sklerose"),
                          diagnose_beskrivelse="Kjent MS siden 2009, sekundært progressiv."),
    ])]


def cave(prefix: str) -> Cave:
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
                virkestoff_legemiddel=cv(7180, "J01CE02", "Fenoksymetylpenicillin"),
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


def legemidler(prefix: str) -> list[Legemiddelinfo]:
    fast, ved_behov = ("1", "Fast"), ("3", "Ved behov")
    return [
        _legemiddel(prefix, "Baklofen", "M03BX01", "10", "1 tablett morgen, middag og kveld", fast,
                    "Mot spastisitet. Skal ikke seponeres brått."),
        _legemiddel(prefix, "Vitamin D", "A11CC05", "0.02", "1 tablett daglig", fast),
        _legemiddel(prefix, "Paracetamol", "N02BE01", "500", "2 tabletter inntil 4 ganger i døgnet", ved_behov,
                    "Ved smerter eller feber."),
    ]


def gitt_i_dag(prefix: str, when: datetime, av: HealthcareProfessional) -> LegemidlerAdministrertVedOverforing:
    """The medication given on the day of transfer (HIS 1143 and HIS 1148: "legemidler gitt i dag")."""
    return LegemidlerAdministrertVedOverforing(
        informasjonskategori="Legemidler", komponent_id=_komponent_id(f"{prefix}/gitt-i-dag"),
        adm_av_helsepersonell=[AdmAvHelsepersonell(
            adm_start=TS(v=when), administrert_av=av,
            forskrivningsinfo=Forskrivningsinfo(navn="Baklofen", dos_veiled_enkel=f"1 tablett gitt kl {when:%H:%M}"),
        )],
    )


def kartlegging() -> InfoKartleggingFunksjonsniva:
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
        kartlagt_funksjon=[KartlagtFunksjon(funksjonsvariabel=cv(9111, v, dn), vurdering=score)
                           for v, dn, score in variabler],
    )


def tjenester() -> list[EksisterendeTjeneste]:
    return [
        EksisterendeTjeneste(
            iplos_tjenestetype=cv(9151, "15", "[Hjemmetjenester:] Helsetjenester i hjemmet"),
            betegnelse_tjeneste="Hjemmesykepleie", privat_tjeneste=False,
            tjenesten_levert_av="Testkommune hjemmesykepleie", antall_enheter=Decimal("5.5"),
            enhet="timer per uke", startdato=date(2021, 5, 1),
        ),
        EksisterendeTjeneste(
            iplos_tjenestetype=cv(9151, "1", "[Hjemmetjenester:] Praktisk bistand: daglige gjøremål"),
            betegnelse_tjeneste="Praktisk bistand", privat_tjeneste=False, antall_enheter=Decimal("2"),
            enhet="timer per uke", startdato=date(2022, 1, 10),
        ),
    ]


def hjelpemidler() -> OpplysningerOmHjelpemidler:
    return OpplysningerOmHjelpemidler(
        faste_hjelpemidler=[FasteHjelpemidler(briller=CS(v="8", dn="Kontaktlinser"))],
        status_hjelpemiddel=[StatusHjelpemiddel(
            status=CS(v="6", dn="Aktiv"),
            hjelpemiddelbeskrivelse=Hjelpemiddelbeskrivelse(betegnelse_hjelpemiddel="Rullator"),
        )],
    )


def informasjon_gitt(til: Person, av: HealthcareProfessional, dato: date, hva: str) -> InfoInformasjonGitt:
    return InfoInformasjonGitt(informasjon_gitt=[InformasjonGitt(
        beskrivelse_informasjon=hva, muntlig_informasjon=True, informasjon_gitt_til=til,
        informasjon_gitt_dato=dato, informasjon_gitt_av=av,
    )])
