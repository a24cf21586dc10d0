"""A seeded data set for the vendor report, and its ground truth kept apart from the store.

Three vendors deliver lots (some lots twice, some unlabelled so we number them), at local
times on both sides of midnight UTC (+01:00); lines consume some lots in batches (UTC times),
and refuse some scans at receipt (the receiving station names the vendor) and at the line (the
payload names only material, GTIN and lot). The expected report is computed here from what was
generated, never from the store.
"""

from __future__ import annotations

import random
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

from lotedge.core import epcis
from lotedge.core.receiving import Receipt, ReceiptReference, ReferenceKind
from lotedge.masterdata.identity import Identity
from lotedge.masterdata.items import Material
from lotedge.store.ingest import Message
from lotedge.wire.identifiers import batch_urn, gtin_lot_class

from .agent_events import consumption, event_id, output, payload, rejected_scan

SITE = "PLANT1"
BREAD_GTIN = "20614141777772"
CET = timezone(timedelta(hours=1))
PREFIX = "lotedge/v1"


STATION = Identity(site=SITE, line="GR", device_id="goods-receipt")


@dataclass(frozen=True)
class Supply:
    """A vendor, its material, and how its lots are identified."""

    vendor: str
    material: str
    gtin: str | None
    """GTIN-14 of a GS1 material."""

    @property
    def master_data(self) -> Material:
        gtins = [self.gtin] if self.gtin else []
        return Material(code=self.material, name=self.material, gtins=gtins, vendor=self.vendor)

    def epc_class(self, lot: str) -> str:
        """The class the agents write (an LGTIN URN, a Digital Link or a lotedge URN)."""
        return epcis.lot_class(STATION, gtin=self.gtin, material_code=self.material, lot=lot)


def receiving_event(
    material: Material,
    lot: str,
    *,
    eid: str,
    when: datetime,
    reference: str,
    kind: ReferenceKind = ReferenceKind.PO,
    quantity: float = 25.0,
    expiry: date | None = None,
    internal: bool = False,
) -> dict[str, Any]:
    """A goods receipt as the receiving station publishes it (the agent's own builder)."""
    receipt = Receipt(
        material=material,
        lot=lot,
        internal=internal,
        gtin=material.gtins[0] if material.gtins else None,
        quantity=Decimal(str(quantity)),
        uom="KGM",
        expiry=expiry,
        reference=ReceiptReference(kind, reference),
        received_at=when,
    )
    return epcis.receiving_event(STATION, receipt, event_id=eid, when=when)


SUPPLIES = (
    Supply("Mill & Co", "FLOUR", "00614141777778"),
    Supply("Salt AG", "SALT", None),
    Supply("Yeast BV", "YEAST", "00614141999996"),
)


@dataclass
class Truth:
    """What was generated, per vendor."""

    receipts: dict[str, list[tuple[str, date, date]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    """vendor -> (lot, received on (local date), expiry)."""
    rejections: list[tuple[str | None, str, str, datetime]] = field(default_factory=list)
    """(vendor, stage, reason, when)."""
    uses: dict[str, list[tuple[date, date]]] = field(default_factory=lambda: defaultdict(list))
    """vendor -> (used on (UTC date, the events' offset), expiry) per consumption event."""
    consumers: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    """lot -> batches: uri, line, product, quantity consumed, output lot, output quantity."""
    lots: dict[str, tuple[Supply, str]] = field(default_factory=dict)
    """lot -> its supply and epc class."""


def generate(seed: int = 7) -> tuple[list[Message], Truth]:
    rng = random.Random(seed)
    truth = Truth()
    messages: list[Message] = []
    counter = iter(range(1_000_000))
    batch_no = 0

    def topic(line: str, kind: str) -> str:
        return f"{PREFIX}/{SITE}/{line}/{kind}"

    for supply in SUPPLIES:
        lots: list[tuple[str, date, date]] = []
        for n in range(rng.randint(4, 8)):
            unlabelled = supply.gtin is None and rng.random() < 0.4
            lot = (
                f"R{supply.material[:2]}{n:03d}" if unlabelled else f"{supply.material[:2]}{n:03d}"
            )
            received_on = date(2026, 10, 1) + timedelta(days=rng.randint(0, 40))
            expiry = received_on + timedelta(days=rng.randint(3, 200))
            lots.append((lot, received_on, expiry))
            deliveries = 2 if rng.random() < 0.25 else 1  # the same lot in two deliveries
            for _ in range(deliveries):
                clock = rng.choice((time(0, 30), time(9, 15), time(23, 45)))
                event = receiving_event(
                    supply.master_data,
                    lot,
                    eid=event_id("receipt", next(counter)),
                    when=datetime.combine(received_on, clock, CET),
                    reference=f"PO-{rng.randint(1000, 9999)}",
                    kind=rng.choice(tuple(ReferenceKind)),
                    quantity=float(rng.randint(5, 40)),
                    expiry=expiry,
                    internal=unlabelled,
                )
                messages.append(Message(payload(event), topic("GR", "events")))
                truth.receipts[supply.vendor].append((lot, received_on, expiry))
            truth.lots[lot] = (supply, supply.epc_class(lot))
        for lot, received_on, expiry in lots:
            for _ in range(rng.choice((0, 1, 1, 2))):
                batch_no += 1
                line = rng.choice(("L1", "L2"))
                used_on = received_on + timedelta(days=rng.randint(0, 20))
                when = datetime.combine(used_on, time(10, 0), UTC)
                batch = f"B{batch_no}"
                consumed = 0.0
                for container in range(rng.randint(1, 3)):
                    qty = float(rng.randint(1, 10))
                    consumed += qty
                    event = consumption(
                        supply.epc_class(lot),
                        qty,
                        line=line,
                        batch=batch,
                        material=supply.material,
                        vendor=supply.vendor,
                        when=when + timedelta(minutes=container),
                        eid=event_id("use", batch, container),
                    )
                    messages.append(Message(payload(event), topic(line, "events")))
                    truth.uses[supply.vendor].append((used_on, expiry))
                made_lot = f"BR{batch_no}"
                made = consumed * 2
                event = output(
                    gtin_lot_class(BREAD_GTIN, made_lot),
                    made,
                    line=line,
                    batch=batch,
                    product="BREAD",
                    expiry=used_on + timedelta(days=5),
                    when=when + timedelta(hours=1),
                    eid=event_id("out", batch),
                )
                messages.append(Message(payload(event), topic(line, "events")))
                truth.consumers[lot].append(
                    {
                        "uri": batch_urn(SITE, line, batch),
                        "line": line,
                        "quantity": consumed,
                        "output": made_lot,
                        "made": made,
                    }
                )
        for _ in range(rng.randint(1, 3)):  # refused at goods receipt
            when = datetime(2026, 10, 1, 8, tzinfo=UTC) + timedelta(days=rng.randint(0, 40))
            reason = rng.choice(("expired", "unknown_material"))
            scan = rejected_scan(
                eid=event_id("refused", next(counter)),
                when=when,
                reason=reason,
                stage="receiving",
                vendor=supply.vendor,
            )
            messages.append(Message(payload(scan), topic("GR", "rejections")))
            truth.rejections.append((supply.vendor, "receiving", reason, when))
        for _ in range(rng.randint(2, 6)):  # refused at the line: the lot names the vendor
            lot, received_on, _ = rng.choice(lots)
            when = datetime.combine(received_on + timedelta(days=3), time(7), UTC)
            reason = rng.choice(("expired", "on_hold", "not_in_bom"))
            scan = rejected_scan(
                eid=event_id("rejected", next(counter)),
                when=when,
                reason=reason,
                material=supply.material,
                gtin=supply.gtin,
                lot=lot,
            )
            messages.append(Message(payload(scan), topic("L1", "rejections")))
            truth.rejections.append((supply.vendor, "line", reason, when))
    when = datetime(2026, 10, 20, 12, tzinfo=UTC)  # unreadable: names no lot, so no vendor
    scan = rejected_scan(eid=event_id("garbage"), when=when, reason="unreadable")
    messages.append(Message(payload(scan), topic("L2", "rejections")))
    truth.rejections.append((None, "line", "unreadable", when))
    rng.shuffle(messages)  # arrival order must not matter
    return messages, truth


def _spread(days: list[int]) -> dict[str, Any]:
    if not days:
        return {"count": 0, "min": None, "median": None}
    return {"count": len(days), "min": min(days), "median": statistics.median(days)}


def expected_report(
    truth: Truth, held: dict[str, int], recalled: dict[str, int], since: date | None = None
) -> list[dict[str, Any]]:
    """The vendor report the store must give, from the ground truth (and the holds the test
    issued: vendor -> number of its lots)."""
    since = since or date.min
    vendors = sorted({s.vendor for s in SUPPLIES})
    report = []
    for vendor in [*vendors, None]:
        rejected: dict[str, dict[str, int]] = {"line": {}, "receiving": {}}
        for who, stage, reason, when in truth.rejections:
            if who == vendor and when.date() >= since:
                rejected[stage][reason] = rejected[stage].get(reason, 0) + 1
        if vendor is None:
            entry = _entry(None, [], rejected, {}, {}, [])
        else:
            receipts = [r for r in truth.receipts[vendor] if r[1] >= since]
            uses = [(expiry - used).days for used, expiry in truth.uses[vendor] if used >= since]
            entry = _entry(vendor, receipts, rejected, held, recalled, uses)
        figures = (entry["receipts"], entry["held_lots"], entry["recalled_lots"])
        counts = [r["total"] for r in entry["rejected"].values()]
        if any(figures) or any(counts) or entry["expiry_margin_days"]["at_use"]["count"]:
            report.append(entry)  # a vendor with nothing in the period is not listed
    return report


def _entry(
    vendor: str | None,
    receipts: list[tuple[str, date, date]],
    rejected: dict[str, dict[str, int]],
    held: dict[str, int],
    recalled: dict[str, int],
    uses: list[int],
) -> dict[str, Any]:
    return {
        "vendor": vendor,
        "receipts": len(receipts),
        "lots_received": len({lot for lot, _, _ in receipts}),
        "rejected": {
            stage: {"total": sum(r.values()), "by_reason": dict(sorted(r.items()))}
            for stage, r in sorted(rejected.items())
        },
        "held_lots": held.get(vendor or "", 0),
        "recalled_lots": recalled.get(vendor or "", 0),
        "expiry_margin_days": {
            "at_receipt": _spread([(expiry - on).days for _, on, expiry in receipts]),
            "at_use": _spread(uses),
        },
    }
