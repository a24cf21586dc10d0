"""The demo's questions to the trace store after the shift: the traces and the vendor report."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lotedge.apps.demo.checks import private_urns, wait_until
from lotedge.apps.demo.labels import output_lots
from lotedge.apps.demo.script import TRACED_FLOUR_LOT, TRACED_VENDOR

if TYPE_CHECKING:
    from lotedge.apps.demo.runner import Demo


def traces(demo: Demo, config: Path) -> None:
    """Every batch's output in the store, the flour lot's forward trace (batches 1 and 2, not
    3), the cake's backward trace, and no private identifier in any event."""
    from lotedge.store.db import open_database, resolve_url
    from lotedge.store.query import TraceQueries

    demo.console.rule("Trace store")
    database = open_database(resolve_url("sqlite:///trace.db", config.parent))
    try:
        queries = TraceQueries(database)
        expected = len(demo.outcome.lots)
        stored = wait_until(lambda: len(output_lots(queries, demo.outcome.lots)) == expected)
        demo.outcome.expect(stored, "the store received every batch's output event")
        vendor_lot = queries.resolve(TRACED_FLOUR_LOT)
        demo.outcome.forward = queries.trace(vendor_lot, "forward").to_json()
        cake = next((lot for product, lot, _ in demo.outcome.lots if product == "CAKE"), None)
        if cake:
            demo.outcome.backward = queries.trace(queries.resolve(cake), "backward").to_json()
        private = private_urns(database)
    finally:
        database.close()
    demo.outcome.expect(
        not private, f"every event names things by GS1 identifiers (private: {private[:3]})"
    )
    reached = {lot["lot"] for lot in demo.outcome.forward.get("lots", [])}
    made_with_it = {lot for product, lot, _ in demo.outcome.lots[:2]}
    demo.outcome.expect(
        made_with_it <= reached,
        f"forward trace of flour lot {TRACED_FLOUR_LOT} reaches batches 1 and 2",
    )
    demo.outcome.expect(
        demo.outcome.lots[2][1] not in reached if len(demo.outcome.lots) > 2 else False,
        "batch 3 (other flour lot) is not in the recall set",
    )
    forward = demo.outcome.forward
    demo.console.print(
        f"  {'every' if stored else 'not every'} batch's output event is in the store "
        "(lotedge store, SQLite)\n"
        f"  forward trace of flour lot {TRACED_FLOUR_LOT}: "
        f"{len(forward.get('lots', []))} lots, {len(forward.get('batches', []))} batches "
        f"(lotedge trace forward {TRACED_FLOUR_LOT}); batch 3 used another flour lot and is "
        f"{'not ' if demo.outcome.lots[2:] and demo.outcome.lots[2][1] not in reached else ''}"
        "in it"
    )


def vendor_report(demo: Demo, config: Path) -> None:
    """The vendor's quality figures, once the store has the line's refusal."""
    from lotedge.store.db import open_database, resolve_url
    from lotedge.store.vendors import VendorReport

    database = open_database(resolve_url("sqlite:///trace.db", config.parent))
    try:
        report = VendorReport(database)

        def refusal_stored() -> bool:
            entries = report.vendors(vendor=TRACED_VENDOR)
            demo.outcome.vendor = entries[0] if entries else {}
            line = demo.outcome.vendor.get("rejected", {}).get("line", {})
            return line.get("by_reason", {}).get("on_hold", 0) >= 1

        stored = wait_until(refusal_stored)
    finally:
        database.close()
    vendor = demo.outcome.vendor
    demo.outcome.expect(stored, f"the store counts the line's on_hold refusal ({vendor})")
    demo.outcome.expect(
        (vendor.get("receipts"), vendor.get("lots_received"), vendor.get("held_lots")) == (1, 1, 1),
        f"{TRACED_VENDOR}: one receipt, one lot received, one lot held ({vendor})",
    )
