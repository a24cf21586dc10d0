"""Fleet soak: many lines into competing store instances on one PostgreSQL, through a broker
restart and a store instance killed (kill -9) in the middle.

Each line is a lightweight publisher of real agent events: the agent's own event builders
(core.epcis, via tests/store/agent_events.py) queue a batch's scans (three consumptions) and its
end (the output with its label's lot) into the line's own SQLite outbox at `--rate` events/s,
and the agent's real `Publisher` drains it to a private Mosquitto (persistence on,
max_queued_messages 0). `--stores` real `lotedge store` processes share the MQTT 5 shared
subscription and write to a scratch PostgreSQL schema. At a third of the run the broker is
restarted (SIGTERM, start); at two thirds one store instance is killed with SIGKILL and started
again 3 s later under its client id (what systemd's Restart=always does).

    .venv/bin/python -m bench.fleet.run                 # 50 lines x 3 events/s, 10 min, 2 stores
    .venv/bin/python -m bench.fleet.run --quick         # 15 lines x 3 events/s, 150 s
    .venv/bin/python -m bench.fleet.run --lines 20 --seconds 180

Needs mosquitto and PostgreSQL (--pg URL or LOTEDGE_TEST_PG_URL). Prints events in and out,
lost (must be 0), duplicates stored (must be 0), redeliveries the stores dropped by eventID,
ingest lag (event time to the store's commit) median and p99, store CPU per 1,000 events and
the database's size per million events.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bench.common import percentile
from lotedge.publish.publisher import Publisher
from lotedge.state import db as state
from lotedge.state import outbox
from lotedge.store.db import Database
from lotedge.wire.gs1 import join_gtin
from lotedge.wire.identifiers import gtin_lot_class
from tests.publish.broker import Mosquitto
from tests.publish.helpers import plain_config
from tests.store.agent_events import agent, consumption, event_id, output, payload
from tests.store.helpers import store_config

PREFIX = "fleet/v1"
EXPIRY = date(2049, 12, 31)
_TICKS = os.sysconf("SC_CLK_TCK")


class Line:
    """One line: its outbox, the agent's publisher, and a thread queueing events at `rate`/s."""

    def __init__(
        self, n: int, workdir: Path, broker_port: int, rate: float, reconnect: float
    ) -> None:
        self.name = f"L{n:03d}"
        self.identity = agent("FLEET", self.name)
        directory = workdir / self.name
        state.open_state(directory).close()
        self.db_path = directory / state.STATE_FILE
        config = plain_config(
            broker_port,
            topic_prefix=PREFIX,
            status_seconds=30.0,
            reconnect_min_seconds=reconnect,
            reconnect_max_seconds=max(reconnect * 8, 1.0),
        )
        self.publisher = Publisher(config, self.identity, self.db_path)
        self.rate = rate
        self.queued = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)

    def start(self) -> None:
        self.publisher.start()
        self._thread.start()

    def stop_queueing(self) -> None:
        self._stop.set()
        self._thread.join()

    def depth(self) -> int:
        with sqlite3.connect(self.db_path) as conn:
            return conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]

    def _event(self, number: int, when: datetime) -> dict[str, Any]:
        """Event `number` of this line: each batch is three scans, then its end."""
        gtin = join_gtin("0614141", "077777")
        assert gtin is not None
        batch, step = f"{self.name}B{number // 4}", number % 4
        if step < 3:
            return consumption(
                gtin_lot_class(gtin, f"V{batch}S{step}"),
                10.0,
                line=self.name,
                site="FLEET",
                batch=batch,
                material="FLOUR",
                vendor="Mill",
                when=when,
                eid=event_id(batch, step),
            )
        return output(
            gtin_lot_class(gtin, f"{batch}OUT"),
            30.0,
            line=self.name,
            site="FLEET",
            batch=batch,
            product="BREAD",
            expiry=EXPIRY,
            when=when,
            eid=event_id(batch, "out"),
        )

    def _run(self) -> None:
        conn = state.connect(self.db_path)
        due = time.monotonic() + random.uniform(0, 1 / self.rate)
        while not self._stop.wait(max(0.0, due - time.monotonic())):
            event = self._event(self.queued, datetime.now(UTC))
            with state.transaction(conn):
                outbox.enqueue(
                    conn,
                    topic="events",
                    payload=payload(event),
                    event_id=event["eventID"],
                    created_at=time.time(),
                )
            self.queued += 1
            self.publisher.wake()
            due += random.expovariate(self.rate)  # scans come when they come
        conn.close()


class Store:
    """A `lotedge store` process; its CPU time is sampled while it runs."""

    def __init__(self, config: Path, client_id: str, log: Path) -> None:
        self.config, self.client_id, self.log = config, client_id, log
        self.args = ["--client-id", client_id]
        self.cpu_before = 0.0  # CPU seconds of the processes it replaced
        self.counts: dict[str, int] = {}
        self.proc = self._spawn()

    def _spawn(self) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "lotedge.cli.main", "store", "-c", str(self.config), *self.args],
            stdout=subprocess.PIPE,
            stderr=self.log.open("a"),
            text=True,
        )

    def subscribed(self) -> bool:
        return "subscribed to" in self.log.read_text()

    def cpu(self) -> float:
        """CPU seconds (user + system) of this instance, the killed ones included."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            self._last = (int(fields[11]) + int(fields[12])) / _TICKS
        except (OSError, IndexError):
            pass
        return self.cpu_before + getattr(self, "_last", 0.0)

    def kill_and_restart(self, after: float) -> None:
        self.cpu_before = self.cpu()
        self._last = 0.0
        self.proc.kill()
        self.proc.wait()
        time.sleep(after)
        self.proc = self._spawn()

    def stop(self) -> None:
        self.cpu()
        self.proc.send_signal(signal.SIGTERM)
        out, _ = self.proc.communicate(timeout=60)
        self.counts = json.loads(out.strip().splitlines()[-1])["store"]


def wait_for(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(2)
    return predicate()


def stored(url: str) -> int:
    with Database(url) as db:
        row = db.fetchone("SELECT COUNT(*) FROM events")
    return row[0] if row else 0


def lags(url: str) -> list[float]:
    """Seconds from each event's time (when the line queued it) to the store's commit."""
    with Database(url) as db:
        rows = db.fetchall("SELECT event_time, received_at FROM events")

    def parse(text: str) -> datetime:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))

    return [(parse(received) - parse(when)).total_seconds() for when, received in rows]


def database_bytes(url: str, schema: str) -> int:
    with Database(url) as db:
        row = db.fetchone(
            "SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = ? AND c.relkind IN ('r', 'm')",
            (schema,),
        )
    return int(row[0]) if row else 0


def soak(args: argparse.Namespace, url: str, schema: str, workdir: Path) -> dict[str, str]:
    broker = Mosquitto(workdir / "mosquitto", None, max_inflight=100)
    broker.start()
    config = store_config(
        workdir,
        port=broker.port,
        database_url=url,
        schema=None,
        topic_filter=f"{PREFIX}/+/+/events",
    )
    reconnect = args.store_reconnect
    config.write_text(
        config.read_text()
        .replace("batch_size = 50", "batch_size = 500")
        .replace("[store.mqtt]\n", f"[store.mqtt]\nreconnect_min_seconds = {reconnect}\n")
    )
    stores = [
        Store(config, f"fleet-store-{n}", workdir / f"store-{n}.log") for n in range(args.stores)
    ]
    lines = [
        Line(n, workdir, broker.port, args.rate, args.line_reconnect) for n in range(args.lines)
    ]
    try:
        # Until a store has subscribed, the shared group has no session and Mosquitto drops
        # what the lines publish (a fleet's first start: stores first, then the lines).
        for store in stores:
            assert wait_for(store.subscribed, 60), store.log
        start_up_cpu = sum(store.cpu() for store in stores)  # imports, connections: not ingest
        empty_bytes = database_bytes(url, schema)
        started = time.monotonic()
        for line in lines:
            line.start()
        print(f"{args.lines} lines x {args.rate}/s for {args.seconds} s", flush=True)
        time.sleep(args.seconds / 3)
        if not args.no_broker_restart:
            broker.stop()
            broker.start()
            print(f"broker restarted at {time.monotonic() - started:.0f} s", flush=True)
        time.sleep(args.seconds / 3)
        if not args.no_kill:
            stores[-1].kill_and_restart(after=3.0)
            print(f"store {stores[-1].client_id} killed at {time.monotonic() - started:.0f} s")
        deadline = started + args.seconds
        while time.monotonic() < deadline:
            time.sleep(1)
            for store in stores:
                store.cpu()
        for line in lines:
            line.stop_queueing()
        queued = sum(line.queued for line in lines)

        def progress() -> bool:
            depth, out = sum(line.depth() for line in lines), stored(url)
            print(f"draining: {depth} in outboxes, {out:,} of {queued:,} stored", flush=True)
            return depth == 0 and out >= queued

        drained = wait_for(progress, args.drain_seconds)
        for store in stores:
            store.cpu()
    finally:
        for line in lines:
            line.publisher.stop()
        for store in stores:
            store.stop()
        broker.stop()
    out = stored(url)
    with Database(url) as db:
        distinct = db.fetchone("SELECT COUNT(DISTINCT event_id) FROM events")
    samples = lags(url)
    cpu = sum(store.cpu() for store in stores) - start_up_cpu
    size = database_bytes(url, schema) - empty_bytes
    return {
        "lines x events/s": f"{args.lines} x {args.rate}",
        "seconds": f"{args.seconds}",
        "store instances": f"{args.stores}",
        "events in": f"{queued:,}",
        "events out (stored)": f"{out:,}",
        "lost": f"{max(0, queued - out):,}" + ("" if drained else " (not drained)"),
        "duplicates stored": f"{out - (distinct[0] if distinct else 0):,}",
        "redelivered, dropped": f"{sum(s.counts.get('duplicate', 0) for s in stores):,}",
        "dead-lettered, conflicts": "{:,}, {:,}".format(
            *(sum(s.counts.get(k, 0) for s in stores) for k in ("dead_lettered", "conflict"))
        ),
        "ingest lag median s": f"{statistics.median(samples):.3f}",
        "ingest lag p99 s": f"{percentile(samples, 99):.3f}",
        "ingest lag max s": f"{max(samples):.3f}",
        "store CPU s/1k events": f"{cpu / max(out, 1) * 1000:.3f}",
        "store CPU % of a core": f"{cpu / args.seconds * 100:.1f}",
        "DB MB per 1M events": f"{size / max(out, 1) * 1_000_000 / 2**20:,.0f}",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=50)
    parser.add_argument("--rate", type=float, default=3.0, help="events per second per line")
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--stores", type=int, default=2, help="store instances")
    parser.add_argument(
        "--line-reconnect",
        type=float,
        default=2.0,
        help="the lines' first reconnect delay: longer than the stores' (see docs/operations.md)",
    )
    parser.add_argument("--store-reconnect", type=float, default=0.1)
    parser.add_argument(
        "--drain-seconds", type=float, default=300, help="longest wait for the backlog after"
    )
    parser.add_argument("--pg", default=os.environ.get("LOTEDGE_TEST_PG_URL"))
    parser.add_argument("--quick", action="store_true", help="15 lines, 150 s")
    parser.add_argument("--no-broker-restart", action="store_true", help="a peer run: no restart")
    parser.add_argument("--no-kill", action="store_true", help="a peer run: no store killed")
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it (logs)")
    args = parser.parse_args(argv)
    if args.quick:
        args.lines, args.seconds = 15, 150
    if not args.pg:
        parser.error("PostgreSQL needed: --pg URL or LOTEDGE_TEST_PG_URL")
    import psycopg

    schema = f"lotedge_fleet_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.pg, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    joiner = "&" if "?" in args.pg else "?"
    url = f"{args.pg}{joiner}options=-csearch_path%3D{schema}"
    with Database(url) as db:
        db.create_schema()
    try:
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            result = soak(args, url, schema, args.keep)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                result = soak(args, url, schema, Path(tmp))
    finally:
        with psycopg.connect(args.pg, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    for key, value in result.items():
        print(f"{key:<24}{value:>16}")
    return 0 if result["lost"] == "0" and result["duplicates stored"] == "0" else 1


if __name__ == "__main__":
    sys.exit(main())
