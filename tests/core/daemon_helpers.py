"""Running the real daemon as a child process for tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from lotedge.agent.control import ControlClient
from lotedge.config.loader import load_config


def start_daemon(config_path: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """`lotedge run` in a child process; returns once its control socket answers."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "lotedge.cli.main", "run", "-c", str(config_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
    )
    client = control_client(config_path)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"daemon exited: {proc.stdout.read().decode()}")  # type: ignore[union-attr]
        try:
            client.request("status")
            return proc
        except ConnectionError:
            time.sleep(0.05)
    proc.kill()
    raise TimeoutError("daemon did not start")


def control_client(config_path: Path) -> ControlClient:
    config = load_config(config_path)
    return ControlClient(config.state_dir / config.control.socket, timeout=10)


def lotedge(*args: str) -> subprocess.CompletedProcess[str]:
    """The `lotedge` command line as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "lotedge.cli.main", *args],
        capture_output=True,
        text=True,
        check=False,
    )
