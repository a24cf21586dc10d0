"""Batch end and reprint on the real engine -> print job -> PrintWorker -> simulator -> decoded."""

from __future__ import annotations

import threading
from decimal import Decimal

from lotedge.agent.engine import Engine
from lotedge.agent.requests import EndBatch, Reprint, StartBatch
from lotedge.config.loader import load_config
from lotedge.core.labels import LabelData, gs1_elements
from lotedge.printers.service import renderer_for, start_printer
from lotedge.simulators.printer import PrinterSimulator
from lotedge.state import print_jobs, repo
from lotedge.state.db import open_state
from tests.labels.label_checks import TEMPLATES, eventually, gs1_read
from tests.labels.test_cli import CONFIG


def test_batch_end_and_reprint_print_labels_that_scan_back_to_the_batch(tmp_path):
    sim = PrinterSimulator(port=0).start()
    printer = f'\n[printer]\nname = "line"\nurl = "tcp://127.0.0.1:{sim.port}"\n'
    (tmp_path / "lotedge.toml").write_text(CONFIG + '\n[state]\ndir = "state"\n' + printer)
    config = load_config(tmp_path / "lotedge.toml")
    assert config.resolve(config.labels.dir) == TEMPLATES
    conn = open_state(config.state_dir)
    engine = Engine(config, conn, render_label=renderer_for(config).render)
    stop_printer = start_printer(engine, threading.Event())
    try:
        assert engine.handle(StartBatch("BREAD", operator="Ana")).ok
        assert engine.handle(EndBatch(Decimal("12.5"))).data["print_job"]
        assert sim.wait_for_jobs(1, timeout=10)  # the worker noticed the commit by itself
        (record,) = print_jobs.records(conn)
        batch = repo.batch_by_lot(conn, record["lot"])
        product = config.product("BREAD")
        assert batch is not None and product is not None and batch.ended_at is not None
        recorded = LabelData.for_lot(
            product,
            config.identity,
            lot=record["lot"],
            quantity=batch.produced_qty or Decimal(0),
            produced=batch.ended_at.date(),
            operator=batch.operator,
        )
        expected = gs1_elements(recorded)
        assert dict(expected)["3101"] == "000125"
        assert gs1_read(sim.jobs[0].png) == {"]C1": expected, "]d2": expected}

        assert engine.handle(Reprint(record["lot"], copies=2)).ok
        assert sim.wait_for_jobs(3, timeout=10)
        eventually(lambda: [r["status"] for r in print_jobs.records(conn)] == ["printed"] * 2)
        assert [(r["reprint"], r["copies"]) for r in print_jobs.records(conn)] == [(0, 1), (1, 2)]
        assert all(gs1_read(label.png)["]d2"] == expected for label in sim.jobs)
    finally:
        stop_printer()
        sim.stop()
        conn.close()
    assert len(sim.jobs) == 3
