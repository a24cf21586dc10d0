"""The unit files pass `systemd-analyze verify` (with ExecStart pointed at this install): the
daemons notify and have a watchdog, the timers start a hardened oneshot on their schedule."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

SYSTEMD = REPO / "systemd"
UNITS = sorted([*SYSTEMD.glob("*.service"), *SYSTEMD.glob("*.timer")])
#: timer -> (what its service runs, when: OnCalendar, Persistent)
SCHEDULES = {
    "lotedge-stock-push.timer": ("store lots push-stock -c", "*:0/15", False),
    "lotedge-short-dated.timer": (
        "store expiring --within 14d --publish -c",
        "*-*-* 06:00:00",
        True,
    ),
}


def settings(text: str) -> dict[str, str]:
    """`Key=value` lines of a unit (the last one wins, as systemd reads most keys)."""
    pairs = (line.split("=", 1) for line in text.splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in pairs}


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_unit_verifies(unit: Path, tmp_path: Path):
    lotedge = Path(sys.executable).with_name("lotedge")
    for each in UNITS:  # a timer is verified beside the service it starts
        text = each.read_text().replace("/opt/lotedge/bin/lotedge", str(lotedge))
        (tmp_path / each.name.replace("@.", "@1.")).write_text(text)  # a template: one instance
    copy = tmp_path / unit.name.replace("@.", "@1.")
    result = subprocess.run(
        ["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    text = unit.read_text()
    if unit.suffix == ".service" and "Type=oneshot" not in text:
        assert "Type=notify" in text and "WatchdogSec=" in text and "ProtectSystem=strict" in text


@pytest.mark.parametrize("timer", sorted(SCHEDULES), ids=str)
def test_timer_starts_its_oneshot_on_schedule(timer: str):
    command, calendar, persistent = SCHEDULES[timer]
    timed = settings((SYSTEMD / timer).read_text())
    assert timed["OnCalendar"] == calendar
    assert (timed.get("Persistent") == "true") is persistent
    assert timed["WantedBy"] == "timers.target"
    service = settings((SYSTEMD / timer.replace(".timer", ".service")).read_text())
    assert service["Type"] == "oneshot" and service["ProtectSystem"] == "strict"
    assert service["ExecStart"].startswith(f"/opt/lotedge/bin/lotedge {command} ")
    assert service["User"] == "lotedge" and service["StateDirectory"] == "lotedge-store"


def test_every_oneshot_has_a_timer():
    oneshots = {p.stem for p in SYSTEMD.glob("*.service") if "Type=oneshot" in p.read_text()}
    assert oneshots == {timer.removesuffix(".timer") for timer in SCHEDULES}
