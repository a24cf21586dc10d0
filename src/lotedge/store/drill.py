"""The mock-recall drill: one lot's backward and forward trace, what they reach (lots,
pallets, the shipments: customers and quantities), FDA's spreadsheet and the rest of the
package a recall hands over, each step timed.

The package in the output directory: `<lot>-fsma204.xlsx` (the sortable spreadsheet),
`<lot>-recall.csv` (the recall report), `<lot>-drill.json` (both traces, the affected items and
the timings) and `<lot>-genealogy.svg` (the picture).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lotedge.masterdata.locations import LocationBook
from lotedge.store import graph, recall
from lotedge.store.customers import CustomerBook
from lotedge.store.fsma204 import Fsma204
from lotedge.store.query import LotInfo, Trace, TraceQueries
from lotedge.store.shipments import shipments
from lotedge.store.spreadsheet import to_xlsx
from lotedge.wire.epc import parse_epc


@dataclass(frozen=True)
class Timing:
    step: str
    seconds: float


@dataclass
class Drill:
    """What a drill found and how long each step took."""

    lot: LotInfo
    lots: list[dict[str, Any]] = field(default_factory=list)
    """Every lot on the forward trace (the root first): lot, product, depth, quantity made."""
    pallets: list[str] = field(default_factory=list)
    """SSCCs of the logistic units the affected lots were packed into."""
    shipments: list[dict[str, Any]] = field(default_factory=list)
    """The shipments of the affected lots (customer, SSCC, time, lots and quantities)."""
    incomplete: int = 0
    """Records in the spreadsheet with a key data element missing."""
    timings: list[Timing] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    @property
    def customers(self) -> list[str]:
        """The customers the affected lots were shipped to, by name (or code, or GLN)."""
        return sorted({_customer_text(s["customer"]) for s in self.shipments})

    @property
    def seconds(self) -> float:
        return sum(t.seconds for t in self.timings)

    def summary(self) -> dict[str, Any]:
        return {
            "lot": self.lot.to_json(),
            "affected_lots": self.lots,
            "pallets": self.pallets,
            "customers": self.customers,
            "shipments": self.shipments,
            "records_missing_kdes": self.incomplete,
            "timings": [{"step": t.step, "seconds": round(t.seconds, 6)} for t in self.timings],
            "seconds": round(self.seconds, 6),
        }

    def text(self) -> str:
        """The drill as the CLI prints it."""
        lines = [f"mock recall of {self.lot.lot or self.lot.epc_class} ({self.lot.epc_class})"]
        lines.append(f"affected lots: {len(self.lots)}")
        for item in self.lots:
            amount = "" if item["quantity"] is None else f" {item['quantity']:g} {item['uom']}"
            lines.append(
                f"  {'  ' * item['depth']}{item['lot'] or item['epc_class']} "
                f"{item['product'] or ''}{amount}".rstrip()
            )
        lines.append(f"pallets: {len(self.pallets)} {' '.join(self.pallets)}".rstrip())
        lines.append(f"customers: {len(self.customers)}")
        for s in self.shipments:
            shipped = ", ".join(_lot_text(lot) for lot in s["lots"])
            unit = s["sscc"] or s["unit"]
            lines.append(
                f"  {_customer_text(s['customer'])}: {shipped} on {unit}, {s['shipped_at'][:16]}"
            )
        if self.incomplete:
            lines.append(f"records with a key data element missing: {self.incomplete}")
        lines.append("timings:")
        lines += [f"  {t.step:<24} {t.seconds * 1000:9.1f} ms" for t in self.timings]
        lines.append(f"  {'total':<24} {self.seconds * 1000:9.1f} ms")
        lines += [f"wrote {path}" for path in self.files]
        return "\n".join(lines) + "\n"


def run_drill(
    queries: TraceQueries,
    lot: LotInfo,
    customers: CustomerBook,
    locations: LocationBook,
    out_dir: Path | None = None,
    *,
    clock: Callable[[], float] = time.perf_counter,
) -> Drill:
    """Trace `lot` both ways, list what it reached and who received it (the `customers`) and,
    with `out_dir`, write the package."""
    drill = Drill(lot)

    @contextmanager
    def timed(step: str) -> Iterator[None]:
        start = clock()
        yield
        drill.timings.append(Timing(step, clock() - start))

    with timed("backward trace"):
        backward = queries.trace(lot, "backward")
    with timed("forward trace"):
        forward = queries.trace(lot, "forward")
    with timed("affected items"):
        _affected(drill, forward)
    with timed("shipments"):
        shipped = shipments(queries, forward, customers)
        drill.shipments = [s.to_json(forward) for s in shipped]
    with timed("FSMA 204 records"):
        records = Fsma204(queries, locations, customers).lot_records(backward, forward, shipped)
        drill.incomplete = len(records.incomplete())
    if out_dir is None:
        return drill
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = _file_name(lot.lot or lot.epc_class)
    with timed("spreadsheet (xlsx)"):
        drill.files.append(_write(out_dir / f"{stem}-fsma204.xlsx", to_xlsx(records)))
    with timed("recall report (csv)"):
        csv_text = recall.to_csv(recall.recall_rows(forward, shipped))
        drill.files.append(_write(out_dir / f"{stem}-recall.csv", csv_text.encode()))
    with timed("genealogy (svg)"):
        svg = graph.to_svg(graph.genealogy(forward, backward, shipped))
        drill.files.append(_write(out_dir / f"{stem}-genealogy.svg", svg.encode()))
    with timed("package (json)"):
        path = out_dir / f"{stem}-drill.json"
        drill.files.append(path)
        data = {**drill.summary(), "backward": backward.to_json(), "forward": forward.to_json()}
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return drill


def _affected(drill: Drill, forward: Trace) -> None:
    made: dict[int, list[Any]] = {}
    for step in forward.batches.values():
        for flow in step.outputs:
            total = made.setdefault(flow.lot, [None, flow.uom])
            if flow.quantity is not None:
                total[0] = (total[0] or 0.0) + flow.quantity
    for lot_id, depth in sorted(forward.depth.items(), key=lambda kv: (kv[1], kv[0])):
        info = forward.lots[lot_id]
        if info.scheme == "sscc":
            epc = parse_epc(info.epc_class)
            drill.pallets.append(epc.key if epc is not None else info.epc_class)
            continue
        quantity, uom = made.get(lot_id, [None, None])
        drill.lots.append(
            {
                "lot": info.lot,
                "epc_class": info.epc_class,
                "product": info.product or info.material,
                "depth": depth,
                "quantity": quantity,
                "uom": uom,
            }
        )


def _customer_text(customer: dict[str, Any] | None) -> str:
    if customer is None:
        return "(customer unknown)"
    return str(customer["name"] or customer["code"] or f"GLN {customer['gln']}")


def _lot_text(lot: dict[str, Any]) -> str:
    amount = "" if lot["quantity"] is None else f" {lot['quantity']:g} {lot['uom'] or ''}"
    return f"{lot['lot'] or lot['epc_class']}{amount}".rstrip()


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _file_name(text: str) -> str:
    """A lot as a safe file name (lots come from barcodes).

    >>> _file_name("../A B/1")
    '.._A_B_1'
    """
    return re.sub(r"[^A-Za-z0-9._-]", "_", text)[:80] or "lot"
