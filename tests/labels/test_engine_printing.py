"""Batch end on the real engine -> print job -> PrintWorker -> simulator -> decoded label.

Runs once the engine (lotedge.agent, on main) is present; skipped on the labels branch alone.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from lotedge.config.loader import load_config
from lotedge.core.labels import LabelData, gs1_elements
from lotedge.printers.renderer import LabelRenderer
from lotedge.printers.worker import PrintWorker
from lotedge.simulators.printer import PrinterSimulator
from lotedge.state import print_jobs
from lotedge.state.db import STATE_FILE, open_state
from tests.labels.label_checks import TEMPLATES, eventually, gs1_read
from tests.labels.test_cli import CONFIG

engine_module = pytest.importorskip("lotedge.agent.engine")
requests = pytest.importorskip("lotedge.agent.requests")
repo = pytest.importorskip("lotedge.state.repo")


def test_batch_end_prints_a_label_that_scans_back_to_the_batch(tmp_path):
    sim = PrinterSimulator(port=0).start()
    printer = f'\n[printer]\nname = "line"\nurl = "tcp://127.0.0.1:{sim.port}"\n'
    (tmp_path / "lotedge.toml").write_text(CONFIG + '\n[state]\ndir = "state"\n' + printer)
    config = load_config(tmp_path / "lotedge.toml")
    conn = open_state(config.state_dir)
    renderer = LabelRenderer(config.labels, TEMPLATES)
    engine = engine_module.Engine(config, conn, render_label=renderer.render)
    assert config.printer is not None
    worker = PrintWorker(config.printer, config.state_dir / STATE_FILE, poll_seconds=0.05).start()
    try:
        assert engine.handle(requests.StartBatch("BREAD", operator="Ana")).ok
        reply = engine.handle(requests.EndBatch(Decimal("12.5")))
        assert reply.ok and reply.data["print_job"]
        worker.wake()
        assert sim.wait_for_jobs(1, timeout=10)
        (record,) = print_jobs.records(conn)
        lot = record["lot"]
        batch = repo.batch_by_lot(conn, lot)
        product = config.product("BREAD")
        assert batch is not None and product is not None
        recorded = LabelData.for_lot(
            product,
            config.identity,
            lot=lot,
            quantity=batch.produced_qty,
            produced=batch.ended_at.date(),
            operator=batch.operator,
        )
        expected = gs1_elements(recorded)
        assert dict(expected)["3101"] == "000125"
        assert gs1_read(sim.jobs[0].png) == {"]C1": expected, "]d2": expected}
        eventually(lambda: print_jobs.records(conn)[0]["status"] == "printed")
        assert len(sim.jobs) == 1
    finally:
        worker.stop()
        sim.stop()
        conn.close()
