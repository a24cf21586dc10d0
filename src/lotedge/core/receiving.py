"""Receiving: what a receipt is, the receipt reference, and judging a scan at goods receipt.

Pure. The engine gathers the context (the current reference, the material), calls
`decide_receipt`, and records what it returns in one transaction with its ObjectEvent.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from lotedge.core import label_checks
from lotedge.core.decisions import (
    Decision,
    Outcome,
    Reason,
    effective_expiry,
    reject,
    screen,
)
from lotedge.core.kdes import receipt_gaps
from lotedge.core.scan import ParsedScan
from lotedge.masterdata.items import Material
from lotedge.masterdata.locations import LocationBook


class ReferenceKind(StrEnum):
    """What the receipt reference is, as a CBV business transaction type."""

    PO = "po"  # a purchase order (ours: GS1 AI 400 or #LE:REF:<number>)
    DESADV = "desadv"  # the vendor's delivery note / despatch advice (#LE:DN:<number>)


@dataclass(frozen=True)
class ReceiptReference:
    """The purchase order or delivery note the following receipts belong to."""

    kind: ReferenceKind
    number: str

    def label_text(self) -> str:
        """The reference as a label prints it: its kind once, not twice.

        >>> ReceiptReference(ReferenceKind.PO, "4711").label_text()
        'PO 4711'
        >>> ReceiptReference(ReferenceKind.PO, "PO-4711").label_text()
        'PO-4711'
        >>> ReceiptReference(ReferenceKind.DESADV, "dn 88").label_text()
        'dn 88'
        """
        short = {ReferenceKind.PO: "PO", ReferenceKind.DESADV: "DN"}[self.kind]
        if self.number.upper().startswith((short, self.kind.value.upper())):
            return self.number
        return f"{short} {self.number}"


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
    best_before: bool = False
    """`expiry` is the label's best-before date (AI 15; no expiry date, AI 17, beside it)."""
    tlc_source_reference: str | None = None
    """Where the lot's code was assigned (FSMA 204): the vendor location's reference."""

    @property
    def vendor_lot(self) -> str | None:
        return None if self.internal else self.lot


def label_reference(scan: ParsedScan) -> ReceiptReference | None:
    """The purchase order a label carries (GS1 AI 400), which applies from this receipt on."""
    if scan.purchase_order is None:
        return None
    return ReceiptReference(ReferenceKind.PO, scan.purchase_order)


@dataclass(frozen=True)
class ReceiptContext:
    """What judging a receipt depends on besides the scan; gathered by the state owner."""

    now: datetime
    materials: list[Material]
    reference: ReceiptReference | None
    debounce: timedelta = timedelta(0)
    #: When this code was last received, if within the debounce window (double reads).
    last_seen: datetime | None = None
    repeat_armed: bool = False
    #: The scanned lot is one of our internal lots of that material (its receiving label).
    internal_lot: bool = False
    #: Sites and vendors: a vendor's TLC source reference goes with each receipt.
    locations: LocationBook = field(default_factory=LocationBook)
    #: `[compliance] fsma204`: a receipt that would leave a key data element empty is refused.
    fsma204: bool = False
    site: str = ""


def _refused(reason: Reason, message: str, scan: ParsedScan | None) -> Decision:
    return reject(reason, f"Not received: {message}", scan)


def _lower(sentence: str) -> str:
    return sentence[:1].lower() + sentence[1:]


def _checked(
    material: Material,
    quantity: Decimal | None,
    expiry: date | None,
    ctx: ReceiptContext,
    scan: ParsedScan | None,
) -> tuple[Decimal, date | None] | Decision:
    """The receipt's quantity and expiry, or why it cannot be received."""
    if ctx.reference is None:
        return _refused(
            Reason.NO_REFERENCE,
            "scan the purchase order or delivery note first (its barcode, or #LE:REF:<number>), "
            "then this label again.",
            scan,
        )
    if quantity is None and material.default_quantity is not None:
        quantity = Decimal(str(material.default_quantity))
    if quantity is None or quantity <= 0:
        return _refused(
            Reason.NO_QUANTITY,
            f"the label of {material.name} carries no quantity and the material has no "
            "default_quantity; receive it with its quantity typed in "
            f"(lotedge receive unlabelled {material.code} QTY).",
            scan,
        )
    if expiry is not None and expiry < ctx.now.date():
        return _refused(
            Reason.EXPIRED,
            f"{material.name} expired on {expiry.isoformat()}, before it arrived. Refuse the "
            "delivery or put it aside for return.",
            scan,
        )
    return quantity, expiry


def decide_receipt(scan: ParsedScan, ctx: ReceiptContext) -> Receipt | Decision:
    """A vendor label scanned at receiving: the receipt, or a rejection with its reason.

    Quantity from the label, else the material's `default_quantity`; expiry from the label, else
    the receipt date plus the material's shelf life (`effective_expiry`).
    """
    material = screen(scan, ctx)
    if isinstance(material, Decision):
        return material
    if pallet := label_checks.logistic_unit(scan):
        return _refused(pallet[0], _lower(pallet[1]), scan)
    if material is None:
        return _refused(
            Reason.UNKNOWN_MATERIAL,
            f"GTIN {scan.gtin} is not a known material. Ask for master data to be updated.",
            scan,
        )
    if not scan.lot:
        return _refused(
            Reason.NO_LOT,
            f"the label of {material.name} carries no lot number. Receive it as unlabelled "
            f"material (lotedge receive unlabelled {material.code} QTY) and put our label on it.",
            scan,
        )
    if glued := label_checks.glued_field(scan, material):
        return _refused(glued[0], glued[1], scan)
    if ctx.internal_lot:
        return _refused(
            Reason.INTERNAL_LOT,
            f"lot {scan.lot} is our own internal lot of {material.name}, already received; its "
            "label is for the line. Switch to production (#LE:PRODUCE) to load it.",
            scan,
        )
    received = replace(scan, received=scan.received or ctx.now.date())
    checked = _checked(material, scan.quantity, effective_expiry(received, material), ctx, scan)
    if isinstance(checked, Decision):
        return checked
    quantity, expiry = checked
    assert ctx.reference is not None
    receipt = Receipt(
        material=material,
        lot=scan.lot,
        internal=False,
        gtin=scan.gtin,
        quantity=quantity,
        uom=scan.uom or material.uom,
        expiry=expiry,
        reference=ctx.reference,
        received_at=ctx.now,
        best_before=expiry == scan.expiry and "15" in scan.elements and "17" not in scan.elements,
    )
    return with_key_data(receipt, ctx, scan)


def with_key_data(
    receipt: Receipt, ctx: ReceiptContext, scan: ParsedScan | None
) -> Receipt | Decision:
    """The receipt with its vendor's TLC source reference; under FSMA 204 a rejection naming
    every key data element it would leave empty instead."""
    vendor = ctx.locations.find(receipt.material.vendor, receipt.material.vendor_gln)
    if vendor is not None and vendor.tlc_source_reference and not receipt.internal:
        receipt = replace(receipt, tlc_source_reference=vendor.tlc_source_reference)
    if ctx.fsma204:
        gaps = receipt_gaps(
            receipt.material, receipt.uom, receipt.internal, ctx.site, ctx.locations
        )
        if gaps:
            return _refused(
                Reason.MISSING_KDE,
                f"FSMA 204 needs every key data element of a receipt; empty: {'; '.join(gaps)}. "
                "Complete the master data, then scan again.",
                scan,
            )
    return receipt


def decide_unlabelled(
    material: Material, quantity: Decimal, expiry: date | None, ctx: ReceiptContext
) -> Receipt | Decision:
    """Material that came without a lot number: the receipt of a new internal lot, whose number
    (`lot`, empty here) the engine allocates once the receipt is known to be acceptable."""
    if expiry is None and material.shelf_life_days:
        expiry = ctx.now.date() + timedelta(days=material.shelf_life_days)
    checked = _checked(material, quantity, expiry, ctx, None)
    if isinstance(checked, Decision):
        return checked
    assert ctx.reference is not None
    receipt = Receipt(
        material=material,
        lot="",
        internal=True,
        gtin=material.gtins[0] if material.gtins else None,
        quantity=checked[0],
        uom=material.uom,
        expiry=checked[1],
        reference=ctx.reference,
        received_at=ctx.now,
    )
    return with_key_data(receipt, ctx, None)


def receipt_decision(receipt: Receipt, scan: ParsedScan | None) -> Decision:
    """The answer the operator gets for a recorded receipt."""
    quantity = format(receipt.quantity.normalize(), "f")
    unit = f" {receipt.uom}" if receipt.uom else ""
    expiry = f", expires {receipt.expiry.isoformat()}" if receipt.expiry else ""
    kind = "internal lot" if receipt.internal else "lot"
    reference = receipt.reference
    what = "purchase order" if reference.kind is ReferenceKind.PO else "delivery note"
    return Decision(
        Outcome.RECEIVED,
        Reason.RECEIVED,
        f"Received {receipt.material.name} {kind} {receipt.lot}: {quantity}{unit}{expiry} "
        f"({what} {reference.number}).",
        scan,
    )
