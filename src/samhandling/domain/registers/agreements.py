"""Local supplementary agreements (lokale tilleggsavtaler) between the hospital trust and each municipality.

Under the cooperation agreement (samarbeidsavtalen) the trust and a municipality may agree locally on areas
the agreement itself leaves open. The register knows one agreement per municipality and area
(:class:`AgreementArea`), with its status (:class:`AgreementStatus`), dates, contact and the signed document.

Rules: a signed agreement has a signing date; an agreement valid to a date before today is expired whatever
its recorded status (:meth:`Agreement.effective_status`); validity ends after it begins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from samhandling.domain.registers.partners import clean_text, municipality_number_problem


class AgreementArea(StrEnum):
    JOURNALTILGANG = "journaltilgang"
    VIDEO = "video"
    FELLESKOMPONENTER = "felleskomponenter"
    HJEMMEOPPFOLGING = "hjemmeoppfolging"


AREA_TEXT = {
    AgreementArea.JOURNALTILGANG: "Gjensidig tilgang til journalsystemer",
    AgreementArea.VIDEO: "Videotjenester",
    AgreementArea.FELLESKOMPONENTER: "Nasjonale felleskomponenter og felles kommunale løsninger",
    AgreementArea.HJEMMEOPPFOLGING: "Digital hjemmeoppfølging / medisinsk avstandsoppfølging",
}


class AgreementStatus(StrEnum):
    UNDER_ARBEID = "under_arbeid"
    SIGNERT = "signert"
    UTLOPT = "utlopt"


STATUS_TEXT = {
    AgreementStatus.UNDER_ARBEID: "under arbeid",
    AgreementStatus.SIGNERT: "signert",
    AgreementStatus.UTLOPT: "utløpt",
}


@dataclass(frozen=True)
class AgreementDocument:
    """The agreement's document as attached: file name, bytes and their SHA-256 (hex)."""

    name: str
    content: bytes
    sha256: str


@dataclass(frozen=True, kw_only=True)
class Agreement:
    """A local supplementary agreement with one municipality on one area."""

    municipality: str
    area: AgreementArea
    status: AgreementStatus = AgreementStatus.UNDER_ARBEID
    signed_on: date | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    contact: str | None = None
    note: str | None = None
    document_name: str | None = None
    document_sha256: str | None = None
    document_size: int | None = None

    def __post_init__(self) -> None:
        problem = municipality_number_problem(self.municipality)
        if problem:
            raise ValueError(problem)
        object.__setattr__(self, "area", AgreementArea(self.area))
        object.__setattr__(self, "status", AgreementStatus(self.status))
        object.__setattr__(self, "contact", clean_text(self.contact))
        object.__setattr__(self, "note", clean_text(self.note))
        if self.status is AgreementStatus.SIGNERT and self.signed_on is None:
            raise ValueError("En signert avtale må ha signeringsdato.")
        if self.valid_from is not None and self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("Avtalen må gjelde til en dato etter at den gjelder fra.")
        if self.signed_on is not None and self.status is AgreementStatus.UNDER_ARBEID:
            raise ValueError("En avtale under arbeid er ikke signert: ta bort signeringsdatoen eller endre status.")

    @property
    def key(self) -> str:
        return f"{self.municipality}/{self.area.value}"

    def effective_status(self, today: date) -> AgreementStatus:
        """The status as of ``today``: a signed agreement whose validity has ended is expired."""
        if self.status is AgreementStatus.SIGNERT and self.valid_to is not None and self.valid_to < today:
            return AgreementStatus.UTLOPT
        return self.status

    def values(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "signed_on": _iso(self.signed_on),
            "valid_from": _iso(self.valid_from),
            "valid_to": _iso(self.valid_to),
            "contact": self.contact,
            "note": self.note,
            "document_name": self.document_name,
            "document_sha256": self.document_sha256,
        }


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()
