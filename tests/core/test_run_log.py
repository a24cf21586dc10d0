"""A foreground `lotedge run` says what it decides: one INFO line per scan decision (source,
outcome, reason, material, lot), per batch start and end, per label printed, per hold."""

from __future__ import annotations

from pathlib import Path

from lotedge.simulators.printer import PrinterSimulator
from tests.conftest import write_config
from tests.core.daemon_helpers import lotedge, start_daemon

FLOUR = "]C101095011015300031749123110NM2611A"
UNKNOWN = "]C1010400638133393110L1"


def test_each_decision_and_each_batch_is_one_info_line(tmp_path: Path):
    printer = PrinterSimulator(port=0, out_dir=tmp_path / "printed").start()
    path = write_config(tmp_path, extra=f'[printer]\nurl = "tcp://127.0.0.1:{printer.port}"\n')
    c = ("-c", str(path))
    daemon = start_daemon(path)
    try:
        assert lotedge("batch", "start", "BREAD", "--operator", "Ann", *c).returncode == 0
        assert lotedge("scan", FLOUR, *c).returncode == 0
        assert lotedge("scan", UNKNOWN, "--source", "hopper", *c).returncode == 1
        assert lotedge("batch", "end", "--qty", "120", *c).returncode == 0
        assert printer.wait_for_jobs(1, 30)
        assert lotedge("hold", "add", "FLOUR", "NM2611B", "--reason", "mould", *c).returncode == 0
    finally:
        output = daemon.stop()
        printer.stop()
    info = [
        line.split(" INFO ", 1)[1].split(": ", 1)[1]
        for line in output.splitlines()
        if " INFO " in line
    ]
    decisions = [line for line in info if line.startswith("scan from ")]
    assert decisions[0].startswith("scan from cli: accepted (accepted) material FLOUR lot NM2611A")
    assert decisions[1].startswith(
        "scan from hopper: rejected (unknown_material) material - lot L1"
    )
    (started,) = [line for line in info if line.startswith("batch started: BREAD (batch ")]
    assert started.endswith(", operator Ann)")
    (ended,) = [line for line in info if line.startswith("batch ended: BREAD lot ")]
    lot = ended.split()[4].rstrip(",")
    assert ", 120 produced (batch " in ended
    assert any(line.startswith(f"label printed: lot {lot} on printer ") for line in info), info
    assert "hold applied: On hold: FLOUR lot NM2611B (mould; hold " in "\n".join(info)
