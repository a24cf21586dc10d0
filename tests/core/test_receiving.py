"""Receiving and FEFO through the engine on a real SQLite state: receipts, their events and
rejections in the outbox, internal lots, the open-lot list, and FEFO at the line."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from lotedge.agent.engine import Engine
from lotedge.agent.requests import (
    LotsClose,
    LotsList,
    LotsOpen,
    ReceiveUnlabelled,
    Reprint,
    SetMode,
    SetReference,
    StartBatch,
    Status,
)
from lotedge.config.loader import load_config
from lotedge.core.epcis_models import ObjectEvent
from lotedge.printers.service import renderer_for
from lotedge.state.db import connect, migrate
from tests.conftest import write_config
from tests.core.test_engine import RECEIVING_REASONS, Line

#: FLOUR (GTIN ...0003) lots with their expiry; 25 kg each (the material's default quantity).
OLD = "]C1010950110153000317481231" + "10OLD"  # expires 2048-12-31
NEW = "]C1010950110153000317490331" + "10NEW"  # expires 2049-03-31
SALT = """
[[materials]]
code = "SALT"
name = "Sea salt"
vendor = "Salinas"
uom = "KGM"
vendor_pattern = '^SLT-(?P<lot>[A-Z0-9]+)$'
"""
GS = "\x1d"
FEFO_REJECT = {'command_prefix = "#LE:"': 'command_prefix = "#LE:"\nfefo = "reject"'}
PRINTER = '[printer]\nurl = "dir:///var/spool/lotedge"\n'  # never opened: no worker here


def line_in(directory: Path, *, extra: str = SALT, **kw: object) -> Line:
    directory.mkdir(exist_ok=True)
    return Line(write_config(directory, extra=extra, **kw))  # type: ignore[arg-type]


@pytest.fixture
def line(tmp_path: Path) -> Line:
    return line_in(tmp_path)


def outbox(line: Line, topic: str) -> list[dict]:
    rows = line.conn.execute("SELECT payload FROM outbox WHERE topic = ? ORDER BY seq", (topic,))
    return [json.loads(payload) for (payload,) in rows]


def receive(line: Line, *labels: str) -> list[str]:
    """Receiving mode, purchase order PO-4711, then each label 10 s apart."""
    reasons = [line.scan("#LE:RECEIVE"), line.scan("#LE:REF:PO-4711")]
    for label in labels:
        reasons.append(line.scan(label))
        line.tick(10)
    return reasons


def test_every_receiving_reason_is_reachable(tmp_path: Path):
    line = line_in(tmp_path / "line", replace=FEFO_REJECT)
    seen = {line.scan("#LE:RECEIVE"), line.scan(OLD)}  # mode set; no reference
    seen |= {line.scan("#LE:REF:PO-1"), line.scan("SLT-A1")}  # reference set; no quantity
    seen.add(line.scan(OLD))  # received
    ours = line.do(ReceiveUnlabelled("SALT", Decimal(1))).data["lot"]
    seen.add(line.scan(f"]C191SALT{GS}10{ours}"))  # our own receiving label: internal lot
    line.scan("#LE:PRODUCE")
    line.do(StartBatch("BREAD"))
    line.tick(10)
    seen.add(line.scan(NEW))  # fefo (reject)
    station = line_in(tmp_path / "station", extra='[receiving]\nrole = "receiving"\n')
    seen.add(station.do(SetMode("production")).code)  # a receiving station only receives
    fsma = line_in(tmp_path / "fsma", extra=SALT + "[compliance]\nfsma204 = true\n")
    seen.add(receive(fsma, OLD)[-1])  # no [[locations]]: a key data element would be empty
    assert seen == RECEIVING_REASONS


def test_labelled_receipt_records_lot_event_and_open_lot(line: Line):
    assert receive(line, OLD) == ["mode_set", "reference_set", "received"]
    row = line.conn.execute(
        "SELECT material, vendor, gtin, lot, internal, quantity, uom, expiry, reference_kind,"
        " reference FROM receipts"
    ).fetchone()
    assert row == (
        "FLOUR", "Northern Mills", "09501101530003", "OLD", 0, "25.0", "KGM", "2048-12-31",
        "po", "PO-4711",
    )  # fmt: skip
    (event,) = outbox(line, "events")
    ObjectEvent.model_validate(event)
    assert event["lotedge:vendorLot"] == "OLD" and "lotedge:internalLot" not in event
    assert event["quantityList"][0]["quantity"] == 25
    assert event["bizTransactionList"][0]["type"] == "po"
    assert event["ilmd"] == {"cbvmda:itemExpirationDate": "2048-12-31"}
    assert line.do(LotsList("FLOUR")).data["lots"] == [
        {
            "material": "FLOUR",
            "lot": "OLD",
            "expiry": "2048-12-31",
            "source": "received",
            "received_qty": "25.0",
            "uom": "KGM",
            "consumed_qty": "0",
            "remaining_qty": "25.0",
        }
    ]
    assert line.rows("consumptions") == 0  # a receipt is not a consumption


def test_receipt_needs_a_reference_and_rejections_say_receiving(line: Line):
    assert line.scan("#LE:RECEIVE") == "mode_set"
    reply = line.decide(OLD)
    assert reply["outcome"] == "rejected" and reply["reason"] == "no_reference"
    assert "scan the purchase order or delivery note first" in reply["message"]
    assert line.scan("]C1010400638133393110L1") == "unknown_material"
    assert line.scan("#LE:REF:PO-1") == "reference_set"
    assert line.scan("]C1010950110153000317200101" + "10GONE") == "expired"
    stages = [(r["reason"], r["stage"]) for r in outbox(line, "rejections")]
    assert stages == [
        ("no_reference", "receiving"),
        ("unknown_material", "receiving"),
        ("expired", "receiving"),
    ]
    assert line.rows("receipts") == 0 and outbox(line, "events") == []


def test_purchase_order_barcode_and_delivery_note(line: Line):
    assert line.scan("#LE:RECEIVE") == "mode_set"
    assert line.scan("]C1400PO-99") == "reference_set"  # GS1 AI 400 on the purchase order
    assert line.do(Status()).data["receipt_reference"] == {"type": "po", "number": "PO-99"}
    assert line.scan("#LE:DN:DN:77/1") == "reference_set"  # colons stay in the number
    assert line.scan(NEW) == "received"
    (event,) = outbox(line, "events")
    assert event["bizTransactionList"][0] == {
        "type": "desadv",
        "bizTransaction": "urn:epcglobal:cbv:bt:9521234000013:DN:77%2F1",
    }
    assert event["lotedge:receipt"] == "DN:77/1"


def test_quantity_from_label_and_expiry_from_shelf_life(line: Line):
    # FLOUR keeps 270 days; the label has a net weight (3101) and no expiry
    receive(line, "]C10109501101530003" + "3101000125" + "10NOEXP")
    (event,) = outbox(line, "events")
    assert (event["quantityList"][0]["quantity"], event["quantityList"][0]["uom"]) == (12.5, "KGM")
    assert event["ilmd"] == {"cbvmda:itemExpirationDate": "2027-08-22"}  # 2026-11-25 + 270


def test_double_read_at_receiving_is_ignored_and_again_counts_it(line: Line):
    receive(line)
    assert line.scan(OLD) == "received"
    line.tick(1)
    assert line.scan(OLD) == "double_read"
    assert line.scan("#LE:AGAIN") == "repeat_armed"
    assert line.scan(OLD) == "received"
    assert line.do(LotsList("FLOUR")).data["lots"][0]["received_qty"] == "50.0"


def test_mode_and_reference_survive_a_restart(line: Line):
    receive(line)
    again = Engine(line.config, line.conn)
    status = again.handle(Status()).data
    assert status["mode"] == "receiving"
    assert status["receipt_reference"] == {"type": "po", "number": "PO-4711"}
    assert line.scan("#LE:PRODUCE") == "mode_set"
    assert Engine(line.config, line.conn).handle(Status()).data["mode"] == "production"


def test_unlabelled_material_gets_an_internal_lot_and_a_label(tmp_path: Path):
    line = line_in(tmp_path, extra=SALT + PRINTER)
    line.engine = Engine(
        line.config,
        line.conn,
        render_label=renderer_for(line.config).render,
        clock=lambda: line.now,
    )
    refused = line.do(ReceiveUnlabelled("SALT", Decimal(10)))
    assert (refused.ok, refused.code) == (False, "no_reference")
    assert line.do(SetReference("DN-5", "desadv")).ok
    first = line.do(ReceiveUnlabelled("SALT", Decimal(10), date(2027, 6, 1)))
    second = line.do(ReceiveUnlabelled("YEAST", Decimal(2)))
    assert first.ok and second.ok, (first, second)
    assert (first.data["lot"], second.data["lot"]) == ("R263290001", "R263290002")
    assert first.data["reason"] == "received" and first.data["print_job"] is not None
    events = outbox(line, "events")
    assert [e["lotedge:internalLot"] for e in events] == ["R263290001", "R263290002"]
    assert all("lotedge:vendorLot" not in e for e in events)
    assert events[0]["quantityList"][0]["epcClass"] == "urn:lotedge:class:PLANT1:SALT:R263290001"
    payload = line.conn.execute("SELECT payload FROM print_jobs ORDER BY id").fetchone()[0]
    assert b"91SALT" in payload and b"R263290001" in payload and b"Sea salt" in payload
    issued = line.conn.execute(
        "SELECT i.lot, i.product FROM issued_lots i JOIN receipts r ON r.event_id = i.batch_id"
        " AND r.lot = i.lot AND r.internal ORDER BY i.lot"
    ).fetchall()
    assert issued == [("R263290001", "RECEIVING"), ("R263290002", "RECEIVING")]  # with receipts
    unknown = line.do(ReceiveUnlabelled("SLAT", Decimal(1)))
    assert unknown.code == "unknown_material" and "SALT" in unknown.error
    again = line.do(Reprint("R263290001", 2))  # e.g. after a print_uncertain alert
    assert again.ok, again
    reprint = line.conn.execute(
        "SELECT lot, copies, reprint, payload FROM print_jobs WHERE id = ?",
        (again.data["print_job"],),
    ).fetchone()
    assert reprint == ("R263290001", 2, 1, payload)
    assert line.do(Reprint("R26329XXXX")).code == "not_found"


def test_unlabelled_expired_or_without_quantity_is_refused(line: Line):
    receive(line)
    past = line.do(ReceiveUnlabelled("SALT", Decimal(1), date(2020, 1, 1)))
    assert (past.ok, past.code) == (False, "expired")
    zero = line.do(ReceiveUnlabelled("SALT", Decimal(0)))
    assert (zero.ok, zero.code) == (False, "no_quantity")
    assert line.rows("receipts") == 0 and line.rows("issued_lots") == 0


def test_fefo_warns_and_names_the_lot_to_use_first(line: Line):
    receive(line, OLD, NEW)
    line.scan("#LE:PRODUCE")
    assert line.do(StartBatch("BREAD")).ok
    reply = line.decide(NEW)
    assert reply["outcome"] == "accepted" and reply["reason"] == "accepted"
    assert reply["warning"] == {
        "code": "fefo",
        "message": "Use lot OLD first (expires 2048-12-31); this lot expires 2049-03-31.",
        "use_instead": "OLD",
    }
    stored = line.conn.execute("SELECT warning FROM scans ORDER BY id DESC").fetchone()[0]
    assert json.loads(stored)["use_instead"] == "OLD"
    line.tick(10)
    assert "warning" not in line.decide(OLD)  # the first to expire: no finding


def test_fefo_reject_and_holds_and_closing(tmp_path: Path):
    line = line_in(tmp_path, replace=FEFO_REJECT)
    receive(line, OLD, NEW)
    line.scan("#LE:PRODUCE")
    line.do(StartBatch("BREAD"))
    reply = line.decide(NEW)
    assert (reply["outcome"], reply["reason"]) == ("rejected", "fefo")
    assert "Use lot OLD first" in reply["message"]
    assert outbox(line, "rejections")[-1]["stage"] == "line"
    line.command("hold.add", material="FLOUR", lot="OLD", reason="mould")  # not one to use first
    line.tick(10)
    assert line.scan(NEW) == "accepted"
    line.tick(10)
    line.do(LotsClose("FLOUR", "NEW"))
    assert line.do(LotsClose("FLOUR", "NEW")).code == "not_found"


def test_received_lot_closes_when_its_quantity_is_consumed(line: Line):
    receive(line, OLD)
    line.scan("#LE:PRODUCE")
    line.do(StartBatch("BREAD"))
    assert line.scan(OLD) == "accepted"  # 25 kg of the 25 received
    assert line.do(LotsList("FLOUR")).data["lots"] == []


def test_only_consumptions_in_the_received_unit_count_against_the_lot(line: Line):
    """OLD is received as 25 kg; a scan that says 1 counted unit (AI 30) is not 1 kg of it."""
    receive(line, OLD)
    line.scan("#LE:PRODUCE")
    line.do(StartBatch("BREAD"))
    assert line.scan("]C1010950110153000317481231" + "301" + GS + "10OLD") == "accepted"
    (lot,) = line.do(LotsList("FLOUR")).data["lots"]
    assert (lot["lot"], lot["received_qty"], lot["uom"], lot["consumed_qty"]) == (
        "OLD", "25.0", "KGM", "0",
    )  # fmt: skip
    line.tick(10)
    assert line.scan("]C1010950110153000317481231" + "3101000240" + "10OLD") == "accepted"
    assert line.do(LotsList("FLOUR")).data["lots"][0]["consumed_qty"] == "24.0"
    line.tick(10)
    assert line.scan("]C1010950110153000317481231" + "3101000010" + "10OLD") == "accepted"
    assert line.do(LotsList("FLOUR")).data["lots"] == []  # 25 kg of 25 kg: closed


def test_a_lot_received_in_two_units_does_not_close_on_quantity(line: Line):
    receive(line, OLD, "]C1010950110153000317481231" + "305" + GS + "10OLD")
    (lot,) = line.do(LotsList("FLOUR")).data["lots"]
    assert (lot["received_qty"], lot["uom"]) == (None, "H87")  # 25 kg and 5 units: no total
    line.scan("#LE:PRODUCE")
    line.do(StartBatch("BREAD"))
    for _ in range(3):
        assert line.scan(OLD) == "accepted"  # 3 × 25 kg
        line.tick(10)
    assert [lot["lot"] for lot in line.do(LotsList("FLOUR")).data["lots"]] == ["OLD"]
    assert line.do(LotsClose("FLOUR", "OLD")).ok  # closed by hand


def test_the_upgrade_gives_open_lots_the_unit_of_their_receipts(tmp_path: Path):
    """A state made before migration 8: its open lot gets its receipt's unit, and a lot received
    in two units loses its total."""
    config = write_config(tmp_path)
    state_dir = load_config(config).state_dir
    state_dir.mkdir()
    old = connect(state_dir / "state.db")
    migrate(old, upto=7)
    for n, (lot, uom) in enumerate((("OLD", "KGM"), ("MIX", "KGM"), ("MIX", "H87"))):
        old.execute(
            "INSERT INTO receipts (received_at, material, vendor, lot, internal, quantity, uom,"
            " reference_kind, reference, event_id) VALUES"
            " ('2026-11-20T10:00:00+01:00', 'FLOUR', 'Northern Mills', ?, 0, '25', ?, 'po',"
            " 'PO-1', ?)",
            (lot, uom, f"urn:uuid:{n}"),
        )
    old.executemany(
        "INSERT INTO open_lots (material, lot, expiry, source, received_qty, updated_at)"
        " VALUES ('FLOUR', ?, '2048-12-31', 'received', ?, '2026-11-20T10:00:00+01:00')",
        [("OLD", "25"), ("MIX", "50")],
    )
    old.close()
    line = Line(config)
    listed = {lot["lot"]: lot for lot in line.do(LotsList("FLOUR")).data["lots"]}
    assert {lot: (e["received_qty"], e["uom"]) for lot, e in listed.items()} == {
        "OLD": ("25", "KGM"),
        "MIX": (None, "H87"),
    }
    line.do(StartBatch("BREAD"))
    assert line.scan(OLD) == "accepted"  # 25 kg (the default quantity) of 25 kg
    assert [lot["lot"] for lot in line.do(LotsList("FLOUR")).data["lots"]] == ["MIX"]


def test_lots_pushed_by_the_store_drive_fefo(line: Line):
    lots = (("S1", date(2048, 12, 1)), ("S2", date(2049, 1, 1)))
    assert line.do(LotsOpen("FLOUR", lots)).ok
    line.do(StartBatch("BREAD"))
    assert line.decide(OLD)["warning"]["use_instead"] == "S1"
    line.tick(10)
    assert line.do(LotsOpen("FLOUR", (("S2", date(2049, 1, 1)),), replace=True)).ok
    listed = [lot["lot"] for lot in line.do(LotsList("FLOUR")).data["lots"]]
    assert listed == ["S2"]  # S1 closed by the replace
    assert "warning" not in line.decide("]C1010950110153000317481231" + "10OLD2")
    typo = line.do(LotsOpen("FLUOR", lots))
    assert (typo.ok, typo.code) == (False, "unknown_material") and "FLOUR" in typo.error
    listing = line.do(LotsList("FLUOR"))  # no lots can be open for it
    assert (listing.ok, listing.code) == (False, "unknown_material")


def test_parse_in_receiving_mode_judges_without_writing(line: Line):
    line.scan("#LE:RECEIVE")
    label = "]C10109501101530003" + "3020" + "\x1d400PO-7\x1d" + "10L7"  # the PO on the label
    dry = line.decide(label, dry_run=True)
    assert (dry["outcome"], dry["reason"]) == ("received", "received")
    assert dry["message"] == (
        "Received Wheat flour T55 lot L7: 20 H87, expires 2027-08-22 (purchase order PO-7)."
    )
    assert line.rows("receipts") == 0 and line.do(Status()).data["receipt_reference"] is None
    assert line.scan(label) == "received"
    assert line.do(Status()).data["receipt_reference"] == {"type": "po", "number": "PO-7"}
