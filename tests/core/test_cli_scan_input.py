"""`lotedge parse` and `lotedge scan` take any bytes the shell passes: a decision or a clear
error, never a traceback; `parse` without a config says it has none."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE_CONFIG, write_config
from tests.core.daemon_helpers import start_daemon

NASTY = [
    b"\xff\xfegarbage",  # (argv cannot hold NUL)
    b"0109501101530003\xe9\xff10L1",
    b"]C1\x1b[31mred\x07",
    b"\x1d\x1d\x1d",
    "Grüße".encode("latin-1"),
    b"",
]


def lotedge(*args: str | bytes) -> subprocess.CompletedProcess[bytes]:
    """The command line with arguments as raw bytes (as a shell passes them)."""
    command = [sys.executable.encode(), b"-m", b"lotedge.cli.main"]
    command += [a if isinstance(a, bytes) else a.encode() for a in args]
    return subprocess.run(command, capture_output=True, check=False)


@pytest.mark.parametrize("data", NASTY)
def test_parse_takes_any_bytes(data: bytes):
    result = lotedge("parse", data, "-c", str(EXAMPLE_CONFIG), "--json")
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert b"Traceback" not in result.stderr
    reply = json.loads(result.stdout)
    assert reply["outcome"] == "rejected" and reply["message"].endswith(".")
    human = lotedge("parse", data, "-c", str(EXAMPLE_CONFIG))
    assert human.returncode == 0 and b"decision: rejected" in human.stdout


def test_parse_without_a_config_says_so():
    result = lotedge("parse", "]C10109501101530003172912311025ABC")
    assert result.returncode == 0
    out = result.stdout.decode()
    assert "note: no config given (-c FILE): no material is known" in out
    assert json.loads(lotedge("parse", "x", "--json").stdout)["note"].startswith("no config")


def test_scan_takes_any_bytes(tmp_path: Path):
    path = write_config(tmp_path)
    daemon = start_daemon(path)
    try:
        results = [lotedge("scan", data, "-c", str(path), "--json") for data in NASTY[:3]]
    finally:
        daemon.terminate()
        daemon.wait(10)
    for result in results:
        assert result.returncode == 1, result.stderr  # a refused scan
        assert json.loads(result.stdout)["data"]["outcome"] == "rejected"
