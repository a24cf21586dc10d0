"""Scan latency: bytes written to a serial scanner (pty) -> sink called with the parsed scan.

The scan travels the real path: pty -> pyserial -> framing -> RawScan -> sink. The sink here
applies `parse_scan` (the engine is not wired yet; swap `parsing_sink` for the engine's submit to
measure scan -> decision). Scans are sent one at a time, each after the previous one arrived.

    .venv/bin/python bench/scan_latency/run.py [--scans 2000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from lotedge.simulators.example import COMMAND_PREFIX, MATERIALS
from lotedge.simulators.scanner import PtyScanner

from lotedge.core.scan import RawScan, parse_scan
from lotedge.scanners.base import open_source

SCANS = [
    b"]d20109501101530003\x1d10FL2611A\x1d17270131\x1d3103025000",
    b"0109501101530010\x1d10SU-44871\x1d152706303102002500",
    b"YST-L4711-20270131",
]


def parsing_sink(arrived: Callable[[], None]) -> Callable[[RawScan], object]:
    """A sink that parses the scan like the engine's first step, then reports arrival."""

    def sink(raw: RawScan) -> object:
        parsed = parse_scan(raw, MATERIALS, COMMAND_PREFIX)
        arrived()
        return parsed

    return sink


def measure(count: int) -> list[float]:
    """Latency in seconds of `count` scans, one at a time."""
    done = threading.Event()
    latencies: list[float] = []
    sent_at = 0.0

    def arrived() -> None:
        latencies.append(time.perf_counter() - sent_at)
        done.set()

    with tempfile.TemporaryDirectory() as tmp:
        scanner = PtyScanner(Path(tmp) / "ttyBench")
        source = open_source("bench", f"serial://{scanner.device}?baud=115200&suffix=CR")
        stop = threading.Event()
        thread = threading.Thread(target=source.run, args=(parsing_sink(arrived), stop))
        thread.start()
        if not source.status.wait_for(lambda s: s.connected, 10):
            raise SystemExit("the serial source did not open the pty")
        try:
            for i in range(count):
                done.clear()
                sent_at = time.perf_counter()
                scanner.write(SCANS[i % len(SCANS)] + b"\r")
                if not done.wait(5):
                    raise SystemExit(f"scan {i} never arrived")
        finally:
            stop.set()
            thread.join()
            scanner.close()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scans", type=int, default=2000)
    args = parser.parse_args()
    measure(50)  # warm up: imports, biip tables, first reads
    latencies = sorted(measure(args.scans))
    ms = [1000 * x for x in latencies]
    p99 = ms[min(len(ms) - 1, int(0.99 * len(ms)))]
    print(f"serial (pty) -> parse_scan -> sink, {len(ms)} scans")
    print(f"median {statistics.median(ms):.3f} ms   p99 {p99:.3f} ms   max {ms[-1]:.3f} ms")


if __name__ == "__main__":
    main()
