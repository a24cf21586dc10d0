"""Forward and backward traces over the genealogy in genealogy_data.py (diamonds, rework cycle)."""

from __future__ import annotations

import pytest

from lotedge.store.ingest import Ingestor
from lotedge.store.query import AmbiguousLot, LotNotFound, TraceQueries

from .genealogy_data import D1, D1_LINK, bakery


@pytest.fixture
def queries(db) -> TraceQueries:
    messages = bakery()
    # Out of order and twice over, as at-least-once delivery from several lines may do.
    Ingestor(db).ingest(messages[::-1])
    Ingestor(db).ingest(messages)
    return TraceQueries(db)


def lots_by_depth(trace_json: dict) -> dict[str, int]:
    return {lot["lot"]: lot["depth"] for lot in trace_json["lots"]}


def test_forward_trace_is_the_recall_set(queries):
    trace = queries.trace(queries.resolve("F1"), "forward").to_json()
    assert lots_by_depth(trace) == {"F1": 0, "D1": 1, "D2": 1, "BR1": 2, "P1": 3}
    batches = {b["transformation_id"].rsplit(":", 1)[1]: b for b in trace["batches"]}
    assert sorted(batches) == ["B1", "B2", "B3", "B4", "B5", "B6"]
    assert batches["B6"]["outputs"] == [] and batches["B6"]["line"] == "L1"
    assert batches["B3"]["line"] == "L2" and batches["B3"]["depth"] == 1
    b1_inputs = {f["lot"]: (f["quantity"], f["uom"]) for f in batches["B1"]["inputs"]}
    assert b1_inputs == {"F1": (20.0, "KGM"), "S 1": (0.5, "KGM")}
    assert batches["B4"]["first_event"] < batches["B4"]["last_event"]


def test_backward_trace_reaches_vendor_lots_through_the_cycle(queries):
    trace = queries.trace(queries.resolve("BR1"), "backward").to_json()
    assert lots_by_depth(trace) == {"BR1": 0, "D1": 1, "D2": 1, "F1": 2, "S 1": 2, "Y1": 2, "P1": 2}
    vendors = {lot["lot"]: (lot["gtin"], lot["vendor"]) for lot in trace["lots"]}
    assert vendors["F1"] == ("00614141777778", "Mill Co")
    assert vendors["S 1"] == (None, "Salt AG")
    assert vendors["Y1"] == ("00614141999996", "Yeast BV")


def test_a_lot_in_a_cycle_terminates_and_comes_back_to_itself(queries):
    trace = queries.trace(queries.resolve("P1"), "forward")
    assert lots_by_depth(trace.to_json()) == {"P1": 0, "D1": 1, "BR1": 2}
    assert {b.uri.rsplit(":", 1)[1] for b in trace.batches.values()} == {"B5", "B3", "B4"}


def test_digital_link_and_urn_forms_are_one_lot(queries):
    assert queries.find_lots(D1_LINK) == queries.find_lots(D1) == queries.find_lots("D1")
    assert queries.find_lots("D1", gtin="10614141777775") == queries.find_lots("D1")


def test_ambiguous_lot_is_listed_not_guessed(queries):
    with pytest.raises(AmbiguousLot) as info:
        queries.resolve("1001")
    assert [c.gtin for c in info.value.candidates] == ["40614141777776", "50614141777773"]
    assert queries.resolve("1001", gtin="50614141777773").gtin == "50614141777773"
    with pytest.raises(LotNotFound, match="no lot 'nope'"):
        queries.resolve("nope")
    with pytest.raises(LotNotFound, match="not a valid GTIN"):
        queries.resolve("1001", gtin="123")
