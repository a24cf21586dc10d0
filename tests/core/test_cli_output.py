"""What the command line prints: text for a person by default, the reply as JSON with --json,
the command list when a command is missing, help that says what is optional."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import write_config
from tests.core.daemon_helpers import lotedge, start_daemon

FLOUR = "]C101095011015300031749123110NM2611A"


def test_lotedge_alone_lists_the_commands():
    alone = lotedge()
    assert alone.returncode == 0 and alone.stderr == ""
    assert "COMMAND" in alone.stdout and "batch" in alone.stdout and "store" in alone.stdout
    group = lotedge("batch")
    assert group.returncode == 0 and "start" in group.stdout and "status" in group.stdout


def test_store_help_shows_its_subcommand_as_optional():
    usage = lotedge("store", "--help").stdout
    assert "[SUBCOMMAND] ..." in usage
    assert "Without a subcommand: run the trace store" in " ".join(usage.split())


def test_agent_replies_are_text_unless_json_is_asked_for(tmp_path: Path):
    path = write_config(tmp_path)
    c = ("-c", str(path))
    daemon = start_daemon(path)
    try:
        assert lotedge("batch", "start", "BREAD", "--operator", "Ann", *c).returncode == 0
        for _ in range(2):
            assert lotedge("scan", "#LE:AGAIN", *c).returncode == 0
            assert lotedge("scan", FLOUR, *c).returncode == 0
        status = lotedge("batch", "status", *c).stdout
        every = lotedge("batch", "status", "--consumptions", *c).stdout
        machine = json.loads(lotedge("batch", "status", "--json", *c).stdout)
        lots = lotedge("lots", "list", *c).stdout
    finally:
        daemon.terminate()
        daemon.wait(10)
    assert status.startswith("PLANT1/L1: production mode\nbatch: BREAD since ")
    assert ", operator Ann\nconsumed: 2 containers\n" in status
    assert "\n  FLOUR lot NM2611A: 50.0 KGM (2 containers)\n" in status
    assert "consumptions" not in machine["data"]  # the sums only, unless asked for
    assert machine["data"]["consumed"][0]["containers"] == 2
    assert "containers, in order: 2\n" in every and every.count("FLOUR lot NM2611A 25.0 KGM") == 2
    assert lots == "No open lots.\n"
