"""Operator station: scan -> the new state at every connected page, and what watching costs.

An engine on a fresh state with a station (watcher + HTTP server) in this process and
`--clients` SSE streams read by threads, as browsers would. Each scan goes through the engine
exactly as a scanner's does, at a random moment of the watcher's 200 ms poll; timed from the
engine's reply (committed) until every stream has the snapshot whose `last_scan` is that scan.
Measured as the daemon runs it (the engine wakes the watcher after a commit that queued work)
and with the poll alone (what a commit by another connection, e.g. the print worker's, waits).
Peer: building one snapshot. Last, the watcher's CPU use while nothing happens.

    .venv/bin/python -m bench.station.run [--scans 200] [--clients 10] [--idle 10] [--quick]
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.common import example_config, start_engine, summary
from lotedge.agent.registry import Registry
from lotedge.agent.requests import StartBatch
from lotedge.core.scan import RawScan
from lotedge.state.db import STATE_FILE
from lotedge.station.access import Access
from lotedge.station.hub import Hub
from lotedge.station.server import StationServer
from lotedge.station.snapshot import SnapshotReader


class Page(threading.Thread):
    """One browser: reads the stream and notes when each scan id first arrived."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        host = url.removeprefix("http://").rstrip("/")
        self.conn = http.client.HTTPConnection(host, timeout=30)
        self.conn.request("GET", "/api/events")
        self.response = self.conn.getresponse()
        self.seen: dict[int, float] = {}
        self.changed = threading.Condition()

    def run(self) -> None:
        for line in self.response.fp:
            if line.startswith(b"data: "):
                scan = json.loads(line[6:])["last_scan"]
                with self.changed:
                    if scan is not None:
                        self.seen.setdefault(scan["id"], time.perf_counter())
                    self.changed.notify_all()

    def arrival(self, scan_id: int, timeout: float = 10.0) -> float:
        with self.changed:
            if not self.changed.wait_for(lambda: scan_id in self.seen, timeout):
                raise SystemExit(f"scan {scan_id} never reached a page")
            return self.seen[scan_id]


def measure(directory: Path, args: argparse.Namespace, *, wake: bool) -> dict[str, Any]:
    """Delivery times (s) to the first and to every page; snapshot build times; idle CPU."""
    config = example_config(directory)
    registry = Registry()
    engine = start_engine(config, registry=registry)
    engine.call(StartBatch("BREAD"))
    reader = SnapshotReader(config, config.state_dir / STATE_FILE, registry.sections)
    hub = Hub(reader).start()
    if wake:
        registry.on_commit(hub.wake)
    server = StationServer("127.0.0.1", 0, Access(None), hub, engine.call).start()
    pages = [Page(server.url) for _ in range(args.clients)]
    for page in pages:
        page.start()
    first, every, builds = [], [], []
    try:
        for scan_id in range(1, args.scans + 1):
            time.sleep(random.uniform(0, 0.2))
            engine.submit_scan(RawScan(b"]d20109501101530003\x1d17490131\x1d10FL%d" % scan_id))
            committed = time.perf_counter()
            arrivals = [page.arrival(scan_id) for page in pages]
            first.append(min(arrivals) - committed)
            every.append(max(arrivals) - committed)
        own = SnapshotReader(config, config.state_dir / STATE_FILE, registry.sections)
        for _ in range(200):
            started = time.perf_counter()
            own.build()
            builds.append(time.perf_counter() - started)
        own.close()
        cpu, wall = time.process_time(), time.perf_counter()
        time.sleep(args.idle)
        idle_cpu = (time.process_time() - cpu) / (time.perf_counter() - wall)
    finally:
        server.stop()
        engine.stop()
    return {"first": first, "every": every, "builds": builds, "idle_cpu": idle_cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scans", type=int, default=200)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--idle", type=float, default=10.0, help="seconds of idle to measure")
    parser.add_argument("--quick", action="store_true", help="30 scans, 3 s idle")
    args = parser.parse_args()
    if args.quick:
        args.scans, args.idle = 30, 3.0
    print(f"{args.scans} scans, {args.clients} SSE clients, watcher polling every 200 ms")
    for wake, title in ((True, "woken by the engine (as run)"), (False, "poll alone (peer)")):
        with tempfile.TemporaryDirectory(dir=".") as tmp:
            result = measure(Path(tmp), args, wake=wake)
        print(f"{title}:")
        print(f"  committed -> first page:   {summary(result['first'])}")
        print(f"  committed -> every page:   {summary(result['every'])}")
        print(f"  one snapshot build:        {summary(result['builds'])}")
        print(f"  idle: {result['idle_cpu'] * 100:.2f} % of one CPU")
    print("target: committed -> every page p99 < 1000 ms")


if __name__ == "__main__":
    main()
