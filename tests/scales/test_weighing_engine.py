"""The weighing workflow on the real engine and SQLite state, with weights submitted as the scale
service submits them: recorded quantities, the band, freshness, skips, totals, open lots and
the TransformationEvent."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from lotedge.agent.engine import Engine
from lotedge.agent.registry import Registry
from lotedge.agent.requests import (
    CancelBatch,
    EndBatch,
    Reply,
    ScaleAction,
    SkipWeighing,
    StartBatch,
    WeightReading,
)
from lotedge.config.loader import load_config
from lotedge.state.db import open_state
from tests.conftest import write_config
from tests.core.test_engine import FLOUR, T0, Line

FLOUR_2 = FLOUR.replace("25ABC", "25DEF")
WEIGHED = {'uom = "KGM"                  #': 'weighed = true\nuom = "KGM"  #'}
TARGET = {
    'bom = ["FLOUR", "YEAST"]     #': "targets.FLOUR = { quantity = 25, tolerance_pct = 2 }\n"
    'bom = ["FLOUR", "YEAST"]  #'
}
SCALE = '[[scales]]\nname = "bench"\nurl = "tcp://127.0.0.1:9"\n'


class WeighLine(Line):
    """A line whose FLOUR is weighed (target 25 kg +-2 %) on scale `bench`."""

    def __init__(self, tmp_path: Path, extra: str = "") -> None:
        path = write_config(tmp_path, extra=SCALE + extra, replace=WEIGHED | TARGET)
        self.config = load_config(path)
        self.conn = open_state(self.config.state_dir)
        self.now = T0
        self.registry = Registry()
        self.engine = Engine(self.config, self.conn, clock=lambda: self.now, registry=self.registry)

    def pending_id(self) -> int:
        row = self.conn.execute("SELECT id FROM weighings WHERE status = 'pending'").fetchone()
        assert row is not None, "no weighing is pending"
        return int(row[0])

    def weigh(self, value: str, unit: str = "KGM", **flags: bool) -> Reply:
        return self.do(WeightReading(self.pending_id(), Decimal(value), unit, "bench", **flags))

    def consumed(self) -> list[tuple]:
        return self.conn.execute(
            "SELECT material, lot, quantity, uom FROM consumptions ORDER BY id"
        ).fetchall()

    def events(self) -> list[dict]:
        rows = self.conn.execute("SELECT payload FROM outbox WHERE topic = 'events' ORDER BY seq")
        return [json.loads(payload) for (payload,) in rows]


@pytest.fixture
def line(tmp_path: Path) -> WeighLine:
    return WeighLine(tmp_path)


def test_a_weighed_scan_waits_for_its_weight_then_records_it(line: WeighLine):
    line.do(StartBatch("BREAD"))
    decision = line.decide(FLOUR)
    assert decision["reason"] == "accepted"
    assert decision["message"].endswith("Weigh it now: target 25 kg ±2 % (24.5–25.5 kg).")
    assert line.consumed() == [] and line.events() == []  # nothing before the weight
    reply = line.weigh("25.100")
    assert reply.ok and reply.data["reason"] == "weighed"
    assert reply.data["message"] == "FLOUR: 25.100 kg weighed, within 25 kg ±2 % (24.5–25.5 kg)."
    assert line.consumed() == [("FLOUR", "25ABC", "25.100", "KGM")]
    (event,) = line.events()
    assert event["type"] == "TransformationEvent"
    assert event["inputQuantityList"] == [
        {"epcClass": event["inputQuantityList"][0]["epcClass"], "quantity": 25.1, "uom": "KGM"}
    ]


def test_several_lots_add_up_and_the_batch_end_reports_the_total(line: WeighLine):
    line.do(StartBatch("BREAD"))
    line.scan(FLOUR)
    first = line.weigh("15.000")
    assert first.data["message"] == (
        "FLOUR: 15.000 kg weighed; at least 9.500 kg more to reach 25 kg ±2 % (24.5–25.5 kg)."
    )
    line.tick(5)
    assert line.scan(FLOUR_2) == "accepted"
    second = line.weigh("10.050")
    assert second.data["total"] == "25.050"
    ended = line.do(EndBatch(Decimal(40)))
    assert ended.data["message"].endswith("FLOUR 25.050 kg of 25 kg ±2 % (24.5–25.5 kg).")
    assert ended.data["weighed"] == [
        {"material": "FLOUR", "total": "25.050", "uom": "KGM", "target": "25", "low": "24.5",
         "high": "25.5", "side": "within"}
    ]  # fmt: skip


def test_a_short_total_is_reported_under_the_band(line: WeighLine):
    line.do(StartBatch("BREAD"))
    line.scan(FLOUR)
    line.weigh("20")
    ended = line.do(EndBatch(Decimal(40)))
    assert "FLOUR 20 kg of 25 kg ±2 % (24.5–25.5 kg), under the band." in ended.data["message"]


def test_one_weighing_at_a_time_and_no_batch_end_while_one_is_pending(line: WeighLine):
    line.do(StartBatch("BREAD"))
    line.scan(FLOUR)
    line.tick(5)
    refused = line.decide(FLOUR_2)
    assert (refused["outcome"], refused["reason"]) == ("rejected", "weighing_pending")
    assert "Weigh FLOUR lot 25ABC first" in refused["message"]
    ended = line.do(EndBatch(Decimal(40)))
    assert (ended.ok, ended.code) == (False, "weighing_pending")
    assert line.scan("YST-A12-20290101") == "accepted"  # unweighed materials go on


def test_over_the_band_warns_by_default_with_an_alert(line: WeighLine):
    line.do(StartBatch("BREAD"))
    line.scan(FLOUR)
    reply = line.weigh("26.1")
    assert reply.ok and reply.data["warning"]["code"] == "out_of_tolerance"
    message = "FLOUR: 26.1 kg is over the target 25 kg ±2 % (24.5–25.5 kg); take off 0.60 kg."
    assert reply.data["warning"]["message"] == message
    assert line.consumed() == [("FLOUR", "25ABC", "26.1", "KGM")]
    (alert,) = line.conn.execute("SELECT kind, message FROM alerts").fetchall()
    assert alert == ("weighing_out_of_tolerance", message)


def test_over_the_band_is_refused_when_configured(tmp_path: Path):
    line = WeighLine(tmp_path, extra='[weighing]\nout_of_tolerance = "refuse"\n')
    line.do(StartBatch("BREAD"))
    line.scan(FLOUR)
    refused = line.weigh("26.1")
    assert (refused.ok, refused.code) == (False, "out_of_tolerance")
    assert refused.error.startswith("Not recorded: FLOUR: 26.1 kg is over the target")
    assert line.consumed() == []
    assert line.weigh("25.2").data["reason"] == "weighed"  # still pending: weigh again


def test_a_weight_equal_to_the_previous_one_is_stale_or_the_same_load(line: WeighLine):
    line.do(StartBatch("BREAD"))
    line.scan(FLOUR)
    line.weigh("12.000")
    line.tick(5)
    line.scan(FLOUR_2)
    stale = line.weigh("12.000", load_changed=True)
    assert (stale.ok, stale.code) == (False, "stale_weight")
    same = line.weigh("12.000", load_changed=False)
    assert (same.ok, same.code) == (False, "same_load")
    assert "put the new load on" in same.error
    assert line.weigh("12.000", load_changed=True, confirmed=True).data["reason"] == "weighed"
    assert [row[2] for row in line.consumed()] == ["12.000", "12.000"]


def test_pounds_are_recorded_in_the_materials_unit(line: WeighLine):
    line.do(StartBatch("BREAD"))
    line.scan(FLOUR)
    reply = line.weigh("55.12", "LBR")
    assert reply.data["quantity"] == "25.002011" and reply.data["uom"] == "KGM"


def test_a_reading_for_another_weighing_is_not_recorded(line: WeighLine):
    line.do(StartBatch("BREAD"))
    line.scan(FLOUR)
    late = line.do(WeightReading(line.pending_id() + 1, Decimal(25), "KGM", "bench"))
    assert (late.ok, late.code) == (False, "no_weighing")


def test_skip_records_the_lot_without_a_quantity_and_the_reason(line: WeighLine):
    line.do(StartBatch("BREAD"))
    line.scan(FLOUR)
    assert line.do(SkipWeighing("   ")).code == "invalid_quantity"
    reply = line.scan("#LE:SKIP:scale broken")
    assert reply == "weighing_skipped"
    assert line.consumed() == [("FLOUR", "25ABC", None, None)]
    note = line.conn.execute("SELECT status, note FROM weighings").fetchone()
    assert note == ("skipped", "skipped: scale broken")
    assert line.do(SkipWeighing("again")).code == "no_weighing"


def test_cancelling_the_batch_cancels_its_weighing(line: WeighLine):
    line.do(StartBatch("BREAD"))
    line.scan(FLOUR)
    line.do(CancelBatch("wrong product"))
    assert line.conn.execute("SELECT status FROM weighings").fetchone() == ("cancelled",)


def test_scale_actions_go_to_the_scale_service_mailbox(line: WeighLine):
    assert line.scan("#LE:TARE") == "no_scale"  # no scale service is running
    posted: list[object] = []
    line.registry.mailbox("scale", posted.append)
    assert line.scan("#LE:TARE") == "scale_action"
    assert line.do(ScaleAction("reread")).data["message"] == "Scale: reread sent."
    assert posted == ["tare", "reread"]


def test_a_partly_used_lot_stays_open_with_its_remaining_quantity(line: WeighLine):
    line.scan("#LE:RECEIVE")
    line.scan("#LE:REF:PO-1")
    assert line.scan(FLOUR) == "received"  # 25 kg, the material's default quantity
    line.scan("#LE:PRODUCE")
    line.do(StartBatch("BREAD"))
    line.tick(10)
    line.scan(FLOUR)
    line.weigh("12.5")
    (lot,) = line.command("lots.list", material="FLOUR").data["lots"]
    assert (lot["lot"], lot["consumed_qty"], lot["remaining_qty"]) == ("25ABC", "12.5", "12.5")
    line.do(EndBatch(Decimal(20)))
    line.do(StartBatch("BREAD"))
    line.tick(10)
    line.scan(FLOUR)
    line.weigh("12.5", confirmed=True)  # the same weight again, confirmed by a re-read
    assert line.command("lots.list", material="FLOUR").data["lots"] == []  # used up
