"""Pure decisions: FEFO findings (properties with hypothesis), receipts, and the scans that only
receiving reads (purchase order AI 400, our receiving label's AI 91)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from lotedge.core.decisions import (
    Decision,
    FefoPolicy,
    OpenLot,
    Outcome,
    ScanContext,
    decide_material,
    fefo_first,
)
from lotedge.core.receiving import (
    Receipt,
    ReceiptContext,
    ReceiptReference,
    ReferenceKind,
    decide_receipt,
    decide_unlabelled,
)
from lotedge.core.scan import RawScan, ScanKind, parse_scan
from lotedge.masterdata.items import Material, Product

TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
FLOUR = Material(
    code="FLOUR", name="Flour", gtins=["09501101530003"], vendor="Mill", shelf_life_days=100
)
YEAST = Material(code="YEAST", name="Yeast", vendor="Levure", uom="KGM")
BREAD = Product(code="BREAD", name="Bread", gtin="09501101530102", bom=["FLOUR", "YEAST"])
PO = ReceiptReference(ReferenceKind.PO, "PO-1")

lots = st.lists(
    st.builds(
        OpenLot,
        lot=st.sampled_from(["A", "B", "C", "D", "E"]),
        expiry=st.none() | st.dates(TODAY - timedelta(days=30), TODAY + timedelta(days=300)),
        on_hold=st.booleans(),
    ),
    max_size=6,
).map(tuple)


def scan(text: str, materials: list[Material] = [FLOUR, YEAST]) -> object:  # noqa: B006
    return parse_scan(RawScan(text.encode()), materials, "#LE:")


@given(
    lot=st.sampled_from(["A", "X"]),
    expiry=st.none() | st.dates(TODAY, TODAY + timedelta(days=300)),
    open_lots=lots,
)
def test_fefo_names_the_first_usable_lot_to_expire(lot, expiry, open_lots):
    first = fefo_first(lot, expiry, open_lots, TODAY)
    usable = [
        o
        for o in open_lots
        if o.lot != lot and not o.on_hold and o.expiry is not None and o.expiry >= TODAY
    ]
    if expiry is None or not any(o.expiry < expiry for o in usable):  # type: ignore[operator]
        assert first is None
        return
    assert first is not None and first in usable
    assert first.expiry < expiry  # type: ignore[operator]
    assert all(first.expiry <= o.expiry for o in usable)  # type: ignore[operator]


def _line_decision(open_lots: tuple[OpenLot, ...], policy: FefoPolicy) -> Decision:
    ctx = ScanContext(
        now=NOW,
        product=BREAD,
        materials=[FLOUR, YEAST],
        debounce=timedelta(seconds=3),
        fefo=policy,
        open_lots=open_lots,
    )
    return decide_material(scan("]C1010950110153000317490331" + "10NEW"), ctx)  # type: ignore[arg-type]


@given(open_lots=lots, policy=st.sampled_from(list(FefoPolicy)))
def test_fefo_policy_only_adds_a_warning_or_the_fefo_rejection(open_lots, policy):
    decision = _line_decision(open_lots, policy)
    first = fefo_first("NEW", date(2049, 3, 31), open_lots, TODAY)
    if policy is FefoPolicy.OFF or first is None:
        assert (decision.outcome, decision.warning) == (Outcome.ACCEPTED, None)
    elif policy is FefoPolicy.WARN:
        assert decision.outcome is Outcome.ACCEPTED and decision.reason.value == "accepted"
        assert decision.warning is not None and decision.warning.use_instead == first.lot
        assert decision.as_dict()["warning"]["code"] == "fefo"  # type: ignore[index]
    else:
        assert (decision.outcome, decision.reason.value) == (Outcome.REJECTED, "fefo")
        assert f"Use lot {first.lot} first" in decision.message


def test_lot_list_supplies_the_expiry_the_label_lacks():
    open_lots = (OpenLot("OLD", date(2026, 12, 1)), OpenLot("NOEXP", date(2027, 1, 1)))
    ctx = ScanContext(NOW, BREAD, [FLOUR, YEAST], timedelta(0), fefo=FefoPolicy.WARN,
                      open_lots=open_lots)  # fmt: skip
    decision = decide_material(scan("]C10109501101530003" + "10NOEXP"), ctx)  # type: ignore[arg-type]
    assert decision.warning is not None and decision.warning.use_instead == "OLD"


def test_an_expiry_known_only_from_the_lot_list_still_rejects_an_expired_lot():
    # received with no expiry on the label (expiry = receipt date + shelf life), or pushed by
    # the store: the label scanned at the line carries none, the lot list knows it expired
    open_lots = (OpenLot("NOEXP", TODAY - timedelta(days=1)),)
    ctx = ScanContext(NOW, BREAD, [FLOUR, YEAST], timedelta(0), open_lots=open_lots)
    decision = decide_material(scan("]C10109501101530003" + "10NOEXP"), ctx)  # type: ignore[arg-type]
    assert (decision.outcome, decision.reason.value) == (Outcome.REJECTED, "expired")
    assert "expired on 2026-11-24" in decision.message


def receipt_ctx(reference: ReceiptReference | None = PO) -> ReceiptContext:
    return ReceiptContext(now=NOW, materials=[FLOUR, YEAST], reference=reference)


def test_receipt_fields_from_the_label_else_master_data():
    received = decide_receipt(scan("]C10109501101530003" + "3101000125" + "10L1"), receipt_ctx())  # type: ignore[arg-type]
    assert isinstance(received, Receipt)
    assert (received.lot, received.quantity, received.uom) == ("L1", Decimal("12.5"), "KGM")
    assert received.expiry == TODAY + timedelta(days=100)  # receipt date + shelf life
    assert received.vendor_lot == "L1" and received.reference == PO


def test_receipt_refusals():
    no_ref = decide_receipt(scan("]C10109501101530003" + "3020\x1d" + "10L1"), receipt_ctx(None))  # type: ignore[arg-type]
    assert isinstance(no_ref, Decision) and no_ref.reason.value == "no_reference"
    no_qty = decide_receipt(scan("]C10109501101530003" + "10L1"), receipt_ctx())  # type: ignore[arg-type]
    assert isinstance(no_qty, Decision) and no_qty.reason.value == "no_quantity"
    no_lot = decide_receipt(scan("]C10109501101530003" + "3020"), receipt_ctx())  # type: ignore[arg-type]
    assert isinstance(no_lot, Decision) and "receive unlabelled FLOUR" in no_lot.message


def test_unlabelled_expiry_defaults_to_shelf_life_and_lot_is_left_to_the_allocator():
    receipt = decide_unlabelled(FLOUR, Decimal(3), None, receipt_ctx())
    assert isinstance(receipt, Receipt)
    assert (receipt.lot, receipt.internal, receipt.vendor_lot) == ("", True, None)
    assert receipt.expiry == TODAY + timedelta(days=100) and receipt.gtin == "09501101530003"
    no_expiry = decide_unlabelled(YEAST, Decimal(3), None, receipt_ctx())
    assert isinstance(no_expiry, Receipt) and no_expiry.expiry is None


def test_purchase_order_and_internal_label_scans():
    po = scan("]C1400PO-4711")
    assert (po.kind, po.purchase_order) == (ScanKind.REFERENCE, "PO-4711")  # type: ignore[attr-defined]
    internal = scan("]d2\x1d91YEAST\x1d17490131" + "3101000020" + "10R263290001")
    assert internal.kind is ScanKind.GS1  # type: ignore[attr-defined]
    assert (internal.material_code, internal.lot) == ("YEAST", "R263290001")  # type: ignore[attr-defined]
    # AI 91 names a material only when it has no GTIN (a GTIN material's label has AI 01)
    assert scan("]C191FLOUR\x1d10L1").kind is ScanKind.UNREADABLE  # type: ignore[attr-defined]
