"""Scan-to-decision latency with durable commits, against the bare durable-commit floor.

    .venv/bin/python -m bench.scan_decision.run [--scans 10000] [--holds 500] [--quick]

Each scan goes through the engine exactly as a scanner's would (queue hand-off to the writer
thread, parse, decide, one SQLite transaction with the audit row, consumption and outbox event,
synchronous=FULL), and is timed until its reply. The floor is a bare one-row INSERT + COMMIT on a
WAL database with synchronous=FULL in the same directory, in the same run. `--holds N` first
puts N lots on hold as one forward-trace hold from the trace store would (none of them scanned).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from statistics import median

from bench.common import example_config, start_engine, summary
from lotedge.agent.requests import HoldAdd, StartBatch
from lotedge.core.holds import HoldScope
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=10_000)
    parser.add_argument("--holds", type=int, default=0, help="lots on hold before the scans")
    parser.add_argument("--quick", action="store_true", help="1,000 scans")
    args = parser.parse_args()
    if args.quick:
        args.scans = 1000
    with tempfile.TemporaryDirectory(dir=".") as tmp:
        directory = Path(tmp)
        floor = commit_floor(directory, args.scans)
        scans = scan_latency(directory, args.scans, args.holds)
    print(f"durable commit floor (WAL, synchronous=FULL): {summary(floor)}")
    held = f", {args.holds} lots on hold" if args.holds else ""
    print(f"scan -> decision ({args.scans} scans, durable{held}): {summary(scans)}")

    ratio = median(scans) / median(floor)
    print(f"ratio scan/floor (median): {ratio:.2f}x   targets: median < 2 ms, p99 < 5 ms")


if __name__ == "__main__":
    main()
