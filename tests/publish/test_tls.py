"""TLS to the test broker: verified by default, wrong CA refused, mutual TLS."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from lotedge.config.mqtt import TlsConfig
from lotedge.mqtt import session
from lotedge.publish.publisher import Publisher

from .helpers import depth, plain_config, wait_until, write_events
from .samples import SITE


def tls_config(port: int, **tls):
    return plain_config(port, tls=TlsConfig(**tls))


def client_for(config):
    return session.new_client(
        config,
        client_id="tls-test",
        protocol=session.PROTOCOLS["5"],
        will=("test/will", b"{}"),
        base_dir=Path("."),
    )


def test_verified_tls_delivers(tls_broker, state_db, subscribe):
    config = tls_config(tls_broker.tls_port, ca_file=tls_broker.certs("ca.crt"))
    publisher = Publisher(config, SITE, state_db)
    sub = subscribe(tls_broker.port, publisher.topics.of("events"))
    write_events(state_db, range(5))
    publisher.start()
    try:
        wait_until(lambda: len(sub.unique_events()) == 5, "5 events over TLS")
    finally:
        publisher.stop()


def test_wrong_ca_is_refused(tls_broker):
    config = tls_config(tls_broker.tls_port, ca_file=tls_broker.certs("wrong-ca.crt"))
    with pytest.raises(ssl.SSLCertVerificationError, match="certificate verify failed"):
        session.connect(client_for(config), config)


def test_publisher_with_wrong_ca_keeps_events_and_says_why(tls_broker, state_db):
    write_events(state_db, range(3))
    config = tls_config(tls_broker.tls_port, ca_file=tls_broker.certs("wrong-ca.crt"))
    publisher = Publisher(config, SITE, state_db)
    publisher.start()
    try:
        wait_until(lambda: "certificate verify failed" in publisher.status().last_error, "error")
        assert not publisher.status().connected
    finally:
        publisher.stop()
    assert depth(state_db) == 3


def test_mutual_tls(tls_broker):
    good = tls_config(
        tls_broker.mtls_port,
        ca_file=tls_broker.certs("ca.crt"),
        cert_file=tls_broker.certs("client.crt"),
        key_file=tls_broker.certs("client.key"),
    )
    client = client_for(good)
    session.connect(client, good)
    client.disconnect()
    client.loop_stop()

    no_cert = tls_config(tls_broker.mtls_port, ca_file=tls_broker.certs("ca.crt"))
    with pytest.raises((OSError, session.ConnectFailed)):
        session.connect(client_for(no_cert), no_cert)
