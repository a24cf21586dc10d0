"""Issue 21, broker ACLs: the shipped `config/mosquitto/acl`, loaded unchanged into a real
Mosquitto with one account per line and one for the store. The agent of line PLANT1/L1 and
the trace store work through it (an event stored, a store hold confirmed); a client logged in
as line PLANT1/L2 can neither publish as L1 nor read L1's commands (the broker answers "not
authorized" to its publish and its subscription, over MQTT 5)."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from lotedge.config.store import StoreMqttConfig
from lotedge.store.db import Database
from lotedge.store.line_commands import CommandSender, Line, LineCommand
from tests.conftest import REPO, write_config
from tests.core.daemon_helpers import control_client, start_daemon
from tests.publish.broker import MOSQUITTO, PASSWD, free_port
from tests.publish.helpers import wait_until
from tests.store.helpers import StoreProcess

pytestmark = pytest.mark.skipif(
    MOSQUITTO is None or PASSWD is None, reason="needs mosquitto and mosquitto_passwd"
)
ACL = REPO / "config" / "mosquitto" / "acl"
USERS = {"lotedge-store": "store-pw", "PLANT1/L1": "l1-pw", "PLANT1/L2": "l2-pw"}
NOT_AUTHORIZED = 135  # MQTT 5 reason code 0x87


@pytest.fixture
def acl_broker(tmp_path: Path) -> Iterator[int]:
    """Mosquitto with the shipped ACL and a password per account; yields its port."""
    passwords = tmp_path / "passwd"
    passwords.write_text("".join(f"{user}:{pw}\n" for user, pw in USERS.items()))
    subprocess.run([str(PASSWD), "-U", str(passwords)], check=True)
    port = free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(
        ("user root\n" if os.geteuid() == 0 else "")
        + f"log_dest file {tmp_path}/mosquitto.log\nper_listener_settings false\n"
        + f"allow_anonymous false\npassword_file {passwords}\nacl_file {ACL}\n"
        + f"listener {port} 127.0.0.1\n"
    )
    process = subprocess.Popen([str(MOSQUITTO), "-c", str(conf)])
    try:
        wait_until(lambda: _listening(port), "mosquitto to listen", 10)
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(10)


def _listening(port: int) -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
    except OSError:
        return False
    return True


def mqtt_section(port: int, user: str, table: str = "mqtt") -> str:
    return (
        f'\n[{table}]\nhost = "127.0.0.1"\nport = {port}\nusername = "{user}"\n'
        f'password = {{ env = "PW_{user.replace("/", "_").replace("-", "_")}" }}\n'
        "reconnect_min_seconds = 0.05\nreconnect_max_seconds = 0.5\n"
        f"[{table}.tls]\nenabled = false\n"
    )


def passwords_env() -> dict[str, str]:
    return {f"PW_{u.replace('/', '_').replace('-', '_')}": pw for u, pw in USERS.items()}


class Stranger:
    """Line PLANT1/L2's credentials in another client's hands (MQTT 5: reason codes)."""

    def __init__(self, port: int) -> None:
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        self.client.username_pw_set("PLANT1/L2", USERS["PLANT1/L2"])
        self.acks: dict[int, int] = {}
        self.received: list[str] = []
        self.client.on_message = lambda _c, _u, message: self.received.append(message.topic)
        self.subacks: dict[int, list[int]] = {}
        self._done = threading.Condition()
        self.client.on_publish = self._on_publish
        self.client.on_subscribe = self._on_subscribe
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def _on_publish(self, _c, _u, mid, reason, _p) -> None:
        with self._done:
            self.acks[mid] = reason.value
            self._done.notify_all()

    def _on_subscribe(self, _c, _u, mid, reasons, _p) -> None:
        with self._done:
            self.subacks[mid] = [r.value for r in reasons]
            self._done.notify_all()

    def publish(self, topic: str) -> int:
        info = self.client.publish(topic, b'{"eventID": "urn:uuid:forged"}', qos=1)
        with self._done:
            assert self._done.wait_for(lambda: info.mid in self.acks, 10)
            return self.acks[info.mid]

    def subscribe(self, topic: str) -> list[int]:
        _, mid = self.client.subscribe(topic, qos=1)
        with self._done:
            assert self._done.wait_for(lambda: mid in self.subacks, 10)
            return self.subacks[mid]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def test_the_shipped_acl_keeps_each_line_to_its_own_topics(
    acl_broker: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    env = passwords_env()
    for name, value in env.items():  # the store's command sender reads its password here
        monkeypatch.setenv(name, value)
    agent_path = write_config(tmp_path, extra=mqtt_section(acl_broker, "PLANT1/L1"))
    store_path = tmp_path / "store.toml"
    store_path.write_text(
        '[identity]\nsite = "CENTRAL"\nline = "STORE"\ndevice_id = "store"\n'
        f'[store]\ndatabase_url = "sqlite:///{tmp_path}/trace.db"\n'
        + mqtt_section(acl_broker, "lotedge-store", "store.mqtt")
    )
    daemon = start_daemon(agent_path, env)
    store = StoreProcess(store_path, "store-acl")
    stranger = Stranger(acl_broker)
    try:
        control = control_client(agent_path)
        store.wait_for_log("subscribed to")
        wait_until(lambda: control.request("status")["data"]["publisher"]["connected"], "agent")
        # the line's own traffic flows: a batch's events reach the store
        assert control.request("batch.start", product="BREAD")["status"] == "ok"
        assert control.request("batch.end", qty=10)["status"] == "ok"  # its output event
        wait_until(lambda: _stored(tmp_path) >= 1, "the store to store the line's events", 30)
        # another line's credentials cannot read L1's commands: subscribed (Mosquitto 2 checks
        # reads on delivery), it gets none of them while L1 gets and confirms the store's
        assert stranger.subscribe("lotedge/v1/PLANT1/+/cmd/request/#") == [1]
        config = StoreMqttConfig.model_validate(
            {"host": "127.0.0.1", "port": acl_broker, "username": "lotedge-store",
             "password": {"env": "PW_lotedge_store"}, "tls": {"enabled": False}}
        )  # fmt: skip
        command = LineCommand("A1", {"lot": "A1", "reason": "recall"}, uuid.uuid4().hex)
        lines = [Line(f"lotedge/v1/PLANT1/{line}", "PLANT1", line) for line in ("L1", "L2")]
        l1, _offline = CommandSender(config, tmp_path).send("hold.add", lines, [command], 5)
        assert l1.confirmed == ["A1"], l1.to_json()  # L2 has no agent: it never answers
        wait_until(lambda: "lotedge/v1/PLANT1/L2/cmd/request/hold.add" in stranger.received, "L2's")
        assert stranger.received == ["lotedge/v1/PLANT1/L2/cmd/request/hold.add"]  # not L1's
        # nor publish as L1 (events or answers) or command it; its own topics are fine
        assert stranger.publish("lotedge/v1/PLANT1/L1/events") == NOT_AUTHORIZED
        assert stranger.publish("lotedge/v1/PLANT1/L1/cmd/response/hold.add") == NOT_AUTHORIZED
        assert stranger.publish("lotedge/v1/PLANT1/L1/cmd/request/hold.remove") == NOT_AUTHORIZED
        assert stranger.publish("lotedge/v1/PLANT1/L2/status") < 0x80  # accepted (maybe unread)
        before = _stored(tmp_path)
        time.sleep(0.5)  # a forged event, had it passed, would be in by now (the store polls)
        assert _stored(tmp_path) == before
    finally:
        stranger.close()
        store.kill()
        daemon.terminate()
        daemon.wait(30)


def _stored(tmp_path: Path) -> int:
    with Database(f"sqlite:///{tmp_path}/trace.db") as db:
        row = db.fetchone("SELECT COUNT(*) FROM events")
    return row[0] if row else 0
