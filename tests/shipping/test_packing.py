"""Packing and dispatch at the dock, on the engine with a hand-driven clock: pallets, cases,
refusals with their reasons, the events (valid against GS1's schema) and holds at the dock."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from lotedge.agent.requests import PalletOpen
from lotedge.core.sscc import SsccScheme
from lotedge.state.db import transaction
from lotedge.state.shipping import allocate_sscc
from tests import epcis_schema
from tests.conftest import write_config
from tests.core.test_engine import T0, Line
from tests.shipping.helpers import BREAD_GTIN, CAKE_GTIN, case_label, events, pallet_label
from tests.shipping.reasons import SHIPPING_REASONS

SHOPCO_PARTY = "urn:epc:id:pgln:952098.700001"
SHOPCO_PLACE = "urn:epc:id:sgln:952098.700001.0"


@pytest.fixture
def dock(config_path: Path) -> Line:
    line = Line(config_path)
    assert line.scan("#LE:SHIP") == "mode_set"
    return line


def _reason(reply) -> str:
    return reply.data["reason"] if reply.ok else reply.code


def _packed(dock: Line, text: str) -> dict:
    dock.tick(5)  # past the double-read window
    return dock.decide(text)


def _assert_valid(*found: dict) -> None:
    checker = epcis_schema.validator()  # skips without GS1's schema
    for event in found:
        assert epcis_schema.errors(checker, event) == [], event


def test_cases_pack_and_close_emits_the_aggregation_event(dock: Line):
    opened = dock.command("pallet.open", customer="SHOPCO")
    sscc = opened.data["sscc"]
    assert _packed(dock, case_label("26329L10001"))["reason"] == "cases_added"
    assert _packed(dock, case_label("26329L10001"))["outcome"] == "packed"
    qty = dock.decide("#LE:QTY:3")
    assert (qty["outcome"], qty["reason"]) == ("command", "cases_added"), qty
    assert "it holds 5 case(s)" in qty["message"]
    weighed = _packed(dock, case_label("C202611-000017", gtin=CAKE_GTIN, extra="3102001250"))
    assert weighed["reason"] == "cases_added", weighed
    closed = dock.decide("#LE:CLOSE")
    assert closed["reason"] == "pallet_closed", closed
    (event,) = events(dock.conn, "AggregationEvent")
    assert event["parentID"] == f"urn:epc:id:sscc:9520123.{sscc[0]}{sscc[8:17]}"
    assert (event["action"], event["bizStep"], event["disposition"]) == (
        "ADD",
        "packing",
        "container_closed",
    )
    assert event["childQuantityList"] == [
        {"epcClass": "urn:epc:class:lgtin:950110153.0010.26329L10001", "quantity": 5},
        {
            "epcClass": "urn:epc:class:lgtin:950110153.0011.C202611-000017",
            "quantity": 12.5,
            "uom": "KGM",
        },
    ]
    assert event["lotedge:customer"] == "SHOPCO"
    _assert_valid(event)
    status = dock.command("status").data
    assert status["pallet"] is None and status["mode"] == "shipping"


def test_a_case_is_refused_with_a_reason_and_nothing_is_added(dock: Line):
    assert dock.scan(case_label("A1")) == "no_open_pallet"
    sscc = dock.command("pallet.open").data["sscc"]
    refusals = {
        "]C10109501101530003172701311025ABC": "vendor_label",  # FLOUR's label
        "YST-A12-20290101": "vendor_label",
        case_label("A1", gtin="04006381333931"): "not_our_product",
        f"]C101{BREAD_GTIN}17491231": "no_lot",
        case_label("OLD", expiry="261101"): "expired",
        f"]C102{BREAD_GTIN}3712\x1d10X9": "cases_added",  # a contents label: 12 cases
        f"]C102{BREAD_GTIN}10X9": "invalid_quantity",  # no count (37)
        "hello": "unreadable",
    }
    dock.command("hold.add", material="*", lot="BAD7", reason="metal found", hold_id="Q-9")
    refusals[case_label("BAD7")] = "on_hold"
    for text, reason in refusals.items():
        assert _packed(dock, text)["reason"] == reason, text
    held = _packed(dock, case_label("BAD7"))
    assert "metal found (hold Q-9)" in held["message"]
    assert dock.scan(case_label("BAD7".replace("7", "8"))) == "cases_added"
    assert dock.scan(case_label("BAD8")) == "double_read"  # within the window
    assert dock.scan("#LE:AGAIN") == "repeat_armed"
    assert dock.scan(case_label("BAD8")) == "cases_added"
    contents = dock.command("status").data["pallet"]["contents"]
    assert [(c["lot"], c["cases"]) for c in contents] == [("X9", 12), ("BAD8", 2)]
    assert dock.command("pallet.unpack", sscc=sscc).data["reason"] == "pallet_unpacked"
    assert events(dock.conn) == []  # an open pallet unpacked: nothing was announced


def test_dispatch_by_scans_and_void_emit_the_shipping_events(dock: Line):
    first = dock.command("pallet.open", customer="SHOPCO").data["sscc"]
    dock.scan(case_label("L1"))
    dock.scan("#LE:CLOSE")
    assert dock.scan(pallet_label(first)) == "no_ship_to"
    assert dock.scan("]C14109520555000016") == "unknown_customer"  # no customer has this GLN
    assert dock.scan("]C14109520987000011") == "ship_to_set"  # SHOPCO's (410)
    shipped = dock.decide(pallet_label(first))
    assert (shipped["outcome"], shipped["reason"]) == ("shipped", "shipped"), shipped
    assert dock.scan(pallet_label(first)) == "pallet_state"  # shipped already
    (ship,) = events(dock.conn, "ObjectEvent")
    assert ship["epcList"] == [f"urn:epc:id:sscc:9520123.{first[0]}{first[8:17]}"]
    assert (ship["action"], ship["bizStep"], ship["disposition"]) == (
        "OBSERVE",
        "shipping",
        "in_transit",
    )
    assert ship["sourceList"] == [
        {"type": "owning_party", "source": "urn:epc:id:pgln:952012.345000"},
        {"type": "location", "source": "urn:epc:id:sgln:952012.345000.0"},
    ]
    assert ship["destinationList"] == [
        {"type": "owning_party", "destination": SHOPCO_PARTY},
        {"type": "location", "destination": SHOPCO_PLACE},
    ]
    assert "bizTransactionList" not in ship
    voided = dock.command("ship.void", sscc=first)
    assert voided.data["reason"] == "shipment_voided", voided
    void = events(dock.conn, "ObjectEvent")[-1]
    assert (void["bizStep"], void["epcList"]) == ("void_shipping", ship["epcList"])
    assert void["destinationList"] == ship["destinationList"]
    again = dock.command(
        "ship", ssccs=[first], customer="CORNER", po="PO 7/1", desadv="D1", bol="B1"
    )
    assert again.data["reason"] == "shipped", again
    corner = events(dock.conn, "ObjectEvent")[-1]
    own = "urn:lotedge:customer:CORNER"
    assert corner["destinationList"] == [
        {"type": "owning_party", "destination": own},
        {"type": "location", "destination": own},
    ]
    assert corner["bizTransactionList"] == [
        {"type": "po", "bizTransaction": "urn:lotedge:bt:PLANT1:po:PO%207%2F1"},
        {"type": "desadv", "bizTransaction": "urn:epcglobal:cbv:bt:9520123450007:D1"},
        {"type": "bol", "bizTransaction": "urn:epcglobal:cbv:bt:9520123450007:B1"},
    ]
    assert corner["lotedge:customer"] == "CORNER"
    _assert_valid(*events(dock.conn))


def test_a_hold_that_arrives_after_close_stops_the_pallet_at_the_dock(dock: Line):
    sscc = dock.command("pallet.open").data["sscc"]
    dock.scan(case_label("OK1"))
    dock.tick(5)
    dock.scan(case_label("LATE1"))
    assert dock.scan("#LE:CLOSE") == "pallet_closed"
    dock.command("hold.add", material="*", lot="LATE1", reason="flour recall", hold_id="R-14")
    refused = dock.command("ship", ssccs=[sscc], customer="SHOPCO")
    assert refused.code == "on_hold", refused
    assert "lot LATE1 is on hold: flour recall (hold R-14)" in refused.error
    assert dock.scan("#LE:TO:SHOPCO") == "ship_to_set"
    scanned = dock.decide(pallet_label(sscc))
    assert (scanned["outcome"], scanned["reason"]) == ("rejected", "on_hold")
    assert events(dock.conn, "ObjectEvent") == []
    dock.command("hold.remove", hold_id="R-14")
    assert dock.command("ship", ssccs=[sscc], customer="SHOPCO").data["reason"] == "shipped"


def test_unpack_of_a_closed_pallet_emits_the_delete_aggregation(dock: Line):
    sscc = dock.command("pallet.open").data["sscc"]
    dock.scan(case_label("U1"))
    dock.scan("#LE:CLOSE")
    reply = dock.command("pallet.unpack", sscc=sscc)
    assert reply.data["reason"] == "pallet_unpacked"
    added, deleted = events(dock.conn, "AggregationEvent")
    assert (deleted["action"], deleted["bizStep"], deleted["disposition"]) == (
        "DELETE",
        "unpacking",
        "container_open",
    )
    assert deleted["parentID"] == added["parentID"]
    assert deleted["childQuantityList"] == added["childQuantityList"]
    _assert_valid(added, deleted)
    assert dock.command("ship", ssccs=[sscc], customer="SHOPCO").code == "pallet_state"
    assert dock.command("pallet.unpack", sscc=sscc).code == "pallet_state"


def test_every_shipping_reason_is_reachable(dock: Line, tmp_path: Path):
    seen = {_reason(dock.command("pallet.open", customer="NOBODY"))}
    seen.add(dock.scan(case_label("R1")))  # no open pallet
    seen.add(dock.scan("#LE:CLOSE"))  # no open pallet
    opened = dock.command("pallet.open", customer="SHOPCO")
    seen.add(_reason(opened))
    sscc = opened.data["sscc"]
    seen.add(_reason(dock.do(PalletOpen())))  # already open
    seen.add(dock.scan("#LE:CLOSE"))  # empty
    seen.add(dock.scan("#LE:QTY:2"))  # empty
    seen.add(_packed(dock, "]C10109501101530003172701311025ABC")["reason"])  # vendor label
    seen.add(_packed(dock, case_label("R1", gtin="04006381333931"))["reason"])  # not ours
    seen.add(_packed(dock, case_label("R2", expiry="261126"))["reason"])  # SHOPCO: 1 day left
    seen.add(_packed(dock, case_label("R1"))["reason"])  # cases added
    seen.add(dock.scan("#LE:CLOSE"))  # closed
    seen.add(dock.scan(pallet_label(sscc)))  # no ship-to
    seen.add(dock.scan("#LE:TO:SHOPCO"))  # ship-to set
    never = SsccScheme("9520123", 0).render(999_999_999)
    seen.add(dock.scan(pallet_label(never)))  # unknown pallet
    seen.add(dock.scan(pallet_label(sscc)))  # shipped
    seen.add(dock.scan(pallet_label(sscc)))  # state: shipped already
    seen.add(_reason(dock.command("ship.void", sscc=sscc)))  # voided
    seen.add(_reason(dock.command("pallet.unpack", sscc=sscc)))  # unpacked

    full = tmp_path / "full"
    full.mkdir()
    small = Line(write_config(full, replace={'"9520123"': '"952012345678"'}))
    assert small.config.shipping is not None
    scheme = small.config.shipping.sscc
    with transaction(small.conn):
        for _ in range(scheme.capacity):
            allocate_sscc(small.conn, scheme, pallet_id=str(uuid.uuid4()), now=T0)
    seen.add(_reason(small.do(PalletOpen())))

    off = tmp_path / "off"
    off.mkdir()
    path = write_config(off)
    text = path.read_text()
    path.write_text(text[: text.index("[shipping]")] + text[text.index("# Customers") :])
    seen.add(Line(path).scan("#LE:SHIP"))
    assert seen == SHIPPING_REASONS


def test_qty_takes_a_whole_number_of_cases_within_bounds(dock: Line):
    dock.command("pallet.open")
    dock.scan(case_label("Q1"))
    for text in ("#LE:QTY", "#LE:QTY:0", "#LE:QTY:10000", "#LE:QTY:1e3", "#LE:QTY:-2", "#LE:QTY:²"):
        assert dock.scan(text) == "invalid_quantity", text
    assert dock.command("pallet.qty", count=100_000).code == "invalid_quantity"
    assert _reason(dock.command("pallet.qty", count=9999)) == "cases_added"
    (line,) = dock.command("status").data["pallet"]["contents"]
    assert line["cases"] == 10_000
