"""Test helpers: a deduping subscriber (the trace store's view), an outbox writer, waiting."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from lotedge.config.mqtt import MqttConfig, OutboxConfig, TlsConfig
from lotedge.core import epcis
from lotedge.state import db, outbox

from .samples import consumption


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Poll `condition` until true; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.01)


def plain_config(port: int, **overrides: Any) -> MqttConfig:
    """A fast-reacting config for the test broker's plain listener, with a topic prefix of its
    own so that tests sharing a broker never see each other's (retained) messages."""
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "topic_prefix": f"test/{uuid.uuid4().hex[:8]}",
        "port": port,
        "tls": TlsConfig(enabled=False),
        "reconnect_min_seconds": 0.05,
        "reconnect_max_seconds": 0.5,
        "connect_timeout_seconds": 2.0,
        "status_seconds": 0.2,
        "outbox": OutboxConfig(window=16, poll_seconds=0.05),
    }
    return MqttConfig(**{**values, **overrides})


def agent_mqtt_toml(port: int) -> str:
    """The `[mqtt]` section of an agent talking plainly to a test broker on this machine, with
    quick reconnects and a status every second."""
    return f"""
[mqtt]
host = "127.0.0.1"
port = {port}
reconnect_min_seconds = 0.05
reconnect_max_seconds = 0.5
connect_timeout_seconds = 2.0
status_seconds = 1.0

[mqtt.tls]
enabled = false
"""


def event_id(n: int) -> str:
    return consumption(n=n)["eventID"]


def write_events(db_path: Path, numbers: range, *, per_transaction: int = 1) -> None:
    """Commit consumption events numbered `numbers` to the outbox, as the engine would."""
    conn = db.connect(db_path)
    try:
        items = list(numbers)
        for i in range(0, len(items), per_transaction):
            with db.transaction(conn):
                for n in items[i : i + per_transaction]:
                    event = consumption(n=n, lot=f"L{n}")
                    outbox.enqueue(
                        conn,
                        topic="events",
                        payload=epcis.encode(event),
                        event_id=event["eventID"],
                        created_at=time.time(),
                    )
    finally:
        conn.close()


def depth(db_path: Path) -> int:
    conn = db.connect(db_path)
    try:
        return outbox.stats(conn, now=time.time()).depth
    finally:
        conn.close()


class Subscriber:
    """A persistent-session QoS 1 subscriber that keeps every message and dedupes by eventID."""

    def __init__(self, port: int, topic: str, client_id: str = "") -> None:
        self.messages: list[tuple[str, bytes, bool]] = []
        self._lock = threading.Lock()
        # MQTT 3.1.1 persistent session: mosquitto 2.0 keeps it (and queues for it) across a
        # restart, as a trace store's subscriber would rely on.
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id or f"test-sub-{uuid.uuid4().hex[:8]}",
            protocol=MQTTProtocolVersion.MQTTv311,
            clean_session=False,
        )
        self.client.reconnect_delay_set(0.05, 0.5)  # type: ignore[arg-type]  # floats work
        self.client.on_message = self._on_message
        subscribed = threading.Event()
        self.client.on_connect = lambda c, *_: c.subscribe(topic, qos=1)
        self.client.on_subscribe = lambda *_: subscribed.set()
        self.client.connect("127.0.0.1", port, 30)
        self.client.loop_start()
        assert subscribed.wait(10), "subscriber could not subscribe"

    def _on_message(self, _c: mqtt.Client, _u: object, message: mqtt.MQTTMessage) -> None:
        with self._lock:
            self.messages.append((message.topic, bytes(message.payload), message.retain))

    def events(self) -> list[str]:
        """eventIDs of every message on an events topic, duplicates included, as received."""
        with self._lock:
            return [json.loads(p)["eventID"] for t, p, _ in self.messages if t.endswith("/events")]

    def unique_events(self) -> list[str]:
        """What a store deduping by eventID keeps, in arrival order."""
        return list(dict.fromkeys(self.events()))

    def on(self, suffix: str) -> list[dict[str, Any]]:
        """Payloads received on topics ending with `suffix`."""
        with self._lock:
            return [json.loads(p) for t, p, _ in self.messages if t.endswith(suffix)]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
