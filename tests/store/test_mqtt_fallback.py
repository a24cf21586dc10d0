"""Which subscription, and the fallback to MQTT 3.1.1 with amqtt (a 3.1.1-only broker)."""

from __future__ import annotations

import threading
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from lotedge.config.mqtt import TlsConfig
from lotedge.config.store import StoreMqttConfig
from lotedge.store.db import Database, open_database
from lotedge.store.ingest import Ingestor
from lotedge.store.subscriber import EventSubscriber, default_client_id, subscriptions
from tests.publish.broker import free_port

from .genealogy_data import numbered_events
from .helpers import wait_until
from .test_mqtt_ingest import publish


@pytest.mark.slow
def test_auto_protocol_falls_back_to_311_plain_subscription(amqtt_port: int, tmp_path: Path):
    db = open_database(f"sqlite:///{tmp_path / 'trace.db'}")
    subscriber = EventSubscriber(
        StoreMqttConfig(port=amqtt_port, tls=TlsConfig(enabled=False), connect_timeout_seconds=2),
        Ingestor(db),
        batch_size=10,
    )
    stop = threading.Event()
    worker = threading.Thread(target=subscriber.run, args=(stop,))
    worker.start()
    try:
        assert subscriber.subscribed.wait(20)
        assert (subscriber.protocol, subscriber.topics) == (
            "3.1.1",
            ["lotedge/v1/+/+/events", "lotedge/v1/+/+/rejections"],
        )
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


def test_subscription_is_shared_only_with_mqtt_5_and_a_group():
    shared = StoreMqttConfig(topic_filter="plant/+/+/events", rejections_topic_filter="")
    assert subscriptions(shared, "5") == ["$share/lotedge-store/plant/+/+/events"]
    assert subscriptions(shared, "3.1.1") == ["plant/+/+/events"]
    assert subscriptions(StoreMqttConfig(shared_group=""), "5") == [
        "lotedge/v1/+/+/events",
        "lotedge/v1/+/+/rejections",
    ]
    assert subscriptions(StoreMqttConfig(), "5") == [
        "$share/lotedge-store/lotedge/v1/+/+/events",
        "$share/lotedge-store/lotedge/v1/+/+/rejections",
    ]


def test_a_store_without_client_id_keeps_a_persistent_session_under_its_host_name(tmp_path):
    config = StoreMqttConfig(tls=TlsConfig(enabled=False))
    subscriber = EventSubscriber(config, Ingestor(Database(f"sqlite:///{tmp_path / 't.db'}")))
    assert (subscriber.client_id, subscriber.persistent) == (default_client_id(), True)
    clean = StoreMqttConfig(tls=TlsConfig(enabled=False), session_expiry_seconds=0)
    assert EventSubscriber(clean, subscriber.ingestor, client_id="x").persistent is False


@pytest.mark.slow
def test_subscriber_goes_to_the_next_failover_host_when_one_is_down(mosquitto, tmp_path):
    config = StoreMqttConfig(
        port=free_port(),
        failover_hosts=[f"127.0.0.1:{mosquitto}"],
        tls=TlsConfig(enabled=False),
        reconnect_min_seconds=0.1,
        reconnect_max_seconds=0.2,
        session_expiry_seconds=0,
    )
    db = open_database(f"sqlite:///{tmp_path / 'trace.db'}")
    subscriber = EventSubscriber(config, Ingestor(db), batch_size=10)
    stop = threading.Event()
    worker = threading.Thread(target=subscriber.run, args=(stop,))
    worker.start()
    try:
        assert subscriber.subscribed.wait(20)
        assert subscriber.where == f"127.0.0.1:{mosquitto}"
        publish(mosquitto, [("lotedge/v1/P1/L1/events", p) for p in numbered_events("fo", 10)])
        assert wait_until(lambda: db.fetchone("SELECT COUNT(*) FROM events") == (10,), 20)
    finally:
        stop.set()
        worker.join(timeout=30)
        db.close()
