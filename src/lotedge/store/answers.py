"""Answers shared by the CLI and the HTTP API: a lot's trace, recall report or picture, the
vendor report, rendered."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from lotedge.masterdata.locations import LocationBook
from lotedge.masterdata.suggestions import unknown
from lotedge.store import graph, holds, recall, stock, vendors
from lotedge.store.customers import CustomerBook
from lotedge.store.fsma204 import Fsma204
from lotedge.store.fsma204 import Records as Fsma204Records
from lotedge.store.query import Direction, LotInfo, TraceQueries
from lotedge.store.shipments import shipments
from lotedge.store.spreadsheet import XLSX_TYPE, to_xlsx


class UnknownVendor(LookupError):
    """The vendor report was asked for a vendor the store has nothing about."""


@dataclass(frozen=True)
class Answer:
    """A rendered answer: its media type and text (or bytes: a spreadsheet)."""

    content_type: str
    text: str = ""
    binary: bytes | None = None

    def encoded(self) -> bytes:
        return self.text.encode() if self.binary is None else self.binary


def trace_answer(queries: TraceQueries, lot: LotInfo, direction: Direction) -> Answer:
    """The forward or backward trace of a lot as JSON."""
    return Answer("application/json", _json(queries.trace(lot, direction).to_json()))


def recall_answer(
    queries: TraceQueries,
    lot: LotInfo,
    fmt: str,
    customers: CustomerBook | None = None,
    *,
    locations: LocationBook | None = None,
) -> Answer:
    """The recall report of a lot as `csv` or `json`, with its shipments to `customers`, or
    FDA's sortable spreadsheet of its records (`fsma204`, XLSX; places from `locations`)."""
    if fmt == "fsma204":
        records = fsma204_records(queries, lot, customers, locations)
        return Answer(XLSX_TYPE, binary=to_xlsx(records))
    trace = queries.trace(lot, "forward")
    shipped = shipments(queries, trace, customers or CustomerBook())
    rows = recall.recall_rows(trace, shipped)
    if fmt == "csv":
        return Answer("text/csv; charset=utf-8", recall.to_csv(rows))
    data = {"lot": lot.to_json(), "rows": rows, "shipments": recall.shipment_rows(trace, shipped)}
    return Answer("application/json", _json(data))


def fsma204_records(
    queries: TraceQueries,
    lot: LotInfo,
    customers: CustomerBook | None = None,
    locations: LocationBook | None = None,
) -> Fsma204Records:
    """The FSMA 204 records of a lot's backward and forward trace and of its shipments."""
    customers = customers or CustomerBook()
    forward = queries.trace(lot, "forward")
    shipped = shipments(queries, forward, customers)
    builder = Fsma204(queries, locations or LocationBook(), customers)
    return builder.lot_records(queries.trace(lot, "backward"), forward, shipped)


def graph_answer(
    queries: TraceQueries, lot: LotInfo, fmt: str, customers: CustomerBook | None = None
) -> Answer:
    """The genealogy of a lot (both directions) as `dot` or `svg`, with the customers its
    pallets were shipped to."""
    forward = queries.trace(lot, "forward")
    shipped = shipments(queries, forward, customers or CustomerBook())
    picture = graph.genealogy(forward, queries.trace(lot, "backward"), shipped)
    if fmt == "svg":
        return Answer("image/svg+xml", graph.to_svg(picture))
    return Answer("text/vnd.graphviz; charset=utf-8", graph.to_dot(picture))


def vendors_answer(
    queries: TraceQueries, fmt: str, *, since: str | None = None, vendor: str | None = None
) -> Answer:
    """The vendor quality report (every vendor, or one) as `csv` or `json`. `since` is a date
    (`YYYY-MM-DD`; ValueError otherwise); UnknownVendor when `vendor` has no figures."""
    if since is not None:
        date.fromisoformat(since)
    report = vendors.VendorReport(queries.db)
    entries = report.vendors(since=since, vendor=vendor)
    if vendor is not None and not entries:
        known = [e["vendor"] for e in report.vendors(since=since) if e["vendor"]]
        raise UnknownVendor(
            unknown("vendor", vendor, known, "no receipts, rejections or holds of it")
        )
    if fmt == "csv":
        return Answer("text/csv; charset=utf-8", vendors.vendors_csv(entries))
    return Answer("application/json", _json({"since": since, "vendors": entries}))


def vendor_lot_answer(queries: TraceQueries, lot: LotInfo, fmt: str) -> Answer:
    """A vendor lot's receipts and the batches that consumed it, as `csv` or `json`."""
    report = vendors.VendorReport(queries.db).vendor_lot(lot)
    if fmt == "csv":
        return Answer("text/csv; charset=utf-8", vendors.vendor_lot_csv(report))
    return Answer("application/json", _json(report))


def holds_answer(queries: TraceQueries, *, active_only: bool = False) -> Answer:
    """The holds and recalls issued from the store, newest first, as JSON."""
    return Answer(
        "application/json", _json({"holds": holds.list_holds(queries.db, active_only=active_only)})
    )


STOCK_COLUMNS = (
    "gtin",
    "lot",
    "epc_class",
    "product",
    "expiry",
    "uom",
    "produced",
    "shipped",
    "adjusted",
    "on_hand",
    "unshipped_loose",
    "pallets",
)


def stock_answer(
    queries: TraceQueries, fmt: str, *, product: str | None = None, gtin: str | None = None
) -> Answer:
    """Stock by lot of our products (all, one product code or one GTIN) as `text`, `csv` or
    `json`."""
    found = stock.stock(queries.db, product=product, gtin=gtin)
    asked = {"product": product, "gtin": gtin}
    return stock_rows_answer({**asked, "lots": [s.to_json() for s in found]}, fmt)


def expiring_report(queries: TraceQueries, today: date, within_days: int) -> dict[str, Any]:
    """The lots with stock left that expire within `within_days` of `today`, oldest first, as
    the JSON answer gives them (and the store's short-dated alert)."""
    found = stock.expiring(queries.db, today, within_days)
    asked = {"today": today.isoformat(), "within_days": within_days}
    return {**asked, "lots": [s.to_json() for s in found]}


def expiring_answer(queries: TraceQueries, fmt: str, today: date, within_days: int) -> Answer:
    """`expiring_report` as `text`, `csv` or `json`."""
    return stock_rows_answer(expiring_report(queries, today, within_days), fmt)


def stock_rows_answer(report: dict[str, Any], fmt: str) -> Answer:
    """A stock report (what was asked, and its `lots` rows) as `text`, `csv` or `json`."""
    rows = report["lots"]
    if fmt == "json":
        return Answer("application/json", _json(report))
    flat = [
        r | {"pallets": " ".join(f"{p['sscc']}:{p['quantity']:g}" for p in r["pallets"])}
        for r in rows
    ]
    if fmt == "csv":
        return Answer("text/csv; charset=utf-8", recall.to_csv(flat, STOCK_COLUMNS))
    return Answer("text/plain; charset=utf-8", _table(flat))


def _table(rows: list[dict]) -> str:
    """Rows as aligned text columns (control characters shown escaped)."""
    cells = [list(STOCK_COLUMNS)] + [[_cell(r[c]) for c in STOCK_COLUMNS] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(STOCK_COLUMNS))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    return "\n".join(lines) + "\n" if rows else "No stock.\n"


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value).encode("unicode_escape").decode("ascii")


def _json(data: object) -> str:
    return json.dumps(data, indent=2) + "\n"
