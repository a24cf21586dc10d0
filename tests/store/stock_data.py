"""A generated dock for the stock tests and `bench.stock`: lots made, packed onto pallets, some
unpacked (partly, or whole), dispatched, some dispatches voided (and some of those shipped
again), pallets unpacked at the customer, scraps and counts; with the stock each lot must have,
kept by the generator itself as it goes (its ground truth, not the store's arithmetic).

Expiry dates are relative to `today` (from a few days ago to two months on).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from lotedge.store.shipments import sscc_of
from lotedge.wire.gs1 import join_gtin
from lotedge.wire.identifiers import gtin_lot_class

from .agent_events import (
    dispatch,
    event_id,
    output,
    packing,
    sscc,
    stock_adjustment,
    void_shipping,
)
from .shipping_data import C100

T0 = datetime(2026, 10, 1, 6, 0, tzinfo=UTC)
PRODUCTS = ("BREAD", "ROLLS", "CAKE")


def gtin_of(product: str) -> str:
    found = join_gtin("0614141", f"{PRODUCTS.index(product) + 1}77777")
    assert found is not None
    return found


@dataclass
class Expected:
    """What the generator says one lot's stock is."""

    gtin: str
    lot: str
    product: str
    expiry: str
    produced: float = 0.0
    shipped: float = 0.0
    adjusted: float = 0.0
    pallets: dict[str, float] = field(default_factory=dict)
    """SSCC digits -> quantity on that pallet, not shipped."""

    @property
    def on_hand(self) -> float:
        return self.produced - self.shipped + self.adjusted

    @property
    def loose(self) -> float:
        return self.on_hand - sum(self.pallets.values())


@dataclass
class StockStory:
    events: list[dict[str, Any]] = field(default_factory=list)
    expected: dict[str, Expected] = field(default_factory=dict)
    """Lot number -> its stock."""
    counts: dict[str, int] = field(default_factory=dict)
    """How many of each kind of dock event the story has."""


class _Writer:
    """Writes the story one event at a time, a minute apart, keeping the truth."""

    def __init__(self, lots: int, today: date, seed: int, lot_prefix: str) -> None:
        self.rng = random.Random(seed)
        self.story = StockStory()
        self.clock = iter(T0 + timedelta(minutes=n) for n in range(10**9))
        self.today = today
        self.lots = lots
        self.prefix = lot_prefix
        self.names: list[str] = []
        self.contents: dict[str, set[str]] = {}
        """SSCC digits -> the lots packed on it."""

    def add(self, kind: str, event: dict[str, Any]) -> None:
        self.story.events.append(event)
        self.story.counts[kind] = self.story.counts.get(kind, 0) + 1

    def when(self) -> datetime:
        return next(self.clock)

    def make(self) -> None:
        for n in range(self.lots):
            product = PRODUCTS[n % len(PRODUCTS)]
            lot = f"{self.prefix}{n:06d}"
            self.names.append(lot)
            expiry = self.today + timedelta(days=self.rng.randint(-3, 60))
            qty = float(self.rng.randint(20, 100))
            self.story.expected[lot] = Expected(gtin_of(product), lot, product, expiry.isoformat())
            self.story.expected[lot].produced = qty
            self.add(
                "produced",
                output(
                    self.lot_class(lot),
                    qty,
                    line="L1",
                    batch=f"B{lot}",
                    product=product,
                    expiry=expiry,
                    when=self.when(),
                    eid=event_id("stock", "out", lot),
                    unit="H87",
                ),
            )

    def lot_class(self, lot: str) -> str:
        return gtin_lot_class(self.story.expected[lot].gtin, lot)

    def pallet(self, serial: int) -> None:
        """One pallet: packed, then one fate."""
        unit, digits = sscc(serial, 1), sscc_of(sscc(serial, 1))
        assert digits is not None
        picked = {self.rng.choice(self.names) for _ in range(self.rng.randint(1, 3))}
        loose = [self.story.expected[lot] for lot in sorted(picked)]
        held: dict[str, float] = {}
        for expected in (e for e in loose if e.loose >= 1):
            held[expected.lot] = float(self.rng.randint(1, int(expected.loose)))
            expected.pallets[digits] = held[expected.lot]
        if not held:
            return
        self.contents[digits] = set(held)
        children = [(self.lot_class(lot), qty) for lot, qty in held.items()]
        self.add("packed", packing(unit, children, when=self.when(), eid=event_id("p", serial)))
        fate = self.rng.random()
        if fate < 0.1:  # a part of one lot taken off
            lot, qty = next(iter(held.items()))
            part = float(self.rng.randint(1, int(qty)))
            self.unpack(serial, unit, [(lot, part)])
        elif fate < 0.15:  # unpacked whole, never shipped
            self.unpack(serial, unit, [])
            return
        if fate < 0.7:
            self.ship(serial, unit, digits)

    def unpack(self, serial: int, unit: str, lots: list[tuple[str, float]]) -> None:
        digits = sscc_of(unit)
        assert digits is not None
        named = lots or [(e.lot, e.pallets[digits]) for e in self.on(digits)]
        for lot, qty in named:
            expected = self.story.expected[lot]
            expected.pallets[digits] -= qty
            if expected.pallets[digits] <= 0:
                del expected.pallets[digits]
        children = [(self.lot_class(lot), qty) for lot, qty in lots]
        eid = event_id("u", serial, len(self.story.events))
        self.add("unpacked", packing(unit, children, when=self.when(), eid=eid, action="DELETE"))

    def on(self, digits: str) -> list[Expected]:
        lots = (self.story.expected[lot] for lot in sorted(self.contents[digits]))
        return [e for e in lots if digits in e.pallets]

    def ship(self, serial: int, unit: str, digits: str) -> None:
        on_it = {e.lot: e.pallets.pop(digits) for e in self.on(digits)}
        for lot, qty in on_it.items():
            self.story.expected[lot].shipped += qty
        self.add("shipped", dispatch([unit], C100, when=self.when(), eid=event_id("s", serial)))
        if self.rng.random() < 0.2:  # voided: back on the dock, maybe shipped again
            eid = event_id("v", serial)
            self.add("voided", void_shipping([unit], when=self.when(), eid=eid))
            for lot, qty in on_it.items():
                self.story.expected[lot].shipped -= qty
                self.story.expected[lot].pallets[digits] = qty
            if self.rng.random() < 0.5:
                self.ship(serial + 10**8, unit, digits)
        elif self.rng.random() < 0.1:  # unpacked at the customer: shipped all the same
            eid = event_id("c", serial)
            self.add("unpacked", packing(unit, [], when=self.when(), eid=eid, action="DELETE"))

    def adjust(self, lot: Expected) -> None:
        if self.rng.random() < 0.5 and lot.loose >= 1:
            qty = float(self.rng.randint(1, int(lot.loose)))
            lot.adjusted -= qty
            event = stock_adjustment(
                [(self.lot_class(lot.lot), qty)],
                counted=False,
                when=self.when(),
                eid=event_id("scrap", lot.lot),
                reason="damaged",
            )
            self.add("scrapped", event)
        else:
            counted = max(sum(lot.pallets.values()), lot.on_hand + self.rng.randint(-3, 3))
            lot.adjusted += counted - lot.on_hand
            event = stock_adjustment(
                [(self.lot_class(lot.lot), counted)],
                counted=True,
                when=self.when(),
                eid=event_id("count", lot.lot),
            )
            self.add("counted", event)


def story(lots: int, today: date, *, seed: int = 22, lot_prefix: str = "S") -> StockStory:
    """`lots` lots made; about half as many pallets; a tenth of the lots adjusted after."""
    writer = _Writer(lots, today, seed, lot_prefix)
    writer.make()
    for serial in range(max(1, lots // 2)):
        writer.pallet(serial)
    for lot in writer.rng.sample(sorted(writer.story.expected), max(1, lots // 10)):
        writer.adjust(writer.story.expected[lot])
    return writer.story


def halves(events: list[dict[str, Any]], seed: int = 5) -> Iterator[list[dict[str, Any]]]:
    """The events in an arrival order of their own (shuffled), in two halves."""
    shuffled = list(events)
    random.Random(seed).shuffle(shuffled)
    middle = len(shuffled) // 2
    yield shuffled[:middle]
    yield shuffled[middle:]
