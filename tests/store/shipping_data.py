"""From a vendor's flour lot to customers: batches, pallets packed at the dock, dispatches,
an unpack before dispatch, voided dispatches; as the agents publish them (`agent_events`).

    NM2611A (flour) ─ B1@L1 ─▶ BR1 ─┬─ PAL1 (BR1 40)            ─▶ C100 (GLN)  po, desadv, bol
                    └ B2@L1 ─▶ BR2 ─┼─ PAL2 (BR1 10, BR2 20-5, X9 5) ─▶ C200 (no GLN)
    OK1 (flour) ──── B3@L1 ─▶ X9 ───┤   (5 of BR2 unpacked before dispatch)
                                    ├─ PAL3 (BR2 30, unpacked; then X9 10) ─▶ C300
                                    ├─ PAL4 (BR1 5) ─▶ C300, voided
                                    └─ PAL5 (BR2 8) ─▶ C100, voided, then ─▶ C300
    PAL1 is unpacked at the customer, after dispatch: it was shipped all the same.

`SHIPPED` is what a recall of NM2611A must report, worked out by hand from the above.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from lotedge.masterdata.customers import Customer
from lotedge.wire.identifiers import gtin_lot_class

from .agent_events import (
    consumption,
    dispatch,
    event_id,
    output,
    packing,
    payload,
    sscc,
    void_shipping,
)

T0 = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
EXPIRY = date(2049, 12, 31)
FLOUR_GTIN, BREAD_GTIN, OTHER_GTIN = "00614141777778", "20614141777772", "30614141777779"
NM2611A = gtin_lot_class(FLOUR_GTIN, "NM2611A")
OK1 = gtin_lot_class(FLOUR_GTIN, "OK1")
BR1, BR2 = gtin_lot_class(BREAD_GTIN, "BR1"), gtin_lot_class(BREAD_GTIN, "BR2")
X9 = gtin_lot_class(OTHER_GTIN, "X9")
PAL1, PAL2, PAL3, PAL4, PAL5 = (sscc(n) for n in range(1, 6))
CUSTOMERS = (
    Customer(code="C100", name="Corner Bakery", gln="9520000000011", phone="+47 1"),
    Customer(code="C200", name="Station Kiosk", address="Track 1\nOslo S"),
    Customer(code="C300", name="Harbour Hotel", gln="9520000000028"),
)
C100, C200, C300 = CUSTOMERS

SHIPPED = [
    # (SSCC URN, customer code, {lot: quantity}, references)
    (PAL1, "C100", {"BR1": 40}, {"po": "PO-1", "desadv": "DN-1", "bol": "BOL-1"}),
    (PAL2, "C200", {"BR1": 10, "BR2": 15}, {"desadv": "DN-2"}),
    (PAL5, "C300", {"BR2": 8}, {"desadv": "DN-5"}),
]


def _minute(n: int) -> datetime:
    return T0 + timedelta(minutes=n)


def events() -> list[dict[str, Any]]:
    """Every event of the story above, in the order it happened."""
    made = []
    for n, (batch, flour, lot, qty) in enumerate(
        (("B1", NM2611A, BR1, 60), ("B2", NM2611A, BR2, 60), ("B3", OK1, X9, 60))
    ):
        common = {"line": "L1", "batch": batch}
        made.append(
            consumption(
                flour,
                25.0,
                material="FLOUR",
                vendor="Northern Mills",
                when=_minute(n * 2),
                eid=event_id(batch, "in"),
                **common,
            )
        )
        made.append(
            output(
                lot,
                qty,
                product="BREAD",
                expiry=EXPIRY,
                when=_minute(n * 2 + 1),
                eid=event_id(batch, "out"),
                unit="H87",
                **common,
            )
        )
    delete = {"action": "DELETE"}
    dock = [
        packing(PAL1, [(BR1, 40)], when=_minute(10), eid=event_id("pack", 1)),
        packing(PAL2, [(BR1, 10), (BR2, 20), (X9, 5)], when=_minute(11), eid=event_id("pack", 2)),
        packing(PAL3, [(BR2, 30)], when=_minute(12), eid=event_id("pack", 3)),
        packing(PAL4, [(BR1, 5)], when=_minute(13), eid=event_id("pack", 4)),
        packing(PAL5, [(BR2, 8)], when=_minute(14), eid=event_id("pack", 5)),
        packing(PAL2, [(BR2, 5)], when=_minute(15), eid=event_id("unpack", 2), **delete),
        packing(PAL3, [], when=_minute(16), eid=event_id("unpack", 3), **delete),
        packing(PAL3, [(X9, 10)], when=_minute(17), eid=event_id("repack", 3)),
        dispatch(
            [PAL1],
            C100,
            when=_minute(20),
            eid=event_id("ship", 1),
            po="PO-1",
            desadv="DN-1",
            bol="BOL-1",
        ),
        dispatch([PAL2], C200, when=_minute(21), eid=event_id("ship", 2), desadv="DN-2"),
        dispatch([PAL3, PAL4], C300, when=_minute(22), eid=event_id("ship", 3)),
        void_shipping([PAL4], when=_minute(23), eid=event_id("void", 4)),
        dispatch([PAL5], C100, when=_minute(24), eid=event_id("ship", 5), desadv="DN-4"),
        void_shipping([PAL5], when=_minute(25), eid=event_id("void", 5)),
        dispatch([PAL5], C300, when=_minute(26), eid=event_id("ship", 6), desadv="DN-5"),
        packing(PAL1, [(BR1, 40)], when=_minute(90), eid=event_id("at customer", 1), **delete),
    ]
    return made + dock


def payloads() -> list[bytes]:
    return [payload(event) for event in events()]


def shipped_at(ssccs: str) -> str:
    """The time the dispatch of `ssccs` that counts was made, as the store answers it (UTC)."""
    minute = {PAL1: 20, PAL2: 21, PAL5: 26}[ssccs]
    return _minute(minute).isoformat(timespec="milliseconds").replace("+00:00", "Z")
