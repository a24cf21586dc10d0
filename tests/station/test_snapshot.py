"""The snapshot on a real state written by the real engine, read through its own connection."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from lotedge.agent.engine import Engine
from lotedge.agent.requests import EndBatch, HoldAdd, StartBatch
from lotedge.core.holds import parse_scope
from lotedge.printers.service import renderer_for
from lotedge.state import alerts
from lotedge.state.db import STATE_FILE, transaction
from lotedge.station.hub import STREAM_QUEUE, Hub
from lotedge.station.snapshot import RECENT_SCANS, SnapshotReader, printer_message
from tests.conftest import write_config
from tests.core.test_engine import FLOUR, SUGAR, Line

PRINTER = '[printer]\nname = "line"\nurl = "tcp://127.0.0.1:9"\n'


@pytest.fixture
def line(tmp_path: Path) -> Line:
    """The engine with a printer configured (no worker runs: label jobs stay queued)."""
    line = Line(write_config(tmp_path, extra=PRINTER))
    render = renderer_for(line.config).render
    line.engine = Engine(line.config, line.conn, render_label=render, clock=lambda: line.now)
    return line


def reader(line: Line, providers: dict[str, Any] | None = None) -> SnapshotReader:
    return SnapshotReader(line.config, line.config.state_dir / STATE_FILE, providers or {})


def test_an_empty_line(line: Line):
    snapshot = reader(line).build()
    assert snapshot["site"] == "PLANT1" and snapshot["line"] == "L1"
    assert snapshot["products"] == [
        {"code": "BREAD", "name": "White loaf 800 g"},
        {"code": "CAKE", "name": "Sponge cake"},
    ]
    assert snapshot["batch"] is None and snapshot["last_batch"] is None
    assert snapshot["last_scan"] is None and snapshot["recent_scans"] == []
    assert snapshot["bom"] == [] and snapshot["alerts"] == [] and snapshot["holds"] == []
    assert snapshot["printer"] is None  # no print worker reported
    assert snapshot["link"] == {"connected": None, "outbox_depth": 0}


def test_scans_batch_and_bom(line: Line):
    line.do(StartBatch("BREAD", Decimal(100), "Ann"))
    line.tick(1)
    assert line.scan(FLOUR) == "accepted"
    line.tick(1)
    assert line.scan("YST-OLD-20200101") == "expired"
    line.tick(1)
    assert line.scan(SUGAR) == "not_in_bom"
    line.tick(1)
    assert line.scan("hello") == "unreadable"

    snapshot = reader(line).build()
    batch = snapshot["batch"]
    assert set(batch) == {"id", "product", "product_name", "operator", "planned_qty", "started_at"}
    assert (batch["product_name"], batch["operator"], batch["planned_qty"]) == (
        "White loaf 800 g",
        "Ann",
        "100",
    )
    assert batch["started_at"] == "2026-11-25T08:00:00+01:00"
    unreadable, sugar, yeast, flour = snapshot["recent_scans"]
    assert snapshot["last_scan"] == unreadable
    assert (unreadable["outcome"], unreadable["material"], unreadable["lot"]) == (
        "rejected",
        None,
        None,
    )
    assert (sugar["reason"], sugar["material"], sugar["lot"]) == ("not_in_bom", "SUGAR", "25XYZ")
    assert yeast == {
        "id": yeast["id"],
        "time": "2026-11-25T08:00:02+01:00",
        "source": "test",
        "outcome": "rejected",
        "reason": "expired",
        "message": yeast["message"],
        "material": "YEAST",  # parsed again from the recorded bytes
        "material_name": "Fresh yeast",
        "lot": "OLD",
        "warning": None,
    }
    assert "expired" in yeast["message"]
    assert (flour["outcome"], flour["material"], flour["material_name"], flour["lot"]) == (
        "accepted",
        "FLOUR",
        "Wheat flour T55",
        "25ABC",
    )
    assert snapshot["bom"] == [
        {"material": "FLOUR", "name": "Wheat flour T55", "loaded": True, "lots": ["25ABC"]},
        {"material": "YEAST", "name": "Fresh yeast", "loaded": False, "lots": []},
    ]
    # accepted flour, the batch start, and two rejections published
    assert snapshot["link"]["outbox_depth"] == 5


def test_recent_scans_are_the_newest_first_and_bounded(line: Line):
    for n in range(RECENT_SCANS + 3):
        line.scan(f"noise {n}")
    recent = reader(line).build()["recent_scans"]
    assert len(recent) == RECENT_SCANS
    ids = [scan["id"] for scan in recent]
    assert ids == sorted(ids, reverse=True) and ids[0] == RECENT_SCANS + 3


def test_last_batch_with_its_label_alerts_and_holds(line: Line):
    line.do(StartBatch("BREAD"))
    line.scan(FLOUR)
    assert line.do(EndBatch(Decimal(96))).ok
    line.do(HoldAdd(parse_scope(material="YEAST", lot="BAD1"), "supplier recall"))
    with transaction(line.conn):
        alert = alerts.record(line.conn, "printer_fault", "Printer line: paper out.", line.now, {})

    snapshot = reader(line).build()
    assert snapshot["batch"] is None and snapshot["bom"] == []
    assert snapshot["last_batch"] == {
        "id": snapshot["last_batch"]["id"],
        "product": "BREAD",
        "product_name": "White loaf 800 g",
        "lot": "26329L10001",
        "produced_qty": "96",
        "ended_at": "2026-11-25T08:00:00+01:00",
        "label": "queued",
    }
    assert snapshot["alerts"] == [
        {
            "id": alert,
            "kind": "printer_fault",
            "message": "Printer line: paper out.",
            "raised_at": "2026-11-25T08:00:00+01:00",
        }
    ]
    assert snapshot["holds"] == [
        {"held": "YEAST lot BAD1", "material": "YEAST", "lot": "BAD1", "reason": "supplier recall"}
    ]


def test_printer_and_link_come_from_the_status_providers(line: Line):
    printer = {"printer": "line", "ready": False, "faults": ["paper_out"], "queued": 2}
    providers = {"printer": lambda: printer, "publisher": lambda: {"connected": True}}
    snapshot = reader(line, providers).build()
    assert snapshot["printer"] == {
        "name": "line",
        "ready": False,
        "message": "Paper out",
        "queued": 2,
    }
    assert snapshot["link"]["connected"] is True


@pytest.mark.parametrize(
    ("state", "words"),
    [
        ({"ready": True, "faults": []}, "Ready"),
        ({"ready": None, "faults": []}, "Not checked yet"),
        ({"ready": False, "faults": ["paper_out", "head_open"]}, "Paper out, head open"),
        ({"ready": False, "faults": [], "last_error": "connection refused"}, "connection refused"),
    ],
)
def test_printer_message(state: dict[str, Any], words: str):
    assert printer_message(state) == words


def test_the_reader_notices_commits_and_cannot_write(line: Line):
    snapshots = reader(line)
    before = snapshots.fingerprint()
    assert snapshots.fingerprint() == before  # nothing committed
    line.scan("hello")
    assert snapshots.fingerprint() != before
    with pytest.raises(Exception, match="readonly"):
        snapshots._conn.execute("DELETE FROM scans")


def test_hub_numbers_changes_and_drops_a_client_that_does_not_keep_up(line: Line):
    hub = Hub(reader(line))
    first = hub.current()
    assert hub.current() is first  # nothing changed: same snapshot, same seq
    hung_up: list[str] = []
    stuck = hub.subscribe(lambda: hung_up.append("stuck"))
    reading = hub.subscribe(lambda: hung_up.append("reading"))
    seqs = []
    for n in range(STREAM_QUEUE + 2):
        line.scan(f"noise {n}")
        seqs.append(hub.current()["seq"])
        seqs_read = reading.queue.get_nowait()
        assert seqs_read is not None and seqs_read["seq"] == seqs[-1]
    assert seqs == list(range(first["seq"] + 1, first["seq"] + STREAM_QUEUE + 3))
    assert hung_up == ["stuck"] and hub.streams == 1  # the reading client stays
    assert stuck.queue.qsize() == STREAM_QUEUE
    hub.stop()
    assert hung_up == ["stuck", "reading"]  # stop ends every stream
    line.scan("after the stop")
    assert hub.current()["seq"] == seqs[-1]  # a request in flight at shutdown gets the last one
