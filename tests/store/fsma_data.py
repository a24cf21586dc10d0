"""A small bakery for the FSMA 204 records, made by the agent's own event builders, and what
was generated kept apart from the store (the tests compute the rows they expect from it).

Vendor lots arrive (one vendor complete in the master data with its TLC source reference,
one abroad without a phone or address, one with no location entry and no TLC source
reference, one unlabelled lot we number ourselves); a batch makes bread from three of them, a
second batch makes sandwiches from the bread, a third uses another flour lot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from lotedge.core import epcis
from lotedge.core.receiving import Receipt, ReceiptReference, ReferenceKind
from lotedge.masterdata.items import Material
from lotedge.masterdata.locations import Location
from lotedge.store.ingest import Message

from .agent_events import agent, consumption, event_id, output, payload

SITE = "PLANT1"
BREAD_GTIN = "20614141777772"
SANDWICH_GTIN = "20614141888881"
T0 = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)

LOCATIONS = [
    Location(
        code=SITE,
        name="Lotedge Bakery Inc.",
        gln="9520000000011",
        phone="+1 555 0100",
        address="1 Oven Road",
        city="Springfield",
        state="IL",
        postal_code="62701",
        country="US",
        tlc_source_reference="FEI 3000000001",
    ),
    Location(
        code="MILL",
        name="Mill & Co",
        gln="9520000000028",
        phone="+1 555 0111",
        address="7 Wheat Lane",
        city="Peoria",
        state="IL",
        postal_code="61602",
        country="US",
        tlc_source_reference="FEI 3012345678",
    ),
    Location(code="SALT", name="Salt AG", city="Kiel", country="DE"),
]


@dataclass(frozen=True)
class Received:
    """One receipt as generated."""

    lot: str
    material: Material
    vendor: str
    quantity: float
    reference: ReceiptReference
    tlc_source: str | None
    internal: bool
    eid: str
    when: datetime


@dataclass(frozen=True)
class Made:
    """One batch as generated: inputs (lot, quantity, unit) and its output."""

    uri: str
    inputs: tuple[tuple[str, float, str], ...]
    output: tuple[str, float, str]
    when: datetime


FLOUR = Material(code="FLOUR", name="Flour", gtins=["00614141777778"], vendor="Mill & Co")
SALT = Material(code="SALT", name="Salt", vendor="Salt AG")
YEAST = Material(code="YEAST", name="Yeast", gtins=["00614141999996"], vendor="Yeast BV")


def generate() -> tuple[list[Message], list[Received], list[Made]]:
    station = agent(SITE, "GR")
    receipts = [
        Received(
            "F1", FLOUR, "Mill & Co", 25.0, ReceiptReference(ReferenceKind.PO, "PO-4711"),
            "FEI 3012345678", False, event_id("fsma", "F1"), T0,
        ),
        Received(
            "F2", FLOUR, "Mill & Co", 25.0, ReceiptReference(ReferenceKind.DESADV, "=1+2"),
            "FEI 3012345678", False, event_id("fsma", "F2"), T0 + timedelta(minutes=5),
        ),
        Received(
            "R1", SALT, "Salt AG", 10.0, ReceiptReference(ReferenceKind.DESADV, "DN 77"),
            None, True, event_id("fsma", "R1"), T0 + timedelta(minutes=10),
        ),
        Received(
            "Y1", YEAST, "Yeast BV", 2.0, ReceiptReference(ReferenceKind.PO, "PO-4712"),
            None, False, event_id("fsma", "Y1"), T0 + timedelta(minutes=15),
        ),
    ]  # fmt: skip
    events = [
        epcis.receiving_event(
            station,
            Receipt(
                material=r.material,
                lot=r.lot,
                internal=r.internal,
                gtin=r.material.gtins[0] if r.material.gtins else None,
                quantity=Decimal(str(r.quantity)),
                uom="KGM",
                expiry=date(2049, 12, 31),
                reference=r.reference,
                received_at=r.when,
                tlc_source_reference=r.tlc_source,
            ),
            event_id=r.eid,
            when=r.when,
        )
        for r in receipts
    ]
    batches = [
        Made(
            epcis.batch_uri(agent(SITE, "L1"), "B1"),
            (("F1", 10.0, "KGM"), ("R1", 0.5, "KGM"), ("Y1", 0.25, "KGM")),
            ("L100", 40.0, "H87"),
            T0 + timedelta(hours=2),
        ),
        Made(
            epcis.batch_uri(agent(SITE, "L2"), "B2"),
            (("L100", 20.0, "H87"),),
            ("S200", 20.0, "H87"),
            T0 + timedelta(hours=4),
        ),
        Made(
            epcis.batch_uri(agent(SITE, "L1"), "B3"),
            (("F2", 12.0, "KGM"),),
            ("L101", 48.0, "H87"),
            T0 + timedelta(hours=5),
        ),
    ]
    for made, line, batch in zip(batches, ("L1", "L2", "L1"), ("B1", "B2", "B3"), strict=True):
        events.extend(_batch_events(made, line, batch, receipts))
    return [Message(payload(e)) for e in events], receipts, batches


def _batch_events(made: Made, line: str, batch: str, receipts: list[Received]) -> list[dict]:
    materials = {r.lot: r.material for r in receipts}
    events = []
    for n, (lot, qty, uom) in enumerate(made.inputs):
        material = materials.get(lot)
        station = agent(SITE, "GR")
        if material is None:  # our own product, made upstream
            epc_class = epcis.lot_class(station, gtin=BREAD_GTIN, material_code="BREAD", lot=lot)
            code = "BREAD"
        else:
            gtin = material.gtins[0] if material.gtins else None
            epc_class = epcis.lot_class(station, gtin=gtin, material_code=material.code, lot=lot)
            code = material.code
        events.append(
            consumption(
                epc_class, qty, line=line, batch=batch, material=code, uom=uom,
                when=made.when - timedelta(minutes=30 - n), eid=event_id("fsma", batch, lot),
                vendor=material.vendor if material else "",
            )
        )  # fmt: skip
    lot, qty, unit = made.output
    gtin = SANDWICH_GTIN if lot.startswith("S") else BREAD_GTIN
    events.append(
        output(
            epcis.lot_class(agent(SITE, line), gtin=gtin, material_code="X", lot=lot),
            qty, line=line, batch=batch, product="SANDWICH" if gtin == SANDWICH_GTIN else "BREAD",
            expiry=date(2049, 12, 31), when=made.when, eid=event_id("fsma", batch, "out"),
            unit=unit,
        )
    )  # fmt: skip
    return events
