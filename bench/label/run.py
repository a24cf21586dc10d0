"""Label bench: render time per label, and job enqueued -> last byte on the printer socket.

    python -m bench.label.run [--labels 300] [--json]

Everything is real: the default template rendered by Jinja2, the state database (WAL,
synchronous=FULL) in a temporary directory, the PrintWorker with its ~HS health check before and
after each job, raw TCP, and the printer simulator (which timestamps the arrival of each ^XZ).
The enqueue is timed from before its transaction begins. The worker is not told about it: it
notices the commit itself (PRAGMA data_version, checked every 5 ms); the second figure is with
``worker.wake()`` called right after the commit, for an engine that does that. The peer, in the
same run: the same bytes over a fresh TCP connection to the same simulator, with no database and
no health check.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

from bench.common import percentile
from lotedge.config.printing import LabelConfig, PrinterConfig
from lotedge.core.labels import LabelData
from lotedge.printers.renderer import LabelRenderer
from lotedge.printers.worker import PrintWorker
from lotedge.simulators.printer import PrinterSimulator
from lotedge.state import print_jobs
from lotedge.state.db import STATE_FILE, open_state, transaction

TEMPLATES = Path(__file__).resolve().parents[2] / "config" / "labels"


def sample(n: int) -> LabelData:
    return LabelData(
        product_code="BREAD",
        product_name="Sourdough loaf 800 g",
        gtin="09501101530003",
        lot=f"26032L1{n:05d}",
        quantity=Decimal("12.5"),
        unit="KGM",
        produced=date(2026, 2, 1),
        expiry=date(2026, 3, 3),
        site="PLANT1",
        line="L1",
        operator="Ana Zoé",
    )


def summary(seconds: list[float]) -> dict[str, float]:
    return {
        "n": len(seconds),
        "median_ms": round(statistics.median(seconds) * 1000, 3),
        "p99_ms": round(percentile(seconds, 99) * 1000, 3),
        "max_ms": round(max(seconds) * 1000, 3),
    }


def bench_render(renderer: LabelRenderer, count: int) -> list[float]:
    times = []
    for n in range(count):
        start = time.perf_counter()
        renderer.render(sample(n), "lot_label.zpl.j2")
        times.append(time.perf_counter() - start)
    return times


def bench_print(
    renderer: LabelRenderer, count: int, *, wake: bool
) -> tuple[list[float], list[float]]:
    """(enqueue -> last byte, of which the enqueue commit) per label; `wake`: call worker.wake()
    after the commit, else the worker notices the commit itself."""
    with tempfile.TemporaryDirectory() as tmp:
        sim = PrinterSimulator(port=0).start()
        conn = open_state(Path(tmp))
        printer = PrinterConfig(name="line", url=f"tcp://127.0.0.1:{sim.port}")
        worker = PrintWorker(printer, Path(tmp) / STATE_FILE).start()
        times, commits = [], []
        try:
            for n in range(count):
                payload = renderer.render(sample(n), "lot_label.zpl.j2")
                start = time.perf_counter()
                with transaction(conn):
                    print_jobs.enqueue(
                        conn,
                        lot=sample(n).lot,
                        batch_id=None,
                        printer="line",
                        payload=payload,
                        copies=1,
                        reprint=False,
                        now=time.time(),
                    )
                commits.append(time.perf_counter() - start)
                if wake:
                    worker.wake()
                if not sim.wait_for_jobs(n + 1, timeout=30):
                    sys.exit(f"label {n} did not arrive: {worker.state}")
                times.append(sim.jobs[n].received_perf - start)
        finally:
            worker.stop()
            sim.stop()
            conn.close()
    return times, commits


def bench_tcp_floor(renderer: LabelRenderer, count: int) -> list[float]:
    sim = PrinterSimulator(port=0).start()
    times = []
    try:
        for n in range(count):
            payload = renderer.render(sample(n), "lot_label.zpl.j2")
            start = time.perf_counter()
            with socket.create_connection(("127.0.0.1", sim.port)) as sock:
                sock.sendall(payload)
            if not sim.wait_for_jobs(n + 1, timeout=30):
                sys.exit(f"label {n} did not arrive")
            times.append(sim.jobs[n].received_perf - start)
    finally:
        sim.stop()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=int, default=300)
    parser.add_argument("--dpi", type=int, choices=(203, 300), default=203)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    renderer = LabelRenderer(
        LabelConfig(dpi=args.dpi, digital_link_base="https://id.example.com"), TEMPLATES
    )
    bench_render(renderer, 20)  # warm up Jinja2 and imports
    noticed, commits = bench_print(renderer, args.labels, wake=False)
    woken, _ = bench_print(renderer, args.labels, wake=True)
    results = {
        "render": summary(bench_render(renderer, args.labels)),
        "enqueue_to_last_byte": summary(noticed),
        "  with_worker_wake": summary(woken),
        "  of_which_enqueue_commit": summary(commits),
        "peer_tcp_send_only": summary(bench_tcp_floor(renderer, args.labels)),
    }
    if args.json:
        print(json.dumps(results, indent=2))
        return
    for name, figures in results.items():
        print(
            f"{name:26} n={figures['n']:<5} median {figures['median_ms']:8.3f} ms   "
            f"p99 {figures['p99_ms']:8.3f} ms   max {figures['max_ms']:8.3f} ms"
        )


if __name__ == "__main__":
    main()
