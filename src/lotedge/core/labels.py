"""What goes on a lot label, and the GS1 data derived from it. Pure; ZPL lives in core.zpl."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from lotedge.core.lots import GS1_CSET82
from lotedge.core.receiving import Receipt
from lotedge.core.scan import INTERNAL_MATERIAL_AI
from lotedge.masterdata.identity import Identity
from lotedge.masterdata.items import Product
from lotedge.wire.identifiers import gtin_lot_link

#: Common UN/CEFACT Rec. 20 unit codes in the words a label shows.
UNIT_TEXT = {
    "H87": "pcs",
    "EA": "each",
    "C62": "pcs",
    "KGM": "kg",
    "GRM": "g",
    "LTR": "L",
    "MLT": "mL",
    "MTR": "m",
    "MTK": "m²",
    "MTQ": "m³",
    "CS": "cases",
    "BX": "boxes",
    "PK": "packs",
}


class LabelError(ValueError):
    """Label data that cannot be put on a label; the message names the field and value."""


@dataclass(frozen=True)
class LabelData:
    """Every field a lot label may show; all text is untrusted and escaped by the renderer."""

    product_code: str
    product_name: str
    gtin: str
    lot: str
    quantity: Decimal
    unit: str
    produced: date
    expiry: date
    site: str
    line: str
    operator: str = ""

    @property
    def unit_text(self) -> str:
        """The unit as people read it (``H87`` -> ``pcs``); unknown codes are shown as they are."""
        return UNIT_TEXT.get(self.unit, self.unit)

    @classmethod
    def for_lot(
        cls,
        product: Product,
        identity: Identity,
        *,
        lot: str,
        quantity: Decimal,
        produced: date,
        operator: str = "",
    ) -> LabelData:
        """The label of a finished lot: expiry is the production date plus the shelf life."""
        return cls(
            product_code=product.code,
            product_name=product.name,
            gtin=product.gtin,
            lot=lot,
            quantity=quantity,
            unit=product.unit,
            produced=produced,
            expiry=produced + timedelta(days=product.shelf_life_days),
            site=identity.site,
            line=identity.line,
            operator=operator,
        )


@dataclass(frozen=True)
class ReceivingLabelData:
    """The label put on received material that came without a lot number (an internal lot)."""

    material_code: str
    material_name: str
    #: The material's GTIN; without one the label names the material in AI (91).
    gtin: str | None
    lot: str
    quantity: Decimal
    unit: str
    expiry: date | None
    received: date
    vendor: str
    reference: str
    site: str
    line: str

    @property
    def unit_text(self) -> str:
        return UNIT_TEXT.get(self.unit, self.unit)

    @classmethod
    def for_receipt(cls, receipt: Receipt, identity: Identity) -> ReceivingLabelData:
        material = receipt.material
        return cls(
            material_code=material.code,
            material_name=material.name,
            gtin=receipt.gtin,
            lot=receipt.lot,
            quantity=receipt.quantity,
            unit=receipt.uom or "H87",
            expiry=receipt.expiry,
            received=receipt.received_at.date(),
            vendor=material.vendor,
            reference=receipt.reference.label_text(),
            site=identity.site,
            line=identity.line,
        )


#: UN/CEFACT unit -> GS1 measure AI prefix (the last digit is the decimal point position).
_MEASURE_AIS = {"KGM": "310", "MTR": "311", "MTK": "314", "LTR": "315", "MTQ": "316"}


def quantity_element(quantity: Decimal, unit: str) -> tuple[str, str]:
    """The quantity AI for a unit: (310n) net kg, (315n) litres ..., else (30) count.

    >>> quantity_element(Decimal("12.5"), "KGM")
    ('3101', '000125')
    >>> quantity_element(Decimal("40"), "H87")
    ('30', '40')
    """
    if quantity < 0:
        raise LabelError(f"quantity {quantity} is negative")
    prefix = _MEASURE_AIS.get(unit)
    if prefix is None:
        if quantity != quantity.to_integral_value() or quantity >= 10**8:
            raise LabelError(f"count (30) needs a whole number below 10^8, got {quantity} {unit}")
        return "30", str(int(quantity))
    for decimals in range(6):
        scaled = quantity.scaleb(decimals)
        if scaled == scaled.to_integral_value():
            if scaled >= 10**6:
                break
            return f"{prefix}{decimals}", f"{int(scaled):06d}"
    raise LabelError(f"{quantity} {unit} does not fit AI ({prefix}n): 6 digits, up to 5 decimals")


def gs1_elements(data: LabelData) -> list[tuple[str, str]]:
    """(01) GTIN, (11) production, (17) expiry, quantity AI, (10) lot: fixed-length AIs first."""
    if not (len(data.gtin) == 14 and data.gtin.isdigit()):
        raise LabelError(f"GTIN {data.gtin!r} is not 14 digits")
    if not 1 <= len(data.lot) <= 20:
        raise LabelError(f"lot {data.lot!r} must be 1 to 20 characters for AI (10)")
    return [
        ("01", data.gtin),
        ("11", data.produced.strftime("%y%m%d")),
        ("17", data.expiry.strftime("%y%m%d")),
        quantity_element(data.quantity, data.unit),
        ("10", data.lot),
    ]


def receiving_elements(data: ReceivingLabelData) -> list[tuple[str, str]]:
    """(01) GTIN, else (91) material code; (17) expiry when known; quantity AI; (10) lot.

    What the line's scan parser reads back: AI (01) finds the material by GTIN, AI (91) by code.
    """
    if data.gtin is not None:
        identity = ("01", data.gtin)
    elif 1 <= len(data.material_code) <= 90 and set(data.material_code) <= GS1_CSET82:
        identity = (INTERNAL_MATERIAL_AI, data.material_code)
    else:
        raise LabelError(
            f"material code {data.material_code!r} cannot go into GS1 AI (91): up to 90 "
            "characters of GS1's character set 82 (no spaces); give the material a GTIN or a "
            "code without spaces"
        )
    if not 1 <= len(data.lot) <= 20:
        raise LabelError(f"lot {data.lot!r} must be 1 to 20 characters for AI (10)")
    expiry = [("17", data.expiry.strftime("%y%m%d"))] if data.expiry else []
    return [identity, *expiry, quantity_element(data.quantity, data.unit), ("10", data.lot)]


def hri(elements: list[tuple[str, str]]) -> str:
    """Human-readable interpretation: ``(01)09501101530003(10)L1``."""
    return "".join(f"({ai}){value}" for ai, value in elements)


def digital_link(base: str, data: LabelData) -> str:
    """GS1 Digital Link URI: ``<base>/01/<gtin>/10/<lot>?11=..&17=..`` with the lot %-encoded.

    >>> from datetime import date
    >>> d = LabelData("P", "Bread", "09501101530003", "A/1", Decimal(1), "H87",
    ...               date(2026, 1, 2), date(2026, 2, 3), "S", "L1")
    >>> digital_link("https://id.example.com/", d)
    'https://id.example.com/01/09501101530003/10/A%2F1?11=260102&17=260203'
    """
    dates = f"11={data.produced:%y%m%d}&17={data.expiry:%y%m%d}"
    return f"{gtin_lot_link(data.gtin, data.lot, root=base)}?{dates}"
