"""Master data: the materials operators load and the products a line makes."""

from __future__ import annotations

import re
from enum import StrEnum

from biip.gln import Gln
from biip.gtin import Gtin
from pydantic import Field, field_validator

from lotedge.masterdata.section import Section
from lotedge.masterdata.units import rec20_unit


def _check_gtin(value: str) -> str:
    try:
        return Gtin.parse(value).as_gtin_14()
    except Exception as exc:  # biip raises ParseError with a message quoting the value
        raise ValueError(str(exc)) from None


def check_gln(value: str | None) -> str | None:
    """A GLN's 13 digits, or ValueError with biip's reason (wrong length, check digit ...)."""
    if value is None:
        return None
    try:
        return Gln.parse(value).value
    except Exception as exc:  # biip's ParseError names the value and the problem
        raise ValueError(str(exc)) from None


class Material(Section):
    """An ingredient or packaging material that may be consumed into a batch."""

    code: str = Field(min_length=1, max_length=40, description="Internal material code.")
    name: str = Field(min_length=1, description="Name shown to operators.")
    gtins: list[str] = Field(default_factory=list, description="GTINs that identify this material.")
    vendor: str = Field(default="", description="Vendor (supplier) name, for backward traces.")
    vendor_gln: str | None = Field(
        default=None,
        description="The vendor's GLN (13 digits): identifies the vendor in receiving events "
        "(urn:epc:id:pgln:...) and delivery-note references.",
    )
    shelf_life_days: int | None = Field(
        default=None,
        ge=1,
        description="Days from production/packaging (else receipt) date to expiry, when the "
        "label has no expiry.",
    )
    uom: str | None = Field(
        default=None, description="UN/ECE Rec 20 unit code, e.g. KGM, LTR, H87 (not KG, PCS)."
    )
    default_quantity: float | None = Field(
        default=None, gt=0, description="Quantity one container holds, when the label has none."
    )
    vendor_pattern: str | None = Field(
        default=None,
        description=(
            "For non-GS1 vendor labels: a regex with named groups 'lot' (required), "
            "'material', 'expiry' and 'received' (goods receipt date: expiry = received + "
            "shelf_life_days) (optional)."
        ),
    )
    expiry_format: str = Field(
        default="%Y-%m-%d",
        description="strptime format of the 'expiry' and 'received' groups in vendor_pattern.",
    )
    weighed: bool = Field(
        default=False,
        description="Weighed at the line: after its scan the agent records the scale's stable net "
        "weight as the consumed quantity (docs/weighing.md).",
    )
    lot_pattern: str | None = Field(
        default=None,
        description="A regex the material's lot numbers match in full, e.g. '[A-Z]\\d{5}': "
        "tells a lot from a lot with a glued field (a scanner that dropped the separator); "
        "see docs/scan-decisions.md.",
    )

    _vendor_gln_valid = field_validator("vendor_gln")(check_gln)
    _uom_valid = field_validator("uom")(rec20_unit)

    @field_validator("gtins")
    @classmethod
    def _gtins_valid(cls, value: list[str]) -> list[str]:
        return [_check_gtin(v) for v in value]

    @field_validator("lot_pattern")
    @classmethod
    def _lot_pattern_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"lot_pattern is not a valid regex: {exc}") from None
        return value

    @field_validator("vendor_pattern")
    @classmethod
    def _pattern_compiles(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            compiled = re.compile(value)
        except re.error as exc:
            raise ValueError(f"vendor_pattern is not a valid regex: {exc}") from None
        if "lot" not in compiled.groupindex:
            raise ValueError("vendor_pattern needs a named group (?P<lot>...)")
        unknown = set(compiled.groupindex) - {"lot", "material", "expiry", "received"}
        if unknown:
            raise ValueError(
                f"vendor_pattern has unknown groups {sorted(unknown)}; "
                "use lot, material, expiry, received"
            )
        return value


class BomTarget(Section):
    """How much of a material one batch needs, and the band around it that is accepted."""

    quantity: float = Field(gt=0, description="Target quantity per batch, e.g. 25.")
    uom: str = Field(default="KGM", description="Rec 20 unit of the target (KGM, GRM, LBR).")
    tolerance_pct: float = Field(
        default=0.0, ge=0, le=100, description="Accepted deviation, in % of the target (2 = +-2 %)."
    )
    _uom_valid = field_validator("uom")(rec20_unit)


class SeqReset(StrEnum):
    """When a lot sequence starts again at 1."""

    NEVER = "never"
    DAILY = "daily"
    MONTHLY = "monthly"
    YEARLY = "yearly"


class Product(Section):
    """A finished or intermediate product made on the line."""

    code: str = Field(min_length=1, max_length=20, description="Internal product code.")
    name: str = Field(min_length=1, description="Name printed on the label.")
    gtin: str = Field(description="GTIN of the output (AI 01 on the label).")
    unit: str = Field(default="H87", description="UN/ECE Rec 20 unit code (H87 = piece).")
    _unit_valid = field_validator("unit")(rec20_unit)
    shelf_life_days: int = Field(default=365, ge=1, description="Expiry = production date + this.")
    bom: list[str] = Field(min_length=1, description="Material codes allowed in this product.")
    targets: dict[str, BomTarget] = Field(
        default_factory=dict,
        description="Per BOM material, the quantity a batch needs and its tolerance, e.g. "
        'targets.FLOUR = { quantity = 25, uom = "KGM", tolerance_pct = 2 } (weighed materials).',
    )
    label_template: str = Field(
        default="lot_label.zpl.j2", description="Label template file in the labels directory."
    )
    lot_template: str = Field(
        default="{yy}{julian}{line}{seq:4}",
        description="Lot number template; tokens: {yyyy} {yy} {mm} {dd} {julian} {week} "
        "{site} {line} {product} {seq:N} {check}.",
    )
    seq_reset: SeqReset = Field(default=SeqReset.DAILY, description="When {seq} restarts at 1.")

    @field_validator("gtin")
    @classmethod
    def _gtin_valid(cls, value: str) -> str:
        return _check_gtin(value)
