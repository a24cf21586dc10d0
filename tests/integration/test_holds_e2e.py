"""Holds from the central side, through the real agent (`lotedge run`) and a private Mosquitto.

Issue 9: a hold sent over MQTT rejects the next scan of that lot within one second; a hold on a
lot the open batch already consumed raises an alert at the line (status and the `alerts`
topic); a release over MQTT lets the lot through again.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from lotedge.agent.client import ControlClient
from lotedge.config.loader import load_config
from tests.core.daemon_helpers import control_client, start_daemon
from tests.publish.broker import MOSQUITTO, Mosquitto
from tests.publish.helpers import Subscriber, wait_until

pytestmark = pytest.mark.skipif(MOSQUITTO is None, reason="mosquitto binary not installed")

FLOUR = "]C101095011015300031749013110"  # FLOUR's GTIN and expiry; the lot follows (AI 10)
#: The issue's bound from the central side's publish to the rejecting answer at the line.
WITHIN_SECONDS = 1.0


@pytest.fixture
def line_topics(broker: Mosquitto, config_path: Path) -> Iterator[tuple[str, Subscriber]]:
    """The line's topic root, and a subscriber to everything under it (as the central side)."""
    config = load_config(config_path)
    assert config.mqtt is not None
    root = f"{config.mqtt.topic_prefix}/{config.identity.site}/{config.identity.line}"
    central = Subscriber(broker.port, f"{root}/#")
    yield root, central
    central.close()


def send(central: Subscriber, root: str, op: str, **body: object) -> dict:
    """Publish a command at QoS 1 as the central side does; wait for its answer."""
    answers = f"/cmd/response/{op}"
    before = len(central.on(answers))
    central.client.publish(f"{root}/cmd/request/{op}", json.dumps(body), qos=1)
    wait_until(lambda: len(central.on(answers)) > before, f"the answer to {op}", timeout=10)
    return central.on(answers)[-1]


def scan(client: ControlClient, lot: str) -> dict:
    return client.request("scan", data=FLOUR + lot)["data"]


def test_a_hold_over_mqtt_rejects_the_next_scan_within_a_second(
    config_path: Path, line_topics: tuple[str, Subscriber], daemons: list
):
    root, central = line_topics
    daemons.append(start_daemon(config_path))
    client = control_client(config_path)
    wait_until(
        lambda: client.request("status")["data"]["publisher"]["connected"],
        "the agent to connect to the broker",
    )
    assert client.request("batch.start", product="BREAD")["status"] == "ok"
    assert scan(client, "LOADED1")["reason"] == "accepted"

    started = time.perf_counter()
    held = send(
        central,
        root,
        "hold.add",
        lot="HELD1",
        reason="supplier recall R-17",
        hold_id="R-17",
        transaction="c-1",
    )
    rejected = scan(client, "HELD1")
    elapsed = time.perf_counter() - started
    print(f"\nhold.add publish -> rejecting scan reply: {elapsed * 1000:.1f} ms")
    assert (held["status"], held["transaction"]) == ("ok", "c-1")
    assert held["data"]["affected_batch"] is None
    assert (rejected["outcome"], rejected["reason"]) == ("rejected", "on_hold")
    assert "is on hold: supplier recall R-17 (hold R-17)" in rejected["message"]
    assert elapsed < WITHIN_SECONDS

    loaded = send(
        central,
        root,
        "hold.add",
        material="FLOUR",
        lot="LOADED1",
        reason="mould found",
        transaction="c-2",
    )
    assert loaded["data"]["affected_batch"]["loaded"] == [{"material": "FLOUR", "lot": "LOADED1"}]
    (alert,) = client.request("status")["data"]["alerts"]
    assert alert["kind"] == "held_lot_in_batch"
    assert alert["message"].startswith("Lot LOADED1 of FLOUR, now on hold (mould found; hold H-")
    wait_until(lambda: central.on("/alerts") != [], "the alert on the alerts topic")
    assert central.on("/alerts")[0]["message"] == alert["message"]

    released = send(central, root, "hold.remove", hold_id="R-17", transaction="c-3")
    assert released["data"]["message"] == (
        "Released from hold: lot HELD1 of any material (hold R-17)."
    )
    assert scan(client, "HELD1")["reason"] == "accepted"
    holds = client.request("hold.list")["data"]["holds"]
    assert [(h["held"], h["source"]) for h in holds] == [("FLOUR lot LOADED1", "remote")]
