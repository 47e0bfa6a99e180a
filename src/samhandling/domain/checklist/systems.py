"""The parties of a checklist run and their systems (EPJ and communication module, "Link"), as the register
had them when the run was made; two spellings of a system compare equal when they differ only in case and
spacing (:func:`folded`). Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass


def folded(value: str | None) -> str:
    """A name as it is compared: case and runs of whitespace do not count (the register's spellings vary)."""
    return " ".join((value or "").split()).casefold()


@dataclass(frozen=True, kw_only=True)
class Configuration:
    """A side's systems: EPJ and communication module ("Link"), with versions."""

    epj_system: str | None = None
    epj_version: str | None = None
    comm_module: str | None = None
    comm_version: str | None = None

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (folded(self.epj_system), folded(self.epj_version), folded(self.comm_module), folded(self.comm_version))

    @property
    def label(self) -> str:
        epj = " ".join(v for v in (self.epj_system, self.epj_version) if v) or "EPJ ikke registrert"
        link = " ".join(v for v in (self.comm_module, self.comm_version) if v) or "Link ikke registrert"
        return f"{epj} / {link}"


@dataclass(frozen=True, kw_only=True)
class PartySnapshot:
    """A party of the run as the register had it then: the form's columns for EPJ and "Link"."""

    her_id: str
    name: str
    epj_system: str | None = None
    epj_version: str | None = None
    comm_module: str | None = None
    comm_version: str | None = None
    municipality_number: str | None = None
    municipality_name: str | None = None

    @property
    def configuration(self) -> Configuration:
        return Configuration(epj_system=self.epj_system, epj_version=self.epj_version,
                             comm_module=self.comm_module, comm_version=self.comm_version)
