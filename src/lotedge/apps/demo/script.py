"""The demo's script: the bakery's master data, the barcodes, the shift step by step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

WAIT = 60.0
GS = "\x1d"

#: Master data of the demo line: the example config's bakery, every party and location with a
#: GLN of GS1's prefix for examples (952) and the yeast with the site's own GTIN, so the demo's
#: events name everything by GS1 identifiers (no `urn:lotedge:` URN).
SITE_GLN = "9520123450007"
MASTER_DATA = """
[[materials]]
code = "FLOUR"
name = "Wheat flour T55"
gtins = ["09501101530003"]
vendor = "Northern Mills"
vendor_gln = "9521234000013"
uom = "KGM"
default_quantity = 25.0

[[materials]]
code = "SUGAR"
name = "Caster sugar"
gtins = ["09501101530010"]
vendor = "Sweet & Co"
vendor_gln = "9521234000020"
uom = "KGM"
default_quantity = 20.0

[[materials]]
code = "YEAST"
name = "Fresh yeast"
gtins = ["09520123451011"]
vendor = "Levure SA"
vendor_gln = "9521234000037"
uom = "KGM"
default_quantity = 1.0
vendor_pattern = '^YST-(?P<lot>[A-Z0-9]+)-(?P<expiry>\\d{8})$'
expiry_format = "%Y%m%d"

[[products]]
code = "BREAD"
name = "White loaf 800 g"
gtin = "09501101530102"
shelf_life_days = 7
bom = ["FLOUR", "YEAST"]
lot_template = "{yy}{julian}{line}{seq:4}"

[[products]]
code = "CAKE"
name = "Sponge cake"
gtin = "09501101530119"
shelf_life_days = 14
bom = ["FLOUR", "SUGAR"]
lot_template = "C{yyyy}{mm}-{seq:5}{check}"
seq_reset = "monthly"
"""

#: The vendor lot the demo receives, traces and holds: flour from Northern Mills.
TRACED_FLOUR_LOT = "NM2611A"
TRACED_VENDOR = "Northern Mills"
HOLD_REASON = "foreign matter found in a sample"
PURCHASE_ORDER = "PO-4711"


@dataclass(frozen=True)
class Step:
    """One scan and the reason the agent is expected to give (and the warning it carries, or
    text its message must contain)."""

    scan: str
    expect: str
    note: str
    warning: str | None = None
    says: str | None = None


def in_days(days: int, layout: str = "%y%m%d") -> str:
    """A date `days` from today (GS1 YYMMDD by default): the demo's material never goes out
    of date."""
    return (date.today() + timedelta(days=days)).strftime(layout)


def flour(lot: str, expires_in_days: int = 60, kilograms: int | None = None) -> str:
    quantity = f"3100{kilograms:06d}" if kilograms is not None else ""
    return f"]d20109501101530003{GS}17{in_days(expires_in_days)}{quantity}{GS}10{lot}"


def sugar(lot: str) -> str:
    return f"]d20109501101530010{GS}17{in_days(200)}{GS}10{lot}"


def yeast(lot: str) -> str:
    """The yeast vendor's own Code 128 format: YST-<lot>-<expiry YYYYMMDD>."""
    return f"]C0YST-{lot}-{in_days(400, '%Y%m%d')}"


RECEIVING: list[Step] = [
    Step("#LE:RECEIVE", "mode_set", "the operator switches the line to receiving mode"),
    Step(f"]C1400{PURCHASE_ORDER}", "reference_set", "the purchase order's GS1-128 (AI 400)"),
    Step(
        flour(TRACED_FLOUR_LOT, kilograms=100),
        "received",
        "100 kg of flour, the vendor's GS1 DataMatrix",
    ),
]
"""Goods receipt before the shift; the unlabelled yeast follows (`receive.unlabelled`)."""

BACK_TO_PRODUCTION = Step("#LE:PRODUCE", "mode_set", "back to production mode")


def the_shift(receiving_label: str) -> list[tuple[str, list[Step]]]:
    """The shift's batches; `receiving_label` is the scan read from the yeast's receiving label."""
    return [
        (
            "Batch 1: white loaves",
            [
                Step("#LE:START:BREAD:120", "batch_started", "operator scans the BREAD start card"),
                Step(flour(TRACED_FLOUR_LOT), "accepted", "the received flour, GS1 DataMatrix"),
                Step(
                    flour(TRACED_FLOUR_LOT), "double_read", "the scanner reads the same sack twice"
                ),
                Step("]C0YST-Y0001-20200131", "expired", "a yeast block past its date"),
                Step(receiving_label, "accepted", "the received yeast, by its receiving label"),
                Step(sugar("SW-9001"), "not_in_bom", "sugar has no place in bread"),
                Step("#LE:END:118", "batch_ended", "118 loaves made; the label prints"),
            ],
        ),
        (
            "Batch 2: sponge cake (the printer runs out of labels)",
            [
                Step("#LE:START:CAKE:40", "batch_started", "CAKE start card"),
                Step(flour(TRACED_FLOUR_LOT), "accepted", "the rest of the same flour lot"),
                Step(sugar("SW-9001"), "accepted", "caster sugar"),
                Step("#LE:END:40", "batch_ended", "40 cakes; the printer is out of paper"),
            ],
        ),
        (
            "Batch 3: white loaves from another flour lot",
            [
                Step("#LE:START:BREAD", "batch_started", "BREAD start card"),
                Step(
                    flour("NM2611B", expires_in_days=90),
                    "accepted",
                    f"a flour lot that keeps longer than {TRACED_FLOUR_LOT}: FEFO warns",
                    warning="fefo",
                    says=TRACED_FLOUR_LOT,
                ),
                Step(yeast("Y0003"), "accepted", "fresh yeast, vendor Code 128 label"),
                Step("#LE:END:96", "batch_ended", "96 loaves"),
            ],
        ),
    ]


HELD_SCAN = [
    Step("#LE:START:BREAD", "batch_started", "BREAD start card"),
    Step(
        flour(TRACED_FLOUR_LOT),
        "on_hold",
        f"a sack of {TRACED_FLOUR_LOT} reaches the line",
        says=HOLD_REASON,
    ),
]
"""After the store's hold: the line refuses the held flour."""
