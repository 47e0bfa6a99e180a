"""The contact and notification list as handed to the partners (the cooperation procedure, section 3.1):
every active partner with its contact point per purpose, the purposes it lacks, and notes on the contact
points to follow up, as an HTML document and as PDF (made with WeasyPrint).

The contact points and their rules are :mod:`samhandling.services.registers.contacts` and
:mod:`samhandling.domain.registers.contacts`; the partners are :mod:`samhandling.services.registers.partners`.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime

from samhandling.domain.clock import shown, utc_now
from samhandling.domain.registers.contacts import (
    PURPOSE_TEXT,
    REASON_TEXT,
    ContactPoint,
    ContactPurpose,
    Deviation,
    find_deviations,
    find_gaps,
    fold,
)
from samhandling.services.registers.municipalities import municipality_names
from samhandling.services.registers.partners import PartnerView, partner_views
from samhandling.store.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class ContactSheet:
    """The contact and notification list as handed to the partners."""

    partners: list[tuple[PartnerView, list[ContactPoint]]]
    gaps: dict[str, tuple[ContactPurpose, ...]]
    deviations: dict[str, list[Deviation]]
    generated_at: datetime


def contact_sheet(uow: UnitOfWork, *, now: datetime | None = None) -> ContactSheet:
    """The active partners by name with their contact points, gaps and deviations."""
    with uow:
        parties = uow.parties.all()
        views = [v for v in partner_views(uow, parties, municipality_names(uow)) if v.profile.active]
        contacts = uow.registers.contacts.list()
    by_partner: dict[str, list[ContactPoint]] = {}
    for contact in contacts:
        by_partner.setdefault(contact.partner_her_id, []).append(contact)
    domains = {v.party.her_id: v.profile.domain for v in views}
    deviations: dict[str, list[Deviation]] = {}
    for deviation in find_deviations([c for c in contacts if c.partner_her_id in domains], domains):
        deviations.setdefault(f"{deviation.partner_her_id}/{deviation.purpose.value}", []).append(deviation)
    ordered = sorted(views, key=lambda v: (fold(v.party.name), v.party.her_id))
    return ContactSheet(
        partners=[(v, by_partner.get(v.party.her_id, [])) for v in ordered],
        gaps={g.partner_her_id: g.missing for g in find_gaps(domains, contacts)},
        deviations=deviations,
        generated_at=now or utc_now(),
    )


_SHEET_STYLE = """
@page { size: A4 landscape; margin: 14mm 12mm;
        @bottom-right { content: "Side " counter(page) " av " counter(pages); font-size: 8pt; } }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 9pt; color: #111; }
h1 { font-size: 16pt; margin: 0 0 2mm 0; }
h2 { font-size: 11pt; margin: 6mm 0 1mm 0; page-break-after: avoid; }
p.meta { color: #444; margin: 0 0 4mm 0; }
table { width: 100%; border-collapse: collapse; page-break-inside: avoid; }
th, td { border: 0.5pt solid #999; padding: 1.2mm 1.5mm; text-align: left; vertical-align: top; }
th { background: #e8eef4; }
.gap { color: #8a1c1c; }
.note { color: #7a5200; font-size: 8pt; }
"""


def contacts_html(sheet: ContactSheet) -> str:
    """The contact list as an HTML document (Norwegian), from which the PDF is made."""
    e = html.escape
    generated = shown(sheet.generated_at)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="no"><head><meta charset="utf-8"><title>Kontakt- og varslingsliste</title>',
        f"<style>{_SHEET_STYLE}</style></head><body>",
        "<h1>Kontakt- og varslingsliste for elektronisk samhandling</h1>",
        f'<p class="meta">Samarbeidsparter og kontaktpunkter per formål (samhandlingsprosedyren, punkt 3.1). '
        f"Anbefalt adresse: meldingsansvarlig@&lt;partens domene&gt;. Laget {e(generated)}.</p>",
    ]
    if not sheet.partners:
        parts.append("<p>Ingen aktive samarbeidsparter er registrert.</p>")
    for view, contacts in sheet.partners:
        heading = f"{view.party.name} (HER-id {view.party.her_id})"
        if view.municipality_name:
            heading += f", {view.municipality_name} kommune"
        parts.append(f"<h2>{e(heading)}</h2>")
        parts.append(
            "<table><thead><tr><th>Formål</th><th>Navn</th><th>E-post</th><th>Telefon</th>"
            "<th>Døgnbemannet</th><th>Merknad</th></tr></thead><tbody>"
        )
        for contact in contacts:
            notes = [REASON_TEXT[d.reason] for d in sheet.deviations.get(contact.key, [])]
            parts.append(
                "<tr>"
                f"<td>{e(PURPOSE_TEXT[contact.purpose])}</td><td>{e(contact.name)}</td><td>{e(contact.email)}</td>"
                f"<td>{e(contact.phone or '–')}</td><td>{'ja' if contact.staffed_24_7 else 'nei'}</td>"
                f'<td class="note">{e("; ".join(notes))}</td>'
                "</tr>"
            )
        for purpose in sheet.gaps.get(view.party.her_id, ()):
            parts.append(
                f'<tr class="gap"><td>{e(PURPOSE_TEXT[purpose])}</td>'
                '<td colspan="5">Mangler kontaktpunkt</td></tr>'
            )
        parts.append("</tbody></table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def contacts_pdf(uow: UnitOfWork, *, now: datetime | None = None) -> bytes:
    """The contact list as PDF (WeasyPrint, from :func:`contacts_html`)."""
    from samhandling.services.pdf import html_to_pdf

    return html_to_pdf(contacts_html(contact_sheet(uow, now=now)))
