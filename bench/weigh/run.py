"""Weighing: a load put on the scale and its scan -> the scale's stable weight -> the engine's
committed weighing, and our overhead beyond the scale's own settling time.

The real path: the scan's commit wakes the scale service (its own thread), which reads the
pending weighing, sends ``S`` to the simulated scale (pty, or TCP with ``--tcp``), gets
``S S`` once the load has settled (``--settle`` seconds after it was put on), and submits the
weight through the engine's queue; the engine records it (consumption, event, open lot) in one
durable transaction and replies. Timed from the load put on to that
reply; the overhead is that time less the settling time. The scan follows the load by
``--scan-after`` seconds (within the settling). Peers in the same run: the scan's own
durable decision (an unweighed scan), and a bare ``S`` round trip to the settled scale.

    .venv/bin/python -m bench.weigh.run [--rounds 200] [--settle 0.2] [--tcp] [--scan-after 0.02]
                                        [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

from bench.common import example_config, start_engine, summary
from lotedge.agent.registry import AdapterHost, Registry
from lotedge.agent.requests import Reply, Request, StartBatch, WeightReading
from lotedge.config.loader import load_config
from lotedge.core.scan import RawScan
from lotedge.devices.registry import resolve
from lotedge.scales.device import open_scale
from lotedge.scales.service import start_scale

WEIGHED = ('uom = "KGM"                  #', 'weighed = true\nuom = "KGM"  #')


def label(material_gtin: str, lot: str) -> bytes:
    return f"]C101{material_gtin}17491231 10{lot}".replace(" ", "").encode()


def serve_scale(settle: float, tcp: bool) -> tuple[subprocess.Popen[str], str]:
    """``lotedge sim scale`` in a process of its own (as a real scale is: no shared GIL); its
    steps come on stdin. Returns the process and the URL it serves."""
    command = [sys.executable, "-m", "lotedge.cli.main", "sim", "scale"]
    command += ["--s-timeout", str(settle + 2), *(["--port", "0"] if tcp else [])]
    sim = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert sim.stdout is not None
    return sim, sim.stdout.readline().split(": ", 1)[1].strip()


def measure(
    directory: Path, rounds: int, settle: float, tcp: bool, scan_after: float
) -> dict[str, list[float]]:
    sim, url = serve_scale(settle, tcp)
    assert sim.stdin is not None
    extra = f'\n[[scales]]\nname = "bench"\nurl = "{url}?timeout={settle + 5}"\n'
    example_config(directory, extra)  # writes lotedge.toml; FLOUR is then marked weighed
    path = directory / "lotedge.toml"
    path.write_text(path.read_text().replace(*WEIGHED))
    config = load_config(path)
    registry = Registry()
    engine = start_engine(config, registry=registry)
    recorded = threading.Event()
    done_at = [0.0]

    def call(request: Request) -> Reply:
        started = time.perf_counter()
        reply = engine.call(request)
        if isinstance(request, WeightReading) and reply.ok:
            done_at[0] = time.perf_counter()
            out["commit"].append(done_at[0] - started)
            recorded.set()
        return reply

    out: dict[str, list[float]] = {
        key: [] for key in ("total", "overhead", "commit", "scan", "s_round_trip")
    }
    stop = threading.Event()
    stop_scale = start_scale(AdapterHost(config, call, registry), stop)
    try:
        engine.call(StartBatch("BREAD"))
        time.sleep(1.0)  # the service connects
        for i in range(rounds):
            recorded.clear()
            t0 = time.perf_counter()
            # The load goes on (settling starts when the simulator reads this: a little after
            # t0, so the overhead is if anything over-counted), and is scanned `scan_after`
            # later: a scan before the simulator has the new load would weigh the old one.
            sim.stdin.write(f"load {Decimal(10) + Decimal(i) / 1000} settle={settle}\n")
            sim.stdin.flush()
            time.sleep(scan_after)
            t_scan = time.perf_counter()
            scan = engine.submit_scan(RawScan(label("09501101530003", f"FL{i}"), "bench"))
            out["scan"].append(time.perf_counter() - t_scan)
            assert scan.data.get("reason") == "accepted", scan
            if not recorded.wait(settle + 10):
                raise SystemExit(f"round {i}: no weight recorded")
            out["total"].append(done_at[0] - t0)
            out["overhead"].append(done_at[0] - t0 - settle)
        stop_scale()
        # Peer: a bare S to the settled scale, from this process (the service has stopped).
        scale = open_scale(resolve(url, "scale"))
        for _ in range(min(rounds, 200)):
            t0 = time.perf_counter()
            scale.stable()
            out["s_round_trip"].append(time.perf_counter() - t0)
        scale.close()
    finally:
        stop_scale()
        engine.stop()
        sim.kill()
        sim.wait(5)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--settle", type=float, default=0.2, help="the scale's settling, s")
    parser.add_argument("--tcp", action="store_true", help="the scale on TCP instead of a pty")
    parser.add_argument(
        "--scan-after", type=float, default=0.02, help="seconds from load on to the scan"
    )
    parser.add_argument("--quick", action="store_true", help="30 rounds")
    args = parser.parse_args()
    if args.quick:
        args.rounds = 30
    with tempfile.TemporaryDirectory(dir=".") as tmp:
        found = measure(Path(tmp), args.rounds, args.settle, args.tcp, args.scan_after)
    over = found["overhead"]
    where = "TCP" if args.tcp else "pty"
    print(f"scale on a {where}, settle {args.settle * 1000:.0f} ms, {len(over)} rounds")
    print(f"  load on + scan -> weighing committed: {summary(found['total'])}")
    print(f"  our overhead beyond the settling:     {summary(over)}   target: median < 5 ms")
    print(f"  of which the weighing's request:      {summary(found['commit'])}")
    print(f"  peer: the scan's own durable decision: {summary(found['scan'])}")
    print(f"  peer: bare S round trip, settled:      {summary(found['s_round_trip'])}")
    print(
        f"  overhead / scan decision (medians): "
        f"{statistics.median(over) / statistics.median(found['scan']):.2f}x"
    )


if __name__ == "__main__":
    main()
