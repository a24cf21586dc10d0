"""Issue 21, finding 3: anyone on the broker could command a line. Through a real daemon and a
real Mosquitto, a rogue MQTT client (no credentials of the store) next to the store's own
command sender: operations outside `[remote] allow` are refused, the payload cannot claim to be
the store, a hold placed at the line needs the line to release it, and with a signing key only
the store's signed commands (on their own topic, recent) place or release holds. Each refusal
is answered and alerted."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from lotedge.config.store import StoreMqttConfig
from lotedge.store.line_commands import CommandSender, Line, LineCommand
from lotedge.wire import signing
from tests.conftest import write_config
from tests.core.daemon_helpers import control_client, start_daemon
from tests.publish.broker import Mosquitto, private_mosquitto
from tests.publish.helpers import Subscriber, agent_mqtt_toml, wait_until

MASTER = b"the store's master key"
ROOT = "lotedge/v1/PLANT1/L1"


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Mosquitto]:
    with private_mosquitto(tmp_path / "mosquitto") as server:
        yield server


def run_line(tmp_path: Path, broker: Mosquitto, remote: str = "") -> Iterator[Subscriber]:
    """A daemon with `remote` as its [remote] section; yields a watcher of its topics."""
    path = write_config(tmp_path, extra=agent_mqtt_toml(broker.port) + remote)
    daemon = start_daemon(path)
    control = control_client(path)
    try:
        wait_until(lambda: control.request("status")["data"]["publisher"]["connected"], "connect")
        watcher = Subscriber(broker.port, f"{ROOT}/#")
        yield watcher
        watcher.close()
    finally:
        daemon.terminate()
        daemon.wait(30)


def rogue_send(
    broker: Mosquitto,
    watcher: Subscriber,
    op: str,
    body: dict,
    signature: str | None = None,
    key: bytes | None = None,
) -> dict:
    """Publish as a stranger on the broker (MQTT 5), with `signature`, or one made with `key`
    over exactly what is published."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    body = {**body, "transaction": uuid.uuid4().hex}
    payload, topic = json.dumps(body).encode(), f"{ROOT}/cmd/request/{op}"
    if key is not None:
        signature = signing.sign(key, topic, payload, int(time.time()))
    properties = None
    if signature is not None:
        properties = Properties(PacketTypes.PUBLISH)
        properties.UserProperty = [(signing.USER_PROPERTY, signature)]
    before = len(watcher.on(f"/cmd/response/{op}"))
    client.publish(
        f"{ROOT}/cmd/request/{op}", payload, qos=1, properties=properties
    ).wait_for_publish(10)
    client.disconnect()
    client.loop_stop()
    wait_until(lambda: len(watcher.on(f"/cmd/response/{op}")) > before, f"the answer to {op}", 15)
    return watcher.on(f"/cmd/response/{op}")[-1]


def store_send(broker: Mosquitto, op: str, args: dict) -> dict:
    """Send as the trace store does (its CommandSender, signing with the master key)."""
    config = StoreMqttConfig(host="127.0.0.1", port=broker.port, tls={"enabled": False})
    command = LineCommand(args.get("lot", "x"), args, uuid.uuid4().hex)
    [outcome] = CommandSender(config, Path("."), MASTER).send(
        op, [Line(ROOT, "PLANT1", "L1")], [command], timeout=15
    )
    return outcome.to_json()


def holds(watcher: Subscriber, broker: Mosquitto) -> list[tuple[str, str]]:
    listing = rogue_send(broker, watcher, "hold.list", {})["data"]["holds"]
    return sorted((h["hold_id"], h["source"]) for h in listing)


def refused_alerts(tmp_path: Path) -> list[dict]:
    status = control_client(tmp_path / "lotedge.toml").request("status")["data"]
    return [a for a in status["alerts"] if a["kind"] == "remote_refused"]


def test_without_a_key_a_stranger_may_hold_but_not_run_batches_or_release_local_holds(
    tmp_path: Path, broker: Mosquitto
):
    for watcher in run_line(tmp_path, broker):
        started = rogue_send(broker, watcher, "batch.start", {"product": "BREAD"})
        assert started["code"] == "not_allowed", started
        assert "does not take batch.start from the broker" in started["error"]
        claimed = rogue_send(
            broker, watcher, "hold.add", {"lot": "A1", "reason": "x", "source": "store"}
        )
        assert claimed["code"] == "bad_request" and "unknown argument(s) source" in claimed["error"]
        placed = rogue_send(
            broker, watcher, "hold.add", {"lot": "A1", "reason": "x", "hold_id": "R1"}
        )
        assert placed["status"] == "ok"  # adding a hold is fail-safe: taken, as remote
        local = control_client(tmp_path / "lotedge.toml")
        assert local.request("hold.add", lot="QA1", reason="QA", hold_id="QA-1")["status"] == "ok"
        released = rogue_send(broker, watcher, "hold.remove", {"hold_id": "QA-1"})
        assert released["code"] == "not_allowed", released
        assert "QA-1 (placed by local)" in released["error"]
        assert holds(watcher, broker) == [("QA-1", "local"), ("R1", "remote")]
        assert rogue_send(broker, watcher, "hold.remove", {"hold_id": "R1"})["status"] == "ok"
        assert [a["details"]["op"] for a in refused_alerts(tmp_path)] == ["batch.start"]


def test_with_a_key_only_the_stores_signed_commands_touch_holds(tmp_path: Path, broker: Mosquitto):
    key_file = tmp_path / "line.key"
    key_file.write_text(signing.line_key(MASTER, "PLANT1", "L1").hex())
    remote = f'\n[remote]\nsigning_key = {{ file = "{key_file}" }}\n'
    for watcher in run_line(tmp_path, broker, remote):
        body = {"lot": "A1", "reason": "recall", "hold_id": "R1"}
        unsigned = rogue_send(broker, watcher, "hold.add", body)
        assert unsigned["code"] == "unsigned", unsigned
        forged = rogue_send(broker, watcher, "hold.add", body, f"v1:{int(time.time())}:{'0' * 64}")
        assert forged["code"] == "bad_signature"
        stolen = signing.line_key(MASTER, "PLANT1", "L2")  # another line's own key
        assert rogue_send(broker, watcher, "hold.add", body, key=stolen)["code"] == "bad_signature"
        own = signing.line_key(MASTER, "PLANT1", "L1")  # control: this line's key does work
        assert rogue_send(broker, watcher, "hold.list", {}, key=own)["status"] == "ok"
        assert holds(watcher, broker) == []

        sent = store_send(broker, "hold.add", {"material": "*", **body})
        assert sent["confirmed"] == ["A1"], sent
        local = control_client(tmp_path / "lotedge.toml")
        assert local.request("hold.add", lot="QA1", reason="QA", hold_id="QA-1")["status"] == "ok"
        assert holds(watcher, broker) == [("QA-1", "local"), ("R1", "store")]
        by_store = store_send(broker, "hold.remove", {"hold_id": "QA-1", "lot": "QA1"})
        assert "placed by local" in json.dumps(by_store["errors"]), by_store
        assert rogue_send(broker, watcher, "hold.remove", {"hold_id": "R1"})["code"] == "unsigned"
        assert store_send(broker, "hold.remove", {"hold_id": "R1", "lot": "A1"})["confirmed"]
        assert holds(watcher, broker) == [("QA-1", "local")]
        kinds = {(a["details"]["op"], a["details"]["code"]) for a in refused_alerts(tmp_path)}
        assert kinds == {("hold.add", "unsigned"), ("hold.add", "bad_signature"),
                         ("hold.remove", "unsigned")}  # fmt: skip
