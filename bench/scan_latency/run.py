"""Scan latency: bytes written to a serial scanner (pty) -> the engine's committed decision.

The scan travels the real path: pty -> pyserial -> framing -> RawScan -> engine queue -> parse ->
decide -> one durable SQLite transaction -> reply. Scans are sent one at a time, each after the
previous one was answered; each carries a new lot, so each is accepted and consumed.

    .venv/bin/python -m bench.scan_latency.run [--scans 2000] [--quick]
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

from bench.common import example_config, start_engine, summary
from lotedge.agent.requests import StartBatch
from lotedge.core.scan import RawScan
from lotedge.scanners.base import open_source
from lotedge.scanners.stream import StreamSource
from lotedge.simulators.scanner import PtyScanner


def measure(directory: Path, count: int) -> list[float]:
    """Latency in seconds of `count` scans, one at a time."""
    engine = start_engine(example_config(directory))
    engine.call(StartBatch("BREAD"))
    answered = threading.Event()
    latencies: list[float] = []
    sent_at = 0.0

    def sink(raw: RawScan) -> object:
        reply = engine.submit_scan(raw)
        latencies.append(time.perf_counter() - sent_at)
        answered.set()
        return reply

    scanner = PtyScanner(directory / "ttyBench")
    source = open_source("bench", f"serial://{scanner.device}?baud=115200&suffix=CR")
    stop = threading.Event()
    assert isinstance(source, StreamSource), "a serial URL opens a stream source"
    thread = threading.Thread(target=source.run, args=(sink, stop))
    thread.start()
    if not source.status.wait_for(lambda s: s.connected, 10):
        raise SystemExit("the serial source did not open the pty")
    try:
        for i in range(count):
            answered.clear()
            sent_at = time.perf_counter()
            scanner.write(b"]d20109501101530003\x1d17490131\x1d10FL%d\r" % i)
            if not answered.wait(5):
                raise SystemExit(f"scan {i} was never answered")
    finally:
        stop.set()
        thread.join()
        scanner.close()
        engine.stop()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scans", type=int, default=2000)
    parser.add_argument("--quick", action="store_true", help="200 scans")
    args = parser.parse_args()
    if args.quick:
        args.scans = 200
    with tempfile.TemporaryDirectory(dir=".") as tmp:
        latencies = measure(Path(tmp), args.scans)
    print(
        f"serial (pty) bytes in -> durable decision out, {len(latencies)} scans: "
        f"{summary(latencies)}   target: median < 3 ms"
    )


if __name__ == "__main__":
    main()
