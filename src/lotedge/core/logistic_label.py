"""What goes on a pallet's GS1 logistic label, and its GS1 data. Pure; ZPL lives in core.zpl.

The SSCC (00) is always there, in its own GS1-128 symbol. A pallet of one lot of one GTIN,
counted in trade items, gets a second GS1-128 with the contents: (02) GTIN, (17) expiry when
known, (37) count and (10) lot. Ship-from, ship-to and the contents are text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from lotedge.core.labels import UNIT_TEXT

#: Contents lines printed as text; more are summed up in one line.
MAX_CONTENT_LINES = 6
#: Characters of a contents line (the label's font fits 60 on 4").
CONTENT_WIDTH = 60


@dataclass(frozen=True)
class PalletContent:
    """One GTIN + lot on the pallet, as the label shows it."""

    product_name: str
    gtin: str
    lot: str
    expiry: date | None
    quantity: Decimal
    uom: str | None
    cases: int

    @property
    def text(self) -> str:
        """`26329L10001  240 units (2 cases)  White loaf`, cut to the label's width (the
        product name, last, is what is cut)."""
        unit = UNIT_TEXT.get(self.uom, self.uom) if self.uom else "units"
        amount = f"{self.quantity.normalize():f} {unit}"
        return f"{self.lot}  {amount} ({self.cases} cases)  {self.product_name}"[:CONTENT_WIDTH]


@dataclass(frozen=True)
class LogisticLabelData:
    """Every field a logistic label may show; all text is untrusted and escaped by the renderer."""

    sscc: str
    ship_from_name: str
    ship_from_address: str
    ship_to_code: str = ""
    ship_to_name: str = ""
    ship_to_address: str = ""
    ship_to_phone: str = ""
    contents: tuple[PalletContent, ...] = field(default_factory=tuple)

    @property
    def lot(self) -> str:
        """What the label's print job is filed under: the SSCC."""
        return self.sscc

    @property
    def cases(self) -> int:
        return sum(c.cases for c in self.contents)

    @property
    def content_lines(self) -> list[str]:
        lines = [c.text for c in self.contents[:MAX_CONTENT_LINES]]
        rest = self.contents[MAX_CONTENT_LINES:]
        if rest:
            lines.append(f"... and {len(rest)} more lot(s), {sum(c.cases for c in rest)} case(s)")
        return lines

    @property
    def single(self) -> PalletContent | None:
        """The one GTIN + lot of the pallet, when it holds one counted in trade items."""
        if len(self.contents) == 1 and self.contents[0].uom is None:
            content = self.contents[0]
            if content.quantity == content.quantity.to_integral_value():
                return content
        return None


def sscc_elements(data: LogisticLabelData) -> list[tuple[str, str]]:
    return [("00", data.sscc)]


def contents_elements(data: LogisticLabelData) -> list[tuple[str, str]]:
    """(02) GTIN, (17) expiry, (37) count, (10) lot of a one-lot pallet; empty otherwise."""
    single = data.single
    if single is None or not 1 <= single.quantity < 10**8:
        return []
    expiry = [("17", single.expiry.strftime("%y%m%d"))] if single.expiry else []
    return [
        ("02", single.gtin),
        *expiry,
        ("37", str(int(single.quantity))),
        ("10", single.lot),
    ]
