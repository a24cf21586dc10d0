"""``lotedge sim scale`` as a tech runs it: a script, then steps typed on stdin."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import pytest

from lotedge.devices.registry import resolve
from lotedge.scales.device import open_scale
from lotedge.simulators.scale import ScriptError, parse_script
from tests.devices.conftest import wait_until


@pytest.mark.parametrize("where", [["--port", "0"], []], ids=["tcp", "pty"])
def test_sim_scale_serves_a_script_then_stdin_steps(tmp_path, where):
    script = tmp_path / "sack.scale"
    script.write_text("# a sack of flour\nload 25.000\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "lotedge.cli.main", "sim", "scale", *where, "--script", str(script)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdin is not None
        url = proc.stdout.readline().split(": ", 1)[1].strip()
        assert url.startswith("tcp://127.0.0.1:" if where else "serial:///dev/")
        scale = open_scale(resolve(url, "scale"))
        assert wait_until(lambda: scale.stable().value == Decimal("25.000"))  # the script
        proc.stdin.write("load 12.5\n")
        proc.stdin.flush()
        assert wait_until(lambda: scale.stable().value == Decimal("12.500"))
        assert scale.identify().serial == "B123456789"
        scale.close()
    finally:
        proc.kill()
        proc.wait(5)


@pytest.mark.parametrize(
    ("text", "said"),
    [("weigh 3", "unknown step 'weigh'"), ("load", "load takes a value"), ("stuck x", "not a")],
)
def test_script_errors_name_the_line(text, said):
    with pytest.raises(ScriptError, match=said):
        parse_script(f"wait 0\n{text}\n")
