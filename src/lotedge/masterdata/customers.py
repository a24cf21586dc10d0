"""Customers: who pallets are shipped to. Master data, from the config or the master-data file."""

from __future__ import annotations

from pydantic import Field, field_validator

from lotedge.masterdata.items import check_gln
from lotedge.masterdata.section import Section


class Customer(Section):
    """A customer we ship to; its GLN makes the shipment's destination a GS1 party/location."""

    code: str = Field(
        pattern=r"^[A-Za-z0-9_-]{1,20}$",
        description="Customer code, as scanned (#LE:TO:<code>) and typed (--to <code>).",
    )
    name: str = Field(min_length=1, max_length=80, description="Name on the logistic label.")
    gln: str | None = Field(
        default=None,
        description="The customer's GLN (13 digits): destination party (urn:epc:id:pgln:...) "
        "and location (urn:epc:id:sgln:...) of shipments, and its (410) ship-to barcode.",
    )
    address: str = Field(default="", max_length=200, description="Ship-to address (label text).")
    phone: str = Field(default="", max_length=40, description="Phone number (label text).")
    location: str | None = Field(
        default=None,
        description="The [[locations]] code of its ship-to place, described as FDA's recall "
        "spreadsheet asks (city, state, ZIP, country: docs/recall.md).",
    )
    min_shelf_life_days: int | None = Field(
        default=None,
        ge=0,
        le=3650,
        description="Days of shelf life a lot must have left when shipped to this customer "
        "(expiry minus today); a case or pallet with less is refused for it.",
    )

    _gln_valid = field_validator("gln")(check_gln)
