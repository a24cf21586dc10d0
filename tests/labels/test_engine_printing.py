"""Batch end and reprint on the real engine -> print job -> PrintWorker -> simulator -> decoded."""

from __future__ import annotations

import json
import threading
from decimal import Decimal

from lotedge.agent.engine import Engine
from lotedge.agent.registry import AdapterHost, Registry
from lotedge.agent.requests import EndBatch, Reprint, StartBatch
from lotedge.config.loader import load_config
from lotedge.core.labels import LabelData, gs1_elements
from lotedge.printers.service import renderer_for, start_printer
from lotedge.simulators.printer import PrinterSimulator
from lotedge.state import print_jobs, repo
from lotedge.state.db import STATE_FILE, connect_readonly, open_state
from tests.labels.label_checks import TEMPLATES, eventually, gs1_read
from tests.labels.test_cli import CONFIG


def test_batch_end_and_reprint_print_labels_that_scan_back_to_the_batch(tmp_path):
    sim = PrinterSimulator(port=0).start()
    printer = f'\n[printer]\nname = "line"\nurl = "tcp://127.0.0.1:{sim.port}"\n'
    (tmp_path / "lotedge.toml").write_text(CONFIG + '\n[state]\ndir = "state"\n' + printer)
    config = load_config(tmp_path / "lotedge.toml")
    assert config.resolve(config.labels.dir) == TEMPLATES
    conn = open_state(config.state_dir)
    seen = connect_readonly(config.state_dir / STATE_FILE)  # the test's own reads
    registry = Registry()
    engine = Engine(config, conn, render_label=renderer_for(config).render, registry=registry)
    engine.start()
    stop_printer = start_printer(AdapterHost(config, engine.call, registry), threading.Event())
    try:
        assert engine.call(StartBatch("BREAD", operator="Ana")).ok
        assert engine.call(EndBatch(Decimal("12.5"))).data["print_job"]
        assert sim.wait_for_jobs(1, timeout=10)  # the engine woke the worker after its commit
        (record,) = print_jobs.records(seen)
        batch = repo.batch_by_lot(seen, record["lot"])
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

        assert engine.call(Reprint(record["lot"], copies=2)).ok
        assert sim.wait_for_jobs(3, timeout=10)
        eventually(lambda: [r["status"] for r in print_jobs.records(seen)] == ["printed"] * 2)
        assert [(r["reprint"], r["copies"]) for r in print_jobs.records(seen)] == [(0, 1), (1, 2)]
        assert all(gs1_read(label.png)["]d2"] == expected for label in sim.jobs)
        # the worker told the engine; the engine queued LabelPrinted, each with its eventID
        rows = seen.execute("SELECT event_id, payload FROM outbox WHERE topic = 'ops'")
        printed = [(e, json.loads(p)) for e, p in rows if json.loads(p)["type"] == "LabelPrinted"]
        assert [m["details"]["copies"] for _, m in printed] == [1, 2]
        assert all(m["eventID"] == event_id for event_id, m in printed)
    finally:
        stop_printer()
        engine.stop()
        sim.stop()
        seen.close()
        conn.close()
    assert len(sim.jobs) == 3
