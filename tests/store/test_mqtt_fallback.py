"""A broker that speaks only MQTT 3.1.1 (amqtt): protocol "auto" falls back to a plain one."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from conftest import free_port, wait_until
from genealogy_data import numbered_events
from paho.mqtt.enums import CallbackAPIVersion

from lotedge.config.store import StoreMqttConfig
from lotedge.store.db import open_database
from lotedge.store.ingest import Ingestor
from lotedge.store.subscriber import EventSubscriber


@pytest.fixture
def amqtt_port() -> Iterator[int]:
    from amqtt.broker import Broker

    port = free_port()
    config = {
        "listeners": {"default": {"type": "tcp", "bind": f"127.0.0.1:{port}"}},
        "auth": {"allow-anonymous": True},
    }
    loop = asyncio.new_event_loop()
    broker = Broker(config, loop=loop)
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(broker.start(), loop).result(timeout=10)
    assert wait_until(lambda: _accepts(port), 10)
    yield port
    asyncio.run_coroutine_threadsafe(broker.shutdown(), loop).result(timeout=10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=10)


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
    except OSError:
        return False
    return True


@pytest.mark.slow
def test_auto_protocol_falls_back_to_311_plain_subscription(amqtt_port: int, tmp_path: Path):
    db = open_database(f"sqlite:///{tmp_path / 'trace.db'}")
    subscriber = EventSubscriber(StoreMqttConfig(port=amqtt_port), Ingestor(db), batch_size=10)
    stop = threading.Event()
    worker = threading.Thread(target=subscriber.run, args=(stop,))
    worker.start()
    try:
        assert subscriber.subscribed.wait(20)
        assert (subscriber.protocol, subscriber.topic) == ("3.1.1", "lotedge/v1/+/+/events")
        publisher = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
        publisher.connect("127.0.0.1", amqtt_port)
        publisher.loop_start()
        infos = [
            publisher.publish("lotedge/v1/P1/L1/events", payload, qos=1)
            for payload in numbered_events("amqtt", 20)
        ]
        for info in infos:
            info.wait_for_publish(timeout=20)
        publisher.disconnect()
        publisher.loop_stop()
        assert wait_until(lambda: db.fetchone("SELECT COUNT(*) FROM events") == (20,), 20)
    finally:
        stop.set()
        worker.join(timeout=30)
        db.close()
