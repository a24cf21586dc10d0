"""The command line imports each subsystem only where it is used: building the parser, and a
command that talks to the running agent, import no camera, printer, database or config library
(a real import in a fresh interpreter, not a timing; bench/cli measures the time)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import write_config

HEAVY = ("cv2", "numpy", "escpos", "psycopg", "zplkit", "PIL", "rich", "jsonschema", "paho")
#: What a control-socket command may not need either: the config's validation and master data.
CONFIG = ("pydantic", "biip", "lotedge.config.model", "lotedge.agent.engine")


def imported_after(code: str) -> set[str]:
    """Top-level packages and lotedge modules in sys.modules after running `code`."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    names = json.loads(result.stdout.splitlines()[-1])
    return {n for n in names if n.startswith("lotedge.")} | {n.split(".")[0] for n in names}


def test_importing_the_command_line_imports_no_subsystem():
    loaded = imported_after("import lotedge.cli.main\nlotedge.cli.main.build_parser()")
    assert loaded.isdisjoint(HEAVY + CONFIG), sorted(loaded & set(HEAVY + CONFIG))


def test_a_control_socket_command_reads_no_more_than_it_needs(tmp_path: Path):
    config = write_config(tmp_path)  # no agent runs: the command reports that, exit 3
    argv = ["batch", "status", "-c", str(config)]
    code = f"from lotedge.cli.main import main\nassert main({argv!r}) == 3"
    loaded = imported_after(code)
    assert loaded.isdisjoint(HEAVY + CONFIG), sorted(loaded & set(HEAVY + CONFIG))


def test_the_daemon_without_a_camera_or_escpos_printer_loads_neither():
    code = (
        "import lotedge.agent.daemon, lotedge.agent.devices, lotedge.printers.service, "
        "lotedge.publish.service, lotedge.station.service"
    )
    loaded = imported_after(code)
    assert loaded.isdisjoint({"cv2", "numpy", "escpos", "psycopg"})
