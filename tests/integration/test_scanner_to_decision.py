"""The real daemon reading a simulated serial scanner: a scan script becomes decisions."""

from __future__ import annotations

import time
from pathlib import Path

from lotedge.config.loader import load_config
from lotedge.simulators.scanner import PtyScanner
from lotedge.simulators.scanscript import SCRIPTS, load_script, play
from lotedge.state.db import connect
from tests.conftest import write_config
from tests.core.daemon_helpers import start_daemon


def test_bakery_script_over_a_pty_reaches_decisions(tmp_path: Path):
    scanner = PtyScanner(tmp_path / "ttyScanner")
    path = write_config(
        tmp_path,
        extra=f'[[scanners]]\nname = "hopper"\nurl = "serial://{tmp_path}/ttyScanner?suffix=CR"\n',
    )
    daemon = start_daemon(path)
    try:
        sends = load_script(SCRIPTS / "bakery_line.scan")
        play(sends, scanner.write, suffix=b"\r", sleep=lambda _: None)
        conn = connect(load_config(path).state_dir / "state.db")
        deadline = time.monotonic() + 30
        reasons: list[str] = []
        while time.monotonic() < deadline and len(reasons) < len(sends):
            reasons = [r for (r,) in conn.execute("SELECT reason FROM scans ORDER BY id")]
            time.sleep(0.05)
    finally:
        daemon.terminate()
        daemon.wait(10)
        scanner.close()
    assert reasons == [
        "batch_started",
        "accepted",  # flour
        "not_in_bom",  # sugar is not in bread
        "accepted",  # yeast, vendor label
        "double_read",  # the flour sack read twice
        "double_read",
        "unreadable",  # @garbage
        "unreadable",  # @noise
        "batch_ended",
    ]
    sources = {s for (s,) in conn.execute("SELECT DISTINCT source FROM scans")}
    assert sources == {"hopper"}
