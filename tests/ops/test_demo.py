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
    assert len(labels) == 4  # the yeast's receiving label, then one per batch
    assert (keep / "trace.db").exists() and (keep / "state" / "state.db").exists()
    assert "warning (fefo) Use lot NM2611A first" in out
    assert "Vendor quality: Northern Mills" in out
    assert_receiving_fefo_and_hold_at_the_line(keep, internal_lot=label_lot(labels[0]))
    assert_the_store_held_and_reported(keep)


def assert_receiving_fefo_and_hold_at_the_line(keep: Path, internal_lot: str | None) -> None:
    """The agent's own audit rows: the receipt, the FEFO warning, the internal lot consumed at
    the line, and the held flour refused with the store's reason."""
    state = connect(keep / "state" / "state.db")
    try:
        receipts = state.execute("SELECT lot, internal FROM receipts ORDER BY id").fetchall()
        consumed = [lot for (lot,) in state.execute("SELECT lot FROM consumptions")]
        warnings = state.execute("SELECT warning FROM scans WHERE warning IS NOT NULL").fetchall()
        refused = state.execute("SELECT message FROM scans WHERE reason = 'on_hold'").fetchall()
    finally:
        state.close()
    assert internal_lot is not None and internal_lot.startswith("R")
    assert receipts == [(TRACED_FLOUR_LOT, 0), (internal_lot, 1)]
    assert internal_lot in consumed and "NM2611B" in consumed
    (warning,) = [json.loads(w) for (w,) in warnings]
    assert (warning["code"], warning["use_instead"]) == ("fefo", TRACED_FLOUR_LOT)
    ((message,),) = refused
    assert f"lot {TRACED_FLOUR_LOT} is on hold: {HOLD_REASON}" in message


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
