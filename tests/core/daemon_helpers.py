"""Running the real daemon as a child process for tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from lotedge.agent.client import ControlClient
from lotedge.config.loader import load_config


class Daemon(subprocess.Popen[bytes]):
    """`lotedge run` in a child process, its output going to a file: a busy daemon's log never
    fills a pipe nobody reads (a full pipe would block the daemon's next log line)."""

    def __init__(self, config_path: Path, env: dict[str, str] | None) -> None:
        with tempfile.NamedTemporaryFile(
            dir=config_path.parent, prefix="daemon-", suffix=".log", delete=False
        ) as log:
            self.log_path = Path(log.name)
            super().__init__(
                [sys.executable, "-m", "lotedge.cli.main", "run", "-c", str(config_path)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **(env or {})},
            )

    def output(self) -> str:
        """What the daemon has printed so far."""
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 15) -> str:
        """SIGTERM, wait for the exit, and return everything it printed."""
        self.terminate()
        self.wait(timeout)
        return self.output()


def start_daemon(config_path: Path, env: dict[str, str] | None = None) -> Daemon:
    """`lotedge run` in a child process; returns once its control socket answers."""
    proc = Daemon(config_path, env)
    client = control_client(config_path)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"daemon exited: {proc.output()}")
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


def _scan_until_dead(
    config_path: Path, first: int, reason: str, acked: list[str], wrong: list[dict]
) -> None:
    client = control_client(config_path)
    i = first
    while True:
        lot = f"K{i}"
        try:
            reply = client.request("scan", data="]C1010950110153000317490131" + f"10{lot}")
        except (ConnectionError, OSError):
            return
        if reply["data"].get("reason") != reason:
            wrong.append(reply)  # asserted by the test thread: a failed assert here would vanish
            return
        acked.append(lot)
        i += 1


def kill_while_scanning(
    config_path: Path,
    *,
    rounds: int,
    reason: str,
    prepare: Callable[[ControlClient], dict],
    wanted: Callable[[], int],
) -> list[str]:
    """Scan FLOUR lots K<n> through the control socket and SIGKILL the daemon mid-stream, `rounds`
    times; returns the lots acknowledged (every answer must have `reason`). `prepare` runs on the
    first daemon and must answer ok; each round waits for `wanted()` more acknowledgements
    before the kill."""
    acked: list[str] = []
    wrong: list[dict] = []
    for round_ in range(rounds):
        daemon = start_daemon(config_path)
        if round_ == 0:
            ready = prepare(control_client(config_path))
            assert ready["status"] == "ok", ready
        before = len(acked)
        scanner = threading.Thread(
            target=_scan_until_dead, args=(config_path, 1000 * round_, reason, acked, wrong)
        )
        scanner.start()
        deadline = time.monotonic() + 10
        while len(acked) < before + wanted() and time.monotonic() < deadline:
            time.sleep(0.001)
        daemon.send_signal(signal.SIGKILL)
        daemon.wait(10)
        scanner.join(10)
        assert not wrong, wrong
        assert len(acked) > before, "no scan was acknowledged before the kill"
    return acked
