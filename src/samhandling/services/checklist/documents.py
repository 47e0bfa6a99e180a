"""The business documents a checklist case sends, and what the checklist reads back from a received one.

Part of running the cooperation test checklist (forløpstester, "Sjekkliste for normale test-tilfeller"; see
:mod:`samhandling.services.checklist.runs`): the PLO cases send the complete synthetic PLO 1.6 examples, the dialog
cases a Dialogmelding with the case's text (æøå, case 9); an Innleggelsesrapport must have all information filled
in (cases 1 and 3).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from samhandling.domain.checklist.model import DocumentKind
from samhandling.standards.dialogmelding.builders import avvik, foresporsel, svar_pa_foresporsel
from samhandling.standards.dialogmelding.model import Dialogmelding
from samhandling.standards.plo.examples.admission_report import innleggelsesrapport
from samhandling.standards.plo.examples.hospital_reports import helseopplysninger
from samhandling.standards.plo.examples.logistics import (
    avmelding_utskrivningsklar_pasient,
    melding_om_innlagt_pasient,
    melding_om_utskrevet_pasient,
    melding_om_utskrivningsklar_pasient,
)
from samhandling.standards.plo.examples.story import PATIENT_FNR
from samhandling.standards.plo.messages import Innleggelsesrapport

DEFAULT_TEXT = "Test av æ, ø og å: Ærlig talt, Øyvind på Åsen liker blåbærsyltetøy."


def build_document(kind: DocumentKind, *, text: str | None, answered: Any = None) -> Any:
    """The business document a case sends: the complete synthetic PLO 1.6 examples, or a dialog message with
    ``text``. A Svar på forespørsel carries the request it answers when ``answered`` is a Dialogmelding."""
    body = text or DEFAULT_TEXT
    builders: dict[DocumentKind, Callable[[], Any]] = {
        DocumentKind.INNLEGGELSESRAPPORT: innleggelsesrapport,
        DocumentKind.INNLAGT: melding_om_innlagt_pasient,
        DocumentKind.HELSEOPPLYSNINGER: helseopplysninger,
        DocumentKind.UTSKRIVNINGSKLAR: melding_om_utskrivningsklar_pasient,
        DocumentKind.AVMELDING: avmelding_utskrivningsklar_pasient,
        DocumentKind.UTSKREVET: melding_om_utskrevet_pasient,
        DocumentKind.FORESPORSEL: lambda: foresporsel(sporsmal=body),
        DocumentKind.SVAR: lambda: svar_pa_foresporsel(
            tekst=body, svar_pa=answered if isinstance(answered, Dialogmelding) else None),
        DocumentKind.AVVIK: lambda: avvik(tekst=body),
    }
    return builders[kind]()


def with_patient_id(document: Any, person_id: str) -> Any:
    """``document`` with the example patient's identifier replaced by ``person_id`` wherever it occurs."""
    if person_id == PATIENT_FNR:
        return document

    def walk(value: Any) -> Any:
        if isinstance(value, list):
            return [walk(v) for v in value]
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            changes = {}
            for f in dataclasses.fields(value):
                if not f.init:
                    continue
                current = getattr(value, f.name)
                if current == PATIENT_FNR:
                    changes[f.name] = person_id
                elif isinstance(current, list) or dataclasses.is_dataclass(current):
                    changes[f.name] = walk(current)
            return replace(value, **changes) if changes else value
        return value

    return walk(document)


def document_text(document: Any) -> str | None:
    """The free text of a dialog message: the question of a Forespørsel, the text of a note (Svar, Avvik)."""
    if not isinstance(document, Dialogmelding):
        return None
    if document.foresporsel and document.foresporsel[0].sporsmal is not None:
        return document.foresporsel[0].sporsmal.plain_text()
    if document.notat and document.notat[0].tekst_notat_innhold is not None:
        return document.notat[0].tekst_notat_innhold.plain_text()
    return None


COMPLETE_PARTS: tuple[tuple[str, Callable[[Innleggelsesrapport], bool]], ...] = (
    ("IPLOS (kartlegging av funksjonsnivå)", lambda d: d.info_kartlegging_funksjonsniva is not None),
    ("legemidler", lambda d: bool(d.legemiddelinfo)),
    ("pårørende", lambda d: bool(d.parorende_foresatt)),
    ("CAVE", lambda d: d.medisinskfaglige_opplysninger is not None and d.medisinskfaglige_opplysninger.cave
     is not None),
    ("diagnoser", lambda d: bool(d.info_medisinsk_diagnose)),
    ("tjenester", lambda d: bool(d.eksisterende_tjeneste)),
)
"""What "all information filled in" means for an Innleggelsesrapport in the checklist's case 1 and 3."""


def missing_parts(document: Any) -> tuple[str, ...]:
    """The parts of :data:`COMPLETE_PARTS` that ``document`` lacks (all of it when it is no Innleggelsesrapport)."""
    if not isinstance(document, Innleggelsesrapport):
        return ("dokumentet er ikke en innleggelsesrapport",)
    return tuple(name for name, present in COMPLETE_PARTS if not present(document))
