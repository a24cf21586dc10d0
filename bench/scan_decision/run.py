"""Scan-to-decision latency with durable commits, against the bare durable-commit floor.

    .venv/bin/python -m bench.scan_decision.run [--scans 10000] [--holds 500] [--dock]
        [--stock 2000] [--quick]

Each scan goes through the engine exactly as a scanner's would (queue hand-off to the writer
thread, parse, decide, one SQLite transaction with the audit row, consumption and outbox event,
synchronous=FULL), and is timed until its reply. The floor is a bare one-row INSERT + COMMIT on a
WAL database with synchronous=FULL in the same directory, in the same run. `--holds N` first
puts N lots on hold as one forward-trace hold from the trace store would (none of them scanned).
`--dock` also times the same number of scans at the shipping dock (case labels packed onto
pallets of 50 cases, 1 in 10 refused as not our product; the holds too), beside the line's.
`--stock N` times the dock again after the store pushed N older lots of the product in stock
(pages of 400, as `lotedge store lots push-stock` sends them): each case is judged against them
(FEFO warns, naming the oldest).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from statistics import median

from bench.common import example_config, start_engine, summary
from lotedge.agent.requests import (
    HoldAdd,
    PalletClose,
    PalletOpen,
    SetMode,
    StartBatch,
    StockLots,
)
from lotedge.core.holds import HoldScope
from lotedge.core.lot_lists import ListPage
from lotedge.core.scan import RawScan
from lotedge.state.db import connect, transaction


def commit_floor(directory: Path, n: int) -> list[float]:
    conn = connect(directory / "floor.db")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)")
    samples = []
    for i in range(n):
        start = time.perf_counter()
        with transaction(conn):
            conn.execute("INSERT INTO t (v) VALUES (?)", (b"x" * 300 + str(i).encode(),))
        samples.append(time.perf_counter() - start)
    return samples


def scan_latency(directory: Path, n: int, holds: int) -> list[float]:
    engine = start_engine(example_config(directory))
    for i in range(holds):
        scope = HoldScope(material="*", lot=f"HELD{i}")
        assert engine.call(HoldAdd(scope, "forward trace", "S-bench", "store")).ok
    engine.call(StartBatch("BREAD"))
    samples = []
    for i in range(n):
        # 9 in 10 accepted (unique lots), 1 in 10 rejected (not in the BOM)
        gtin = "09501101530010" if i % 10 == 9 else "09501101530003"
        data = f"]C101{gtin}17490131\x1d10L{i}".encode()
        start = time.perf_counter()
        engine.submit_scan(RawScan(data, "bench"))
        samples.append(time.perf_counter() - start)
    engine.stop()
    return samples


def dock_latency(directory: Path, n: int, holds: int, stock: int = 0) -> list[float]:
    """Case scans in shipping mode: a pallet of 50 cases is closed (untimed) and the next
    opened; 9 in 10 packed (our BREAD, one lot per pallet), 1 in 10 refused (a GTIN that is
    none of our products). `stock`: older BREAD lots pushed first."""
    directory.mkdir()
    engine = start_engine(example_config(directory))
    for i in range(holds):
        scope = HoldScope(material="*", lot=f"HELD{i}")
        assert engine.call(HoldAdd(scope, "forward trace", "S-bench", "store")).ok
    first_expiry = date.today() + timedelta(days=30)
    in_stock = [
        (f"S{i}", first_expiry + timedelta(days=i % 3000), Decimal(48), Decimal(48))
        for i in range(stock)
    ]
    pages, count = [], -(-stock // 400)
    for number, first in enumerate(range(0, stock, 400), 1):
        page = ListPage("bench", number, count)  # staged; the last page swaps the list in
        pushed = StockLots("BREAD", tuple(in_stock[first : first + 400]), page=page)
        start = time.perf_counter()
        assert engine.call(pushed).ok
        pages.append(time.perf_counter() - start)
    if pages:
        staged, swap = pages[:-1] or pages, pages[-1]
        print(
            f"stock push at the dock ({stock} lots, {len(pages)} pages): a page staged"
            f" {summary(staged)}; the last, swapping the whole list in, {swap * 1000:.1f} ms"
        )
    assert engine.call(SetMode("shipping")).ok
    samples = []
    for i in range(n):
        if i % 50 == 0:
            if i:
                assert engine.call(PalletClose()).ok
            assert engine.call(PalletOpen("SHOPCO")).ok
        gtin = "04006381333931" if i % 10 == 9 else "09501101530102"
        data = f"]C101{gtin}17491231\x1d10D{i // 50}".encode()
        start = time.perf_counter()
        engine.submit_scan(RawScan(data, "bench", received_at=_later(i)))
        samples.append(time.perf_counter() - start)
    engine.stop()
    return samples


def _later(i: int) -> datetime:
    """The i-th scan's time, a minute apart: same label again is a new case, not a double read."""
    return datetime.now(UTC) + timedelta(minutes=i)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=10_000)
    parser.add_argument("--holds", type=int, default=0, help="lots on hold before the scans")
    parser.add_argument("--dock", action="store_true", help="also time scans at the dock")
    parser.add_argument("--stock", type=int, default=0, help="BREAD lots in stock at the dock")
    parser.add_argument("--quick", action="store_true", help="1,000 scans")
    args = parser.parse_args()
    if args.quick:
        args.scans = 1000
    args.dock = args.dock or args.stock > 0  # the stock's figure beside the dock's without
    with tempfile.TemporaryDirectory(dir=".") as tmp:
        directory = Path(tmp)
        floor = commit_floor(directory, args.scans)
        scans = scan_latency(directory, args.scans, args.holds)
        dock = dock_latency(directory / "dock", args.scans, args.holds) if args.dock else []
        fefo = (
            dock_latency(directory / "fefo", args.scans, args.holds, args.stock)
            if args.stock
            else []
        )
    print(f"durable commit floor (WAL, synchronous=FULL): {summary(floor)}")
    held = f", {args.holds} lots on hold" if args.holds else ""
    print(f"scan -> decision ({args.scans} scans, durable{held}): {summary(scans)}")

    ratio = median(scans) / median(floor)
    print(f"ratio scan/floor (median): {ratio:.2f}x   targets: median < 2 ms, p99 < 5 ms")
    if dock:
        print(f"dock scan -> decision ({args.scans} case scans, durable{held}): {summary(dock)}")
        line_ratio = median(dock) / median(scans)
        print(f"ratio dock/line (median): {line_ratio:.2f}x   target: within the line's figures")
    if fefo:
        print(f"dock scan -> decision, {args.stock} lots in stock (FEFO): {summary(fefo)}")
        print(f"ratio with/without the stock list (median): {median(fefo) / median(dock):.2f}x")


if __name__ == "__main__":
    main()
