"""kill -9 of the real daemon while scans are being answered: nothing acknowledged is lost."""

from __future__ import annotations

import random
import signal
import threading
import time
from pathlib import Path

from lotedge.config.loader import load_config
from lotedge.state.db import connect
from tests.core.daemon_helpers import control_client, start_daemon


def _scan_until_dead(config_path: Path, first: int, acked: list[str], wrong: list[dict]) -> None:
    client = control_client(config_path)
    i = first
    while True:
        lot = f"K{i}"
        try:
            reply = client.request("scan", data="]C1010950110153000317270131" + f"10{lot}")
        except (ConnectionError, OSError):
            return
        if reply["data"].get("reason") != "accepted":
            wrong.append(reply)  # asserted by the test thread: a failed assert here would vanish
            return
        acked.append(lot)
        i += 1


def test_sigkill_mid_scan_loses_no_acknowledged_consumption(config_path: Path):
    rng = random.Random(7)
    acked: list[str] = []
    wrong: list[dict] = []
    for round_ in range(3):
        daemon = start_daemon(config_path)
        client = control_client(config_path)
        if round_ == 0:
            assert client.request("batch.start", product="BREAD")["status"] == "ok"
        before = len(acked)
        scanner = threading.Thread(
            target=_scan_until_dead, args=(config_path, 1000 * round_, acked, wrong)
        )
        scanner.start()
        deadline = time.monotonic() + 10
        while len(acked) < before + rng.randint(20, 80) and time.monotonic() < deadline:
            time.sleep(0.001)
        daemon.send_signal(signal.SIGKILL)
        daemon.wait(10)
        scanner.join(10)
        assert not wrong, wrong
        assert len(acked) > before, "no scan was acknowledged before the kill"

    conn = connect(load_config(config_path).state_dir / "state.db")
    stored = {lot for (lot,) in conn.execute("SELECT lot FROM consumptions")}
    assert set(acked) <= stored
    # nothing half-written: every consumption has its audit row and its outbox event
    orphans = conn.execute(
        "SELECT count(*) FROM consumptions c LEFT JOIN scans s ON s.id = c.scan_id"
        " LEFT JOIN outbox o ON o.event_id = c.event_id WHERE s.id IS NULL OR o.seq IS NULL"
    ).fetchone()[0]
    assert orphans == 0
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
