"""Publishing benchmark against one local Mosquitto started here (plain TCP on loopback).

(a) scan -> PUBACK through the real engine: each scan is submitted with ``engine.submit_scan``
    (parse, decide, one durable SQLite transaction with its consumption event in the outbox,
    synchronous=FULL); the registry's wake-up wakes the publisher (``start_publisher``), which
    publishes at QoS 1 and, on the PUBACK, deletes the row; timed from just before the submit
    until the publisher's ``on_acked`` hook reports the row. One scan at a time; median and p99.
(b) drain after an outage: --events events committed while the publisher is down, then the rate
    at which it drains them, each acknowledged and deleted, in events/s.
(c) the peer: a bare paho QoS 1 publish loop of as many payloads of the same mean size, with
    the same in-flight window, in messages/s; the ratio (b)/(c) is printed.

    .venv/bin/python -m bench.publish.run [--events 100000] [--scans 1000] [--window 256] [--quick]

--window defaults to the [mqtt.outbox] window default (256); the broker announces a Receive
Maximum of 1000 so that both sides use it.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from bench.common import example_config, figures, start_engine
from lotedge.agent.registry import AdapterHost, Registry
from lotedge.agent.requests import StartBatch
from lotedge.config.model import Config
from lotedge.config.mqtt import OutboxConfig
from lotedge.core import epcis
from lotedge.core.scan import RawScan
from lotedge.publish.publisher import Publisher
from lotedge.publish.service import start_publisher
from lotedge.state import db, outbox
from tests.publish.broker import Mosquitto

TARGET_P99_MS = 10.0
TARGET_RATIO = 0.8


def bench_config(directory: Path, port: int, window: int) -> Config:
    """The example config, publishing to the bench's broker."""
    directory.mkdir()
    mqtt_section = f"""
[mqtt]
host = "127.0.0.1"
port = {port}
status_seconds = 3600
reconnect_min_seconds = 0.05
[mqtt.tls]
enabled = false
[mqtt.outbox]
window = {window}
cap = 10000000
"""
    return example_config(directory, mqtt_section)


def event(config: Config, n: int) -> tuple[str, bytes]:
    """A consumption event as the engine writes it, and its eventID."""
    event_id = f"urn:uuid:{uuid.uuid4()}"
    flour = config.material("FLOUR")
    assert flour is not None
    body = epcis.consumption_event(
        config.identity,
        batch_id="B-2026-11-25-001",
        material=flour,
        gtin=flour.gtins[0],
        lot=f"LOT{n:08d}",
        quantity=Decimal("25"),
        uom="KGM",
        event_id=event_id,
        when=datetime.now(UTC),
    )
    return event_id, epcis.encode(body)


def enqueue(conn: sqlite3.Connection, config: Config, n: int) -> str:
    event_id, payload = event(config, n)
    outbox.enqueue(conn, topic="events", payload=payload, event_id=event_id, created_at=time.time())
    return event_id


class Acks:
    """Counts acknowledged rows; notes when the count last changed."""

    def __init__(self) -> None:
        self.count = 0
        self.at = 0.0
        self.changed = threading.Condition()

    def __call__(self, rows: list[outbox.Row]) -> None:
        now = time.perf_counter()
        with self.changed:
            self.count += len(rows)
            self.at = now
            self.changed.notify_all()

    def wait_for(self, count: int, timeout: float = 600) -> float:
        """Wait until `count` rows were acknowledged; returns when that happened."""
        with self.changed:
            if not self.changed.wait_for(lambda: self.count >= count, timeout):
                raise SystemExit(f"only {self.count} of {count} acknowledged in {timeout} s")
            return self.at


def depth(config: Config) -> int:
    with sqlite3.connect(config.state_dir / db.STATE_FILE) as conn:
        return conn.execute("SELECT count(*) FROM outbox").fetchone()[0]


def latency(config: Config, scans: int) -> tuple[list[float], list[float]]:
    """(scan -> PUBACK, scan -> decision) per scan, in seconds, through the real engine."""
    registry = Registry()
    engine = start_engine(config, registry=registry)
    acks = Acks()
    stop = threading.Event()
    host = AdapterHost(config, engine.call, registry)
    stop_publisher = start_publisher(host, stop, on_acked=acks)
    to_puback, to_reply = [], []
    try:
        if not engine.call(StartBatch("BREAD")).ok:
            raise SystemExit("the batch did not start")
        deadline = time.monotonic() + 30
        while depth(config) and time.monotonic() < deadline:  # the batch start's event
            time.sleep(0.01)
        for n in range(scans):
            expected = acks.count + 1
            data = f"]C10109501101530003\x1d17490131\x1d10L{n}".encode()
            start = time.perf_counter()
            reply = engine.submit_scan(RawScan(data, "bench"))
            to_reply.append(time.perf_counter() - start)
            if not reply.ok:
                raise SystemExit(f"scan {n} was not accepted: {reply}")
            to_puback.append(acks.wait_for(expected, 30) - start)
        time.sleep(0.2)
        if acks.count != expected or depth(config):
            raise SystemExit(f"expected one event per scan: {acks.count} acked, {expected} sent")
    finally:
        stop.set()
        stop_publisher()
        engine.stop()
    return to_puback, to_reply


def drain(config: Config, events: int) -> tuple[float, int]:
    """Events/s draining a backlog of `events` committed during an outage; mean payload size."""
    conn = db.open_state(config.state_dir)
    for first in range(0, events, 1000):
        with db.transaction(conn):
            for n in range(first, min(first + 1000, events)):
                enqueue(conn, config, n)
    size = conn.execute("SELECT avg(length(payload)) FROM outbox").fetchone()[0]
    conn.close()
    assert config.mqtt is not None
    acks = Acks()
    publisher = Publisher(
        config.mqtt, config.identity, config.state_dir / db.STATE_FILE, on_acked=acks
    )
    start = time.perf_counter()
    publisher.start()
    try:
        acks.wait_for(events)
        elapsed = time.perf_counter() - start
    finally:
        publisher.stop()
    return events / elapsed, round(size)


def bare_paho(port: int, messages: int, window: int, size: int) -> float:
    """Messages/s of a plain paho QoS 1 loop of `size`-byte payloads, all acknowledged, keeping
    at most `window` unacknowledged (as the publisher does; paho's own unbounded queue can
    stall)."""
    slots = threading.BoundedSemaphore(window)
    connected = threading.Event()
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=MQTTProtocolVersion.MQTTv5)
    client.max_inflight_messages_set(window)
    client.on_publish = lambda *_: slots.release()
    client.on_connect = lambda *_: connected.set()
    client.connect("127.0.0.1", port)
    client.loop_start()
    if not connected.wait(10):
        raise SystemExit("bare paho could not connect")
    payload = bytes(size)
    start = time.perf_counter()
    for n in range(messages + window):  # the last `window` acquisitions wait for the tail
        if not slots.acquire(timeout=60):
            raise SystemExit(f"bare paho: stalled after {n - window} of {messages} messages")
        if n < messages:
            client.publish("bench/peer", payload, qos=1)
    elapsed = time.perf_counter() - start
    client.disconnect()
    client.loop_stop()
    return messages / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000, help="outage backlog, (b) and (c)")
    parser.add_argument("--scans", type=int, default=1000, help="latency samples for (a)")
    parser.add_argument("--window", type=int, default=OutboxConfig().window, help="in flight")
    parser.add_argument("--quick", action="store_true", help="10,000 events, 200 scans")
    args = parser.parse_args()
    if args.quick:
        args.events, args.scans = 10_000, 200
    print(f"window {args.window}, {args.events:,} events, {args.scans:,} scans", flush=True)
    with tempfile.TemporaryDirectory(prefix="lotedge-bench-") as tmp:
        broker = Mosquitto(Path(tmp) / "mosquitto", None, max_inflight=1000)
        broker.start()
        try:
            config_a = bench_config(Path(tmp) / "a", broker.port, args.window)
            to_puback, to_reply = latency(config_a, args.scans)
            a, r = figures(to_puback), figures(to_reply)
            print(
                f"(a) scan -> PUBACK  median {a['median_ms']:.2f} ms  p99 {a['p99_ms']:.2f} ms"
                f"  (of which scan -> decision: median {r['median_ms']:.2f} ms,"
                f" p99 {r['p99_ms']:.2f} ms)",
                flush=True,
            )
            config_b = bench_config(Path(tmp) / "b", broker.port, args.window)
            rate, size = drain(config_b, args.events)
            print(f"(b) outage drain    {rate:,.0f} events/s ({size}-byte events)", flush=True)
            peer = bare_paho(broker.port, args.events, args.window, size)
            print(f"(c) bare paho QoS 1 {peer:,.0f} msg/s ({size}-byte payloads)", flush=True)
        finally:
            broker.stop()
    p99_ok = "met" if a["p99_ms"] < TARGET_P99_MS else "NOT met"
    ratio_ok = "met" if rate / peer >= TARGET_RATIO else "NOT met"
    print(
        f"drain / bare paho   {rate / peer:.2f}  (target >= {TARGET_RATIO}: {ratio_ok}); "
        f"scan -> PUBACK p99 target < {TARGET_P99_MS:.0f} ms: {p99_ok}"
    )


if __name__ == "__main__":
    main()
