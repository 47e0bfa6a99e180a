"""The Pasientlogistikk messages of the story (HIS 1149): admitted, ready for discharge, no longer ready,
discharged, and the death of the patient.

Event codes of code system 9121 (HIS 1149; code 5, expected discharge-ready date, is new in 1.6, appendix A).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from samhandling.standards.plo.components import TidsfestetHendelse, UtskrevetTil
from samhandling.standards.plo.examples.story import (
    INNLAGT,
    UTSKREVET,
    UTSKRIVNINGSKLAR,
    ansvarlig,
    cv,
    forsendelse,
    hendelse,
    hendelse_innlagt,
    hjemmesykepleien,
    lege_sykehus,
    sengepost,
    sykepleier_kommune,
)
from samhandling.standards.plo.messages import (
    AvmeldingUtskrivningsklarPasient,
    MeldingInnlagtPasient,
    MeldingOmUtskrevetPasient,
    MeldingUtskrivningsklarPasient,
    OrienteringOmDod,
    Pasientlogistikk,
)


def _fra_sengepost(forsendelsesstatus: str) -> Pasientlogistikk:
    """The header of a logistics message from the ward: the unit and the responsible physician, who
    decides whether the patient is ready for discharge (HIS 1149 sections 3.3 and 3.4)."""
    return Pasientlogistikk(
        informasjon_om_forsendelsen=forsendelse(forsendelsesstatus),
        tilknyttet_enhet=[sengepost()],
        ansvar_for_rapport=[ansvarlig(lege_sykehus(), "Beslutningsansvarlig lege")],
    )


def _utskrivningsklar(when: datetime | date, anslag: bool) -> TidsfestetHendelse:
    return hendelse("3", "Pasient utskrivningsklar", when, anslag=anslag)


def melding_om_innlagt_pasient(*, innlagt: datetime = INNLAGT, forsendelsesstatus: str = "N") -> Pasientlogistikk:
    """LOG_INNLAGT: the patient was admitted at ``innlagt`` (HIS 1149 section 3.2)."""
    return replace(_fra_sengepost(forsendelsesstatus),
                   melding_innlagt_pasient=MeldingInnlagtPasient(tidsfestet_hendelse=hendelse_innlagt(innlagt)))


def melding_om_utskrivningsklar_pasient(
    *, innlagt: datetime = INNLAGT, utskrivningsklar: datetime | date = UTSKRIVNINGSKLAR, anslag: bool = False,
    forsendelsesstatus: str = "N",
) -> Pasientlogistikk:
    """LOG_UTSKRIVNINGSKLAR: admitted and ready for discharge, ``anslag`` if the date is an estimate
    (HIS 1149 section 3.3)."""
    return replace(_fra_sengepost(forsendelsesstatus), melding_utskrivningsklar_pasient=MeldingUtskrivningsklarPasient(
        tidsfestet_hendelse=[hendelse_innlagt(innlagt), _utskrivningsklar(utskrivningsklar, anslag)]))


def avmelding_utskrivningsklar_pasient(
    *, innlagt: datetime = INNLAGT, utskrivningsklar: datetime | date = UTSKRIVNINGSKLAR,
    avmeldt: datetime | date = UTSKRIVNINGSKLAR, begrunnelse: str = "Ny feberepisode, behandles videre.",
    forsendelsesstatus: str = "N",
) -> Pasientlogistikk:
    """LOG_AVMELDING: the patient is no longer ready for discharge from ``avmeldt``; the message
    repeats the admission and the earlier discharge-ready date (HIS 1149 section 3.4)."""
    avmelding = AvmeldingUtskrivningsklarPasient(tidsfestet_hendelse=[
        hendelse_innlagt(innlagt),
        _utskrivningsklar(utskrivningsklar, anslag=False),
        hendelse("4", "Avmelding av utskrivningsklar pasient", avmeldt, beskrivelse=begrunnelse),
    ])
    return replace(_fra_sengepost(forsendelsesstatus), avmelding_utskrivningsklar_pasient=avmelding)


def melding_om_utskrevet_pasient(*, utskrevet: datetime = UTSKREVET, forsendelsesstatus: str = "N") -> Pasientlogistikk:
    """LOG_UTSKREVET: discharged, alive, to home (code systems 8431 and 8408; HIS 1149 section 3.5)."""
    return replace(_fra_sengepost(forsendelsesstatus), melding_om_utskrevet_pasient=MeldingOmUtskrevetPasient(
        utskrevet_til=UtskrevetTil(uttilstand=cv(8431, "1", "Som levende"),
                                   ut_til=cv(8408, "1", "Bosted/arbeidssted")),
        tidsfestet_hendelse=hendelse("2", "Pasient utskrevet", utskrevet),
    ))


def orientering_om_dodsfall(
    *, dodsfall: datetime | date = date(2025, 4, 2), merknad: str | None = "Døde fredelig i eget hjem.",
    forsendelsesstatus: str = "N",
) -> Pasientlogistikk:
    """LOG_DOD: the municipal nursing service tells the GP that the patient has died (HIS 1149 3.6)."""
    return Pasientlogistikk(
        informasjon_om_forsendelsen=forsendelse(forsendelsesstatus),
        tilknyttet_enhet=[hjemmesykepleien()],
        ansvar_for_rapport=[ansvarlig(sykepleier_kommune(), "Primærkontakt i hjemmesykepleien")],
        orientering_om_dod=OrienteringOmDod(
            tidsfestet_hendelse=hendelse("13", "Pasienten er død", dodsfall, merknad=merknad)),
    )
