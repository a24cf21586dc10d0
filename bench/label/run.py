"""Label bench: batch end -> last byte of its label on the printer socket, through the real engine.

    .venv/bin/python -m bench.label.run [--labels 1000] [--quick] [--json]

Each label is one batch: StartBatch (not timed), then EndBatch timed from just before
``engine.call`` until the printer simulator received the label's last byte (its ``^XZ``;
``PrintedLabel.received_perf``). The path is the daemon's: the engine's writer thread closes the
batch, makes the lot, renders the label (``renderer_for(config).render``: the default ZPL template
through Jinja2) and commits batch, outbox event and print job in one durable SQLite transaction
(WAL, synchronous=FULL); the registry's wake-up wakes the PrintWorker (``start_printer``), which
checks ``~HS``, sends the job over raw TCP and checks ``~HS`` again. The next batch starts once the
worker has recorded the label as printed.

Also printed: the render time per label (inside the engine), the batch end reply (engine
commit included), and the peer, in the same run: the same label bytes over a fresh TCP
connection to a simulator, with no engine, database or health check.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.common import example_config, figures, start_engine
from lotedge.agent.registry import AdapterHost, Registry
from lotedge.agent.requests import EndBatch, StartBatch
from lotedge.agent.unit_of_work import AnyLabel, LabelRender
from lotedge.printers.service import renderer_for, start_printer
from lotedge.simulators.printer import PrinterSimulator

TARGET_P99_MS = 50.0


class TimedRenderer:
    """The engine's render_label, timing each call and keeping the bytes for the peer."""

    def __init__(self, render: LabelRender) -> None:
        self._render = render
        self.seconds: list[float] = []
        self.payloads: list[bytes] = []

    def __call__(self, label: AnyLabel, template: str) -> bytes:
        start = time.perf_counter()
        payload = self._render(label, template)
        self.seconds.append(time.perf_counter() - start)
        self.payloads.append(payload)
        return payload


def wait_printed(state: Callable[[], Any], count: int, timeout: float = 30.0) -> None:
    """Wait until the worker recorded `count` labels as printed (its ~HS after the job done)."""
    deadline = time.monotonic() + timeout
    while state()["printed"] < count:
        if time.monotonic() > deadline:
            sys.exit(f"label {count} was not recorded as printed: {state()}")
        time.sleep(0.001)


def bench_engine(count: int) -> tuple[list[float], list[float], TimedRenderer]:
    """(batch end -> last byte, batch end reply) per label, and the timed renderer."""
    with tempfile.TemporaryDirectory(prefix="lotedge-bench-") as tmp:
        sim = PrinterSimulator(port=0).start()
        printer = f'\n[printer]\nname = "line"\nurl = "tcp://127.0.0.1:{sim.port}"\n'
        config = example_config(Path(tmp), printer)
        render = TimedRenderer(renderer_for(config).render)
        registry = Registry()
        engine = start_engine(config, render_label=render, registry=registry)
        stop = threading.Event()
        stop_printer = start_printer(AdapterHost(config, engine.call, registry), stop)
        printer_state = registry.sections["printer"]
        to_last_byte, replies = [], []
        try:
            for n in range(count):
                if not engine.call(StartBatch("BREAD", operator="Ana Zoé")).ok:
                    sys.exit(f"batch {n} did not start")
                start = time.perf_counter()
                reply = engine.call(EndBatch(Decimal("120")))
                replies.append(time.perf_counter() - start)
                if not reply.ok or not reply.data.get("print_job"):
                    sys.exit(f"batch {n} queued no label: {reply}")
                if not sim.wait_for_jobs(n + 1, timeout=30):
                    sys.exit(f"label {n} did not arrive: {printer_state()}")
                to_last_byte.append(sim.jobs[n].received_perf - start)
                wait_printed(printer_state, n + 1)
        finally:
            stop.set()
            stop_printer()
            engine.stop()
            sim.stop()
    return to_last_byte, replies, render


def bench_peer(payloads: list[bytes]) -> list[float]:
    """The same bytes over a fresh TCP connection each: connect, send, last byte received."""
    sim = PrinterSimulator(port=0).start()
    times = []
    try:
        for n, payload in enumerate(payloads):
            start = time.perf_counter()
            with socket.create_connection(("127.0.0.1", sim.port)) as sock:
                sock.sendall(payload)
            if not sim.wait_for_jobs(n + 1, timeout=30):
                sys.exit(f"peer label {n} did not arrive")
            times.append(sim.jobs[n].received_perf - start)
    finally:
        sim.stop()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=int, default=1000, help="batches, one label each")
    parser.add_argument("--quick", action="store_true", help="100 labels")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.labels = 100
    to_last_byte, replies, render = bench_engine(args.labels)
    results = {
        "batch_end_to_last_byte": figures(to_last_byte),
        "  batch_end_reply": figures(replies),
        "  render_per_label": figures(render.seconds),
        "peer_tcp_send_only": figures(bench_peer(render.payloads)),
    }
    if args.json:
        print(json.dumps(results, indent=2))
        return
    size = sum(map(len, render.payloads)) // len(render.payloads)
    print(f"{args.labels} labels, {size} bytes of ZPL each (mean)")
    for name, f in results.items():
        print(
            f"{name:24} n={f['n']:<5} median {f['median_ms']:8.3f} ms   "
            f"p99 {f['p99_ms']:8.3f} ms   max {f['max_ms']:8.3f} ms"
        )
    p99 = results["batch_end_to_last_byte"]["p99_ms"]
    verdict = "met" if p99 < TARGET_P99_MS else "NOT met"
    print(f"target: batch end -> last byte p99 < {TARGET_P99_MS:.0f} ms: {verdict}")


if __name__ == "__main__":
    main()
