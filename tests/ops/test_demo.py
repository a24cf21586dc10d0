"""`lotedge demo` as a user runs it: a subprocess whose summary says everything happened."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from lotedge.apps.demo.labels import label_lot
from lotedge.apps.demo.script import HOLD_REASON, TRACED_FLOUR_LOT, TRACED_VENDOR
from lotedge.state.db import connect
from lotedge.store.db import open_database
from lotedge.store.vendors import VendorReport
from tests.core.daemon_helpers import lotedge


def test_demo_runs_the_whole_system(tmp_path: Path):
    keep = tmp_path / "demo"
    result = subprocess.run(
        [sys.executable, "-m", "lotedge.cli.main", "demo", "--keep", str(keep)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={"COLUMNS": "80", "PATH": "/usr/bin:/bin"},
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    # Not a terminal: a plain report, no colour codes, nothing wrapped at 80 columns.
    assert "\x1b[" not in out and "\n== Summary ==\n" in out
    assert f"Everything is in {keep} (config, state, trace.db, labels, logs).\n" in out
    trace_store = out.split("\n== Trace store ==\n", 1)[1]
    assert trace_store.startswith("  every batch's output event is in the store")
    assert f"forward trace of flour lot {TRACED_FLOUR_LOT}: " in trace_store
    scanner = next(line for line in out.splitlines() if line.startswith("Scanner simulator"))
    assert scanner.count(str(keep / "ttyScanner")) == 1 and "/dev/pts/" in scanner
    assert "Demo complete: everything happened as expected." in out
    for reason in ("expired", "not_in_bom", "double_read", "batch_ended"):
        assert reason in out
    assert "Operator station at http://127.0.0.1:" in out
    assert "printer: paper out" in out and "label job stays queued" in out
    assert "Forward trace of flour lot NM2611A" in out and "Northern Mills" in out
    labels = sorted((keep / "labels").glob("*.png"))
    assert len(labels) == 7  # the yeast's receiving label, one per batch, one per pallet
    assert (keep / "trace.db").exists() and (keep / "state" / "state.db").exists()
    assert "warning (fefo) Use lot NM2611A first" in out
    stock = out.split("\n== Finished goods: what is in stock, what expires soon ==\n", 1)[1]
    short_dated, dock = stock.split("\n== The shipping dock: pallets for two customers ==\n", 1)
    assert "the short-dated stock (lotedge store expiring --within 14d):" in short_dated
    assert "    warning (fefo) Ship lot " in dock
    assert "Vendor quality: Northern Mills" in out
    assert_receiving_fefo_and_hold_at_the_line(keep, internal_lot=label_lot(labels[0]))
    assert_the_store_held_and_reported(keep)
    assert_the_store_answers_from_its_own_config(keep)
    assert_the_dock_shipped_two_pallets_and_stopped_the_third(keep, out)


def assert_the_store_answers_from_its_own_config(keep: Path) -> None:
    """`lotedge recall NM2611A -c DIR/store.toml` works after the demo, as its summary says."""
    recall = lotedge("recall", TRACED_FLOUR_LOT, "-c", str(keep / "store.toml"), "--format", "json")
    assert recall.returncode == 0, recall.stderr
    answer = json.loads(recall.stdout)
    assert answer["lot"]["lot"] == TRACED_FLOUR_LOT and len(answer["rows"]) > 1


def assert_receiving_fefo_and_hold_at_the_line(keep: Path, internal_lot: str | None) -> None:
    """The agent's own audit rows: the receipt, the FEFO warning, the internal lot consumed at
    the line, and the held flour refused with the store's reason."""
    state = connect(keep / "state" / "state.db")
    try:
        receipts = state.execute("SELECT lot, internal FROM receipts ORDER BY id").fetchall()
        consumed = [lot for (lot,) in state.execute("SELECT lot FROM consumptions")]
        warnings = state.execute("SELECT warning FROM scans WHERE warning IS NOT NULL").fetchall()
        refused = state.execute(
            "SELECT message FROM scans WHERE reason = 'on_hold' ORDER BY id"
        ).fetchall()
    finally:
        state.close()
    assert internal_lot is not None and internal_lot.startswith("R")
    assert receipts == [(TRACED_FLOUR_LOT, 0), (internal_lot, 1)]
    assert internal_lot in consumed and "NM2611B" in consumed
    at_the_line, *at_the_dock = [json.loads(w) for (w,) in warnings]
    assert (at_the_line["code"], at_the_line["use_instead"]) == ("fefo", TRACED_FLOUR_LOT)
    yesterday = json.loads((keep / "yesterday.jsonld").read_text())
    older = yesterday["outputQuantityList"][0]["epcClass"].rsplit(".", 1)[1]
    # today's bread packed on three pallets: each time, yesterday's lot (in stock) ships first
    assert [(w["code"], w["use_instead"]) for w in at_the_dock] == [("fefo", older)] * 3
    (message,), (at_the_dock,) = refused  # the sack at the line, then the third pallet
    assert f"lot {TRACED_FLOUR_LOT} is on hold: {HOLD_REASON}" in message
    assert at_the_dock.startswith("Pallet ") and HOLD_REASON in at_the_dock


def assert_the_store_held_and_reported(keep: Path) -> None:
    """The store's hold reached the line (every lot confirmed) and its vendor report counts
    the receipt, the held lot and the line's refusal."""
    hold = json.loads((keep / "hold.json").read_text())
    assert TRACED_FLOUR_LOT in hold["lots"] and len(hold["lots"]) == 3  # + bread and cake
    (line,) = hold["lines"]
    assert sorted(line["confirmed"]) == sorted(hold["lots"]) and line["errors"] == {}
    with open_database(f"sqlite:///{keep / 'trace.db'}") as db:
        (vendor,) = VendorReport(db).vendors(vendor=TRACED_VENDOR)
    assert (vendor["receipts"], vendor["lots_received"], vendor["held_lots"]) == (1, 1, 1)
    assert vendor["rejected"]["line"]["by_reason"] == {"on_hold": 1}


def test_demo_refuses_a_non_empty_directory(tmp_path: Path):
    (tmp_path / "something").write_text("x")
    result = lotedge("demo", "--keep", str(tmp_path))
    assert result.returncode == 2
    assert "is not empty" in result.stdout


def assert_the_dock_shipped_two_pallets_and_stopped_the_third(keep: Path, out: str) -> None:
    """Two pallets (one lot; mixed) shipped to two customers, the third refused at dispatch by
    the store's hold, and the recall of the flour lot naming both customers with their SSCCs
    and the quantity of its lots on each (the mixed pallet's other bread is not affected)."""
    late = out.split("\n== The late hold reaches the dock ==\n", 1)[1]
    assert "on_hold - Pallet " in late and HOLD_REASON in late
    recall = json.loads((keep / "recall.json").read_text())
    shipped = {
        s["customer"]["code"]: (s["customer"]["name"], [x["quantity"] for x in s["lots"]])
        for s in recall["shipments"]
    }
    assert shipped == {"CORNER": ("Corner Bakery", [118.0]), "KIOSK": ("Station Kiosk", [40.0])}
    assert all(len(s["sscc"]) == 18 for s in recall["shipments"])
