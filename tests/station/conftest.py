"""The operator station in a real headless Chromium against a running agent.

Playwright drives the system's Chromium (Debian's ``chromium`` package, or the browser named by
``LOTEDGE_CHROMIUM``); nothing is downloaded. Without a Chromium the tests skip and say why.
Screenshots go to a temporary directory, and also to ``docs/station/`` when
``LOTEDGE_UPDATE_SCREENSHOTS=1``.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from lotedge.agent.client import ControlClient
from lotedge.simulators.printer import PrinterSimulator
from lotedge.simulators.scanner import PtyScanner
from tests.conftest import REPO, write_config
from tests.core.daemon_helpers import control_client, start_daemon

if TYPE_CHECKING:
    from playwright.sync_api import ConsoleMessage, Page

TOUCHSCREEN = {"width": 1024, "height": 600}
DESKTOP = {"width": 1600, "height": 900}
SCREENSHOTS = REPO / "docs" / "station"
#: Autoplay allowed, as on a kiosk, so the rejection beep can be observed.
BROWSER_ARGS = ["--autoplay-policy=no-user-gesture-required"]
TOKEN = "station-test-token"
NO_PLAYWRIGHT = "playwright is not installed (pip install -e '.[test]')"


def find_chromium() -> str | None:
    """The Chromium to drive: $LOTEDGE_CHROMIUM, else the first one on PATH."""
    named = os.environ.get("LOTEDGE_CHROMIUM")
    if named:
        return named if Path(named).is_file() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    executable = find_chromium()
    if executable is None:
        pytest.skip("no Chromium found (apt install chromium, or set LOTEDGE_CHROMIUM)")
    sync_api = pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT)
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=BROWSER_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def shots_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("station-screenshots")


@pytest.fixture
def screenshot(shots_dir: Path):
    """screenshot(page, "accepted") saves accepted.png (and to docs/station/ when asked)."""

    def save(page: Page, name: str) -> Path:
        path = shots_dir / f"{name}.png"
        page.screenshot(path=str(path), animations="disabled")
        if os.environ.get("LOTEDGE_UPDATE_SCREENSHOTS") == "1":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, SCREENSHOTS / path.name)
        return path

    return save


@dataclass
class Line:
    """A running agent with a station, a scanner on a pty and a printer simulator on TCP."""

    url: str
    control: ControlClient
    scanner: PtyScanner
    printer: PrinterSimulator
    daemon: subprocess.Popen[bytes]
    config_path: Path

    def stop_agent(self) -> None:
        """Stop the agent running now (a test may have restarted it)."""
        self.daemon.terminate()
        self.daemon.wait(10)

    def scan(self, text: str) -> None:
        """A barcode read by the line's scanner (CR-terminated, as the scanner sends it)."""
        self.scanner.write(text.encode() + b"\r")


#: YEAST lots may hold any text here, so a test can scan markup as a lot number.
ANY_YEAST_LOT = {
    r"vendor_pattern = '^YST-(?P<lot>[A-Z0-9]+)-(?P<expiry>\d{8})$'": (
        r"vendor_pattern = '^YST-(?P<lot>.+)-(?P<expiry>\d{8})$'"
    )
}


@pytest.fixture
def station_section() -> str:
    """The keys of [station]; a test may parametrize this fixture with others."""
    return "port = 0\n"


@pytest.fixture
def line(tmp_path: Path, browser: object, station_section: str) -> Iterator[Line]:
    # Depends on `browser` so that a machine without Chromium skips before starting an agent.
    with contextlib.ExitStack() as cleanup:
        printer = PrinterSimulator(port=0).start()
        cleanup.callback(printer.stop)
        scanner = PtyScanner(tmp_path / "ttyScanner")
        cleanup.callback(scanner.close)
        config_path = write_config(
            tmp_path,
            replace=ANY_YEAST_LOT,
            extra=(
                f'[[scanners]]\nname = "hopper"\nurl = "serial://{scanner.device}?suffix=CR"\n\n'
                f'[printer]\nname = "zebra1"\nurl = "tcp://127.0.0.1:{printer.port}"\n'
                "status_interval_seconds = 0.5\n\n"
                f"[station]\n{station_section}"
            ),
        )
        daemon = start_daemon(config_path, env={"LOTEDGE_STATION_TOKEN": TOKEN})
        line = Line("", control_client(config_path), scanner, printer, daemon, config_path)
        cleanup.callback(line.stop_agent)
        line.url = line.control.request("status")["data"]["station"]["url"]
        yield line


@pytest.fixture
def open_station(browser: object, line: Line):
    """open_station(viewport, path) -> a page showing the live station; checked for errors."""
    from playwright.sync_api import expect

    contexts = []
    errors: list[str] = []

    def open_page(
        viewport: dict[str, int] = TOUCHSCREEN, path: str = "", *, cuts_stream: bool = False
    ) -> Page:
        """`cuts_stream`: the test cuts the live stream on purpose (agent restart, aborted
        route), so the page's failed reconnects to /api/events are expected there."""
        context = browser.new_context(viewport=viewport)  # type: ignore[attr-defined]
        contexts.append(context)
        page = context.new_page()

        def on_console(msg: ConsoleMessage) -> None:
            url = msg.location.get("url", "")
            if msg.type != "error" or (cuts_stream and url.endswith("/api/events")):
                return
            errors.append(f"{msg.text} ({url})")

        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", on_console)
        page.goto(line.url + path)
        expect(page.locator("#live")).to_have_attribute("data-state", "open")
        return page

    yield open_page
    seen = list(errors)  # before closing: closing cuts the live stream, which Chromium logs
    for context in contexts:
        context.close()
    # A refused command (409) or a missing token (401) is an answer the page shows; Chromium
    # logs it as a failed load.
    assert [e for e in seen if not re.search(r"status of (409|401)", e)] == []
