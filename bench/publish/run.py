"""Publishing benchmark against one local Mosquitto started here.

(a) scan-to-PUBACK latency: commit one event (durable, synchronous=FULL), wake the publisher,
    wait for its PUBACK; median and p99 over --scans samples.
(b) backlog drain: --events events committed while the publisher is down (an outage), then the
    rate at which it drains them, acknowledged and deleted, in events/s.
(c) the peer: a bare paho QoS 1 publish loop of 600-byte payloads with the same in-flight window.

usage: python bench/publish/run.py [--events 100000] [--scans 1000] [--window 64]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from lotedge.config.mqtt import MqttConfig, OutboxConfig, TlsConfig
from lotedge.core import epcis
from lotedge.publish.publisher import Publisher
from lotedge.state import db, outbox
from tests.publish.broker import Mosquitto
from tests.publish.samples import FLOUR, SITE


def event(n: int) -> tuple[str, bytes]:
    """A realistic consumption event (about 700 bytes) and its eventID."""
    event_id = f"urn:uuid:{uuid.uuid4()}"
    body = epcis.consumption_event(
        SITE,
        batch_id="B-2026-11-25-001",
        material=FLOUR,
        gtin=FLOUR.gtins[0],
        lot=f"LOT{n:08d}",
        quantity=Decimal("25"),
        uom="KGM",
        event_id=event_id,
        when=datetime.now(UTC),
    )
    return event_id, epcis.encode(body)


def enqueue(conn, n: int) -> str:
    event_id, payload = event(n)
    outbox.enqueue(conn, topic="events", payload=payload, event_id=event_id, created_at=time.time())
    return event_id


class Acks:
    """Counts acknowledged rows and notes when each eventID was acknowledged."""

    def __init__(self) -> None:
        self.count = 0
        self.at: dict[str, float] = {}
        self.changed = threading.Condition()

    def __call__(self, rows: list[outbox.Row]) -> None:
        now = time.perf_counter()
        with self.changed:
            self.count += len(rows)
            for row in rows:
                self.at[row.event_id] = now
            self.changed.notify_all()

    def wait_for(self, count: int, timeout: float = 600) -> None:
        with self.changed:
            if not self.changed.wait_for(lambda: self.count >= count, timeout):
                raise SystemExit(f"only {self.count} of {count} acknowledged in {timeout} s")


def config(port: int, window: int) -> MqttConfig:
    return MqttConfig(
        host="127.0.0.1",
        port=port,
        tls=TlsConfig(enabled=False),
        status_seconds=3600,
        reconnect_min_seconds=0.05,
        outbox=OutboxConfig(window=window, cap=10_000_000),
    )


def latency(port: int, state: Path, scans: int, window: int) -> tuple[float, float, float]:
    """(median, p99) scan-to-PUBACK and median commit time, in ms."""
    acks = Acks()
    publisher = Publisher(config(port, window), SITE, state / db.STATE_FILE, on_acked=acks)
    conn = db.open_state(state)
    publisher.start()
    samples, commits = [], []
    try:
        for n in range(scans):
            start = time.perf_counter()
            with db.transaction(conn):
                event_id = enqueue(conn, n)
            commits.append(time.perf_counter() - start)
            publisher.wake()
            acks.wait_for(n + 1)
            samples.append(acks.at[event_id] - start)
    finally:
        publisher.stop()
        conn.close()
    samples.sort()
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    return statistics.median(samples) * 1e3, p99 * 1e3, statistics.median(commits) * 1e3


def drain(port: int, state: Path, events: int, window: int) -> tuple[float, int]:
    """Events/s draining a backlog of `events` committed during an outage; mean payload size."""
    conn = db.open_state(state)
    for first in range(0, events, 1000):
        with db.transaction(conn):
            for n in range(first, min(first + 1000, events)):
                enqueue(conn, n)
    size = conn.execute("SELECT avg(length(payload)) FROM outbox").fetchone()[0]
    conn.close()
    acks = Acks()
    publisher = Publisher(config(port, window), SITE, state / db.STATE_FILE, on_acked=acks)
    start = time.perf_counter()
    publisher.start()
    try:
        acks.wait_for(events)
        elapsed = time.perf_counter() - start
    finally:
        publisher.stop()
    return events / elapsed, round(size)


def bare_paho(port: int, messages: int, window: int) -> float:
    """Messages/s of a plain paho QoS 1 loop of 600-byte payloads, all acknowledged, keeping at
    most `window` unacknowledged (as the publisher does; paho's own unbounded queue can stall)."""
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
    payload = bytes(600)
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
    parser.add_argument("--events", type=int, default=100_000, help="backlog size for (b), (c)")
    parser.add_argument("--scans", type=int, default=1000, help="latency samples for (a)")
    parser.add_argument("--window", type=int, default=OutboxConfig().window, help="in flight")
    args = parser.parse_args()
    print(f"window {args.window}, {args.events} events, {args.scans} scans", flush=True)
    with tempfile.TemporaryDirectory(prefix="lotedge-bench-") as tmp:
        # Receive Maximum 1000, so that both sides use the same --window.
        broker = Mosquitto(Path(tmp) / "mosquitto", None, max_inflight=1000)
        broker.start()
        try:
            median, p99, commit = latency(broker.port, Path(tmp) / "a", args.scans, args.window)
            print(
                f"(a) scan-to-PUBACK  median {median:.2f} ms  p99 {p99:.2f} ms"
                f"  (durable commit {commit:.2f} ms)",
                flush=True,
            )
            rate, size = drain(broker.port, Path(tmp) / "b", args.events, args.window)
            print(f"(b) backlog drain   {rate:,.0f} events/s ({size}-byte events)", flush=True)
            peer = bare_paho(broker.port, args.events, args.window)
            print(f"(c) bare paho QoS 1 {peer:,.0f} msg/s (600-byte payloads)", flush=True)
        finally:
            broker.stop()
    print(f"drain / bare paho   {rate / peer:.2f}  (target >= 0.80); p99 target < 10 ms")


if __name__ == "__main__":
    main()
