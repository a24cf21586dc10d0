"""Shipments of a recall: which customer received how much of the affected lots, on which pallet
(SSCC), when, under which purchase order, despatch advice or bill of lading.

From a lot's forward trace: every shipping step it reached, and for each logistic unit the
step shipped that the trace reached, what the unit held of the affected lots at the time of
shipping. The contents are replayed from the packing (`AggregationEvent` `ADD` or `OBSERVE`,
quantities added) and unpacking (`DELETE`: the children it names, by their quantity or whole;
naming none, everything) events of the unit up to the shipping event's time. So a pallet
unpacked before dispatch ships none of what it held, and one unpacked at the customer ships
all of it. A lot shipped loose (itself in the shipping event) ships the event's quantity.

A shipment is void when an `ObjectEvent` with bizStep `void_shipping` names the unit at or after
it: each void cancels the latest shipment of that unit before it that no other void cancelled,
so a pallet voided and shipped again counts once. Retracted events count for nothing.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from lotedge.store.customers import CustomerBook, ShipTo
from lotedge.store.fields import Bad
from lotedge.store.genealogy import flows_of
from lotedge.store.query import Batch, Trace, TraceQueries, refs_json
from lotedge.wire.epc import parse_epc

VOID_SHIPPING = "void_shipping"
_UNPACKS_AND_VOIDS = """
SELECT o.node, e.event_time, e.id, e.biz_step, e.body
FROM event_objects o CROSS JOIN events e
WHERE o.node IN ({marks}) AND o.role IN ('parent', 'epc') AND e.id = o.event
  AND e.declared_at IS NULL
  AND ((o.role = 'parent' AND e.action = 'DELETE' AND e.event_type = 'AggregationEvent')
       OR (o.role = 'epc' AND e.biz_step = 'void_shipping'))
"""
_CLASS_KEYS = "SELECT id, class_key FROM lots WHERE id IN ({marks})"


@dataclass(frozen=True)
class ShippedLot:
    """An affected lot on a shipped unit: its node and the quantity shipped (None: unknown)."""

    lot: int
    quantity: float | None
    uom: str | None


@dataclass
class Shipment:
    """One logistic unit (or a loose lot) of one shipping event, with the affected lots on it."""

    event_id: str
    shipped_at: str
    unit: int
    """The node shipped: a pallet (SSCC), or a lot shipped loose."""
    sscc: str | None
    customer: ShipTo | None
    step: Batch
    lots: list[ShippedLot] = field(default_factory=list)

    def to_json(self, trace: Trace) -> dict[str, Any]:
        refs = refs_json(self.step.refs)
        return {
            "customer": self.customer.to_json() if self.customer else None,
            "sscc": self.sscc,
            "unit": trace.lots[self.unit].epc_class,
            "shipped_at": self.shipped_at,
            "event_id": self.event_id,
            "lots": [
                {
                    "lot": trace.lots[s.lot].lot,
                    "gtin": trace.lots[s.lot].gtin,
                    "epc_class": trace.lots[s.lot].epc_class,
                    "quantity": s.quantity,
                    "uom": s.uom,
                }
                for s in self.lots
            ],
            "references": refs["biz_transactions"],
            "destinations": refs["destinations"],
        }


def shipments(queries: TraceQueries, trace: Trace, customers: CustomerBook) -> list[Shipment]:
    """The shipments of the affected lots of a forward `trace`, in time order."""
    shipped = [
        (step, flow)
        for step in trace.batches.values()
        if step.kind == "shipping"
        for flow in step.inputs
        if flow.lot in trace.depth
    ]
    if not shipped:
        return []
    units = sorted({flow.lot for _, flow in shipped})
    packings = _packings(trace, set(units))
    unpacks, voids = _unpacks_and_voids(queries, units)
    keys = dict(queries.in_chunks(_CLASS_KEYS, sorted({c for p in packings.values() for c in p})))
    found = []
    for step, flow in sorted(shipped, key=lambda s: (s[0].last_event, s[0].uri, s[1].lot)):
        if flow.lot in packings:
            lots = _contents(packings[flow.lot], unpacks.get(flow.lot, []), keys, step.last_event)
        else:
            lots = [ShippedLot(flow.lot, flow.quantity, flow.uom)]
        destinations = [(kind, uri) for role, kind, uri in step.refs if role == "destination"]
        shipment = Shipment(
            step.uri,
            step.last_event,
            flow.lot,
            sscc_of(trace.lots[flow.lot].epc_class),
            customers.ship_to(destinations),
            step,
            lots,
        )
        found.append(shipment)
    return [s for s in _not_voided(found, voids) if s.lots]


_Packing = dict[int, list[tuple[str, float | None, str | None]]]
"""Per affected child: the (time, quantity, uom) of each packing of it into the unit."""


def _packings(trace: Trace, units: set[int]) -> dict[int, _Packing]:
    """The packings of affected lots into each of `units` the trace reached."""
    packings: dict[int, _Packing] = {}
    for step in trace.batches.values():
        if step.kind != "aggregation":
            continue
        for parent in step.outputs:
            if parent.lot not in units:
                continue
            children = packings.setdefault(parent.lot, {})
            for child in step.inputs:
                if child.lot in trace.depth and child.lot != parent.lot:
                    entry = (step.last_event, child.quantity, child.uom)
                    children.setdefault(child.lot, []).append(entry)
    return packings


@dataclass(frozen=True)
class _Unpack:
    at: str
    everything: bool
    children: dict[str, float | None]
    """Class key -> quantity taken off (None: all of it)."""


def _unpacks_and_voids(
    queries: TraceQueries, units: list[int]
) -> tuple[dict[int, list[_Unpack]], dict[int, list[str]]]:
    unpacks: dict[int, list[_Unpack]] = defaultdict(list)
    voids: dict[int, list[str]] = defaultdict(list)
    for unit, at, _row, biz_step, body in queries.in_chunks(_UNPACKS_AND_VOIDS, units):
        if biz_step == VOID_SHIPPING:
            voids[unit].append(at)
            continue
        children = unpacked(json.loads(body))
        unpacks[unit].append(_Unpack(at, not children, children))
    return unpacks, voids


def unpacked(event: dict[str, Any]) -> dict[str, float | None]:
    """The children a DELETE names, by class key, with the quantity taken off (None: all)."""
    try:
        flows = flows_of(event, "in", ("childEPCs", "childQuantityList"))
    except Bad:  # stored events passed these checks; an unreadable one takes nothing off
        return {}
    taken: dict[str, float | None] = {}
    for flow in flows:
        before = taken.get(flow.lot.key, 0.0)
        taken[flow.lot.key] = (
            None if flow.quantity is None or before is None else before + flow.quantity
        )
    return taken


def _contents(
    packed: _Packing, unpacks: list[_Unpack], keys: dict[int, str], at: str
) -> list[ShippedLot]:
    """What the unit held of each affected lot at time `at`: packings and unpacks replayed in
    time order (an unpack at the same time as a packing comes after it)."""
    held = []
    for lot, packings in sorted(packed.items()):
        timeline = [(when, 0, qty, uom) for when, qty, uom in packings if when <= at]
        for unpack in unpacks:
            key = keys.get(lot, "")
            if unpack.at <= at and (unpack.everything or key in unpack.children):
                taken = None if unpack.everything else unpack.children[key]
                timeline.append((unpack.at, 1, taken, None))
        amount: float | None = 0.0
        on_unit, uom = False, None
        for _when, unpacking, qty, unit in sorted(timeline, key=lambda t: (t[0], t[1])):
            if unpacking:
                if qty is None or (amount is not None and amount - qty <= 0):
                    amount, on_unit = 0.0, False
                elif amount is not None:  # an unknown amount less some: still on it
                    amount -= qty
            else:
                amount = None if qty is None or amount is None else amount + qty
                on_unit, uom = True, unit or uom
        if on_unit:
            held.append(ShippedLot(lot, amount, uom))
    return held


def _not_voided(found: list[Shipment], voids: dict[int, list[str]]) -> list[Shipment]:
    """`found` without the shipments a `void_shipping` of their unit cancelled."""
    cancelled: set[int] = set()
    by_unit: dict[int, list[int]] = defaultdict(list)
    for index, shipment in enumerate(found):  # found is in time order
        by_unit[shipment.unit].append(index)
    for unit, times in voids.items():
        for at in sorted(times):
            open_before = [
                i for i in by_unit.get(unit, []) if found[i].shipped_at <= at and i not in cancelled
            ]
            if open_before:
                cancelled.add(open_before[-1])
    return [s for i, s in enumerate(found) if i not in cancelled]


def sscc_of(identifier: str) -> str | None:
    """The 18 digits of an SSCC in any form; None for another identifier."""
    epc = parse_epc(identifier)
    return epc.key if epc is not None and epc.scheme == "sscc" else None
