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
        scanned = json.loads(lotedge("scan", "#LE:AGAIN", "--json", *c).stdout)["data"]
        into = json.loads(lotedge("scan", FLOUR, "--json", *c).stdout)["data"]["batch"]
        status = lotedge("batch", "status", *c).stdout
        every = lotedge("batch", "status", "--consumptions", *c).stdout
        machine = json.loads(lotedge("batch", "status", "--json", *c).stdout)
        lots = lotedge("lots", "list", *c).stdout
    finally:
        daemon.terminate()
        daemon.wait(10)
    assert scanned["batch"] is None  # a command, not a container: it went into no batch
    assert into["product"] == "BREAD" and into["id"] == machine["data"]["batch"]["id"]
    assert status.startswith("PLANT1/L1: production mode\nbatch: BREAD since ")
    assert ", operator Ann\nconsumed: 3 containers\n" in status
    assert "\n  FLOUR lot NM2611A: 75.0 KGM (3 containers)\n" in status
    assert "consumptions" not in machine["data"]  # the sums only, unless asked for
    assert machine["data"]["consumed"][0]["containers"] == 3
    assert "containers, in order: 3\n" in every and every.count("FLOUR lot NM2611A 25.0 KGM") == 3
    assert lots == "No open lots.\n"
