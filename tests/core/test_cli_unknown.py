"""One message for a name nobody configured, whichever command meets it: "unknown KIND 'X'",
what follows from it, the closest known name (case ignored) and the known ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import write_config
from tests.core.daemon_helpers import lotedge, start_daemon

PRODUCT = "unknown product 'bread' (did you mean 'BREAD'? known: BREAD, CAKE)"
MATERIAL = "unknown material 'flour'"
MATERIAL_HINT = "(did you mean 'FLOUR'? known: FLOUR, SUGAR, YEAST"


def test_commands_without_the_agent(tmp_path: Path):
    c = ("-c", str(write_config(tmp_path)))
    preview = lotedge("lot", "preview", "--product", "bread", *c)
    render = lotedge("label", "render", "--product", "bread", "--lot", "X", "-o", "x.png", *c)
    for result in (preview, render):
        assert (result.returncode, result.stderr) == (2, f"error: {PRODUCT}\n")


@pytest.fixture
def agent(tmp_path: Path):
    path = write_config(tmp_path)
    daemon = start_daemon(path)
    yield ("-c", str(path))
    daemon.terminate()
    daemon.wait(10)


def test_commands_of_the_running_agent(agent):
    start = lotedge("batch", "start", "bread", *agent)
    assert (start.returncode, start.stderr) == (1, f"error (unknown_product): {PRODUCT}\n")
    for argv in (
        ("hold", "add", "flour", "L1", "--reason", "r"),
        ("receive", "unlabelled", "flour", "5"),
        ("lots", "close", "flour", "L1"),
        ("lots", "list", "flour"),
    ):
        refused = lotedge(*argv, *agent)
        assert refused.returncode == 1, argv
        assert MATERIAL in refused.stderr and MATERIAL_HINT in refused.stderr, refused.stderr
    vendor = lotedge(
        "hold", "add", "--vendor", "Nothern Mils", "--prefix", "V", "--reason", "r", *agent
    )
    assert "did you mean 'Northern Mills'? known: Levure SA, Northern Mills" in vendor.stderr
