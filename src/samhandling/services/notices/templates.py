"""Templates for the common kinds of notice, filled from the registers: our own EPJ and communication module
with their versions (our partner profile), and our meldingsansvarlig as the contact. The user edits the draft
before sending it."""

from __future__ import annotations

from dataclasses import dataclass

from samhandling.domain.notices.model import NoticeKind
from samhandling.services.notices.config import NoticeConfig
from samhandling.store.notices.unit_of_work import NoticeUnitOfWork


@dataclass(frozen=True)
class Template:
    title: str
    description: str
    responsible: str
    contact_name: str
    contact_email: str | None
    emergency_routine: str


def _system(name: str | None, version: str | None) -> str | None:
    if not name:
        return None
    return f"{name} {version}" if version else name


def template_for(uow: NoticeUnitOfWork, kind: NoticeKind, config: NoticeConfig) -> Template:
    ours = [p.her_id for p in uow.parties.list(local=True)]
    profile = next((p for p in (uow.registers.partners.get(h) for h in ours) if p is not None), None)
    epj = _system(profile.epj_system, profile.epj_version) if profile else None
    link = _system(profile.comm_module, profile.comm_version) if profile else None
    systems = " og ".join(s for s in (epj, link) if s) or "fagsystemet"
    texts = {
        NoticeKind.PLANNED_DOWNTIME: (f"Planlagt nedetid i {systems}",
                                      f"{systems} er utilgjengelig i vinduet. Meldinger til oss blir liggende hos "
                                      "avsender og kommer fram når vi er tilbake; applikasjonskvitteringer kommer "
                                      "forsinket."),
        NoticeKind.UPGRADE: (f"Oppgradering av {systems}",
                             f"{systems} oppgraderes. Meldingsutvekslingen stopper i vinduet og tas opp igjen "
                             "etterpå; ingen meldinger går tapt."),
        NoticeKind.SETUP_CHANGE: ("Endring i teknisk oppsett",
                                  f"Det tekniske oppsettet for meldingsutvekslingen ({systems}) endres."),
        NoticeKind.CERTIFICATE: ("Bytte av virksomhetssertifikat",
                                 "Vi bytter virksomhetssertifikat for signering og kryptering. Det nye sertifikatet "
                                 "publiseres i adresseregisteret; meldinger kryptert med det gamle blir avvist "
                                 "etter byttet."),
        NoticeKind.MINOR: (f"Mindre endring i {systems}", "Endringen påvirker ikke meldingsutvekslingen."),
    }
    title, description = texts[kind]
    description = description[:1].upper() + description[1:]
    return Template(title=title, description=description, responsible=config.organisation,
                    contact_name="Meldingsansvarlig", contact_email=(config.meldingsansvarlig or (None,))[0],
                    emergency_routine="Ved behov: ring sengeposten eller kommunens tjeneste direkte og send "
                                      "opplysningene på papir eller i journalen etter at systemet er tilbake.")
