"""The publisher against a real Mosquitto: order, status, alerts, outage, commands."""

from __future__ import annotations

import json
import threading
import time

import pytest

from lotedge.agent.requests import HoldAdd, Once, Reply, Request, Status
from lotedge.config.base import SecretRef
from lotedge.config.mqtt import OutboxConfig
from lotedge.core.holds import HoldScope
from lotedge.publish.publisher import Publisher

from .helpers import depth, event_id, plain_config, wait_until, write_events
from .samples import SITE


def test_drains_in_order_with_retained_status(broker, state_db, subscribe):
    publisher = Publisher(plain_config(broker.port), SITE, state_db)
    sub = subscribe(broker.port, f"{publisher.topics.root}/#")
    write_events(state_db, range(40), per_transaction=7)
    publisher.start()
    try:
        wait_until(lambda: len(sub.events()) == 40, "40 events")
        wait_until(lambda: depth(state_db) == 0, "an empty outbox")
    finally:
        publisher.stop()
    assert sub.events() == [event_id(n) for n in range(40)]
    states = [s["state"] for s in sub.on("/status")]
    assert states[0] == "online" and states[-1] == "stopped"
    assert sub.on("/status")[0]["outbox"] == {
        "depth": 40,
        "oldest_age_seconds": sub.on("/status")[0]["outbox"]["oldest_age_seconds"],
        "cap": 500_000,
    }
    late = subscribe(broker.port, publisher.topics.status)
    wait_until(lambda: late.on("/status") != [], "the retained status")
    assert late.on("/status")[-1]["state"] == "stopped"


def test_outbox_alert_is_raised_and_cleared(broker, state_db, subscribe):
    config = plain_config(broker.port, outbox=OutboxConfig(window=4, cap=20, warn_ratio=0.5))
    publisher = Publisher(config, SITE, state_db)
    sub = subscribe(broker.port, publisher.topics.of("alerts"))
    write_events(state_db, range(30), per_transaction=30)
    publisher.start()
    try:
        wait_until(lambda: len(sub.on("/alerts")) == 2, "raised and cleared alerts")
    finally:
        publisher.stop()
    raised, cleared = sub.on("/alerts")
    assert (raised["type"], raised["state"], raised["depth"], raised["cap"]) == (
        "outbox_filling",
        "raised",
        30,
        20,
    )
    assert "never dropped" in raised["message"]
    assert (cleared["state"], cleared["depth"]) == ("cleared", 0)


def test_broker_outage_loses_nothing_and_keeps_order(own_broker, state_db, subscribe):
    publisher = Publisher(plain_config(own_broker.port), SITE, state_db)
    sub = subscribe(own_broker.port, publisher.topics.of("events"))
    publisher.start()
    try:
        writer = threading.Thread(target=write_events, args=(state_db, range(0, 100)))
        writer.start()
        writer.join()
        wait_until(lambda: len(sub.unique_events()) >= 50, "events before the outage")
        own_broker.stop()
        wait_until(lambda: not publisher.status().connected, "the publisher to notice")
        write_events(state_db, range(100, 200))  # scans go on while the broker is down
        assert depth(state_db) >= 100
        own_broker.start()
        writer = threading.Thread(target=write_events, args=(state_db, range(200, 300)))
        writer.start()
        writer.join()
        wait_until(lambda: depth(state_db) == 0, "the outbox to drain")
        wait_until(lambda: len(sub.unique_events()) == 300, "all 300 events")
    finally:
        publisher.stop()
    assert sub.unique_events() == [event_id(n) for n in range(300)]
    assert publisher.status().delivered == 300


def test_commands_are_answered_with_the_transaction(broker, state_db, subscribe):
    seen: list[Request] = []

    def call(request: Request) -> Reply:
        seen.append(request)
        return Reply(ok=True, data={"held": 1})

    publisher = Publisher(plain_config(broker.port), SITE, state_db, call=call)
    root = publisher.topics.root
    sub = subscribe(broker.port, f"{root}/cmd/response/#")
    publisher.start()
    try:
        wait_until(lambda: publisher.status().connected, "the publisher to connect")
        body = {"material": "FLOUR", "lot": "L1", "reason": "recall", "transaction": "t-1"}
        sub.client.publish(f"{root}/cmd/request/hold.add", json.dumps(body), qos=1)
        sub.client.publish(f"{root}/cmd/request/nope", b"{}", qos=1)
        wait_until(lambda: len(sub.on("/cmd/response/nope")) == 1, "both answers")
        wait_until(lambda: len(sub.on("/cmd/response/hold.add")) == 1, "both answers")
    finally:
        publisher.stop()
    assert seen == [
        Once(
            HoldAdd(HoldScope("FLOUR", lot="L1"), "recall", source="remote"), 'mqtt:hold.add:"t-1"'
        )
    ]
    assert sub.on("/cmd/response/hold.add") == [
        {"status": "ok", "data": {"held": 1}, "transaction": "t-1"}
    ]
    assert sub.on("/cmd/response/nope")[0]["code"] == "unknown_command"


def test_falls_back_to_mqtt_3_1_1(amqtt_broker, state_db, subscribe):
    publisher = Publisher(plain_config(amqtt_broker.port), SITE, state_db)
    sub = subscribe(amqtt_broker.port, publisher.topics.of("events"))
    write_events(state_db, range(5))
    publisher.start()
    try:
        wait_until(lambda: len(sub.unique_events()) == 5, "5 events over MQTT 3.1.1")
        assert publisher.status().protocol == "3.1.1"
    finally:
        publisher.stop()


def test_forced_mqtt_3_1_1_with_mosquitto(broker, state_db, subscribe):
    publisher = Publisher(plain_config(broker.port, protocol="3.1.1"), SITE, state_db)
    sub = subscribe(broker.port, publisher.topics.of("events"))
    write_events(state_db, range(5))
    publisher.start()
    try:
        wait_until(lambda: len(sub.unique_events()) == 5, "5 events")
        assert publisher.status().protocol == "3.1.1"
    finally:
        publisher.stop()


def test_username_and_password_from_the_environment(auth_broker, state_db, subscribe, monkeypatch):
    monkeypatch.setenv("LOTEDGE_TEST_MQTT_PASSWORD", "s3cret")
    password = SecretRef(env="LOTEDGE_TEST_MQTT_PASSWORD")
    config = plain_config(auth_broker.auth_port, username="line-agent", password=password)
    publisher = Publisher(config, SITE, state_db)
    sub = subscribe(auth_broker.port, publisher.topics.of("events"))
    write_events(state_db, range(3))
    publisher.start()
    try:
        wait_until(lambda: len(sub.unique_events()) == 3, "3 events")
    finally:
        publisher.stop()


def test_wrong_password_is_reported(auth_broker, state_db, tmp_path):
    (tmp_path / "pw").write_text("wrong\n")
    password = SecretRef(file=str(tmp_path / "pw"))
    config = plain_config(auth_broker.auth_port, username="line-agent", password=password)
    publisher = Publisher(config, SITE, state_db)
    publisher.start()
    try:
        wait_until(lambda: "refused" in publisher.status().last_error, "the refusal")
    finally:
        publisher.stop()
    assert "Not authorized" in publisher.status().last_error


def test_window_fits_the_brokers_receive_maximum(broker, state_db, subscribe):
    """Mosquitto's default Receive Maximum is 20; 4 slots stay free for status and replies."""
    config = plain_config(broker.port, outbox=OutboxConfig(window=64))
    publisher = Publisher(config, SITE, state_db)
    sub = subscribe(broker.port, publisher.topics.of("events"))
    write_events(state_db, range(100), per_transaction=100)
    publisher.start()
    try:
        wait_until(lambda: len(sub.unique_events()) == 100, "100 events")
        assert publisher.status().window == 16
    finally:
        publisher.stop()


def test_missing_password_is_reported_not_fatal(broker, state_db, monkeypatch):
    monkeypatch.delenv("LOTEDGE_TEST_UNSET", raising=False)
    config = plain_config(broker.port, username="u", password=SecretRef(env="LOTEDGE_TEST_UNSET"))
    publisher = Publisher(config, SITE, state_db)
    publisher.start()
    try:
        wait_until(lambda: "LOTEDGE_TEST_UNSET is not set" in publisher.status().last_error, "why")
        monkeypatch.setenv("LOTEDGE_TEST_UNSET", "anything")  # anonymous listener: any password
        wait_until(lambda: publisher.status().connected, "a connection once the secret is there")
    finally:
        publisher.stop()


def test_stop_flushes_the_outbox_before_stopped(broker, state_db, subscribe):
    """SIGTERM's last flush: rows committed just before stop() are delivered, then `stopped`."""
    publisher = Publisher(plain_config(broker.port), SITE, state_db)
    sub = subscribe(broker.port, f"{publisher.topics.root}/#")
    publisher.start()
    wait_until(lambda: publisher.status().connected, "the publisher to connect")
    write_events(state_db, range(400), per_transaction=400)
    publisher.wake()
    publisher.stop()
    assert depth(state_db) == 0
    assert publisher.status().delivered == 400
    wait_until(lambda: [s["state"] for s in sub.on("/status")][-1:] == ["stopped"], "stopped")
    kinds = [
        json.loads(p).get("state", "event") if t.endswith(("/status", "/events")) else "other"
        for t, p, _ in sub.messages
    ]
    assert kinds.index("stopped") > len(kinds) - 1 - kinds[::-1].index("event")
    assert sub.events() == [event_id(n) for n in range(400)]


def test_stop_flush_is_bounded(own_broker, state_db, caplog):
    """A broker that acknowledges nothing holds stop() up for flush_seconds (plus the brief
    wait for the `stopped` PUBACK), not longer; the rows stay queued for the next start."""
    config = plain_config(own_broker.port, outbox=OutboxConfig(window=16, flush_seconds=0.5))
    publisher = Publisher(config, SITE, state_db)
    publisher.start()
    wait_until(lambda: publisher.status().connected, "the publisher to connect")
    own_broker.pause()
    write_events(state_db, range(50), per_transaction=50)
    publisher.wake()
    started = time.monotonic()
    publisher.stop()
    took = time.monotonic() - started
    assert 0.5 <= took < 0.5 + 2.0 + 1.0
    assert not publisher._thread.is_alive()
    assert depth(state_db) == 50
    assert "stopping with events still queued" in caplog.text


def command_while_away(
    broker, state_db, subscribe, *, expiry, op, body, restart_broker=False, protocol="auto"
):
    """An agent connects (subscribing to commands) and goes away; `op` is sent meanwhile (and the
    broker restarted if asked); the agent connects again. Returns (requests the engine got, the
    running publisher, the responses' subscriber)."""
    seen: list[Request] = []

    def call(request: Request) -> Reply:
        seen.append(request)
        return Reply(ok=True, data={"held": 1})

    config = plain_config(broker.port, session_expiry_seconds=expiry, protocol=protocol)
    first = Publisher(config, SITE, state_db, call=call)
    root = first.topics.root
    sub = subscribe(broker.port, f"{root}/cmd/response/#")
    first.start()
    wait_until(lambda: first.status().connected, "the publisher to connect")
    first.stop()  # the agent is away (restart, network down) ...
    sub.client.publish(f"{root}/cmd/request/{op}", json.dumps(body), qos=1).wait_for_publish(5)
    if restart_broker:  # ... and the broker restarts meanwhile: the session is persisted
        broker.stop()
        broker.start()
    second = Publisher(config, SITE, state_db, call=call)
    second.start()
    return seen, second, sub


@pytest.mark.parametrize("protocol", ["5", "3.1.1"])
def test_command_sent_while_the_agent_is_offline_is_answered_after_reconnect(
    own_broker, state_db, subscribe, protocol
):
    """A persistent session (stable client id; MQTT 5 session expiry, 3.1.1 clean_session
    false): the broker queues a QoS 1 command sent while the agent is away, keeps it over a
    broker restart, and delivers it when the agent connects again."""
    body = {"material": "FLOUR", "lot": "L7", "reason": "recall", "transaction": "t-off"}
    seen, publisher, sub = command_while_away(
        own_broker,
        state_db,
        subscribe,
        expiry=60,
        op="hold.add",
        body=body,
        restart_broker=True,
        protocol=protocol,
    )
    try:
        wait_until(lambda: sub.on("/cmd/response/hold.add") != [], "the queued command's answer")
    finally:
        publisher.stop()
    assert seen == [
        Once(
            HoldAdd(HoldScope("FLOUR", lot="L7"), "recall", source="remote"),
            'mqtt:hold.add:"t-off"',
        )
    ]
    assert sub.on("/cmd/response/hold.add") == [
        {"status": "ok", "data": {"held": 1}, "transaction": "t-off"}
    ]


@pytest.mark.parametrize("protocol", ["5", "3.1.1"])
def test_clean_start_when_session_expiry_is_zero(own_broker, state_db, subscribe, protocol):
    """session_expiry_seconds = 0: no session, a command sent while away is not delivered."""
    seen, publisher, sub = command_while_away(
        own_broker,
        state_db,
        subscribe,
        expiry=0,
        op="status",
        body={"transaction": 1},
        protocol=protocol,
    )
    try:
        wait_until(lambda: publisher.status().connected, "the publisher to reconnect")
        live = publisher.topics.of("cmd/request/status")
        sub.client.publish(live, b'{"transaction": 2}', qos=1)
        wait_until(lambda: sub.on("/cmd/response/status") != [], "the live command's answer")
    finally:
        publisher.stop()
    assert [a["transaction"] for a in sub.on("/cmd/response/status")] == [2]
    assert seen == [Once(Status(), "mqtt:status:2")]
