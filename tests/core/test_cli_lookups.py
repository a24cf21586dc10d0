"""`lotedge parse` and `lot preview` look at the state without changing or creating it."""

from __future__ import annotations

import json
from pathlib import Path

from lotedge.config.loader import load_config
from lotedge.state.db import connect
from tests.core.daemon_helpers import control_client, lotedge, start_daemon

FLOUR = "]C10109501101530003174901311025ABC"


def test_parse_without_state_creates_nothing(config_path: Path):
    result = lotedge("parse", FLOUR, "-c", str(config_path), "--json")
    reply = json.loads(result.stdout)
    assert (reply["reason"], reply["parsed"]["lot"]) == ("no_open_batch", "25ABC")
    assert not load_config(config_path).state_dir.exists()


def test_parse_and_preview_against_a_running_line_change_nothing(config_path: Path):
    daemon = start_daemon(config_path)
    try:
        control_client(config_path).request("batch.start", product="BREAD")
        state = connect(load_config(config_path).state_dir / "state.db")
        before = state.execute("SELECT count(*) FROM scans").fetchone()[0]
        reply = json.loads(lotedge("parse", FLOUR, "-c", str(config_path), "--json").stdout)
        preview = lotedge("lot", "preview", "-c", str(config_path), "--product", "BREAD", "-n", "2")
        after = state.execute("SELECT count(*) FROM scans").fetchone()[0]
        end = control_client(config_path).request("batch.end", qty=5)
    finally:
        daemon.terminate()
        daemon.wait(10)
    assert reply["reason"] == "accepted"
    assert before == after
    assert end["data"]["batch"]["lot"] == preview.stdout.split()[0]
