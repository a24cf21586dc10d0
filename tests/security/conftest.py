"""One real line for the hostile-input tests: a private Mosquitto, `lotedge run` with its
station, and a central-side MQTT client that sends commands and keeps the answers."""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from lotedge.agent.client import ControlClient
from lotedge.config.loader import load_config
from tests.conftest import write_config
from tests.core.daemon_helpers import control_client, start_daemon
from tests.labels.label_checks import eventually
from tests.publish.broker import Mosquitto, private_mosquitto
from tests.publish.helpers import Subscriber, agent_mqtt_toml, wait_until
from tests.station.helpers import Station


@dataclass
class Line:
    """A running agent and the ways in: control socket, MQTT commands, the station."""

    config_path: Path
    broker: Mosquitto
    daemon: subprocess.Popen[bytes]
    control: ControlClient
    central: Subscriber
    root: str
    station: Station

    def command(self, op: str, payload: bytes) -> dict:
        """Publish a raw command payload as a remote caller; wait for its answer."""
        answers = f"/cmd/response/{op}"
        before = len(self.central.on(answers))
        self.central.client.publish(f"{self.root}/cmd/request/{op}", payload, qos=1)
        wait_until(lambda: len(self.central.on(answers)) > before, f"the answer to {op}", 15)
        return self.central.on(answers)[-1]

    def send(self, op: str, **body: object) -> dict:
        return self.command(op, json.dumps(body).encode())


@pytest.fixture(scope="module")
def line(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Line]:
    tmp = tmp_path_factory.mktemp("line")
    with private_mosquitto(tmp / "mosquitto") as broker:
        # batch.start from the broker too: its bounds are tested on every channel
        remote = '[remote]\nallow = ["status", "hold.add", "hold.list", "batch.start"]\n'
        path = write_config(
            tmp, extra=agent_mqtt_toml(broker.port) + "\n[station]\nport = 0\n" + remote
        )
        daemon = start_daemon(path)
        try:
            control = control_client(path)
            eventually(lambda: "station" in control.request("status")["data"])
            wait_until(
                lambda: control.request("status")["data"]["publisher"]["connected"],
                "the agent to connect to the broker",
            )
            config = load_config(path)
            assert config.mqtt is not None
            root = f"{config.mqtt.topic_prefix}/{config.identity.site}/{config.identity.line}"
            central = Subscriber(broker.port, f"{root}/#")
            url = control.request("status")["data"]["station"]["url"]
            yield Line(path, broker, daemon, control, central, root, Station(url))
            central.close()
        finally:
            if daemon.poll() is None:
                daemon.send_signal(signal.SIGTERM)
                daemon.wait(20)
