"""A label's own problems, judged with the material: a glued field and the material's lot
pattern, at the line and at receiving; a pallet label at receiving; Alt+029 digits restored
only between fields."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lotedge.core.decisions import ScanContext, decide_material
from lotedge.core.receiving import ReceiptContext, ReceiptReference, ReferenceKind, decide_receipt
from lotedge.core.scan import RawScan, parse_scan
from lotedge.core.separators import restore_alt029
from lotedge.masterdata.items import Material, Product

NOW = datetime(2026, 6, 1, 9, tzinfo=UTC)
FLOUR = "0109501101530003"


def flour(lot_pattern: str | None) -> Material:
    return Material(code="FLOUR", name="Flour", gtins=["09501101530003"], lot_pattern=lot_pattern)


def reason_at_the_line(data: str, lot_pattern: str | None) -> tuple[str, str]:
    material = flour(lot_pattern)
    bread = Product(code="BREAD", name="Bread", gtin="09501101530102", bom=["FLOUR"])
    scan = parse_scan(RawScan(data.encode()), [material], "#LE:")
    decision = decide_material(scan, ScanContext(NOW, bread, [material], timedelta(0)))
    return decision.reason.value, decision.message


@pytest.mark.parametrize(
    ("data", "pattern", "reason", "words"),
    [
        # no pattern: nothing vouches for the lot, the glued field is refused
        (f"{FLOUR}10L117291231", None, "missing_separator", "(17) expiry date 2029-12-31"),
        # the whole lot has the pattern's shape and what is before the glued field has not
        (f"{FLOUR}10L117291231", r"L\d{9}", "accepted", "lot L117291231 accepted"),
        # the lot breaks the pattern: named in the message
        (f"{FLOUR}10ABC17291231", r"[A-Z]{3}", "missing_separator", "does not match the lot"),
        # both read as lots, and the glued field is an expiry the scan lacks: refused
        (f"{FLOUR}10L117291231", r"[A-Z0-9]+", "missing_separator", "dropped the separator"),
        # ... but when the scan carries its own expiry, the pattern vouches for the lot
        (f"{FLOUR}1729123110L117291231", r"[A-Z0-9]+", "accepted", "lot L117291231"),
        # Alt+029 digits before the glued field: the message says what to set
        (f"{FLOUR}10L102917291231", None, "missing_separator", "add alt029=1"),
    ],
)
def test_a_glued_field_and_the_lot_pattern(data, pattern, reason, words):
    got, message = reason_at_the_line(data, pattern)
    assert got == reason, message
    assert words in message


def test_receiving_refuses_a_glued_field_and_a_pallet_label():
    material = flour(None)
    context = ReceiptContext(
        now=NOW, materials=[material], reference=ReceiptReference(ReferenceKind.PO, "PO-1")
    )

    def receive(data: str):
        return decide_receipt(parse_scan(RawScan(data.encode()), [material], "#LE:"), context)

    glued, pallet = receive(f"{FLOUR}10L117291231"), receive("00095011015300000003")
    assert (glued.reason.value, pallet.reason.value) == ("missing_separator", "pallet_label")  # type: ignore[union-attr]
    assert pallet.message.startswith("Not received: this is a pallet label")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("data", "restored"),
    [
        (f"{FLOUR}10ABC02917291231", f"{FLOUR}10ABC\x1d17291231"),
        (f"{FLOUR}10ABC002921S1", f"{FLOUR}10ABC\x1d21S1"),  # 0029, then a variable field
        (f"{FLOUR}10A029", f"{FLOUR}10A029"),  # at the end: data, not a separator
        (f"{FLOUR}10A0291729", f"{FLOUR}10A0291729"),  # what follows is no complete field
        ("0109501101530029", "0109501101530029"),  # inside a fixed-length field
        ("hello 029", "hello 029"),
    ],
)
def test_alt029_digits_become_gs_only_between_fields(data, restored):
    assert restore_alt029(data) == restored
