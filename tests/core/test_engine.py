"""The engine on a real SQLite state: decisions, the batch workflow, audit and outbox rows."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import get_args

import pytest

from lotedge.agent.codec import request_from_json
from lotedge.agent.engine import Engine
from lotedge.agent.requests import (
    AlertAck,
    CancelBatch,
    EndBatch,
    Once,
    PrinterHealth,
    Reply,
    Reprint,
    Request,
    ScanRequest,
    StartBatch,
    Status,
)
from lotedge.agent.workflows import HANDLERS
from lotedge.config.loader import load_config
from lotedge.core.decisions import Reason
from lotedge.core.scan import RawScan
from lotedge.state import repo
from lotedge.state.db import open_state, transaction
from tests.shipping.reasons import SHIPPING_REASONS

GS = "\x1d"
FLOUR = "]C10109501101530003174901311025ABC"
SUGAR = "]C10109501101530010174901311025XYZ"
T0 = datetime(2026, 11, 25, 8, 0, tzinfo=timezone(timedelta(hours=1)))


#: Reasons only receiving and FEFO give; tests/core/test_receiving.py reaches each of them.
RECEIVING_REASONS = frozenset(
    {
        "fefo",
        "received",
        "no_reference",
        "no_quantity",
        "reference_set",
        "mode_set",
        "wrong_mode",
        "internal_lot",
        "missing_kde",
    }
)

#: Reasons of weighing; tests/scales/test_weighing_engine.py reaches each of them.
WEIGHING_REASONS = frozenset(
    {
        "weighing_pending",
        "weighed",
        "out_of_tolerance",
        "stale_weight",
        "same_load",
        "weighing_skipped",
        "scale_action",
        "no_weighing",
        "no_scale",
    }
)

#: Reasons only a request's error reply gives (never a scan's decision), each tested where the
#: request is: not_found and no_printer here and in test_engine_holds / test_receiving,
#: unknown_vendor in test_holds, bad_request, bad_json and internal in
#: tests/publish/test_config_topics_commands.py.
REQUEST_ERRORS = frozenset(
    {"not_found", "no_printer", "unknown_vendor", "bad_request", "bad_json", "internal"}
    | {"not_allowed", "unsigned", "bad_signature"}  # MQTT commands refused (issue 21)
)


class Line:
    """An engine with a hand-driven clock; `scan` returns the decision's reason."""

    def __init__(self, config_path: Path) -> None:
        self.config = load_config(config_path)
        self.conn = open_state(self.config.state_dir)
        self.now = T0
        self.engine = Engine(self.config, self.conn, clock=lambda: self.now)

    def do(self, request: object) -> Reply:
        return self.engine.handle(request)  # type: ignore[arg-type]

    def command(self, op: str, **args: object) -> Reply:
        """An operation as the control socket (or, `remote`, MQTT) sends it."""
        remote = bool(args.pop("remote", False))
        return self.do(request_from_json(op, args, remote=remote))

    def decide(self, text: str, *, dry_run: bool = False) -> dict:
        """The decision on a scan of `text`: outcome, reason, message, parsed."""
        reply = self.do(ScanRequest(RawScan(text.encode(), "test", received_at=self.now), dry_run))
        assert reply.ok, reply
        return reply.data

    def scan(self, text: str, *, dry_run: bool = False) -> str:
        return self.decide(text, dry_run=dry_run)["reason"]

    def tick(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def rows(self, table: str) -> int:
        return repo.count(self.conn, table)


@pytest.fixture
def line(config_path: Path) -> Line:
    return Line(config_path)


def test_every_request_type_has_a_handler():
    assert set(HANDLERS) | {Once} == set(get_args(Request))


def test_batch_workflow_assigns_lot_and_queues_event(line: Line):
    assert line.do(StartBatch("BREAD", Decimal(100), "Ann")).ok
    assert line.scan(FLOUR) == "accepted"
    line.tick(10)
    assert line.scan("YST-A12-20290101") == "accepted"
    reply = line.do(EndBatch(Decimal(96)))
    assert reply.ok
    assert reply.data["batch"]["lot"] == "26329L10001"
    topics = [t for (t,) in line.conn.execute("SELECT topic FROM outbox ORDER BY seq")]
    assert topics == ["ops", "events", "events", "events"]
    output = json.loads(
        line.conn.execute("SELECT payload FROM outbox ORDER BY seq DESC").fetchone()[0]
    )
    assert output["outputQuantityList"][0]["quantity"] == 96
    assert output["ilmd"]["cbvmda:itemExpirationDate"] == "2026-12-02"


def test_every_reason_code_is_reachable(line: Line):
    """Drive the line through each outcome; the set of reasons seen must be all of them."""
    seen = set()
    seen.add(line.scan(FLOUR))  # no open batch
    seen.add(line.scan("#LE:END"))  # END without a quantity
    seen.add(line.scan("#LE:START:PIZZA"))  # unknown product
    seen.add(line.scan("#LE:START:BREAD:50"))  # batch started
    seen.add(line.scan("#LE:START:BREAD"))  # already open
    seen.add(line.scan("#LE:DANCE"))  # unknown command
    seen.add(line.scan("hello"))  # unreadable
    seen.add(line.scan("]C1010950110153000410L1"))  # bad check digit
    seen.add(line.scan("9501101530003"))  # a bare EAN: no lot
    seen.add(line.scan("]C1010400638133393110L1"))  # unknown material
    seen.add(line.scan("010950110153000310L117490131"))  # a glued field: missing separator
    seen.add(line.scan("010950110153000310L1<GS>17490131"))  # a separator sent as text
    seen.add(line.scan("00095011015300000003"))  # a pallet label (SSCC)
    seen.add(line.scan(SUGAR))  # not in BOM
    seen.add(line.scan("YST-OLD-20200101"))  # expired
    line.command("hold.add", material="YEAST", lot="BAD1", reason="salmonella suspicion")
    seen.add(line.scan("YST-BAD1-20290101"))  # on hold
    seen.add(line.scan(FLOUR))  # accepted
    line.tick(1)
    seen.add(line.scan(FLOUR))  # double read
    seen.add(line.scan("#LE:AGAIN"))  # repeat armed
    seen.add(line.scan("#LE:END:0"))  # invalid quantity
    seen.add(line.scan("#LE:END:40"))  # ended
    seen.add(line.scan("#LE:START:CAKE"))
    seen.add(line.scan("#LE:CANCEL"))  # cancelled
    # NOT_RECORDED (failed commit), LOT_SEQUENCE_EXHAUSTED and LABEL_ERROR: tests of their own;
    # receiving and FEFO: tests/core/test_receiving.py; request errors: REQUEST_ERRORS;
    # weighing: tests/scales/test_weighing_engine.py; the dock: tests/shipping/test_packing.py.
    elsewhere = {
        *("not_recorded", "lot_sequence_exhausted", "label_error"),
        *RECEIVING_REASONS,
        *SHIPPING_REASONS,
        *REQUEST_ERRORS,
        *WEIGHING_REASONS,
    }
    expected = {r.value for r in Reason} - elsewhere
    assert seen == expected


def test_again_allows_a_second_container_of_the_same_lot(line: Line):
    line.do(StartBatch("BREAD"))
    assert line.scan(FLOUR) == "accepted"
    line.tick(0.5)
    assert line.scan(FLOUR) == "double_read"
    assert line.scan("#LE:AGAIN") == "repeat_armed"
    assert line.scan(FLOUR) == "accepted"
    line.tick(0.5)
    assert line.scan(FLOUR) == "double_read"  # armed for one container only
    line.tick(5)
    assert line.scan(FLOUR) == "accepted"  # outside the debounce window
    status = line.do(Status(consumptions=True)).data
    assert len(status["consumptions"]) == 3
    (consumed,) = status["consumed"]  # the sums, without the containers unless asked for
    assert (consumed["lot"], consumed["containers"]) == ("25ABC", 3)
    assert "consumptions" not in line.do(Status()).data


def test_every_scan_is_audited_and_rejections_published(line: Line):
    line.scan("garbage")
    line.do(StartBatch("BREAD"))
    line.scan(SUGAR)
    line.scan(FLOUR)
    outcomes = [r for (r,) in line.conn.execute("SELECT reason FROM scans ORDER BY id")]
    assert outcomes == ["unreadable", "not_in_bom", "accepted"]
    rejected = [
        (json.loads(p), event_id)
        for (p, event_id) in line.conn.execute(
            "SELECT payload, event_id FROM outbox WHERE topic = 'rejections'"
        )
    ]
    assert [r["reason"] for r, _ in rejected] == ["unreadable", "not_in_bom"]
    assert all(r["eventID"] == event_id for r, event_id in rejected)  # the store dedupes by it
    not_in_bom = rejected[1][0]  # what the store's vendor report needs to name the lot
    assert [not_in_bom[k] for k in ("material", "vendor", "gtin", "lot")] == [
        "SUGAR",
        "Sweet & Co",
        "09501101530010",
        "25XYZ",
    ]


def test_dry_run_changes_nothing(line: Line):
    line.do(StartBatch("BREAD"))
    before = (line.rows("scans"), line.rows("consumptions"), line.rows("outbox"))
    assert line.scan(FLOUR, dry_run=True) == "accepted"
    assert line.scan("#LE:END:10", dry_run=True) == "accepted"
    assert (line.rows("scans"), line.rows("consumptions"), line.rows("outbox")) == before
    assert line.do(Status()).data["batch"]["status"] == "open"


def test_open_batch_survives_restart(config_path: Path):
    first = Line(config_path)
    first.do(StartBatch("BREAD", operator="Bob"))
    first.scan(FLOUR)
    first.conn.close()
    second = Line(config_path)
    status = second.do(Status()).data
    assert status["batch"]["product"] == "BREAD"
    assert [c["lot"] for c in status["consumed"]] == ["25ABC"]


def test_expiry_from_production_date_and_shelf_life(line: Line):
    line.do(StartBatch("BREAD"))
    # FLOUR has shelf_life_days = 270: produced 2026-01-01 -> expires 2026-09-28 (< 2026-11-25)
    assert line.scan("0109501101530003112601011099") == "expired"
    assert line.scan("0109501101530003112606011099") == "accepted"


def test_hold_list(line: Line):
    line.do(StartBatch("BREAD"))
    line.command("hold.add", material="*", lot="25ABC", reason="recall R-17")
    assert line.scan(FLOUR) == "on_hold"
    assert line.command("hold.remove", material="*", lot="25ABC").ok
    assert line.scan(FLOUR) == "accepted"
    assert line.command("hold.remove", material="*", lot="25ABC").code == "not_found"
    typo = line.command("hold.add", material="FLOR", lot="25ABC", reason="recall R-18")
    assert (typo.ok, typo.code) == (False, "unknown_material")
    assert "did you mean 'FLOUR'?" in typo.error


def test_alert_stays_open_until_acknowledged_once(line: Line):
    assert line.do(PrinterHealth("line", ("paper_out",), None, line.now.timestamp())).ok
    (alert,) = line.do(Status()).data["alerts"]
    alert_id = alert["id"]
    assert (alert["kind"], alert["details"]) == (
        "printer_fault",
        {"printer": "line", "faults": ["paper_out"]},
    )
    acked = line.do(AlertAck(alert_id, "Ann"))
    assert acked.ok and acked.data["message"] == f"Alert {alert_id} acknowledged."
    assert line.do(Status()).data["alerts"] == []
    again = line.do(AlertAck(alert_id, "Ann"))
    assert (again.ok, again.code) == (False, "not_found")
    rows = line.conn.execute("SELECT event_id, payload FROM outbox WHERE topic = 'alerts'")
    published = [(event_id, json.loads(p)) for event_id, p in rows]
    assert [(m["type"], m["id"]) for _, m in published] == [
        ("printer_fault", alert_id),
        ("alert_acknowledged", alert_id),
    ]
    assert published[1][1]["by"] == "Ann"
    # each message carries the eventID its outbox row is sent (and resent) with
    assert all(m["eventID"] == event_id for event_id, m in published)
    assert len({event_id for event_id, _ in published}) == 2
    assert all(event_id.startswith("urn:uuid:") for event_id, _ in published)


def test_lot_sequence_exhausted_keeps_batch_open(config_path: Path):
    from tests.conftest import write_config

    path = write_config(
        config_path.parent,
        replace={'"{yy}{julian}{line}{seq:4}"': '"{yy}{julian}{line}{seq:1}"'},
    )
    line = Line(path)
    for _ in range(9):
        line.do(StartBatch("BREAD"))
        assert line.do(EndBatch(Decimal(1))).ok
    line.do(StartBatch("BREAD"))
    reply = line.do(EndBatch(Decimal(1)))
    assert reply.code == "lot_sequence_exhausted"
    assert line.do(Status()).data["batch"]["status"] == "open"


def test_failed_commit_is_not_acknowledged(line: Line):
    line.do(StartBatch("BREAD"))
    line.conn.execute(
        "CREATE TRIGGER fail BEFORE INSERT ON consumptions BEGIN"
        " SELECT RAISE(ABORT, 'disk full'); END"
    )
    reply = line.do(ScanRequest(RawScan(FLOUR.encode(), "t", received_at=line.now)))
    assert (reply.ok, reply.code) == (False, "not_recorded")
    assert "disk full" not in reply.error  # internal text stays in the log (issue 21)
    assert reply.error == "not recorded: the agent failed to apply it; its log says why"
    assert line.rows("scans") == 0  # the audit row rolled back with it


def test_reprint_and_cancel_errors(line: Line):
    assert line.do(Reprint("NOPE")).code == "not_found"
    assert line.do(StartBatch("BREAD")).ok
    lot = line.do(EndBatch(Decimal(1))).data["batch"]["lot"]
    assert line.do(Reprint(lot)).code == "no_printer"  # the example config has no printer
    assert line.do(CancelBatch()).code == "no_open_batch"
    assert line.do(EndBatch(Decimal(1))).code == "no_open_batch"


def test_a_fraction_of_a_counted_product_refuses_the_batch_end(tmp_path: Path):
    from lotedge.printers.service import renderer_for
    from tests.conftest import write_config

    path = write_config(tmp_path, extra=f'[printer]\nurl = "dir://{tmp_path}/spool"\n')
    line = Line(path)
    line.engine = Engine(line.config, line.conn, render_label=renderer_for(line.config).render)
    line.do(StartBatch("BREAD"))
    reply = line.do(EndBatch(Decimal("12.5")))  # BREAD is counted in pieces (H87, AI 30)
    assert reply.code == "invalid_quantity"  # refused before any label (issue 21's bounds)
    assert "must be whole pieces (unit H87), got 12.5" in reply.error
    assert line.do(Status()).data["batch"]["status"] == "open"
    assert line.rows("issued_lots") == 0 and line.rows("print_jobs") == 0
    ended = line.do(EndBatch(Decimal(12)))
    assert ended.ok and ended.data["print_job"] == 1


def test_double_read_is_per_batch(line: Line):
    line.do(StartBatch("BREAD"))
    assert line.scan(FLOUR) == "accepted"
    line.do(EndBatch(Decimal(10)))
    line.do(StartBatch("CAKE"))
    line.tick(0.5)
    assert line.scan(FLOUR) == "accepted"  # the rest of the sack goes into the next batch


def test_command_scans_are_audited_with_their_batch(line: Line):
    assert line.scan("#LE:START:BREAD") == "batch_started"
    assert line.scan("#LE:END:5") == "batch_ended"
    assert line.scan("#LE:END:5") == "no_open_batch"
    rows = line.conn.execute("SELECT reason, batch_id FROM scans ORDER BY id").fetchall()
    batch_id = line.conn.execute("SELECT id FROM batches").fetchone()[0]
    assert rows == [("batch_started", batch_id), ("batch_ended", batch_id), ("no_open_batch", None)]


def test_nested_transaction_failure_undoes_only_the_inner_block(line: Line):

    with transaction(line.conn):
        line.conn.execute("INSERT INTO flags (name, value) VALUES ('outer', '1')")
        with pytest.raises(RuntimeError), transaction(line.conn):
            line.conn.execute("INSERT INTO flags (name, value) VALUES ('inner', '1')")
            raise RuntimeError("refused")
    assert line.conn.execute("SELECT name FROM flags").fetchall() == [("outer",)]


def test_expiry_from_receipt_date_and_shelf_life(tmp_path: Path):
    from tests.conftest import write_config

    path = write_config(
        tmp_path,
        replace={
            "-(?P<expiry>\\d{8})$'": "-R(?P<received>\\d{8})$'\nshelf_life_days = 30",
        },
    )
    line = Line(path)
    line.do(StartBatch("BREAD"))
    assert line.scan("YST-A1-R20261001") == "expired"  # received 1 Oct + 30 days < 25 Nov
    assert line.scan("YST-A2-R20261101") == "accepted"


def test_a_retried_remote_command_runs_once(line: Line):
    from lotedge.publish.commands import handle

    def command(name: str, body: str) -> dict:
        return handle(name, body.encode(), line.engine.handle)

    assert command("batch.start", '{"product": "BREAD", "transaction": 7}')["status"] == "ok"
    retried = command("batch.start", '{"product": "BREAD", "transaction": 7}')
    assert (retried["status"], retried["transaction"]) == ("ok", 7)  # the stored answer
    assert command("batch.start", '{"product": "BREAD", "transaction": 8}')["code"] == (
        "batch_already_open"
    )
    ended = command("batch.end", '{"qty": 3, "transaction": "e1"}')
    assert ended == command("batch.end", '{"qty": 3, "transaction": "e1"}')
    assert line.rows("issued_lots") == 1  # the retried end issued no second lot
    lot = ended["data"]["batch"]["lot"]
    reprint = json.dumps({"lot": lot, "copies": 1, "transaction": "r1"})
    assert command("label.reprint", reprint) == command("label.reprint", reprint)
    assert line.rows("command_log") == 4
