"""The real daemon weighing on the simulated scale, over a pty and over TCP: a scan of a weighed
material, then the scale's stable weight recorded; a stuck scale read again; a disconnect
mid-weigh that records nothing; tare, zero and skip from the command line; doctor's scale line."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from lotedge.config.loader import load_config
from lotedge.simulators.scale import ScaleModel, ScaleServer
from lotedge.state.db import connect
from tests.conftest import write_config
from tests.core.daemon_helpers import control_client, lotedge, start_daemon
from tests.core.test_engine import FLOUR
from tests.scales.test_weighing_engine import SCALE, TARGET, WEIGHED

FLOUR_2 = FLOUR.replace("25ABC", "25DEF")
WAIT = 20.0


class WeighingLine:
    """A daemon whose FLOUR is weighed on a simulated scale."""

    def __init__(self, tmp_path: Path, server: ScaleServer, url: str) -> None:
        self.server = server
        self.model = server.model
        extra = SCALE.replace("tcp://127.0.0.1:9", url) + "[weighing]\npoll_seconds = 0.05\n"
        self.path = write_config(tmp_path, extra=extra, replace=WEIGHED | TARGET)
        self.daemon = start_daemon(self.path)
        self.client = control_client(self.path)
        self.conn = connect(load_config(self.path).state_dir / "state.db")

    def request(self, op: str, **args: object) -> dict:
        return self.client.request(op, **args)

    def scale(self) -> dict:
        return self.request("status")["data"]["scale"]

    def consumed(self) -> list[tuple]:
        query = "SELECT lot, quantity, uom FROM consumptions ORDER BY id"
        return self.conn.execute(query).fetchall()

    def until(self, what: Callable[[], object], timeout: float = WAIT) -> object:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if found := what():
                return found
            time.sleep(0.02)
        raise AssertionError(f"timed out; scale: {self.scale()}")

    def stop(self) -> None:
        self.daemon.terminate()
        self.daemon.wait(10)
        self.conn.close()


@pytest.fixture(params=["pty", "tcp"])
def line(request, tmp_path: Path) -> Iterator[WeighingLine]:
    model = ScaleModel(s_timeout=0.5)
    if request.param == "pty":
        server = ScaleServer(model, link=tmp_path / "ttyScale")
        url = f"serial://{server.device}?timeout=2"
    else:
        server = ScaleServer(model, port=0)
        url = f"tcp://{server.device}?timeout=2"
    weighing = WeighingLine(tmp_path, server, url)
    yield weighing
    weighing.stop()
    server.close()


def test_a_weighed_scan_records_the_scales_stable_weight(line: WeighingLine):
    line.until(lambda: line.scale()["connected"])
    assert line.scale()["serial"] == "B123456789"
    line.request("batch.start", product="BREAD")
    line.model.place("25.100", settle=0.3)
    reply = line.request("scan", data=FLOUR)
    assert reply["data"]["message"].endswith("Weigh it now: target 25 kg ±2 % (24.5–25.5 kg).")
    assert line.until(line.consumed) == [("25ABC", "25.100", "KGM")]
    assert line.scale()["message"] == "FLOUR: 25.100 kg weighed, within 25 kg ±2 % (24.5–25.5 kg)."
    assert line.scale()["live"]["value"] == "25.100"


def test_a_stuck_scale_is_read_again_until_the_new_weight(line: WeighingLine):
    line.request("batch.start", product="BREAD")
    line.model.place("12.000")
    line.request("scan", data=FLOUR)
    line.until(line.consumed)
    line.model.place("0")  # the first lot taken off: the load changed
    line.until(lambda: line.scale()["live"]["value"] == "0.000")
    line.model.stick(2)  # the next two stable weights repeat 12.000
    line.model.place("13.000")
    line.request("scan", data=FLOUR_2)
    assert line.until(lambda: len(line.consumed()) == 2 and line.consumed()) == [
        ("25ABC", "12.000", "KGM"),
        ("25DEF", "13.000", "KGM"),
    ]


def test_a_disconnect_mid_weigh_records_nothing_until_the_scale_is_back(line: WeighingLine):
    line.request("batch.start", product="BREAD")
    line.until(lambda: line.scale()["connected"])
    line.model.place("25.000", settle=60)  # never settles: S answers S I
    line.request("scan", data=FLOUR)
    line.until(lambda: line.scale()["weighing"])
    line.server.disconnect()
    line.until(lambda: not line.scale()["connected"] or line.model.commands.count("@") > 1)
    assert line.consumed() == []
    assert line.conn.execute("SELECT status FROM weighings").fetchone() == ("pending",)
    line.model.place("24.900")  # back, and settled
    assert line.until(line.consumed) == [("25ABC", "24.900", "KGM")]


def test_tare_zero_and_skip_from_the_command_line(line: WeighingLine):
    line.request("batch.start", product="BREAD")
    line.model.place("1.5")  # a bucket
    result = lotedge("scale", "tare", "-c", str(line.path))
    assert result.returncode == 0 and "tare sent" in result.stdout
    line.until(lambda: "T" in line.model.commands)
    assert lotedge("scale", "zero", "-c", str(line.path)).returncode == 0
    line.until(lambda: "Z" in line.model.commands)
    line.model.place("0.5", settle=60)  # settling forever: S answers S I
    line.request("scan", data=FLOUR)
    result = lotedge("weigh", "skip", "--reason", "scale blocked", "-c", str(line.path))
    assert result.returncode == 0, result.stdout
    assert line.until(line.consumed) == [("25ABC", None, None)]


def test_doctor_reports_the_scale(tmp_path: Path):
    model = ScaleModel()
    server = ScaleServer(model, port=0)
    model.place("2.5")
    try:
        path = write_config(tmp_path, extra=SCALE.replace("127.0.0.1:9", server.device))
        result = lotedge("doctor", "-c", str(path))
    finally:
        server.close()
    line = next(row for row in result.stdout.splitlines() if "scale bench" in row)
    assert "model LOTEDGE-SIM 60 kg, serial B123456789; weight 2.500 KGM (stable)" in line
