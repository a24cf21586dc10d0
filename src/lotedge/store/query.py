"""Trace queries: find a lot, follow it forward (where it went) or backward (what went into it).

Lots (and logistic units, serialised items, any identified object) are nodes; a step links
every input to every output: a transformation (batch), an aggregation (children into a
pallet), a shipping (to its destinations), a receiving (from its sources), a transaction
(`genealogy`). A trace is a breadth-first walk, one level per step: the steps that took in
the nodes reached so far, then all their flows. Every node and step is visited once, so
diamonds and rework cycles terminate, and the level is the depth. Each level is two lookups by
lists of ids on the indexes `lot_flows (lot, direction, transformation)` and `(transformation,
direction, lot)`. (A recursive CTE was measured too; docs/benchmarks.md says why it is not
used.) Retracted events' flows are not in `lot_flows`: a trace lists them apart, with the
error declaration's reason.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from lotedge.store.classes import gs1_key, parse_class
from lotedge.store.db import Database
from lotedge.wire.cbv import bare_word
from lotedge.wire.epc import DIGITAL_LINK_ROOT, parse_epc
from lotedge.wire.gs1 import gtin_14

Direction = Literal["forward", "backward"]
_RECEIPT_FIELDS = ("vendor", "reference", "reference_type", "received_at", "quantity", "uom")
_RECEIPTS_OF = f"""
SELECT lot, {", ".join(_RECEIPT_FIELDS)} FROM receipts WHERE lot IN ({{marks}})
ORDER BY received_at, event, position
"""
_LOT_COLUMNS = "id, epc_class, scheme, gtin, lot, material, vendor, product, expiry"
_CHUNK = 500

_BATCHES_OF = """
SELECT DISTINCT transformation FROM lot_flows WHERE direction = ? AND lot IN ({marks})
"""
_BATCH_FLOWS = """
SELECT t.id, t.uri, t.site, t.line, t.product, t.kind, f.direction, f.lot, f.quantity, f.uom,
       e.event_time
FROM lot_flows f
CROSS JOIN transformations t
CROSS JOIN events e
WHERE f.transformation IN ({marks}) AND t.id = f.transformation AND e.id = f.event
"""


_REFS_OF = """
SELECT transformation, role, type, uri FROM step_refs WHERE transformation IN ({marks})
ORDER BY role, type, uri
"""
_RETRACTED_OF = """
SELECT e.id, e.event_id, e.event_type, e.event_time, e.declared_at, e.declaration
FROM events e WHERE e.id IN (SELECT event FROM retracted_flows WHERE lot IN ({marks}))
"""
_RETRACTED_FLOWS = """
SELECT event, direction, lot, quantity, uom FROM retracted_flows WHERE event IN ({marks})
ORDER BY event, direction, position
"""
_REF_ROLES = {
    "source": "sources",
    "destination": "destinations",
    "bizTransaction": "biz_transactions",
}


class LotNotFound(LookupError):
    """No lot matches what was asked for."""


class AmbiguousLot(LookupError):
    """Several lots match; the caller must say which (by GTIN or full identifier)."""

    def __init__(self, query: str, candidates: list[LotInfo]) -> None:
        self.candidates = candidates
        super().__init__(f"lot {query!r} is ambiguous: {len(candidates)} lots match")


@dataclass(frozen=True)
class LotInfo:
    """A lot as the store knows it."""

    id: int
    epc_class: str
    scheme: str
    gtin: str | None
    lot: str | None
    material: str | None
    vendor: str | None
    product: str | None
    expiry: str | None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        del data["id"]
        return data


@dataclass(frozen=True)
class FlowTotal:
    """Quantity of one lot into or out of a batch, summed over its events."""

    lot: int
    quantity: float | None
    uom: str | None


@dataclass
class Batch:
    """One step (a transformation, aggregation, shipping ...): all its inputs feed all its
    outputs."""

    id: int
    uri: str
    site: str | None
    line: str | None
    product: str | None
    kind: str = "transformation"
    refs: list[tuple[str, str, str]] = field(default_factory=list)
    """(role, type, URI) of its sources, destinations and business transactions."""
    first_event: str = ""
    last_event: str = ""
    inputs: list[FlowTotal] = field(default_factory=list)
    outputs: list[FlowTotal] = field(default_factory=list)


@dataclass
class Trace:
    """The result of following one lot in one direction."""

    direction: Direction
    root: LotInfo
    lots: dict[int, LotInfo]
    """Every lot involved, including co-ingredients of the batches on the way."""
    depth: dict[int, int]
    """Steps from the root, for the lots on the trace itself (root is 0)."""
    batches: dict[int, Batch]
    batch_depth: dict[int, int]
    receipts: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    """Goods receipts of the lots on the trace (vendor, PO or delivery note, when, how much)."""
    retracted: list[dict[str, Any]] = field(default_factory=list)
    """Events that would be on the trace but an error declaration retracted."""

    def to_json(self) -> dict[str, Any]:
        """Plain data, sorted by depth then lot, as the CLI and the API return it: the lots
        reached, the batches (transformations), the other steps (aggregations, shipments ...)
        and the retracted events."""
        steps = self.sorted_batches()
        return {
            "direction": self.direction,
            "lot": self.root.to_json(),
            "lots": [
                {**self.lots[i].to_json(), "depth": d, "receipts": self.receipts.get(i, [])}
                for i, d in sorted(
                    self.depth.items(), key=lambda kv: (kv[1], _sort(self.lots[kv[0]]))
                )
            ],
            "batches": [self._batch_json(b) for b in steps if b.kind == "transformation"],
            "steps": [self._step_json(b) for b in steps if b.kind != "transformation"],
            "retracted": self.retracted,
        }

    def sorted_batches(self) -> list[Batch]:
        return sorted(
            self.batches.values(), key=lambda b: (self.batch_depth[b.id], b.last_event, b.uri)
        )

    def flows_json(self, totals: list[FlowTotal]) -> list[dict[str, Any]]:
        return [
            {
                "epc_class": self.lots[f.lot].epc_class,
                "lot": self.lots[f.lot].lot,
                "quantity": f.quantity,
                "uom": f.uom,
            }
            for f in totals
        ]

    def _step_json(self, step: Batch) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": step.kind,
            "id": step.uri,
            "depth": self.batch_depth[step.id],
            "event_time": step.last_event,
            "inputs": self.flows_json(step.inputs),
            "outputs": self.flows_json(step.outputs),
        }
        return data | refs_json(step.refs)

    def _batch_json(self, batch: Batch) -> dict[str, Any]:
        flows = self.flows_json
        return {
            "transformation_id": batch.uri,
            "site": batch.site,
            "line": batch.line,
            "product": batch.product,
            "depth": self.batch_depth[batch.id],
            "first_event": batch.first_event,
            "last_event": batch.last_event,
            "inputs": flows(batch.inputs),
            "outputs": flows(batch.outputs),
        } | ({"biz_transactions": refs_json(batch.refs)["biz_transactions"]} if batch.refs else {})


def refs_json(refs: list[tuple[str, str, str]]) -> dict[str, list[dict[str, str]]]:
    """A step's sources, destinations and business transactions as JSON lists."""
    data: dict[str, list[dict[str, str]]] = {key: [] for key in _REF_ROLES.values()}
    for role, kind, uri in refs:
        data[_REF_ROLES[role]].append({"type": kind, "id": uri})
    return data


def _sscc_key(text: str) -> str | None:
    """The node key of an SSCC given as its 18 digits; None for anything else."""
    if len(text) != 18 or not text.isdigit():
        return None
    epc = parse_epc(f"{DIGITAL_LINK_ROOT}/00/{text}")
    return epc.link if epc is not None else None


def _sort(lot: LotInfo) -> tuple[str, str]:
    return (lot.lot or "", lot.epc_class)


class TraceQueries:
    """Read-only questions to the trace database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def find_lots(self, text: str, gtin: str | None = None) -> list[LotInfo]:
        """Lots matching a full class identifier, a GTIN and lot, or a bare lot number; 18
        digits with an SSCC's check digit are that logistic unit too."""
        if gtin is not None:
            normalized = gtin_14(gtin)
            if normalized is None:
                raise LotNotFound(f"{gtin!r} is not a valid GTIN (8, 12, 13 or 14 digits)")
            where, params = "class_key = ?", [gs1_key(normalized, text)]
        elif text.startswith(("urn:", "http://", "https://")):
            where, params = "class_key = ?", [parse_class(text).key]
        elif (pallet := _sscc_key(text)) is not None:  # as printed under a pallet label
            where, params = "lot = ? OR class_key = ?", [text, pallet]
        else:
            where, params = "lot = ?", [text]
        rows = self.db.fetchall(
            f"SELECT {_LOT_COLUMNS} FROM lots WHERE {where} ORDER BY epc_class", params
        )
        return [LotInfo(*row) for row in rows]

    def resolve(self, text: str, gtin: str | None = None) -> LotInfo:
        """Exactly one lot, or LotNotFound / AmbiguousLot listing the candidates."""
        found = self.find_lots(text, gtin)
        if not found:
            hint = f" with GTIN {gtin}" if gtin else ""
            raise LotNotFound(f"no lot {text!r}{hint} in the trace store")
        if len(found) > 1:
            raise AmbiguousLot(text, found)
        return found[0]

    def trace(self, root: LotInfo, direction: Direction) -> Trace:
        """Every batch and lot reachable from `root` in `direction`, with depths."""
        start = "in" if direction == "forward" else "out"  # the side that leads onward
        batches: dict[int, Batch] = {}
        depth, batch_depth = {root.id: 0}, dict[int, int]()
        frontier, level = [root.id], 0
        while frontier:
            new = sorted(
                {row[0] for row in self.in_chunks(_BATCHES_OF, frontier, start)}
                - batch_depth.keys()
            )
            batch_depth.update(dict.fromkeys(new, level))
            self._load_batches(new, batches)
            level += 1
            frontier = []
            for tid in new:
                batch = batches[tid]
                for flow in batch.outputs if direction == "forward" else batch.inputs:
                    if flow.lot not in depth:
                        depth[flow.lot] = level
                        frontier.append(flow.lot)
        ids = {root.id} | {f.lot for b in batches.values() for f in (*b.inputs, *b.outputs)}
        lots = self._lots(ids)
        for batch in batches.values():  # rows come in no particular order
            batch.inputs.sort(key=lambda f: _sort(lots[f.lot]))
            batch.outputs.sort(key=lambda f: _sort(lots[f.lot]))
        receipts: dict[int, list[dict[str, Any]]] = {}
        for lot, *row in self.in_chunks(_RECEIPTS_OF, sorted(depth)):
            receipts.setdefault(lot, []).append(dict(zip(_RECEIPT_FIELDS, row, strict=True)))
        retracted = self._retracted(sorted(depth))
        return Trace(direction, root, lots, depth, batches, batch_depth, receipts, retracted)

    def consumers(self, lot: LotInfo) -> tuple[list[Batch], dict[int, LotInfo]]:
        """The batches that consumed `lot` directly, in time order, and the lots they name."""
        ids = sorted(row[0] for row in self.in_chunks(_BATCHES_OF, [lot.id], "in"))
        batches: dict[int, Batch] = {}
        self._load_batches(ids, batches)
        lots = self._lots(
            {lot.id} | {f.lot for b in batches.values() for f in (*b.inputs, *b.outputs)}
        )
        return sorted(batches.values(), key=lambda b: (b.first_event, b.uri)), lots

    def _load_batches(self, ids: list[int], batches: dict[int, Batch]) -> None:
        """Add batches `ids` with their flows (quantities summed per lot) to `batches`."""
        totals: dict[tuple[int, str, int], list[Any]] = {}
        for tid, uri, site, line, product, kind, side, lot, qty, uom, when in self.in_chunks(
            _BATCH_FLOWS, ids
        ):
            batch = batches.get(tid) or batches.setdefault(
                tid, Batch(tid, uri, site, line, product, kind)
            )
            batch.first_event = min(batch.first_event or when, when)
            batch.last_event = max(batch.last_event, when)
            total = totals.setdefault((tid, side, lot), [None, uom])
            if qty is not None:
                total[0] = (total[0] or 0.0) + qty
        for (tid, side, lot), (qty, uom) in totals.items():
            (batches[tid].inputs if side == "in" else batches[tid].outputs).append(
                FlowTotal(lot, qty, uom)
            )
        for tid, role, kind, uri in self.in_chunks(_REFS_OF, ids):
            batches[tid].refs.append((role, kind, uri))

    def _retracted(self, lot_ids: list[int]) -> list[dict[str, Any]]:
        """The retracted events with a flow of one of `lot_ids`: when, why, which lots."""
        events = {row[0]: row[1:] for row in self.in_chunks(_RETRACTED_OF, lot_ids)}
        if not events:
            return []
        flows = list(self.in_chunks(_RETRACTED_FLOWS, sorted(events)))
        lots = self._lots({row[2] for row in flows})
        found = []
        for row, (event_id, event_type, event_time, declared_at, declaration) in sorted(
            events.items(), key=lambda kv: (kv[1][2], kv[1][0])
        ):
            body = json.loads(declaration)
            sides = {
                side: [
                    {
                        "epc_class": lots[lot].epc_class,
                        "lot": lots[lot].lot,
                        "quantity": qty,
                        "uom": uom,
                    }
                    for event, direction, lot, qty, uom in flows
                    if event == row and direction == side
                ]
                for side in ("in", "out")
            }
            found.append(
                {
                    "event_id": event_id,
                    "event_type": event_type,
                    "event_time": event_time,
                    "declared_at": declared_at,
                    "reason": bare_word("errorReason", body.get("reason") or "") or None,
                    "corrective_event_ids": body.get("correctiveEventIDs", []),
                    "inputs": sides["in"],
                    "outputs": sides["out"],
                }
            )
        return found

    def _lots(self, ids: Iterable[int]) -> dict[int, LotInfo]:
        sql = f"SELECT {_LOT_COLUMNS} FROM lots WHERE id IN ({{marks}})"
        return {row[0]: LotInfo(*row) for row in self.in_chunks(sql, sorted(ids))}

    def in_chunks(self, sql: str, ids: list[int], *first: Any) -> Iterator[tuple[Any, ...]]:
        """Rows of `sql` whose `{marks}` becomes one placeholder per id, a chunk at a time;
        `first` are the parameters before the id list."""
        for i in range(0, len(ids), _CHUNK):
            chunk = ids[i : i + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            yield from self.db.fetchall(sql.format(marks=marks), [*first, *chunk])

    def steps(self, ids: list[int]) -> tuple[dict[int, Batch], dict[int, LotInfo]]:
        """The steps `ids` with their flows, and every lot they name."""
        batches: dict[int, Batch] = {}
        self._load_batches(ids, batches)
        lots = self._lots({f.lot for b in batches.values() for f in (*b.inputs, *b.outputs)})
        return batches, lots
