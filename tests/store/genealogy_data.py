"""A multi-level genealogy with diamonds and a rework cycle, as events from several lines.

F1 (flour, GS1) ─┬─ B1@L1 ─▶ D1 ─┐                         (S1: salt, non-GS1 URN)
S1 ──────────────┘               ├─ B3@L2 ─▶ BR1 ── B4@L3 ─▶ P1
F1 ─┬─ B2@L1 ─▶ D2 ──────────────┘                            │
Y1 ─┘ (Digital Link)                                          │
P1 ── B5@L2 (rework) ─▶ D1  ◀─────────────────────────────────┘  (cycle D1→BR1→P1→D1)
F1 ── B6@L1 (still running, no output yet)
"1001" is the lot number of two different GTINs (ambiguous).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from lotedge.store.ingest import Message
from lotedge.wire.identifiers import gtin_lot_class, gtin_lot_link, own_lot_class

from .agent_events import consumption, event_id, output, payload

T0 = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
EXPIRY = date(2026, 12, 2)
F1 = gtin_lot_class("00614141777778", "F1")
S1 = own_lot_class("PLANT1", "SALT", "S 1")
Y1 = gtin_lot_link("00614141999996", "Y1")
D1 = gtin_lot_class("10614141777775", "D1")
D1_LINK = gtin_lot_link("10614141777775", "D1")
D2 = gtin_lot_class("10614141777775", "D2")
BR1 = gtin_lot_class("20614141777772", "BR1")
P1 = gtin_lot_class("30614141777779", "P1")
AMBIGUOUS = (gtin_lot_class("40614141777776", "1001"), gtin_lot_class("50614141777773", "1001"))

# batch, line, product, [(input class, qty, material, vendor)], (output class, qty, lot) or None
Input = tuple[str, float, str, str | None]
BATCHES: list[tuple[str, str, str, list[Input], tuple[str, float] | None]] = [
    (
        "B1",
        "L1",
        "DOUGH",
        [(F1, 20.0, "FLOUR", "Mill Co"), (S1, 0.5, "SALT", "Salt AG")],
        (D1, 20.5),
    ),
    (
        "B2",
        "L1",
        "DOUGH",
        [(F1, 10.0, "FLOUR", "Mill Co"), (Y1, 0.2, "YEAST", "Yeast BV")],
        (D2, 10.2),
    ),
    ("B3", "L2", "BREAD", [(D1_LINK, 20.0, "DOUGH", None), (D2, 10.0, "DOUGH", None)], (BR1, 30.0)),
    ("B4", "L3", "PACK", [(BR1, 30.0, "BREAD", None)], (P1, 30.0)),
    ("B5", "L2", "DOUGH", [(P1, 2.0, "PACK", None)], (D1, 2.0)),
    ("B6", "L1", "DOUGH", [(F1, 5.0, "FLOUR", "Mill Co")], None),
    ("B7", "L1", "X", [(AMBIGUOUS[0], 1.0, "A", None), (AMBIGUOUS[1], 1.0, "B", None)], None),
]


def bakery() -> list[Message]:
    """The genealogy above as the agents publish it: one event per consumption and output."""
    messages, minute = [], 0
    for batch, line, product, inputs, made in BATCHES:
        for n, (cls, qty, material, vendor) in enumerate(inputs):
            minute += 1
            event = consumption(
                cls,
                qty,
                line=line,
                batch=batch,
                material=material,
                vendor=vendor or "",
                when=T0 + timedelta(minutes=minute),
                eid=event_id(batch, n),
            )
            messages.append(Message(payload(event)))
        if made is not None:
            minute += 1
            cls, qty = made
            event = output(
                cls,
                qty,
                line=line,
                batch=batch,
                product=product,
                expiry=EXPIRY,
                when=T0 + timedelta(minutes=minute),
                eid=event_id(batch, "out"),
            )
            messages.append(Message(payload(event)))
    return messages


def numbered_events(tag: str, n: int) -> list[bytes]:
    """`n` unrelated consumption events on three lines, as payloads."""
    return [
        payload(
            consumption(
                gtin_lot_class("00614141777778", f"F{i}"),
                1.0,
                line=f"L{i % 3}",
                batch=f"B{i // 4}",
                material="FLOUR",
                when=T0,
                eid=event_id(tag, i),
            )
        )
        for i in range(n)
    ]
