"""A readable Norwegian rendering of a message in the terminal (``samhandling show``).

Fødselsnummer, D-nummer and H-nummer are masked wherever they appear (Normen): in the header and
in the business document alike.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from lxml import etree
from rich.console import Console
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from samhandling.domain.clock import from_message, shown
from samhandling.domain.identifiers import person_id_problem
from samhandling.domain.privacy import mask_person_id
from samhandling.standards.binding import is_model
from samhandling.standards.kith import BL, CS, CV, PQ, TS, URL
from samhandling.standards.msghead import MsgHead, Organisation, Patient
from samhandling.standards.validation import PERSON_ID_TYPES, ValidationReport


def count(number: int, singular: str, plural: str) -> str:
    """A number with the right Norwegian form: «1 kontaktpunkt», «2 meldinger»."""
    return f"{number} {singular if number == 1 else plural}"


def masked(text: str) -> str:
    """``text`` with a valid person identifier masked; anything else unchanged."""
    candidate = text.strip()
    if len(candidate) == 11 and candidate.isdigit() and person_id_problem(candidate) is None:
        return mask_person_id(candidate)
    return text


def organisation_line(org: Organisation) -> str:
    parts: list[str] = []
    level: Organisation | None = org
    while level is not None:
        her = level.her_id()
        parts.append(f"{level.organisation_name} (HER {her})" if her else level.organisation_name)
        person = level.healthcare_professional
        if person is not None:
            name = " ".join(p for p in (person.given_name, person.family_name) if p)
            her_person = person.her_id()
            parts.append(f"{name} (HER {her_person})" if her_person else name)
        level = level.organisation
    return " › ".join(parts)


def patient_line(patient: Patient | None) -> str:
    if patient is None:
        return "—"
    name = " ".join(p for p in (patient.given_name, patient.middle_name, patient.family_name) if p) or "(uten navn)"
    idents = [
        f"{i.type_id.v} {mask_person_id(i.id) if i.type_id.v in PERSON_ID_TYPES else i.id}" for i in patient.ident
    ]
    return f"{name}, " + ", ".join(idents) if idents else name


def render(report: ValidationReport, console: Console) -> None:
    head = report.head
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    if head is not None:
        _header_rows(head, table)
    if report.standard is not None:
        table.add_row("Standard", f"{report.standard.label} ({report.standard.root})")
    # soft_wrap=False: long values wrap at the terminal's (or a pipe's) width; nothing is cut off
    console.print(table, soft_wrap=False)
    if report.document is not None:
        tree = Tree(f"[bold]{report.standard.root if report.standard else 'Innhold'}[/bold]")
        _add_fields(tree, report.document)
        console.print(tree, soft_wrap=False)
    if head is not None:
        for ref_doc, data in head.attachments():
            console.print(f"Vedlegg: {ref_doc.mime_type or 'ukjent type'}, {len(data)} byte"
                          + (f", {ref_doc.description}" if ref_doc.description else ""), markup=False)


def _header_rows(head: MsgHead, table: Table) -> None:
    info = head.msg_info
    table.add_row("Meldingstype", f"{info.type.dn or ''} ({info.type.v})".strip())
    table.add_row("MsgId", info.msg_id)
    table.add_row("Generert", f"{shown(from_message(info.gen_date), seconds=True)} (norsk tid)"
                  if info.gen_date is not None else "—")
    if info.processing_status is not None:
        table.add_row("Behandlingsstatus", f"{info.processing_status.dn or ''} ({info.processing_status.v})")
    table.add_row("Avsender", organisation_line(info.sender.organisation))
    table.add_row("Mottaker", organisation_line(info.receiver.organisation))
    for copy in info.other_receiver:
        who = organisation_line(copy.organisation) if copy.organisation is not None else "(person)"
        table.add_row("Kopimottaker", f"{who} [{copy.role_receiver.v}]")
    table.add_row("Pasient", patient_line(info.patient))
    if info.conversation_ref is not None:
        ref = info.conversation_ref
        table.add_row("Svar på", ref.ref_to_parent)
        table.add_row("Samtale", ref.ref_to_conversation)


def _value_text(value: Any) -> str | None:
    """A coded value, time stamp or scalar as one line, or None when it is a structure."""
    if isinstance(value, CV):
        label = value.dn or value.ot or ""
        return f"{label} ({value.v})" if value.v else label
    if isinstance(value, CS):
        return f"{value.dn or ''} ({value.v})" if value.v else (value.dn or "")
    if isinstance(value, BL):
        return _value_text(value.v) if value.v is not None else ""
    if isinstance(value, TS | URL):
        return str(value.v)
    if isinstance(value, PQ):
        return f"{value.v} {value.u or ''}".strip()
    if isinstance(value, bool):
        return "ja" if value else "nei"
    if isinstance(value, etree._Element):
        return masked(readable_text("".join(str(t) for t in value.itertext())))
    if is_model(type(value)):
        return None
    return masked(readable_text(str(value)))


def readable_text(text: str) -> str:
    """Free text as a person reads it: the writer's line breaks kept, the XML's indentation (tabs, runs of
    spaces) and empty lines dropped. No word is lost."""
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _add_fields(tree: Tree, obj: Any) -> None:
    ident_type = getattr(getattr(obj, "type_id", None), "v", None)
    for f in dataclasses.fields(obj):
        meta = f.metadata.get("xml")
        value = getattr(obj, f.name)
        if meta is None or value is None or value == []:
            continue
        label = meta.name if meta.name not in ("", "*") else f.name
        for item in value if isinstance(value, list) else [value]:
            text = _value_text(item)
            if text is None:
                _add_fields(tree.add(f"[bold]{label}[/bold]"), item)
            else:
                if f.name == "id" and ident_type in PERSON_ID_TYPES:
                    text = mask_person_id(str(item))
                line = Text.assemble((f"{label}: ", ""), text, overflow="fold")
                tree.add(line)
