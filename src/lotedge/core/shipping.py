"""What a scan at the shipping dock adds to a pallet, or why it adds nothing. Pure.

Our own case labels (the GS1 barcodes lotedge prints: (01) GTIN of one of our products and (10)
lot) add one case each; a count (30) or net weight (310n) on the label is the case's quantity.
A contents label ((02) + (37) + (10), as on our single-lot pallet labels) adds (37) cases of
one trade item each. Refused, with a reason and nothing added: a vendor's label, a GTIN that is
not one of our products, no lot, an expired lot, a lot on hold (docs/shipping.md).

Then the stock the trace store pushed (`judge_stock`): the lot's expiry when the label has none,
FEFO against the older lots of the product still in stock, and the customer's minimum shelf life.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from lotedge.core.batch import Refusal
from lotedge.core.decisions import FefoPolicy, OpenLot, ScanWarning, fefo_first
from lotedge.core.holds import HeldItem, Hold, first_match
from lotedge.core.reasons import Reason
from lotedge.core.scan import ParsedScan, ScanKind
from lotedge.masterdata.customers import Customer
from lotedge.masterdata.items import Product
from lotedge.wire.gs1 import gtin_14

#: The most cases one `#LE:QTY:n` (or `pallet qty`) adds: more is a typing mistake.
MAX_REPEAT = 9999
#: Units of a quantity that counts trade items: written without `uom` in EPCIS (instances).
COUNT_UNITS = frozenset({"H87", "C62", "EA"})


@dataclass(frozen=True)
class Cases:
    """Identical cases of one lot: how many, and each one's quantity (`uom` None: trade items
    of the GTIN, else a measure such as KGM)."""

    product: Product
    gtin: str
    lot: str
    expiry: date | None
    each: Decimal
    uom: str | None
    count: int


def repeat_count(text: str) -> int | Refusal:
    """The n of `#LE:QTY:n` / `pallet qty n`: a whole number from 1 to `MAX_REPEAT`.

    >>> repeat_count("12"), repeat_count("0").reason.value, repeat_count("1e3").reason.value
    (12, 'invalid_quantity', 'invalid_quantity')
    """
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_REPEAT:
        message = f"QTY needs a whole number of cases from 1 to {MAX_REPEAT}, got {text!r}."
        return Refusal(Reason.INVALID_QUANTITY, message)
    return int(text)


def dock_hold(holds: tuple[Hold, ...], product: Product, gtin: str, lot: str) -> Hold | None:
    """The first of `holds` that matches our lot at the dock (as a hold sees it: the product
    code as its material, no vendor)."""
    return first_match(holds, HeldItem(product.code, "", gtin, lot))


def judge_cases(
    scan: ParsedScan, products: list[Product], holds: tuple[Hold, ...], today: date
) -> Cases | Refusal:
    """The cases a scan adds to a pallet, or the refusal."""
    if scan.kind is ScanKind.UNREADABLE:
        return Refusal(scan.reason or Reason.UNREADABLE, f"Not packed: {scan.error}.")
    if scan.kind is ScanKind.VENDOR or scan.material_code is not None:
        return Refusal(
            Reason.VENDOR_LABEL,
            f"Not packed: a vendor's label (material {scan.material_code}); only our own case "
            "labels go onto a pallet.",
        )
    contents = scan.elements.get("02") if scan.kind is ScanKind.LOGISTIC else None
    gtin = gtin_14(contents or scan.gtin or "")
    if gtin is None:
        return Refusal(Reason.NOT_OUR_PRODUCT, "Not packed: the label names no GTIN (01 or 02).")
    product = next((p for p in products if p.gtin == gtin), None)
    if product is None:
        known = ", ".join(f"{p.code} {p.gtin}" for p in products) or "none configured"
        return Refusal(
            Reason.NOT_OUR_PRODUCT,
            f"Not packed: GTIN {gtin} is not one of our products ({known}).",
        )
    if not scan.lot:
        return Refusal(Reason.NO_LOT, f"Not packed: the {product.name} label has no lot (10).")
    if scan.expiry is not None and scan.expiry < today:
        return Refusal(
            Reason.EXPIRED,
            f"Not packed: {product.name} lot {scan.lot} expired on {scan.expiry.isoformat()}.",
        )
    hold = dock_hold(holds, product, gtin, scan.lot)
    if hold is not None:
        return Refusal(
            Reason.ON_HOLD,
            f"Not packed: {product.name} lot {scan.lot} is on hold: {hold.reason} "
            f"(hold {hold.hold_id}). Put the case aside and call quality.",
        )
    if contents is not None:
        count = scan.elements.get("37", "")
        if not count.isdigit() or int(count) < 1:
            return Refusal(
                Reason.INVALID_QUANTITY,
                "Not packed: a contents label (02) needs its count of cases (37).",
            )
        return Cases(product, gtin, scan.lot, scan.expiry, Decimal(1), None, int(count))
    each, uom = scan.quantity or Decimal(1), scan.uom
    return Cases(product, gtin, scan.lot, scan.expiry, each, None if uom in COUNT_UNITS else uom, 1)


def short_shelf_life(
    name: str, lot: str, expiry: date | None, customer: Customer | None, today: date, what: str
) -> Refusal | None:
    """The refusal when `lot` has less shelf life left than `customer` takes, or an unknown
    expiry when it takes any (None when it has enough, or the customer sets no minimum)."""
    minimum = customer.min_shelf_life_days if customer else None
    if customer is None or minimum is None:
        return None
    if expiry is None:
        return Refusal(
            Reason.SHORT_SHELF_LIFE,
            f"{what}: {name} lot {lot} has no known expiry (none on the label, none from the "
            f"store); {customer.name} ({customer.code}) takes at least {minimum} days of shelf "
            "life. Scan a label with its expiry (17).",
        )
    left = (expiry - today).days
    if left >= minimum:
        return None
    return Refusal(
        Reason.SHORT_SHELF_LIFE,
        f"{what}: {name} lot {lot} has {left} day(s) of shelf life left (expires "
        f"{expiry.isoformat()}); {customer.name} ({customer.code}) takes at least {minimum}. "
        "Use a younger lot for this customer.",
    )


@dataclass(frozen=True)
class DockRules:
    """What a case is judged against beyond its label: the product's lots in stock (pushed by
    the store), the holds that can match them, the FEFO policy, the pallet's customer."""

    in_stock: tuple[OpenLot, ...]
    holds: tuple[Hold, ...]
    fefo: FefoPolicy
    customer: Customer | None
    today: date


def judge_stock(cases: Cases, rules: DockRules) -> tuple[Cases, ScanWarning | None] | Refusal:
    """Cases `judge_cases` accepted, against the stock: expired by the store's expiry (when the
    label has none), short of the customer's minimum shelf life, or packed before an older lot
    (refused or warned per `fefo`). Returns the cases (with the store's expiry filled in)."""
    name = cases.product.name
    expiry = cases.expiry or next((o.expiry for o in rules.in_stock if o.lot == cases.lot), None)
    if expiry is not None and expiry < rules.today:
        return Refusal(
            Reason.EXPIRED,
            f"Not packed: {name} lot {cases.lot} expired on {expiry.isoformat()} (the store's "
            "stock list). Put it aside.",
        )
    short = short_shelf_life(name, cases.lot, expiry, rules.customer, rules.today, "Not packed")
    if short is not None:
        return short
    cases = replace(cases, expiry=expiry)
    if rules.fefo is FefoPolicy.OFF:
        return cases, None
    marked = tuple(
        replace(o, on_hold=dock_hold(rules.holds, cases.product, cases.gtin, o.lot) is not None)
        for o in rules.in_stock
    )
    first = fefo_first(cases.lot, expiry, marked, rules.today)
    if first is None or first.expiry is None or expiry is None:
        return cases, None
    advice = (
        f"Ship lot {first.lot} first (expires {first.expiry.isoformat()}); this lot expires "
        f"{expiry.isoformat()}."
    )
    if rules.fefo is FefoPolicy.REJECT:
        return Refusal(Reason.FEFO, f"Not packed: {name} lot {cases.lot}. {advice}")
    return cases, ScanWarning("fefo", advice, first.lot)
