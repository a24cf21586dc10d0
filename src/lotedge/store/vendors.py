"""Vendor quality: what each vendor delivered, what was refused, held or recalled, how fresh it
was, and for one vendor lot the batches that consumed it (the basis of a refund claim).

The vendor of a receipt is its `lotedge:vendor` (else its owning-party identifier). A rejected
scan belongs to the vendor its payload names, else to the vendor of the lot it names (as the
store knows the lot from receipts or consumption events); one that names neither counts under
no vendor (`null`). Expiry margins are whole days: expiry − receipt date (one per receipt) and
expiry − consumption date (one per consumption event, with the lot's expiry from its receipt),
dates local to where the event happened. Minimum and median are computed here (SQLite has no
median); the SQL is plain enough for both backends.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from lotedge.store.db import Database
from lotedge.store.query import LotInfo, TraceQueries
from lotedge.store.recall import to_csv

STAGES = ("receiving", "line")
CSV_COLUMNS = (
    "vendor",
    "receipts",
    "lots_received",
    "rejected_at_receipt",
    "rejected_at_receipt_by_reason",
    "rejected_at_line",
    "rejected_at_line_by_reason",
    "held_lots",
    "recalled_lots",
    "margin_at_receipt_min_days",
    "margin_at_receipt_median_days",
    "margin_at_use_min_days",
    "margin_at_use_median_days",
)
LOT_CSV_COLUMNS = (
    "vendor",
    "vendor_lot",
    "material",
    "batch",
    "site",
    "line",
    "product",
    "first_event",
    "last_event",
    "consumed_quantity",
    "consumed_uom",
    "output_lot",
    "output_gtin",
    "output_quantity",
    "output_uom",
)


@dataclass
class _Vendor:
    receipts: int = 0
    lots: set[int] = field(default_factory=set)
    rejected: dict[str, dict[str, int]] = field(default_factory=dict)
    """Stage -> reason -> count."""
    kinds: dict[str, int] = field(default_factory=dict)
    at_receipt: list[int] = field(default_factory=list)
    at_use: list[int] = field(default_factory=list)

    def to_json(self, name: str | None) -> dict[str, Any]:
        rejected: dict[str, dict[str, int]] = {s: {} for s in STAGES} | self.rejected
        return {
            "vendor": name,
            "receipts": self.receipts,
            "lots_received": len(self.lots),
            "rejected": {
                stage: {"total": sum(reasons.values()), "by_reason": dict(sorted(reasons.items()))}
                for stage, reasons in sorted(rejected.items())
            },
            "held_lots": self.kinds.get("hold", 0),
            "recalled_lots": self.kinds.get("recall", 0),
            "expiry_margin_days": {
                "at_receipt": _spread(self.at_receipt),
                "at_use": _spread(self.at_use),
            },
        }


def _spread(days: list[int]) -> dict[str, Any]:
    if not days:
        return {"count": 0, "min": None, "median": None}
    return {"count": len(days), "min": min(days), "median": statistics.median(days)}


def _days(expiry: str | None, on: str | None) -> int | None:
    """expiry − on in days; None when either is missing or not a date."""
    try:
        return (date.fromisoformat(expiry or "") - date.fromisoformat(on or "")).days
    except ValueError:
        return None


class VendorReport:
    """The per-vendor figures, optionally since a date (`YYYY-MM-DD`) and for one vendor."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def vendors(self, *, since: str | None = None, vendor: str | None = None) -> list[dict]:
        """One entry per vendor, sorted by name (entries without a vendor last); `vendor`
        picks one, ignoring case as holds do."""
        figures: dict[str | None, _Vendor] = defaultdict(_Vendor)
        for name, lot, expiry, received_on in self._rows(
            "SELECT vendor, lot, expiry, received_on FROM receipts", "received_on", since
        ):
            entry = figures[name]
            entry.receipts += 1
            entry.lots.add(lot)
            if (margin := _days(expiry, received_on)) is not None:
                entry.at_receipt.append(margin)
        for name, stage, reason, count in self._rows(
            "SELECT COALESCE(r.vendor, l.vendor), r.stage, r.reason, COUNT(*) FROM rejections r"
            " LEFT JOIN lots l ON l.class_key = r.lot_key",
            "r.rejected_at",
            since,
            " GROUP BY COALESCE(r.vendor, l.vendor), r.stage, r.reason",
        ):
            figures[name].rejected.setdefault(stage, {})[reason] = count
        for name, kind, count in self._rows(
            "SELECT l.vendor, h.kind, COUNT(DISTINCT l.id) FROM holds h"
            " CROSS JOIN hold_lots c CROSS JOIN lots l"
            " WHERE c.hold = h.id AND l.id = c.lot AND l.vendor IS NOT NULL",
            "h.issued_at",
            since,
            " GROUP BY l.vendor, h.kind",
        ):
            figures[name].kinds[kind] = count
        for name, expiry, used_on in self._rows(
            "SELECT l.vendor, l.expiry, COALESCE(e.local_date, substr(e.event_time, 1, 10))"
            " FROM lot_flows f CROSS JOIN lots l CROSS JOIN events e"
            " WHERE f.direction = 'in' AND l.id = f.lot AND e.id = f.event"
            " AND l.vendor IS NOT NULL AND l.expiry IS NOT NULL",
            "e.event_time",
            since,
        ):
            if (margin := _days(expiry, used_on)) is not None:
                figures[name].at_use.append(margin)
        names = sorted(figures, key=lambda n: (n is None, n or ""))
        wanted = vendor.casefold() if vendor is not None else None
        return [
            figures[n].to_json(n) for n in names if wanted is None or (n or "").casefold() == wanted
        ]

    def _rows(
        self, sql: str, time_column: str, since: str | None, tail: str = ""
    ) -> list[tuple[Any, ...]]:
        """`sql` (with or without WHERE) restricted to `time_column >= since`, then `tail`."""
        if since is None:
            return self.db.fetchall(sql + tail)
        joiner = " AND " if " WHERE " in sql else " WHERE "
        return self.db.fetchall(f"{sql}{joiner}{time_column} >= ?{tail}", (since,))

    def vendor_lot(self, lot: LotInfo) -> dict[str, Any]:
        """A lot's receipts and every batch that consumed it, with quantities and outputs."""
        receipts = [
            dict(zip(_RECEIPT_KEYS, row, strict=True))
            for row in self.db.fetchall(
                f"SELECT {', '.join(_RECEIPT_KEYS)} FROM receipts WHERE lot = ?"
                " ORDER BY received_at",
                (lot.id,),
            )
        ]
        batches, lots = TraceQueries(self.db).consumers(lot)
        consumed: dict[str | None, float] = defaultdict(float)
        entries = []
        for batch in batches:
            used = next(f for f in batch.inputs if f.lot == lot.id)
            if used.quantity is not None:
                consumed[used.uom] += used.quantity
            entries.append(
                {
                    "transformation_id": batch.uri,
                    "site": batch.site,
                    "line": batch.line,
                    "product": batch.product,
                    "first_event": batch.first_event,
                    "last_event": batch.last_event,
                    "quantity": used.quantity,
                    "uom": used.uom,
                    "outputs": [
                        {
                            "lot": lots[f.lot].lot,
                            "gtin": lots[f.lot].gtin,
                            "epc_class": lots[f.lot].epc_class,
                            "quantity": f.quantity,
                            "uom": f.uom,
                        }
                        for f in batch.outputs
                    ],
                }
            )
        received: dict[str | None, float] = defaultdict(float)
        for receipt in receipts:
            if receipt["quantity"] is not None:
                received[receipt["uom"]] += receipt["quantity"]
        return {
            "lot": lot.to_json(),
            "receipts": receipts,
            "received": _totals(received),
            "consumed": _totals(consumed),
            "batches": entries,
        }


_RECEIPT_KEYS = (
    "vendor",
    "vendor_uri",
    "material",
    "vendor_lot",
    "internal_lot",
    "quantity",
    "uom",
    "expiry",
    "reference",
    "reference_type",
    "reference_uri",
    "received_at",
    "site",
    "line",
)


def _totals(by_uom: dict[str | None, float]) -> list[dict[str, Any]]:
    return [{"quantity": q, "uom": u} for u, q in sorted(by_uom.items(), key=lambda i: i[0] or "")]


def vendors_csv(entries: list[dict[str, Any]]) -> str:
    """The vendor report as CSV, one row per vendor; reasons as `reason=count; ...`."""
    rows = []
    for e in entries:
        receiving, line = e["rejected"]["receiving"], e["rejected"]["line"]
        margins = e["expiry_margin_days"]
        rows.append(
            {
                "vendor": e["vendor"],
                "receipts": e["receipts"],
                "lots_received": e["lots_received"],
                "rejected_at_receipt": receiving["total"],
                "rejected_at_receipt_by_reason": _reasons(receiving["by_reason"]),
                "rejected_at_line": line["total"],
                "rejected_at_line_by_reason": _reasons(line["by_reason"]),
                "held_lots": e["held_lots"],
                "recalled_lots": e["recalled_lots"],
                "margin_at_receipt_min_days": margins["at_receipt"]["min"],
                "margin_at_receipt_median_days": margins["at_receipt"]["median"],
                "margin_at_use_min_days": margins["at_use"]["min"],
                "margin_at_use_median_days": margins["at_use"]["median"],
            }
        )
    return to_csv(rows, CSV_COLUMNS)


def vendor_lot_csv(report: dict[str, Any]) -> str:
    """The consumers of a vendor lot as CSV: one row per batch and output lot."""
    receipt = report["receipts"][0] if report["receipts"] else {}
    lot = report["lot"]
    head = {
        "vendor": receipt.get("vendor") or lot["vendor"],
        "vendor_lot": lot["lot"],
        "material": receipt.get("material") or lot["material"],
    }
    rows = []
    for batch in report["batches"]:
        base = {
            **head,
            "batch": batch["transformation_id"],
            **{k: batch[k] for k in ("site", "line", "product", "first_event", "last_event")},
            "consumed_quantity": batch["quantity"],
            "consumed_uom": batch["uom"],
        }
        for out in batch["outputs"] or [{}]:
            rows.append(
                {
                    **base,
                    "output_lot": out.get("lot"),
                    "output_gtin": out.get("gtin"),
                    "output_quantity": out.get("quantity"),
                    "output_uom": out.get("uom"),
                }
            )
    return to_csv(rows, LOT_CSV_COLUMNS)


def _reasons(by_reason: dict[str, int]) -> str:
    return "; ".join(f"{reason}={count}" for reason, count in by_reason.items())
