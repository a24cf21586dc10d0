"""The store's MQTT connection: TLS (verified, mutual) to Mosquitto, a wrong CA refused and
retried, plain TCP to another machine refused by the config."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest
from pydantic import ValidationError

from lotedge.config.loader import parse_config
from lotedge.config.mqtt import TlsConfig
from lotedge.config.problems import ConfigError
from lotedge.config.store import StoreMqttConfig
from lotedge.store.db import open_database
from lotedge.store.ingest import Ingestor
from lotedge.store.subscriber import EventSubscriber

from .genealogy_data import numbered_events
from .helpers import StoreProcess, store_config, wait_until
from .test_mqtt_ingest import count, publish


@pytest.mark.slow
def test_store_subscribes_over_mutual_tls(tls_mosquitto, tmp_path):
    """`lotedge store` with [store.mqtt.tls]: CA, client certificate and key from the config."""
    certs = tls_mosquitto.certs
    db_url = f"sqlite:///{tmp_path / 'trace.db'}"
    config = store_config(
        tmp_path,
        port=tls_mosquitto.mtls_port,
        database_url=db_url,
        schema=None,
        tls={
            "ca_file": certs("ca.crt"),
            "cert_file": certs("client.crt"),
            "key_file": certs("client.key"),
        },
    )
    store = StoreProcess(config, "store-mtls", "--leave")  # the broker serves the next tests
    try:
        store.wait_for_log(f"connected to 127.0.0.1:{tls_mosquitto.mtls_port}")
        store.wait_for_log("subscribed to $share/lotedge-store/lotedge/v1/+/+/events")
        payloads = numbered_events("tls", 30)
        publish(tls_mosquitto.port, [("lotedge/v1/P1/L1/events", p) for p in payloads])
        assert wait_until(lambda: count(db_url, "events") == 30, 30)
        assert store.stop()["stored"] == 30
    finally:
        store.kill()


def run_subscriber(config: StoreMqttConfig, tmp_path: Path):
    db = open_database(f"sqlite:///{tmp_path / 'trace.db'}")
    # Its own client id: the broker is shared by the module's tests, and a persistent session
    # left subscribed would take a share of the next test's events.
    subscriber = EventSubscriber(
        config, Ingestor(db), batch_size=10, client_id=f"store-{tmp_path.name}"
    )
    stop = threading.Event()
    worker = threading.Thread(target=subscriber.run, args=(stop,), kwargs={"leave": True})
    worker.start()
    return subscriber, stop, worker, db


def test_store_subscribes_over_verified_tls(tls_mosquitto, tmp_path):
    config = StoreMqttConfig(
        port=tls_mosquitto.tls_port, tls=TlsConfig(ca_file=tls_mosquitto.certs("ca.crt"))
    )
    subscriber, stop, worker, db = run_subscriber(config, tmp_path)
    try:
        assert subscriber.subscribed.wait(20)
        publish(
            tls_mosquitto.port, [("lotedge/v1/P1/L2/events", p) for p in numbered_events("v", 5)]
        )
        assert wait_until(lambda: db.fetchone("SELECT COUNT(*) FROM events") == (5,), 20)
    finally:
        stop.set()
        worker.join(timeout=30)
        db.close()
    assert not worker.is_alive()


def test_wrong_ca_is_logged_and_retried_not_fatal(tls_mosquitto, tmp_path, caplog):
    caplog.set_level(logging.DEBUG, logger="lotedge.store.subscriber")
    config = StoreMqttConfig(
        port=tls_mosquitto.tls_port,
        tls=TlsConfig(ca_file=tls_mosquitto.certs("wrong-ca.crt")),
        reconnect_min_seconds=0.1,
        reconnect_max_seconds=0.2,
    )
    subscriber, stop, worker, db = run_subscriber(config, tmp_path)

    def failures() -> list[logging.LogRecord]:
        return [r for r in caplog.records if "certificate verify failed" in r.getMessage()]

    try:
        assert wait_until(lambda: len(failures()) >= 3, 20), caplog.text  # still retrying
        first = failures()[0]
        assert first.levelno == logging.ERROR
        assert first.getMessage().startswith(
            f"cannot connect to 127.0.0.1:{tls_mosquitto.tls_port}: TLS: certificate verify failed"
        )
        assert all(r.levelno == logging.DEBUG for r in failures()[1:])  # said once, loudly
        assert worker.is_alive()
        assert not subscriber.subscribed.is_set()
    finally:
        stop.set()
        worker.join(timeout=30)
        db.close()
    assert not worker.is_alive()


def test_plain_tcp_to_another_host_is_refused():
    with pytest.raises(ValidationError, match=r"enable \[store.mqtt.tls\] or set allow_plain_tcp"):
        StoreMqttConfig(host="broker.plant1.example", tls=TlsConfig(enabled=False))
    allowed = StoreMqttConfig(
        host="broker.plant1.example", tls=TlsConfig(enabled=False), allow_plain_tcp=True
    )
    assert allowed.effective_port == 1883
    for loopback in ("127.0.0.1", "localhost", "::1"):
        assert StoreMqttConfig(host=loopback, tls=TlsConfig(enabled=False)).effective_port == 1883


def test_store_mqtt_defaults_to_verified_tls_and_shares_the_agent_keys(tmp_path):
    text = """
[identity]
site = "CENTRAL"
line = "STORE"
device_id = "store"

[store.mqtt]
host = "broker.plant1.example"
username = "store"
password = { env = "LOTEDGE_MQTT_PASSWORD" }
[store.mqtt.tls]
ca_file = "ca.pem"
cert_file = "store.pem"
key_file = "store.key"
"""
    mqtt = parse_config(text, base_dir=tmp_path).store.mqtt
    assert (mqtt.tls.enabled, mqtt.tls.verify, mqtt.effective_port) == (True, True, 8883)
    assert mqtt.tls.ca_file == "ca.pem"
    plain = text.replace('ca_file = "ca.pem"', "enabled = false")
    with pytest.raises(ConfigError, match=r"enable \[store.mqtt.tls\] or set allow_plain_tcp"):
        parse_config(plain, base_dir=tmp_path)
