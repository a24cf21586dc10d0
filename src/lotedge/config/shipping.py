"""The `[shipping]` section: SSCC numbering, where we ship from, the logistic label, the role."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from lotedge.config.problems import Problem
from lotedge.core.decisions import FefoPolicy
from lotedge.core.sscc import SsccScheme, prefix_problems
from lotedge.masterdata.customers import Customer
from lotedge.masterdata.identity import Identity
from lotedge.masterdata.items import check_gln
from lotedge.masterdata.section import Section


class ShippingConfig(Section):
    """The shipping dock: pallets (SSCCs), logistic labels and dispatch (docs/shipping.md)."""

    role: Literal["line", "shipping"] = Field(
        default="line",
        description="line: production, switched to shipping by #LE:SHIP or mode.set; "
        "shipping: a shipping station, every scan packs or dispatches.",
    )
    company_prefix: str = Field(
        description="GS1 Company Prefix (4 to 12 digits) of our SSCCs.",
    )
    extension_digit: int = Field(
        default=0, ge=0, le=9, description="SSCC extension digit (0-9), in front of the prefix."
    )
    ship_from_gln: str | None = Field(
        default=None,
        description="GLN of the place we ship from (default: identity.site_gln): source party "
        "and location of shipments.",
    )
    ship_from_name: str = Field(default="", max_length=80, description="Our name on the label.")
    ship_from_address: str = Field(
        default="", max_length=200, description="Our address on the label."
    )
    label_template: str = Field(
        default="logistic_label.zpl.j2",
        description="ZPL template of the GS1 logistic (pallet) label, in the labels directory.",
    )
    fefo: FefoPolicy = Field(
        default=FefoPolicy.WARN,
        description="A case of a lot when an older lot of the same product is in stock (as the "
        "store pushed it): off, warn (packed, naming the lot to ship first) or reject.",
    )
    short_dated_days: int = Field(
        default=14,
        ge=0,
        le=3650,
        description="The station page lists the lots in stock that expire within these days.",
    )

    _gln_valid = field_validator("ship_from_gln")(check_gln)

    @property
    def sscc(self) -> SsccScheme:
        return SsccScheme(self.company_prefix, self.extension_digit)

    def from_gln(self, identity: Identity) -> str | None:
        """The GLN we ship from: `ship_from_gln`, else the site's."""
        return self.ship_from_gln or identity.site_gln


def check_shipping(shipping: ShippingConfig | None, customers: list[Customer]) -> list[Problem]:
    """The SSCC prefix can number pallets, and customer codes and GLNs are unique."""
    problems: list[Problem] = []
    if shipping is not None:
        problems.extend(
            Problem("shipping.company_prefix", message, "see docs/shipping.md#sscc-numbering")
            for message in prefix_problems(shipping.company_prefix)
        )
    return problems + check_customers(customers)


def check_customers(customers: list[Customer]) -> list[Problem]:
    """Customer codes and GLNs each name one customer (an agent's config, a store's file)."""
    problems = []
    for kind, values in (
        ("customer code", [c.code for c in customers]),
        ("customer GLN", [c.gln for c in customers if c.gln]),
    ):
        dupes = sorted({v for v in values if values.count(v) > 1})
        if dupes:
            message = f"{kind} used more than once: {', '.join(dupes)}"
            problems.append(Problem("customers", message, "make each unique"))
    return problems
