"""Master data: the places food comes from and is kept (our sites, our vendors), described as
FDA's Food Traceability Rule (FSMA 204) describes a location, and where a vendor's lot codes
are assigned (the traceability lot code source).

Pure: the agent checks a receipt against it, the trace store fills the spreadsheet's location
columns from it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import Field, field_validator

from lotedge.masterdata.items import check_gln
from lotedge.masterdata.section import Section

LOCATION_FIELDS = ("name", "phone", "address", "city", "state", "postal_code", "country")
"""A location description (21 CFR 1.1310): business name, phone, street address, city, state,
ZIP code (or their foreign equivalents) and country, in this order."""

_DOMESTIC_ONLY = ("state", "postal_code")
"""Required of a US location; a foreign one gives its comparable details where it has them."""

_TLC_SOURCE_REFERENCE = re.compile(r"^(?:FEI \d{7,10}|FFRN \d{11}|\d{13}|https://\S+)$")


def check_tlc_source_reference(value: str) -> str:
    """A traceability lot code source reference as FDA lists them: an FDA Establishment
    Identifier (`FEI 1234567`), a food facility registration number (`FFRN 12345678901`), a GLN
    (13 digits, valid check digit) or a web address (`https://...`) where the source is named.

    >>> check_tlc_source_reference("FEI 3012345678")
    'FEI 3012345678'
    >>> check_tlc_source_reference("mill")
    Traceback (most recent call last):
    ValueError: 'mill' is not a TLC source reference: give 'FEI <7-10 digits>', 'FFRN <11 digits>', a GLN (13 digits) or an https:// address
    """  # noqa: E501
    if not _TLC_SOURCE_REFERENCE.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a TLC source reference: give 'FEI <7-10 digits>', "
            "'FFRN <11 digits>', a GLN (13 digits) or an https:// address"
        )
    if value.isdigit():
        check_gln(value)
    return value


class Location(Section):
    """A site or a vendor: who it is and where, as a recall spreadsheet names it."""

    code: str = Field(
        pattern=r"^[A-Za-z0-9_.-]{1,40}$",
        description="Our code for it: a site's is its identity.site; a vendor's is referred to "
        "by materials' vendor (the code or the name).",
    )
    name: str = Field(min_length=1, max_length=200, description="Business name.")
    gln: str | None = Field(default=None, description="Its GLN (13 digits), when it has one.")
    phone: str = Field(default="", max_length=40, description="Phone number.")
    address: str = Field(default="", max_length=300, description="Street address.")
    city: str = Field(default="", max_length=100)
    state: str = Field(default="", max_length=100, description="State (or region abroad).")
    postal_code: str = Field(default="", max_length=20, description="ZIP (or postal) code.")
    country: str = Field(default="", pattern=r"^([A-Z]{2})?$", description="ISO 3166 code: US.")
    tlc_source_reference: str = Field(
        default="",
        description="For a vendor: where its lot codes are assigned, as FDA allows it to be "
        "referenced (FEI ..., FFRN ..., a GLN or an https:// address); every receipt of its "
        "material carries it.",
    )

    _gln_valid = field_validator("gln")(check_gln)

    @field_validator("tlc_source_reference")
    @classmethod
    def _reference_valid(cls, value: str) -> str:
        return check_tlc_source_reference(value) if value else value

    def missing(self) -> list[str]:
        """The location description's fields that are empty (state and ZIP code only of a US
        location, or one whose country is not given).

        >>> Location(code="V1", name="Mill", country="DE", city="Kiel").missing()
        ['phone', 'address']
        """
        domestic = self.country in ("", "US")
        return [
            name
            for name in LOCATION_FIELDS
            if not getattr(self, name) and (domestic or name not in _DOMESTIC_ONLY)
        ]

    def description(self) -> tuple[str, ...]:
        """The location description's fields in FDA's order (empty text where unknown)."""
        return tuple(getattr(self, name) for name in LOCATION_FIELDS)


class LocationBook:
    """The locations, found by code, GLN or business name.

    >>> book = LocationBook([Location(code="NM", name="Northern Mills", gln="9520000000028")])
    >>> book.find("Northern Mills").code, book.find("NM").name, book.find(gln="9520000000028").code
    ('NM', 'Northern Mills', 'NM')
    >>> book.find("Unknown") is None
    True
    """

    def __init__(self, locations: Iterable[Location] = ()) -> None:
        self._by_code = {loc.code: loc for loc in locations}
        self._by_gln = {loc.gln: loc for loc in self._by_code.values() if loc.gln}
        self._by_name = {loc.name: loc for loc in self._by_code.values()}

    def __len__(self) -> int:
        return len(self._by_code)

    def find(self, name: str | None = None, gln: str | None = None) -> Location | None:
        """The location with this GLN, else with this code, else with this business name."""
        if gln and gln in self._by_gln:
            return self._by_gln[gln]
        if not name:
            return None
        return self._by_code.get(name) or self._by_name.get(name)
