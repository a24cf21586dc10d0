"""The scanner check for technicians: the test sheet, and `lotedge scanner test` reading what
each scanner sends for it. Each artefact class is played through the pty and TCP scanner
simulators (scan scripts with @sheet and @gs), a keyboard wedge typing in another layout through
a recorded-events replay; the tool must name the problem and print the config line to change."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
import zxingcpp
from PIL import Image

from lotedge.apps import scanner_check
from lotedge.apps.test_sheet import write
from lotedge.config.loader import load_config
from lotedge.devices.registry import resolve
from lotedge.ops.lock import StateLock
from lotedge.scanners.hid import HidEndpoint
from lotedge.scanners.hid_keymap import encode_text
from lotedge.scanners.test_sheet import SHEET
from lotedge.simulators.evdev_replay import ReplayDevice
from lotedge.simulators.scanner import PtyScanner, TcpScannerServer
from lotedge.simulators.scanscript import parse_script, play
from tests.conftest import write_config
from tests.core.daemon_helpers import lotedge

QUIET = 0.3


def test_the_sheet_holds_the_codes_a_set_up_scanner_sends(tmp_path: Path):
    path = write(tmp_path / "sheet.png")
    page = np.asarray(Image.open(path))
    read = zxingcpp.read_barcodes(page, text_mode=zxingcpp.TextMode.Plain)
    got = sorted((r.symbology_identifier + r.bytes.decode()) for r in read)
    assert got == sorted(code.sent() for code in SHEET)


@contextmanager
def checking(scanners: list[scanner_check.Listener]) -> Iterator[dict]:
    """Run the check in a thread; yields once every scanner listens, then the result."""
    result: dict = {}
    lines: list[str] = []

    def go() -> None:
        result["checks"] = scanner_check.run(scanners, 15, lines.append, quiet=QUIET)

    thread = threading.Thread(target=go, daemon=True)
    thread.start()
    for scanner in scanners:
        assert scanner.listening.wait(10), scanner.error
    yield result
    thread.join(20)
    assert not thread.is_alive()
    result["said"] = lines
    result["report"], result["good"] = scanner_check.report(scanners, result["checks"])


def config_with(tmp_path: Path, url: str) -> list[scanner_check.Listener]:
    path = write_config(tmp_path, extra=f'[[scanners]]\nname = "hopper"\nurl = "{url}"\n')
    return scanner_check.listeners(load_config(path), [])


# (script, suffix sent, URL options, what the report must say)
ARTEFACTS = {
    "set up right": ("@sheet aim", b"\r", "suffix=CR", ["ok: nothing to change"]),
    "separator as text": (
        "@gs <GS>\n@sheet aim",
        b"\r",
        "suffix=CR",
        [
            "codes 1, 2, 3: the separator arrives as the text '<GS>'",
            "?suffix=CR&gs=<GS>",
        ],
    ),
    "separator dropped": (
        "@gs drop\n@sheet aim",
        b"\r",
        "",
        [
            "codes 1, 2, 3: no separator after the lot: the scanner drops GS",
            "set on the scanner: transmit the GS1 separator",
        ],
    ),
    "Alt+029": (
        "@gs 029\n@sheet aim",
        b"\r\n",
        "",
        ["codes 1, 2, 3: the separator arrives as the digits '029' (Alt+029)", "?alt029=1"],
    ),
    "tab suffix, no AIM": (
        "@sheet",
        b"\t",
        "suffix=CR",
        [
            "codes 1, 2, 3, 4: the scan ends with TAB, the URL expects CR",
            "?suffix=TAB",
            "optional: enable the AIM symbology identifier",
        ],
    ),
    "no suffix": ("@sheet aim", b"", "", ["nothing ends the scan", "send a suffix"]),
}


@pytest.mark.parametrize("case", ARTEFACTS)
def test_each_artefact_through_the_pty_simulator(tmp_path: Path, case: str):
    script, suffix, options, said = ARTEFACTS[case]
    pty = PtyScanner(tmp_path / "ttyScanner")
    try:
        scanners = config_with(tmp_path, f"serial://{pty.device}?{options}".rstrip("?"))
        with checking(scanners) as result:
            play(parse_script(script), pty.write, suffix=suffix, sleep=lambda _: None)
    finally:
        pty.close()
    text = "\n".join(result["report"])
    for words in said:
        assert words in text, text
    assert result["good"] is (case == "set up right")
    if case != "no suffix":  # without a suffix the codes run together, yet each is recognised
        assert [r.code.number for r in result["checks"]["hopper"].reads] == [1, 2, 3, 4]
    assert "hopper: read code 4 (GS1 Digital Link (QR))" in result["said"]


@pytest.mark.parametrize("case", ["separator as text", "Alt+029"])
def test_each_artefact_through_the_tcp_simulator(tmp_path: Path, case: str):
    script, suffix, _options, said = ARTEFACTS[case]
    reader = TcpScannerServer()
    host, port = reader.address
    try:
        scanners = config_with(tmp_path, f"tcp://{host}:{port}")
        with checking(scanners) as result:
            play(parse_script(script), reader.write, suffix=suffix, sleep=lambda _: None)
    finally:
        reader.close()
    text = "\n".join(result["report"])
    assert said[0] in text
    option = said[1].rsplit("&", 1)[-1].lstrip("?")  # the reader's URL has no suffix option
    assert f'url = "tcp://{host}:{port}?{option}"' in text


def test_a_configured_token_is_fine(tmp_path: Path):
    pty = PtyScanner(tmp_path / "ttyScanner")
    try:
        scanners = config_with(tmp_path, f"serial://{pty.device}?gs=%7BGS%7D&suffix=CR")
        with checking(scanners) as result:
            play(parse_script("@gs {GS}\n@sheet aim"), pty.write, suffix=b"\r")
    finally:
        pty.close()
    assert result["good"], result["report"]


def test_a_wedge_typing_in_another_layout(tmp_path: Path):
    """The scanner types as a US keyboard; the URL reads German: layout damage is named."""
    typed = "".join(code.sent() + "\r" for code in SHEET)
    device = resolve("hid:///dev/input/by-id/usb-Test-event-kbd?layout=de&grab=0", "scanner")
    endpoint = HidEndpoint(device.address, "de", False, lambda _: ReplayDevice(encode_text(typed)))
    wedge = scanner_check.Listener("wedge", "scanners[0]", device, endpoint)
    with checking([wedge]) as result:
        pass
    text = "\n".join(result["report"])
    assert "codes 1, 2, 3, 4: typed in the 'us' keyboard layout, read as 'de'" in text
    assert 'url = "hid:///dev/input/by-id/usb-Test-event-kbd?layout=us&grab=0"' in text


def test_the_command_line_round_trip(tmp_path: Path):
    """The tool's config line, pasted into the config, makes the next run clean."""
    pty = PtyScanner(tmp_path / "ttyScanner")
    url = f"serial://{pty.device}?suffix=CR"
    path = write_config(tmp_path, extra=f'[[scanners]]\nname = "hopper"\nurl = "{url}"\n')
    try:
        code, output = _scanner_test(path, pty, "@gs ~\n@sheet aim")
        assert code == 1, output
        line = next(li.strip() for li in output.splitlines() if li.strip().startswith("url ="))
        assert line == f'url = "{url}&gs=~"'
        path.write_text(path.read_text().replace(f'url = "{url}"', line))
        code, output = _scanner_test(path, pty, "@gs ~\n@sheet aim")
    finally:
        pty.close()
    assert code == 0, output
    assert "ok: nothing to change" in output


def _scanner_test(path: Path, pty: PtyScanner, script: str) -> tuple[int, str]:
    """Run the command; play `script` once it listens. Returns its exit code and output."""
    command = [sys.executable, "-m", "lotedge.cli.main", "scanner", "test", "-c", str(path)]
    with subprocess.Popen(
        [*command, "--timeout", "20"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as process:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("listening to hopper"), first
        play(parse_script(script), pty.write)
        rest = process.stdout.read()
    return process.wait(), first + rest


def test_the_agent_must_not_hold_the_scanners(tmp_path: Path):
    path = write_config(tmp_path, extra='[[scanners]]\nname = "s"\nurl = "tcp://127.0.0.1:9"\n')
    with StateLock(load_config(path).state_dir):
        result = lotedge("scanner", "test", "-c", str(path), "--timeout", "1")
    assert result.returncode == 4
    assert "the agent reads these scanners" in result.stderr
    unknown = lotedge("scanner", "test", "-c", str(path), "--scanner", "nope")
    assert unknown.returncode == 2 and "unknown scanner 'nope' (known: s)" in unknown.stderr
