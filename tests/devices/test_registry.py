"""The device registry: one table that every adapter, probe, config field and doc page agrees with,
and the probes `lotedge doctor` runs against real endpoints."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest

from lotedge.apps.doctor import run_checks
from lotedge.config.devices import CameraConfig
from lotedge.devices.registry import load, probe, resolve, schemes_of
from lotedge.devices.schemes import KINDS, SCHEMES
from lotedge.devices.table import markdown
from lotedge.scanners.base import open_source
from lotedge.scanners.hid_keymap import LAYOUTS
from lotedge.simulators.camera import scene, write_video
from lotedge.simulators.scanner import TcpScannerServer
from tests.conftest import REPO, write_config

#: Which docs page holds the tables of which kind of device.
DOCS = {
    "scanner": "devices.md",
    "camera": "devices.md",
    "printer": "labels.md",
    "scale": "weighing.md",
}


@pytest.mark.parametrize("scheme", SCHEMES, ids=lambda s: f"{s.kind}-{s.name}")
def test_every_scheme_names_real_functions(scheme):
    for target in filter(None, (scheme.opener, scheme.prober, scheme.check)):
        assert callable(load(target, scheme)), target


@pytest.mark.parametrize("scheme", SCHEMES, ids=lambda s: f"{s.kind}-{s.name}")
def test_every_default_is_a_valid_value(scheme):
    for option in scheme.options:
        option.parse(option.default)


def test_schemes_are_unique_within_a_kind_and_every_kind_has_some():
    keys = [(s.kind, s.name) for s in SCHEMES]
    assert len(keys) == len(set(keys))
    assert {s.kind for s in SCHEMES} == set(KINDS)
    assert {s.name for s in schemes_of("scanner")} >= {"serial", "hid", "camera", "rtsp"}


def test_hid_layouts_are_the_keymaps():
    [hid] = [s for s in SCHEMES if s.name == "hid"]
    layout = hid.option("layout")
    assert layout is not None
    assert [layout.parse(name) for name in LAYOUTS] == list(LAYOUTS)
    assert layout.type.expected == f"one of {', '.join(LAYOUTS)}"


def test_camera_option_defaults_are_the_config_defaults():
    defaults = CameraConfig(name="c", url="camera://0")
    device = resolve("camera://0", "camera")
    for option in device.scheme.options:
        assert device.options[option.name] == getattr(defaults, option.field), option.name


def test_url_options_override_config_fields_and_the_rest_come_from_them():
    fields = {"formats": ["Code128"], "backend": "zbar", "dedupe_seconds": 5.0, "max_fps": 0.0}
    device = resolve("camera://0?max_fps=4", "camera", fields | {"try_invert": False})
    assert dict(device.options) == {
        "formats": ["Code128"],
        "backend": "zbar",
        "dedupe": 5.0,
        "max_fps": 4.0,
        "try_invert": False,
    }
    assert device.given == {"max_fps"}


@pytest.mark.parametrize("kind", DOCS)
def test_docs_tables_are_the_registry(kind):
    text = (REPO / "docs" / DOCS[kind]).read_text()
    block = re.search(rf"<!-- device-table:{kind} -->\n(.*?)\n<!-- /device-table -->", text, re.S)
    assert block is not None, f"docs/{DOCS[kind]} has no device-table:{kind} block"
    assert block.group(1) == markdown(kind), f"paste this into docs/{DOCS[kind]}:\n{markdown(kind)}"


def test_the_old_serial_spelling_is_the_same_device():
    old, new = (
        resolve("serial+loop://?baud=19200", "scanner"),
        resolve("serial://loop://?baud=19200", "scanner"),
    )
    assert (old.scheme, old.address, old.options) == (new.scheme, new.address, new.options)
    assert (old.spelled, new.spelled) == ("serial+loop", "")
    assert (
        open_source("s", "serial+socket://127.0.0.1:4001").endpoint.port
        == "socket://127.0.0.1:4001"
    )


def dead_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_tcp_reader_probe_connects(tmp_path: Path):
    reader = TcpScannerServer()
    try:
        host, port = reader.address
        found = probe(resolve(f"tcp://{host}:{port}", "scanner"), 2)
    finally:
        reader.close()
    assert (found.status, found.detail) == ("ok", f"reader answers at {host}:{port}")
    dead = probe(resolve(f"tcp://127.0.0.1:{dead_port()}", "scanner"), 2)
    assert dead.status == "fail" and "refused" in dead.detail.lower()
    assert dead.hint == "reader powered and on the network? right port?"


def test_hid_probe_needs_the_device_and_read_access(tmp_path: Path):
    missing = probe(resolve(f"hid://{tmp_path}/usb-X-event-kbd", "scanner"), 1)
    assert (missing.status, missing.hint) == ("fail", "plugged in? see ls /dev/input/by-id/")
    device = tmp_path / "event-kbd"
    device.write_bytes(b"")
    assert probe(resolve(f"hid://{device}", "scanner"), 1).status == "ok"


def test_doctor_probes_a_camera_and_a_scanner_camera_through_the_registry(tmp_path: Path):
    video = tmp_path / "line.avi"
    write_video(video, scene([], fps=5, gap_seconds=0.4), fps=5)
    path = write_config(
        tmp_path,
        extra=(
            f'[[cameras]]\nname = "cam"\nurl = "file://{video}"\n'
            f'[[cameras]]\nname = "gone"\nurl = "file://{tmp_path}/none.avi"\n'
            f'[[scanners]]\nname = "wedge"\nurl = "stdin://"\n'
        ),
    )
    checks = {c.name: c for c in run_checks(str(path))}
    assert checks["camera cam"].status == "ok"
    assert checks["camera cam"].detail.startswith("frame ")
    assert (checks["camera gone"].status, checks["camera gone"].hint) == (
        "fail",
        "connected? user in the video group? stream URL right?",
    )
    assert (checks["scanner wedge"].status, checks["scanner wedge"].detail) == (
        "ok",
        "reads the agent's standard input",
    )
    assert (checks["printer"].status, checks["printer"].detail) == ("info", "none configured")
