"""Stock of our product lots: what each batch made, less what was shipped, plus adjustments,
per GTIN and lot in the product's unit, and where what is left is (loose, or on which pallet not
yet shipped). Docs: docs/trace-store.md, "Stock by lot".

Computed when asked, from the stored events (no table kept at ingest): events arrive out of order
and can be retracted later, so a running total would have to be rebuilt on every late or
retracting event; replaying what is stored in event-time order is always right, survives a
restart of the store, and reads five indexed selections.

The replay, in event time (at one time: produce, pack, unpack, ship, void, adjust):

* `produced`: the outputs of batch ends (TransformationEvent outputs) of lots with a product.
* packing (`AggregationEvent` `ADD`/`OBSERVE`, `childQuantityList`) puts quantities of a lot on
  a pallet; unpacking (`DELETE`: the children it names by quantity or whole; naming none,
  everything) takes them off. Neither changes the stock, only where it is.
* shipping (a genealogy `shipping` step: `ObjectEvent` bizStep `shipping`) of a pallet takes
  what it holds at that time out of stock; `void_shipping` of the pallet cancels its latest
  shipment not yet cancelled and puts that back. A lot shipped loose ships its quantity.
* scrap (`ObjectEvent` bizStep `destroying`, `quantityList`) takes its quantity off; a count
  (`ObjectEvent` bizStep `cycle_counting`, `quantityList`: the quantity counted) sets the stock
  to it. Both are `adjusted` (the count by the difference it makes).

So `on_hand = produced - shipped + adjusted`, exactly. Retracted events count for nothing.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from lotedge.store.db import Database
from lotedge.store.fields import Bad
from lotedge.store.genealogy import flows_of
from lotedge.store.shipments import VOID_SHIPPING, sscc_of, unpacked

SCRAP, COUNT = "destroying", "cycle_counting"
_OUR_LOTS = (
    "SELECT id, class_key, epc_class, gtin, lot, product, expiry FROM lots"
    " WHERE product IS NOT NULL AND gtin IS NOT NULL"
)
_UNITS = "SELECT id, epc_class FROM lots WHERE scheme = 'sscc'"
_FLOWS = (
    "SELECT e.event_time, f.event, f.direction, f.lot, f.quantity, f.uom"
    " FROM lot_flows f CROSS JOIN transformations t CROSS JOIN events e"
    " WHERE t.id = f.transformation AND e.id = f.event AND t.kind = ?"
)
_MARKED = (
    "SELECT e.event_time, e.id, o.node, e.body FROM event_objects o CROSS JOIN events e"
    " WHERE e.id = o.event AND e.declared_at IS NULL AND o.role = ? AND {which}"
)
_UNPACKS = _MARKED.format(which="e.event_type = 'AggregationEvent' AND e.action = 'DELETE'")
_VOIDS = _MARKED.format(which="e.biz_step = ?")
_ADJUSTMENTS = (
    "SELECT event_time, id, biz_step, body FROM events WHERE event_type = 'ObjectEvent'"
    " AND declared_at IS NULL AND biz_step IN (?, ?)"
)
_PRODUCE, _PACK, _UNPACK, _SHIP, _VOID, _ADJUST = range(6)


@dataclass
class LotStock:
    """One lot of ours: its figures, and where what is left is."""

    id: int
    epc_class: str
    gtin: str
    lot: str
    product: str
    expiry: str | None
    uom: str | None = None
    produced: float = 0.0
    shipped: float = 0.0
    adjusted: float = 0.0
    pallets: dict[str, float] = field(default_factory=dict)
    """SSCC -> quantity on that pallet, not shipped."""

    @property
    def on_hand(self) -> float:
        return self.produced - self.shipped + self.adjusted

    @property
    def loose(self) -> float:
        """On hand and on no pallet."""
        return self.on_hand - sum(self.pallets.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "gtin": self.gtin,
            "lot": self.lot,
            "epc_class": self.epc_class,
            "product": self.product,
            "expiry": self.expiry,
            "uom": self.uom,
            "produced": tidy(self.produced),
            "shipped": tidy(self.shipped),
            "adjusted": tidy(self.adjusted),
            "on_hand": tidy(self.on_hand),
            "unshipped_loose": tidy(self.loose),
            "pallets": [{"sscc": s, "quantity": tidy(q)} for s, q in sorted(self.pallets.items())],
        }


def stock(db: Database, *, product: str | None = None, gtin: str | None = None) -> list[LotStock]:
    """Every lot of ours (or of one product code or GTIN), by GTIN and lot."""
    rows = db.fetchall(_OUR_LOTS)
    lots = {row[0]: LotStock(row[0], *row[2:]) for row in rows}
    keys = {row[1]: row[0] for row in rows}
    _Replay(lots, _sscc_units(db)).run(_timeline(db, lots, keys))
    found = [
        s
        for s in lots.values()
        if (product is None or s.product == product) and (gtin is None or s.gtin == gtin)
    ]
    return sorted(found, key=lambda s: (s.gtin, s.lot))


def expiring(db: Database, today: date, within_days: int) -> list[LotStock]:
    """Lots with stock left that expire by `today` + `within_days` (or have expired), oldest
    first."""
    until = (today + timedelta(days=within_days)).isoformat()
    left = [s for s in stock(db) if s.expiry and s.expiry[:10] <= until and s.on_hand > 1e-9]
    return sorted(left, key=lambda s: (s.expiry or "", s.gtin, s.lot))


def within_days(text: str) -> int:
    """A window of days as `14d` or `14` (ValueError otherwise).

    >>> within_days("14d"), within_days("0")
    (14, 0)
    """
    days = text.strip().removesuffix("d")
    if not days.isdigit() or len(days) > 5:
        raise ValueError(f"within must be a number of days, e.g. 14d; got {text!r}")
    return int(days)


_Op = tuple[str, int, int, int, Any]
"""(time, kind, event row, node, what): one step of the replay."""


def _timeline(db: Database, lots: dict[int, LotStock], keys: dict[str, int]) -> list[_Op]:
    ops: list[_Op] = []
    for at, event, direction, lot, qty, uom in db.fetchall(_FLOWS, ("transformation",)):
        if direction == "out" and lot in lots and qty is not None:
            ops.append((at, _PRODUCE, event, lot, qty))
            lots[lot].uom = lots[lot].uom or uom
    packs: dict[int, tuple[str, list[int], dict[int, float]]] = {}
    for at, event, direction, lot, qty, _uom in db.fetchall(_FLOWS, ("aggregation",)):
        _at, parents, children = packs.setdefault(event, (at, [], defaultdict(float)))
        if direction == "out":
            parents.append(lot)
        elif lot in lots and qty is not None:
            children[lot] += qty
    for event, (at, parents, children) in packs.items():
        ops += [(at, _PACK, event, parent, dict(children)) for parent in parents]
    for at, event, unit, body in db.fetchall(_UNPACKS, ("parent",)):
        named = unpacked(json.loads(body))  # none: everything
        taken = {keys[k]: q for k, q in named.items() if k in keys} if named else None
        ops.append((at, _UNPACK, event, unit, taken))
    for at, event, direction, unit, qty, _uom in db.fetchall(_FLOWS, ("shipping",)):
        if direction == "in":
            ops.append((at, _SHIP, event, unit, qty))
    for at, event, unit, _body in db.fetchall(_VOIDS, ("epc", VOID_SHIPPING)):
        ops.append((at, _VOID, event, unit, None))
    for at, event, step, body in db.fetchall(_ADJUSTMENTS, (SCRAP, COUNT)):
        for lot, qty in _adjusted(json.loads(body), keys):
            ops.append((at, _ADJUST, event, lot, (step, qty)))
    return sorted(ops, key=lambda op: op[:4])


def _adjusted(event: dict[str, Any], keys: dict[str, int]) -> list[tuple[int, float]]:
    """The lots of ours a scrap or count names, with their quantity."""
    try:
        flows = flows_of(event, "in", ("quantityList",))
    except Bad:  # stored events passed these checks; an unreadable one adjusts nothing
        return []
    return [
        (keys[f.lot.key], f.quantity) for f in flows if f.lot.key in keys and f.quantity is not None
    ]


def _sscc_units(db: Database) -> dict[int, str]:
    units: dict[int, str] = {}
    for unit, epc_class in db.fetchall(_UNITS):
        digits = sscc_of(epc_class)
        if digits is not None:
            units[unit] = digits
    return units


class _Replay:
    """The stock moves of the timeline, applied in order to `lots`."""

    def __init__(self, lots: dict[int, LotStock], ssccs: dict[int, str]) -> None:
        self.lots = lots
        self.ssccs = ssccs
        self.held: dict[int, dict[int, float]] = defaultdict(dict)
        """Unit -> lot -> quantity on it now."""
        self.shipments: dict[int, list[dict[int, float]]] = defaultdict(list)
        """Unit -> what each of its shipments not voided took, in order."""

    def run(self, ops: list[_Op]) -> None:
        for _at, kind, _event, node, what in ops:
            if kind == _PRODUCE:
                self.lots[node].produced += what
            elif kind == _PACK:
                for lot, qty in what.items():
                    self.held[node][lot] = self.held[node].get(lot, 0.0) + qty
            elif kind == _UNPACK:
                self._unpack(node, what)
            elif kind == _SHIP:
                self._ship(node, what)
            elif kind == _VOID and self.shipments[node]:
                for lot, qty in self.shipments[node].pop().items():
                    self.lots[lot].shipped -= qty
            elif kind == _ADJUST:
                step, qty = what
                lot = self.lots[node]
                lot.adjusted += -qty if step == SCRAP else qty - lot.on_hand
        for unit, held in self.held.items():
            if unit in self.ssccs and not self.shipments[unit]:
                for lot, qty in held.items():
                    if qty > 1e-9:
                        self.lots[lot].pallets[self.ssccs[unit]] = qty

    def _unpack(self, unit: int, taken: dict[int, float | None] | None) -> None:
        """Take `taken` (lot -> quantity, None: all of it) off `unit`; None: everything."""
        held = self.held[unit]
        for lot in list(held) if taken is None else taken:
            qty = None if taken is None else taken[lot]
            left = 0.0 if qty is None else held.get(lot, 0.0) - qty
            if left > 1e-9:
                held[lot] = left
            else:
                held.pop(lot, None)

    def _ship(self, unit: int, quantity: float | None) -> None:
        if unit in self.lots:  # a lot shipped loose
            self.lots[unit].shipped += quantity or 0.0
            return
        taken = {} if self.shipments[unit] else dict(self.held[unit])
        for lot, qty in taken.items():
            self.lots[lot].shipped += qty
        self.shipments[unit].append(taken)


def tidy(value: float) -> float:
    """A sum of floats without its rounding noise."""
    return round(value, 6) + 0.0
