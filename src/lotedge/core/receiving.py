"""Receiving: what a receipt is, the receipt reference, and judging a scan at goods receipt.

Pure. The engine gathers the context (the current reference, the material), calls
`decide_receipt`, and records what it returns in one transaction with its ObjectEvent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from lotedge.config.masterdata import Material


class ReferenceKind(StrEnum):
    """What the receipt reference is, as a CBV business transaction type."""

    PO = "po"  # a purchase order (ours: GS1 AI 400 or #LE:REF:<number>)
    DESADV = "desadv"  # the vendor's delivery note / despatch advice (#LE:DN:<number>)


@dataclass(frozen=True)
class ReceiptReference:
    """The purchase order or delivery note the following receipts belong to."""

    kind: ReferenceKind
    number: str


@dataclass(frozen=True)
class Receipt:
    """One container (or lot) received: everything the receipt row and its event carry.

    `lot` is the lot the line will scan: the vendor's, or ours (`internal`) when the material
    came without one.
    """

    material: Material
    lot: str
    internal: bool
    gtin: str | None
    quantity: Decimal
    uom: str | None
    expiry: date | None
    reference: ReceiptReference
    received_at: datetime

    @property
    def vendor_lot(self) -> str | None:
        return None if self.internal else self.lot
