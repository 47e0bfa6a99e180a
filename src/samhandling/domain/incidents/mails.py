"""The mails of an incident to the contact points for acute downtime (the cooperation procedure §3.4).

Three kinds: the notice when the incident lasts, or is expected to last, more than three hours; each follow-up
(an update); and the resolution, which says that messages flow again and what was held back and is now sent.
Every mail asks the partner to pass it on internally. No patient data: an incident holds none.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from samhandling.domain.clock import written
from samhandling.domain.incidents.incident import Incident, IncidentUpdate


class IncidentMailKind(StrEnum):
    NOTICE = "varsel"
    UPDATE = "oppdatering"
    RESOLVED = "lost"


PASS_IT_ON = ("Vi ber dere gi denne informasjonen videre internt til dem som sender og mottar elektroniske "
              "meldinger hos dere (samhandlingsrutinen, punkt 3.4).")
PHONE = "Tidskritisk informasjon om pasienter gis på telefon så lenge meldingene ikke går."


def _when(moment: datetime | None) -> str:
    return written(moment) or "–"


def incident_mail(incident: Incident, kind: IncidentMailKind, *, own_name: str, partner_names: dict[str, str],
                  update: IncidentUpdate | None = None) -> tuple[str, str]:
    """Subject and body of one mail about ``incident``."""
    where = ("hos oss" if incident.side.value == "egen"
             else "hos " + ", ".join(partner_names.get(h, f"HER-id {h}") for h in incident.partner_her_ids))
    prefix = {IncidentMailKind.NOTICE: "Akutt nedetid", IncidentMailKind.UPDATE: "Oppdatering",
              IncidentMailKind.RESOLVED: "Løst"}[kind]
    subject = f"[samhandling] {prefix}: {incident.title} (hendelse {incident.id})"
    lines = [f"{own_name} melder om en hendelse i den elektroniske meldingsutvekslingen.", ""]
    if kind is IncidentMailKind.NOTICE:
        lines += ["Meldingsutvekslingen er berørt, og det varer, eller ventes å vare, mer enn tre timer.", ""]
    elif kind is IncidentMailKind.RESOLVED:
        lines += ["Hendelsen er løst: meldingene går igjen. Meldinger som ble holdt tilbake under nedetiden, sendes "
                  "i den rekkefølgen de ble laget, og kvitteringene følges opp som vanlig.", ""]
    lines += [
        f"Hendelse:        {incident.title}",
        f"Hvor:            {where}",
        f"Meldingstyper:   {', '.join(incident.message_types) or 'alle'}",
        f"Oppdaget:        {_when(incident.detected_at)}",
        f"Status:          {incident.status.label}",
    ]
    if kind is IncidentMailKind.RESOLVED:
        lines.append(f"Løst:            {_when(incident.resolved_at)}")
    else:
        lines.append(f"Forventet slutt: {_when(incident.expected_end) if incident.expected_end else 'ukjent'}")
    lines += [f"Kontaktperson:   {incident.contact_person}"]
    if incident.description:
        lines += ["", incident.description]
    if kind is IncidentMailKind.RESOLVED and incident.updates:
        lines += ["", "Hva som skjedde:"] + [f"  {_when(u.at)}  {u.status.label}: {u.text}" for u in incident.updates
                                             if u.text]
    elif update is not None and update.text:
        lines += ["", f"Siste nytt ({_when(update.at)}): {update.text}"]
    lines += ["", PASS_IT_ON]
    if kind is not IncidentMailKind.RESOLVED:
        lines.append(PHONE)
    return subject, "\n".join(lines) + "\n"
