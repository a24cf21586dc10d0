"""What goes on a lot label. Pure data; rendering to ZPL lives with the printers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


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
