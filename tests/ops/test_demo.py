"""`lotedge demo` as a user runs it: a subprocess whose summary says everything happened."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.core.daemon_helpers import lotedge


def test_demo_runs_the_whole_system(tmp_path: Path):
    keep = tmp_path / "demo"
    result = subprocess.run(
        [sys.executable, "-m", "lotedge.cli.main", "demo", "--keep", str(keep)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "Demo complete: everything happened as expected." in out
    for reason in ("expired", "not_in_bom", "double_read", "batch_ended"):
        assert reason in out
    assert "Operator station at http://127.0.0.1:" in out
    assert "printer: paper out" in out and "label job stays queued" in out
    assert "Forward trace of flour lot NM2611A" in out and "Northern Mills" in out
    labels = sorted((keep / "labels").glob("*.png"))
    assert len(labels) == 3
    assert (keep / "trace.db").exists() and (keep / "state" / "state.db").exists()


def test_demo_refuses_a_non_empty_directory(tmp_path: Path):
    (tmp_path / "something").write_text("x")
    result = lotedge("demo", "--keep", str(tmp_path))
    assert result.returncode == 2
    assert "is not empty" in result.stdout
