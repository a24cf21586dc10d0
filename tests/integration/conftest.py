"""Fixtures for tests of the real agent: a private Mosquitto, a config that publishes to it,
and the daemons a test starts (killed at the end if still running)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import write_config
from tests.publish.broker import Mosquitto, private_mosquitto


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Mosquitto]:
    with private_mosquitto(tmp_path / "mosquitto") as server:
        yield server


@pytest.fixture
def config_path(tmp_path: Path, broker: Mosquitto) -> Path:
    extra = f"""
[mqtt]
host = "127.0.0.1"
port = {broker.port}
reconnect_min_seconds = 0.05
reconnect_max_seconds = 0.5
connect_timeout_seconds = 2.0
status_seconds = 1.0

[mqtt.tls]
enabled = false
"""
    return write_config(tmp_path, extra=extra)


@pytest.fixture
def daemons() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Daemons started by the test; any still running at the end are killed."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for daemon in started:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait(10)
