"""The station's weighing panel in a real Chromium, against the real agent weighing on the
simulated scale: the live weight, the target and its band while FLOUR waits for its weight."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from lotedge.simulators.printer import PrinterSimulator
from lotedge.simulators.scale import ScaleModel, ScaleServer
from lotedge.simulators.scanner import PtyScanner
from tests.conftest import write_config
from tests.core.daemon_helpers import control_client, start_daemon
from tests.scales.test_weighing_engine import SCALE, TARGET, WEIGHED
from tests.station.conftest import TOKEN, Line

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

FLOUR = "]C10109501101530003174912311025ABC"


@pytest.fixture
def scale() -> Iterator[ScaleModel]:
    model = ScaleModel(s_timeout=0.3)
    server = ScaleServer(model, port=0)
    model.server = server  # type: ignore[attr-defined]
    yield model
    server.close()


@pytest.fixture
def line(tmp_path: Path, browser: object, scale: ScaleModel) -> Iterator[Line]:
    """The station's agent, its FLOUR weighed on the simulated scale."""
    with contextlib.ExitStack() as cleanup:
        printer = PrinterSimulator(port=0).start()
        cleanup.callback(printer.stop)
        scanner = PtyScanner(tmp_path / "ttyScanner")
        cleanup.callback(scanner.close)
        url = f"tcp://{scale.server.device}"  # type: ignore[attr-defined]
        config_path = write_config(
            tmp_path,
            replace=WEIGHED | TARGET,
            extra=(
                SCALE.replace("tcp://127.0.0.1:9", url)
                + "[weighing]\npoll_seconds = 0.1\n\n[station]\nport = 0\n"
            ),
        )
        daemon = start_daemon(config_path, env={"LOTEDGE_STATION_TOKEN": TOKEN})
        line = Line("", control_client(config_path), scanner, printer, daemon, config_path)
        cleanup.callback(line.stop_agent)
        line.url = line.control.request("status")["data"]["station"]["url"]
        yield line


def test_the_live_weight_target_and_band_show_while_flour_is_weighed(
    line, open_station, scale, screenshot
):
    page = open_station()
    panel = page.locator("#weighing")
    expect(panel).to_be_hidden()
    assert line.control.request("batch.start", product="BREAD")["status"] == "ok"
    scale.place("18.400", settle=600)  # the operator is still pouring
    assert line.control.request("scan", data=FLOUR)["status"] == "ok"
    expect(panel).to_be_visible()
    expect(page.locator("#weighing-what")).to_have_text("Wheat flour T55 (FLOUR) · lot 25ABC")
    expect(page.locator("#weighing-target")).to_have_text("Target 25 kg ±2 % (24.5–25.5 kg)")
    live = page.locator("#weighing-live")
    expect(live).to_have_attribute("data-status", "dynamic")
    expect(live).to_contain_text(" kg")
    screenshot(page, "weighing")
    scale.place("25.100")  # settled
    expect(panel).to_be_hidden()
    expect(page.locator("#bom li[data-material=FLOUR]")).to_have_attribute("data-loaded", "true")
