from __future__ import annotations

import dataclasses
import json
import time

import pytest

from lotedge.agent.engine import Engine
from lotedge.config.printing import PrinterConfig
from lotedge.core.labels import gs1_elements
from lotedge.printers.worker import PrintWorker
from lotedge.simulators.printer import PrinterSimulator
from lotedge.state import alerts as state_alerts
from lotedge.state import print_jobs
from lotedge.state.db import STATE_FILE, connect, open_state, transaction
from tests.labels.label_checks import TEMPLATE, eventually, field_texts, gs1_read


@pytest.fixture
def conn(tmp_path):
    connection = open_state(tmp_path)
    yield connection
    connection.close()


@pytest.fixture
def engine(conn, config, tmp_path):
    """The engine on the same state file, its own connection: the worker's facts go to it."""
    writer = connect(tmp_path / STATE_FILE)
    running = Engine(config, writer)
    running.start()
    yield running
    running.stop()
    writer.close()


@pytest.fixture
def sim():
    simulator = PrinterSimulator(port=0).start()
    yield simulator
    simulator.stop()


def printer_for(port: int) -> PrinterConfig:
    return PrinterConfig(
        name="line",
        url=f"tcp://127.0.0.1:{port}",
        timeout_seconds=2,
        status_interval_seconds=0.05,
        retry_initial_seconds=0.02,
        retry_max_seconds=0.1,
    )


@pytest.fixture
def worker_factory(tmp_path, engine):
    started: list[PrintWorker] = []

    def start(port: int) -> PrintWorker:
        worker = PrintWorker(
            printer_for(port), tmp_path / STATE_FILE, engine.call, poll_seconds=0.05
        )
        started.append(worker.start())
        return worker

    yield start
    for worker in started:
        worker.stop()


def enqueue(conn, payload: bytes, lot: str = "L1", copies: int = 1) -> int:
    with transaction(conn):
        return print_jobs.enqueue(
            conn,
            lot=lot,
            batch_id="b1",
            printer="line",
            payload=payload,
            copies=copies,
            reprint=False,
            now=time.time(),
        )


def job(conn, job_id: int) -> dict:
    return next(r for r in print_jobs.records(conn) if r["id"] == job_id)


def alerts(conn) -> list[dict]:
    rows = conn.execute("SELECT payload FROM outbox WHERE topic = 'alerts' ORDER BY seq")
    return [json.loads(payload) for (payload,) in rows]


def test_round_trip_label_scans_back_to_the_data(conn, sim, worker_factory, renderer, sample):
    job_id = enqueue(conn, renderer.render(sample, TEMPLATE), sample.lot)
    worker = worker_factory(sim.port)
    worker.wake()
    assert sim.wait_for_jobs(1, timeout=10)
    assert gs1_read(sim.jobs[0].png) == {"]C1": gs1_elements(sample), "]d2": gs1_elements(sample)}
    eventually(lambda: job(conn, job_id)["status"] == "printed")
    record = job(conn, job_id)
    assert (record["lot"], record["printer"], record["copies"]) == (sample.lot, "line", 1)
    assert record["printed_at"] is not None
    assert set(sim.commands) == {b"~HS"}
    eventually(lambda: worker.state["printed"] == 1)
    assert worker.state["ready"] is True and worker.state["faults"] == []


INJECTIONS = ["^XZ^XA^FO0,0^FDX^FS^XZ", "~JR", "_", "Zoé"]
#: A lot is at most 20 characters of printable ASCII (GS1 AI 10 in Code 128), see test_renderer.
LOT_INJECTIONS = ["^XZ^XA^FO0,0^FDX^FS", "~JR", "_"]


@pytest.mark.parametrize(
    ("field", "texts"),
    [("product_name", INJECTIONS), ("operator", INJECTIONS), ("lot", LOT_INJECTIONS)],
)
def test_injected_text_prints_one_literal_label(
    conn, sim, worker_factory, renderer, sample, field, texts
):
    worker_factory(sim.port)
    for text in texts:
        enqueue(conn, renderer.render(dataclasses.replace(sample, **{field: text}), TEMPLATE))
    # printed in the state = the printer answered ~HS behind every byte of every job
    eventually(lambda: print_jobs.count(conn, "line", "printed") == len(texts))
    assert sim.wait_for_jobs(len(texts), timeout=10)
    assert len(sim.jobs) == len(texts) and set(sim.commands) == {b"~HS"}
    for label, text in zip(sim.jobs, texts, strict=True):
        assert any(text in shown for shown in field_texts(label.zpl))
        if field == "lot":
            assert gs1_read(label.png)["]d2"][-1] == ("10", text)


def test_paper_out_holds_the_job_alerts_and_prints_once_when_cleared(
    conn, sim, worker_factory, renderer, sample
):
    sim.set_fault(paper_out=True)
    job_id = enqueue(conn, renderer.render(sample, TEMPLATE), sample.lot)
    worker = worker_factory(sim.port)
    eventually(lambda: job(conn, job_id)["attempts"] >= 2)
    assert job(conn, job_id)["status"] == "queued"
    assert job(conn, job_id)["last_error"] == "printer not ready: paper_out"
    assert sim.jobs == [] and sim.held == []
    assert [a["type"] for a in alerts(conn)] == ["printer_fault"]
    assert alerts(conn)[0]["faults"] == ["paper_out"]
    (fault,) = state_alerts.open_alerts(conn)
    assert fault["kind"] == "printer_fault" and fault["id"] == alerts(conn)[0]["id"]
    assert worker.state["faults"] == ["paper_out"] and worker.state["ready"] is False

    sim.clear_faults()
    assert sim.wait_for_jobs(1, timeout=10)
    eventually(lambda: job(conn, job_id)["status"] == "printed")
    worker.stop()
    assert len(sim.jobs) == 1 and sim.held == []
    # recovery closes the fault alert (the operator has nothing left to do) and says so
    assert [a["type"] for a in alerts(conn)] == [
        "printer_fault",
        "alert_acknowledged",
        "printer_recovered",
    ]
    assert alerts(conn)[1]["by"] == "printer recovered"
    assert state_alerts.open_alerts(conn) == []


def test_unreachable_printer_across_a_worker_restart_prints_after_it_returns(
    conn, worker_factory, renderer, sample
):
    gone = PrinterSimulator(port=0).start()
    port = gone.port
    gone.stop()
    job_id = enqueue(conn, renderer.render(sample, TEMPLATE), sample.lot)
    first = worker_factory(port)
    eventually(lambda: job(conn, job_id)["attempts"] >= 1)
    first.stop()
    assert job(conn, job_id)["status"] == "queued"
    assert "cannot connect to printer" in job(conn, job_id)["last_error"]
    assert alerts(conn)[0]["faults"] == ["unreachable"]

    back = PrinterSimulator(port=port).start()
    try:
        worker_factory(port)
        assert back.wait_for_jobs(1, timeout=10)
        eventually(lambda: job(conn, job_id)["status"] == "printed")
        assert len(back.jobs) == 1
        assert gs1_read(back.jobs[0].png)["]d2"] == gs1_elements(sample)
    finally:
        back.stop()


def test_copies_print_as_separate_labels(conn, sim, worker_factory):
    enqueue(conn, b"^XA^FO10,10^A0N,30,30^FH^FDx^FS^XZ", copies=3)
    worker_factory(sim.port)
    assert sim.wait_for_jobs(3, timeout=10)


def test_job_interrupted_while_sending_is_never_resent(conn, sim, worker_factory):
    job_id = enqueue(conn, b"^XA^FO10,10^A0N,30,30^FH^FDx^FS^XZ", lot="L9")
    with transaction(conn):
        assert print_jobs.claim(conn, job_id)
    worker = worker_factory(sim.port)
    eventually(lambda: job(conn, job_id)["status"] == "uncertain")
    eventually(lambda: worker.state["ready"] is True)
    (alert,) = alerts(conn)
    assert alert["type"] == "print_uncertain" and alert["lot"] == "L9"
    assert "lotedge label reprint L9" in alert["message"]
    assert alert["message"].startswith(
        "The label for lot L9 (print job 1) may not have printed (interrupted while sending; "
        "check the printer)."
    )
    assert sim.jobs == []


def test_worker_notices_a_committed_job_without_being_woken(conn, sim, tmp_path, engine):
    slow = printer_for(sim.port).model_copy(update={"status_interval_seconds": 60})
    worker = PrintWorker(slow, tmp_path / STATE_FILE, engine.call, poll_seconds=60).start()
    try:
        eventually(lambda: worker.state["ready"] is True)  # first health check done, now idle
        enqueue(conn, b"^XA^FO10,10^A0N,30,30^FH^FDx^FS^XZ")
        assert sim.wait_for_jobs(1, timeout=10)  # long before the 60 s poll
    finally:
        worker.stop()


def test_worker_spools_to_a_directory_printer(conn, tmp_path, engine):
    spool = PrinterConfig(name="line", url=f"dir://{tmp_path}/spool")
    worker = PrintWorker(spool, tmp_path / STATE_FILE, engine.call, poll_seconds=0.05).start()
    try:
        job_id = enqueue(conn, b"^XA^XZ", lot="26339L1/7", copies=2)
        again = enqueue(conn, b"^XA^XZ", lot="26339L1/7")  # a reprint: a file of its own
        eventually(lambda: job(conn, again)["status"] == "printed")
    finally:
        worker.stop()
    # Named after the lot ('/' cannot be in a file name) and the job; the record keeps the name.
    name = f"26339L1_7-job{job_id}.zpl"
    assert (tmp_path / "spool" / name).read_bytes() == b"^XA^XZ^XA^XZ"
    assert job(conn, job_id)["output"] == name
    assert job(conn, again)["output"] == f"26339L1_7-job{again}.zpl"
    assert worker.state["ready"] is True and alerts(conn) == []
