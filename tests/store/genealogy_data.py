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

from datetime import UTC, datetime, timedelta

from lotedge.store import samples
from lotedge.store.ingest import Message

T0 = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
F1 = samples.lgtin("0614141", "077777", "F1")
S1 = samples.lotedge_class("PLANT1", "SALT", "S 1")
Y1 = "https://id.gs1.org/01/00614141999996/10/Y1"
D1 = samples.lgtin("0614141", "177777", "D1")
D1_LINK = "https://id.gs1.org/01/10614141777775/10/D1"
D2 = samples.lgtin("0614141", "177777", "D2")
BR1 = samples.lgtin("0614141", "277777", "BR1")
P1 = samples.lgtin("0614141", "377777", "P1")
AMBIGUOUS = (samples.lgtin("0614141", "477777", "1001"), samples.lgtin("0614141", "577777", "1001"))

# batch, line, product, [(input class, qty, material, vendor)], (output class, qty, lot) or None
BATCHES = [
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
    """The genealogy above as the agents would publish it: one event per consumption and output."""
    messages, minute = [], 0
    for batch, line, product, inputs, output in BATCHES:
        common = {"batch": batch, "site": "PLANT1", "line": line, "product": product}
        for n, (cls, qty, material, vendor) in enumerate(inputs):
            minute += 1
            event = samples.transformation_event(
                eid=samples.event_id(batch, n),
                when=T0 + timedelta(minutes=minute),
                inputs=[(cls, qty)],
                material=material,
                vendor=vendor,
                **common,
            )
            messages.append(Message(samples.payload(event)))
        if output is not None:
            minute += 1
            cls, qty = output
            event = samples.transformation_event(
                eid=samples.event_id(batch, "out"),
                when=T0 + timedelta(minutes=minute),
                outputs=[(cls, qty)],
                lot=cls.rsplit(".", 1)[-1],
                expiry="2026-12-02",
                **common,
            )
            messages.append(Message(samples.payload(event)))
    return messages


def numbered_events(tag: str, n: int) -> list[bytes]:
    """`n` unrelated consumption events on three lines, as payloads."""
    return [
        samples.payload(
            samples.transformation_event(
                eid=samples.event_id(tag, i),
                when=T0,
                batch=f"B{i // 4}",
                site="PLANT1",
                line=f"L{i % 3}",
                inputs=[(samples.lgtin("0614141", "077777", f"F{i}"), 1.0)],
            )
        )
        for i in range(n)
    ]
