"""KITH's common data types (``kith.xsd``) and common components (``felleskomponent1.xsd``).

The data types follow HL7/CEN as KITH profiles them: a coded value carries its code in ``V``, the code
system's OID in ``S``, a display name in ``DN`` and an original text in ``OT``; a time stamp carries
its value in ``V``. The components (person, healthcare professional, organisation, address, telecom,
identifier) are shared by the PLO and dialog message standards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from samhandling.standards.binding import Namespaces, attribute, element, xml_type

KITH_NS = "http://www.kith.no/xmlstds"
FK1_NS = "http://www.kith.no/xmlstds/felleskomponent1"

COMMON_NAMESPACES = Namespaces(
    uris={"kith": KITH_NS, "fk1": FK1_NS},
    prefixes={"kith": "kith", "fk1": "fk1"},
)

Instant = datetime | date | str
"""The value of a KITH time stamp: ``dateTime``, ``date``, or (kept as text) ``gYear``, ``gYearMonth``, ``time``."""


@xml_type(ns="kith")
@dataclass(kw_only=True)
class CS:
    """Simple coded value (kith:CS): a code from a code system implied by the element."""

    v: str | None = attribute("V")
    dn: str | None = attribute("DN")


@xml_type(ns="kith")
@dataclass(kw_only=True)
class CV:
    """Coded value (kith:CV) with the OID of its code system and an optional original text."""

    v: str | None = attribute("V")
    s: str | None = attribute("S")
    dn: str | None = attribute("DN")
    ot: str | None = attribute("OT")


@xml_type(ns="kith")
@dataclass(kw_only=True)
class TS:
    """Time stamp (kith:TS)."""

    v: Instant | None = attribute("V")


@xml_type(ns="kith")
@dataclass(kw_only=True)
class URL:
    """A URL (kith:URL), for example ``tel:22334455`` or ``mailto:post@example.no``."""

    v: str | None = attribute("V")


@xml_type(ns="kith")
@dataclass(kw_only=True)
class BL:
    """Boolean (kith:BL)."""

    v: bool | None = attribute("V")


@xml_type(ns="kith")
@dataclass(kw_only=True)
class REAL:
    """Real number (kith:REAL)."""

    v: Decimal | None = attribute("V")


@xml_type(ns="kith")
@dataclass(kw_only=True)
class PQ:
    """Physical quantity with unit (kith:PQ)."""

    v: Decimal | None = attribute("V")
    u: str | None = attribute("U")


@xml_type(ns="kith")
@dataclass(kw_only=True)
class MO:
    """Monetary amount (kith:MO)."""

    v: Decimal | None = attribute("V")
    u: str | None = attribute("U")


@xml_type(ns="kith")
@dataclass(kw_only=True)
class RTO:
    """Ratio (kith:RTO)."""

    num: int | None = element("NUM", ns="")
    denom: int | None = element("DENOM", ns="")


# --- felleskomponent1 ------------------------------------------------------------------------------

@xml_type(ns="fk1")
@dataclass(kw_only=True)
class Ident:
    """An identifier and its type (code system 8116 for persons, 9051 for organisations)."""

    id: str = element("Id")
    type_id: CV = element("TypeId")


@xml_type(ns="fk1")
@dataclass(kw_only=True)
class Address:
    type: CS | None = element("Type", default=None)
    street_adr: str | None = element("StreetAdr", default=None)
    postal_code: str | None = element("PostalCode", default=None)
    city: str | None = element("City", default=None)
    postbox: str | None = element("Postbox", default=None)
    county: CS | None = element("County", default=None)
    country: CS | None = element("Country", default=None)


@xml_type(ns="fk1")
@dataclass(kw_only=True)
class TeleCom:
    type_telecom: CS | None = element("TypeTelecom", default=None)
    tele_address: URL = element("TeleAddress")


@xml_type(ns="fk1")
@dataclass(kw_only=True)
class Person:
    family_name: str | None = element("FamilyName", default=None)
    middle_name: str | None = element("MiddleName", default=None)
    given_name: str | None = element("GivenName", default=None)
    date_of_birth: date | None = element("DateOfBirth", default=None)
    sex: CS | None = element("Sex", default=None)
    nationality: CS | None = element("Nationality", default=None)
    ident: list[Ident] = element("Ident", default_factory=list)
    address: Address | None = element("Address", default=None)
    tele_com: list[TeleCom] = element("TeleCom", default_factory=list)


@xml_type(ns="fk1")
@dataclass(kw_only=True)
class HealthcareProfessional:
    type_healthcare_professional: CS | None = element("TypeHealthcareProfessional", default=None)
    role_to_patient: CV | None = element("RoleToPatient", default=None)
    family_name: str | None = element("FamilyName", default=None)
    middle_name: str | None = element("MiddleName", default=None)
    given_name: str | None = element("GivenName", default=None)
    date_of_birth: date | None = element("DateOfBirth", default=None)
    sex: CS | None = element("Sex", default=None)
    nationality: CS | None = element("Nationality", default=None)
    ident: list[Ident] = element("Ident", default_factory=list)
    address: Address | None = element("Address", default=None)
    tele_com: list[TeleCom] = element("TeleCom", default_factory=list)


@xml_type(ns="fk1")
@dataclass(kw_only=True)
class Organisation:
    type_organisation: CV | None = element("TypeOrganisation", default=None)
    organisation_name: str = element("OrganisationName")
    ident: list[Ident] = element("Ident", default_factory=list)
    address: Address | None = element("Address", default=None)
    tele_com: list[TeleCom] = element("TeleCom", default_factory=list)
    organisation: Organisation | None = element("Organisation", default=None)


__all__ = [
    "BL", "COMMON_NAMESPACES", "CS", "CV", "FK1_NS", "KITH_NS", "MO", "PQ", "REAL", "RTO", "TS", "URL",
    "Address", "HealthcareProfessional", "Ident", "Instant", "Organisation", "Person", "TeleCom",
]
