"""failover_hosts: the publisher goes to the next broker of a cluster when one is down or dies,
keeping the outbox's guarantees (nothing deleted unacknowledged, in order per connection)."""

from __future__ import annotations

import pytest

from lotedge.apps.broker import free_port
from lotedge.config.mqtt import MqttConfig
from lotedge.publish.publisher import Publisher

from .broker import MOSQUITTO, Mosquitto
from .helpers import depth, event_id, plain_config, wait_until, write_events
from .samples import SITE


@pytest.fixture
def second_broker(tmp_path):
    if MOSQUITTO is None:
        pytest.skip("mosquitto binary not installed: this test needs two real brokers")
    server = Mosquitto(tmp_path / "second", None)
    server.start()
    yield server
    server.stop()


def test_endpoints_are_host_then_failover_hosts_with_the_default_port():
    config = MqttConfig(
        host="10.0.0.1",
        tls={"enabled": True},
        failover_hosts=["10.0.0.2", "broker3:9883", "[fd00::4]:8884"],
    )
    assert config.endpoints == [
        ("10.0.0.1", 8883),
        ("10.0.0.2", 8883),
        ("broker3", 9883),
        ("fd00::4", 8884),
    ]


@pytest.mark.parametrize("entry", ["a b", "host:", "host:70000", "[::1", "mqtt://host"])
def test_a_malformed_failover_host_is_a_config_error(entry):
    with pytest.raises(ValueError, match="is not 'host' or 'host:port'"):
        MqttConfig(failover_hosts=[entry])


def test_plain_tcp_rule_covers_every_failover_host():
    with pytest.raises(ValueError, match=r"plain TCP to 10\.0\.0\.2"):
        MqttConfig(host="127.0.0.1", tls={"enabled": False}, failover_hosts=["10.0.0.2"])


def test_a_dead_first_host_is_skipped_for_the_next(own_broker, state_db, subscribe):
    config = plain_config(free_port(), failover_hosts=[f"127.0.0.1:{own_broker.port}"])
    publisher = Publisher(config, SITE, state_db)
    sub = subscribe(own_broker.port, publisher.topics.of("events"))
    write_events(state_db, range(30), per_transaction=10)
    publisher.start()
    try:
        wait_until(lambda: depth(state_db) == 0, "an empty outbox")
        assert publisher.status().broker == f"127.0.0.1:{own_broker.port}"
    finally:
        publisher.stop()
    assert sub.events() == [event_id(n) for n in range(30)]


def test_a_broker_killed_mid_stream_the_rest_goes_to_the_next_in_order(
    own_broker, second_broker, state_db, subscribe
):
    """Events in flight to a broker that dies (killed while it acknowledged nothing) stay in the
    outbox and go to the next broker, in outbox order, each acknowledged before its delete."""
    config = plain_config(own_broker.port, failover_hosts=[f"127.0.0.1:{second_broker.port}"])
    publisher = Publisher(config, SITE, state_db)
    first = subscribe(own_broker.port, publisher.topics.of("events"))
    second = subscribe(second_broker.port, publisher.topics.of("events"))
    write_events(state_db, range(50), per_transaction=10)
    publisher.start()
    try:
        wait_until(lambda: depth(state_db) == 0, "the first 50 acknowledged by the first broker")
        own_broker.pause()  # it takes the next events and acknowledges none of them ...
        write_events(state_db, range(50, 120), per_transaction=7)
        publisher.wake()
        wait_until(lambda: publisher.status().inflight > 0, "events in flight")
        own_broker.kill()  # ... and dies
        wait_until(lambda: depth(state_db) == 0, "the rest acknowledged by the second broker")
        assert publisher.status().broker == f"127.0.0.1:{second_broker.port}"
    finally:
        publisher.stop()
    assert first.events() == [event_id(n) for n in range(50)]
    assert second.events() == [event_id(n) for n in range(50, 120)]
