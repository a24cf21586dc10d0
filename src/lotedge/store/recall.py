"""The recall report: one sortable row per affected lot and batch, as CSV or JSON."""

from __future__ import annotations

import csv
import io
from typing import Any

from lotedge.store.query import Batch, FlowTotal, LotInfo, Trace
from lotedge.store.shipments import Shipment, ShippedLot, sscc_of

COLUMNS = (
    "depth",
    "lot",
    "gtin",
    "epc_class",
    "product",
    "site",
    "line",
    "batch",
    "time",
    "quantity",
    "uom",
    "expiry",
    "inputs",
    "step",
    "sscc",
    "customer",
    "customer_name",
    "customer_gln",
    "destination",
    "references",
)
"""`time` is when the batch produced the lot (its last event), when the lot was shipped, or
when it was first seen. `step` says what the row's step is (`transformation`, `aggregation`:
the lot went into the logistic unit of the row, `shipping`: the lot was shipped, on the pallet
`sscc`, to the customer and `destination` ...); `references` are its business transactions
(`type id`)."""


def recall_rows(trace: Trace, shipped: list[Shipment]) -> list[dict[str, Any]]:
    """The forward trace of a lot as rows: the lot itself, then every output of every step it
    reached (a batch's lots, the logistic units it was packed into), and per shipment each
    affected lot it shipped (`shipped`: `shipments.shipments` of the trace; a shipping step
    that shipped none, unpacked before or voided, has no row).

    A batch that consumed an affected lot but has no output yet (still running) gets a row with
    an empty lot, so nothing in progress is missed.
    """
    root = trace.root
    rows = [
        {
            **dict.fromkeys(COLUMNS, None),
            "depth": 0,
            "lot": root.lot,
            "gtin": root.gtin,
            "epc_class": root.epc_class,
            "product": root.product or root.material,
        }
    ]
    for batch in trace.sorted_batches():
        base = {
            "depth": trace.batch_depth[batch.id] + 1,
            "site": batch.site,
            "line": batch.line,
            "batch": batch.uri,
            "time": batch.last_event,
            "inputs": "; ".join(_flow(trace, f) for f in batch.inputs if f.lot in trace.depth),
            "step": batch.kind,
            "references": "; ".join(
                f"{k} {uri}".strip() for r, k, uri in batch.refs if r == "bizTransaction"
            )
            or None,
        }
        if batch.kind == "shipping":
            rows.extend(
                _shipped_row(trace, shipment, lot, base)
                for shipment in shipped
                if shipment.step is batch
                for lot in shipment.lots
            )
            continue
        rows.extend(_output_row(trace, batch, base, f) for f in batch.outputs)
        if not batch.outputs:
            rows.append({**dict.fromkeys(COLUMNS, None), **base, "product": batch.product})
    return rows


def shipment_rows(trace: Trace, shipped: list[Shipment]) -> list[dict[str, Any]]:
    """The shipments as JSON: customer, SSCC, the affected lots and quantities, time, references."""
    return [s.to_json(trace) for s in shipped]


def _output_row(
    trace: Trace, batch: Batch, base: dict[str, Any], flow: FlowTotal
) -> dict[str, Any]:
    lot = trace.lots[flow.lot]
    product = lot.product or batch.product
    sscc = sscc_of(lot.epc_class) if lot.scheme == "sscc" else None
    return _lot_row(base, lot, product, flow.quantity, flow.uom, sscc=sscc)


def _shipped_row(
    trace: Trace, shipment: Shipment, shipped: ShippedLot, base: dict[str, Any]
) -> dict[str, Any]:
    lot, customer = trace.lots[shipped.lot], shipment.customer
    destinations = [f"{k} {uri}".strip() for r, k, uri in shipment.step.refs if r == "destination"]
    return _lot_row(
        base,
        lot,
        lot.product or lot.material,
        shipped.quantity,
        shipped.uom,
        sscc=shipment.sscc,
        customer=customer.code if customer else None,
        customer_name=customer.name if customer else None,
        customer_gln=customer.gln if customer else None,
        destination="; ".join(destinations) or None,
    )


def _lot_row(
    base: dict[str, Any],
    lot: LotInfo,
    product: str | None,
    quantity: float | None,
    uom: str | None,
    **more: Any,
) -> dict[str, Any]:
    """A row of `lot` (in the step of `base`) with its quantity and the columns `more`."""
    return {
        **dict.fromkeys(COLUMNS, None),
        **base,
        "lot": lot.lot,
        "gtin": lot.gtin,
        "epc_class": lot.epc_class,
        "product": product,
        "quantity": quantity,
        "uom": uom,
        "expiry": lot.expiry,
        **more,
    }


def _flow(trace: Trace, flow: FlowTotal) -> str:
    lot = trace.lots[flow.lot]
    amount = "" if flow.quantity is None else f" {flow.quantity:g} {flow.uom or ''}".rstrip()
    return f"{lot.lot or lot.epc_class}{amount}"


#: A spreadsheet takes a cell starting with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """Text a spreadsheet would run as a formula, made literal with a leading quote (OWASP);
    lots and names come from barcodes and are untrusted.

    >>> spreadsheet_safe("@SUM(A1)"), spreadsheet_safe("L-1"), spreadsheet_safe(-2)
    ("'@SUM(A1)", 'L-1', -2)
    """
    return f"'{value}" if isinstance(value, str) and value.startswith(_FORMULA_START) else value


def to_csv(rows: list[dict[str, Any]], columns: tuple[str, ...] = COLUMNS) -> str:
    """Rows as CSV with a header line, every text cell spreadsheet-safe."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: spreadsheet_safe(v) for k, v in row.items()} for row in rows)
    return out.getvalue()
