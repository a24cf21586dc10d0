"""Master data: the customers we ship to (the agent's ship-to, the store's recall report)."""

from __future__ import annotations

from pydantic import Field, field_validator

from lotedge.masterdata.items import check_gln
from lotedge.masterdata.section import Section

CUSTOMER_CODE = r"^[A-Za-z0-9_.-]{1,40}$"
"""A customer code: letters, digits, `_ . -`, so it reads the same in a URN, a command barcode
(`#LE:TO:<code>`) and a file name."""


class Customer(Section):
    """A customer: who a pallet is shipped to.

    In an event it is its GLN (`urn:epc:id:pgln:...` as owning party, `urn:epc:id:sgln:...` as
    location), or `urn:lotedge:customer:<code>` when it has none.
    """

    code: str = Field(pattern=CUSTOMER_CODE, description="Our code for the customer, e.g. C100.")
    name: str = Field(min_length=1, max_length=200, description="Name on labels and reports.")
    gln: str | None = Field(
        default=None,
        description="The customer's GLN (13 digits): the party and location shipments go to.",
    )
    address: str = Field(default="", max_length=500, description="Ship-to address (lines).")
    phone: str = Field(default="", max_length=40, description="Contact phone number.")

    _gln_valid = field_validator("gln")(check_gln)
