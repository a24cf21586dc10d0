"""kill -9 of the real daemon while scans are being answered: nothing acknowledged is lost."""

from __future__ import annotations

import random
from pathlib import Path

from lotedge.config.loader import load_config
from lotedge.state.db import connect
from tests.core.daemon_helpers import kill_while_scanning


def test_sigkill_mid_scan_loses_no_acknowledged_consumption(config_path: Path):
    rng = random.Random(7)
    acked = kill_while_scanning(
        config_path,
        rounds=3,
        reason="accepted",
        prepare=lambda client: client.request("batch.start", product="BREAD"),
        wanted=lambda: rng.randint(20, 80),
    )

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
