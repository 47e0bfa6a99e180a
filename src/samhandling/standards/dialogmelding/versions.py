"""The differences between Dialogmelding 1.0 and 1.1 that the shared model cannot express (HIS 80603:2017 2.3).

Every builder of :mod:`.builders` refuses to produce a document with such an issue.
"""

from __future__ import annotations

from collections.abc import Iterator

from samhandling.standards.dialogmelding.model import Dialogmelding, Foresporsel, RollerRelatertNotat, TilknyttetEnhet


def model_issues(document: Dialogmelding) -> list[str]:
    """What ``document`` holds that its version's schema does not allow, though the shared model does.

    These are the choices the model cannot express (requests and notes together, a role with both a
    professional and a person) and, in a 1.0 document, the additions of 1.1 (HIS 80603:2017 2.3).
    """
    issues: list[str] = []
    if document.foresporsel and document.notat:
        issues.append("Dialogmelding: kan ikke ha både Foresporsel og Notat")
    for path, role in _roles(document):
        issues += _choice_issues(path, role)
        if role.tilknyttet_enhet is not None:
            issues += _choice_issues(f"{path}/TilknyttetEnhet", role.tilknyttet_enhet)
    if document.version == "1.0":
        for path, request in _requests(document):
            issues += _request_issues_1_0(path, request)
        for path, role in _roles(document):
            issues += _role_issues_1_0(path, role)
    return issues


def _choice_issues(path: str, holder: RollerRelatertNotat | TilknyttetEnhet) -> list[str]:
    if holder.healthcare_professional is not None and holder.person is not None:
        return [f"{path}: kan ha HealthcareProfessional eller Person, ikke begge"]
    return []


def _request_issues_1_0(path: str, request: Foresporsel) -> list[str]:
    issues: list[str] = []
    if request.emne_sporsmal is not None:
        issues.append(f"{path}/EmneSporsmal: finnes ikke i Dialogmelding 1.0")
    if request.sporsmal is not None and request.sporsmal.xhtml:
        issues.append(f"{path}/Sporsmal: kan bare inneholde tekst i Dialogmelding 1.0")
    if len(request.type_journalinfo) > 1:
        issues.append(f"{path}/TypeJournalinfo: kan bare forekomme én gang i Dialogmelding 1.0")
    if request.kodet_opplysning is not None:
        issues.append(f"{path}/KodetOpplysning: finnes ikke i Dialogmelding 1.0")
    return issues


def _role_issues_1_0(path: str, role: RollerRelatertNotat) -> list[str]:
    if role.tilknyttet_enhet is not None:
        return [f"{path}/TilknyttetEnhet: finnes ikke i Dialogmelding 1.0"]
    if role.healthcare_professional is None and role.person is None:
        return [f"{path}: må ha HealthcareProfessional eller Person i Dialogmelding 1.0"]
    return []


def _requests(document: Dialogmelding) -> Iterator[tuple[str, Foresporsel]]:
    for i, request in enumerate(document.foresporsel, 1):
        yield f"Dialogmelding/Foresporsel[{i}]", request
    for i, note in enumerate(document.notat, 1):
        if note.foresporsel is not None:
            yield f"Dialogmelding/Notat[{i}]/Foresporsel", note.foresporsel


def _roles(document: Dialogmelding) -> Iterator[tuple[str, RollerRelatertNotat]]:
    for path, request in _requests(document):
        for j, role in enumerate(request.roller_relatert_notat, 1):
            yield f"{path}/RollerRelatertNotat[{j}]", role
    for i, note in enumerate(document.notat, 1):
        for j, role in enumerate(note.roller_relatert_notat, 1):
            yield f"Dialogmelding/Notat[{i}]/RollerRelatertNotat[{j}]", role
