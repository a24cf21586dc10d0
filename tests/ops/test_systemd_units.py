"""The unit files pass `systemd-analyze verify` (with ExecStart pointed at this install)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

UNITS = sorted((REPO / "systemd").glob("*.service"))


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_unit_verifies(unit: Path, tmp_path: Path):
    lotedge = Path(sys.executable).with_name("lotedge")
    text = unit.read_text().replace("/opt/lotedge/bin/lotedge", str(lotedge))
    copy = tmp_path / unit.name.replace("@.", "@1.")  # a template: verify one instance
    copy.write_text(text)
    result = subprocess.run(
        ["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "Type=notify" in text and "WatchdogSec=" in text and "ProtectSystem=strict" in text
