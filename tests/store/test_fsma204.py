"""FDA's sortable spreadsheet of a lot's records, opened with openpyxl: sheets and headings as
documented, every row reconciled with what was generated, missing key data elements left
empty (never made up), formulas neutralised; on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from lotedge.masterdata.locations import LocationBook
from lotedge.store.answers import recall_answer
from lotedge.store.db import Database
from lotedge.store.fsma204 import RECEIVING, TRANSFORMATION, kde_check
from lotedge.store.ingest import Ingestor
from lotedge.store.query import TraceQueries
from lotedge.store.recall import spreadsheet_safe

from .fsma_data import LOCATIONS, T0, Made, Received, generate

DOCS = Path(__file__).parents[2] / "docs" / "recall.md"


@pytest.fixture
def bakery(db_url: str) -> tuple[str, list[Received], list[Made]]:
    messages, receipts, batches = generate()
    with Database(db_url) as db:
        db.create_schema()
        Ingestor(db).ingest(messages)
    return db_url, receipts, batches


def workbook(db_url: str, lot: str) -> dict[str, list[tuple]]:
    with Database(db_url) as db:
        queries = TraceQueries(db)
        lot_info = queries.resolve(lot)
        answer = recall_answer(queries, lot_info, "fsma204", locations=LocationBook(LOCATIONS))
    book = load_workbook(io.BytesIO(answer.encoded()))
    sheets = {}
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref is not None
        assert not sheet.merged_cells.ranges
        sheets[sheet.title] = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    return sheets


def _documented_headings(sheet: str) -> list[str]:
    """The headings docs/recall.md lists for `sheet`, in order."""
    lines = DOCS.read_text(encoding="utf-8").splitlines()
    start = lines.index(f"### {sheet}")
    found = []
    for line in lines[start + 1 :]:
        if line.startswith("#"):
            break
        if line.startswith("| ") and not line.startswith(("| column", "| ---", "|---")):
            found.append(line.split("|")[2].strip().strip("`"))
    return found


def _receiving_truth(r: Received) -> tuple:
    return (
        r.lot,
        r.quantity,
        "KGM",
        r.reference.number,
        {"po": "Purchase Order", "desadv": "Despatch Advice"}[r.reference.kind.value],
        r.tlc_source,
        r.vendor,
        r.eid,
    )


def _receiving_seen(row: tuple) -> tuple:
    cells = dict(zip(RECEIVING, row, strict=True))
    number = cells["Reference Document Number 1"]
    return (
        cells["Traceability Lot Code (TLC)"],
        cells["Quantity"],
        cells["Unit of Measure"],
        number.removeprefix("'") if number.startswith("'=") else number,
        cells["Reference Document Type 1"],
        cells["TLC Source Reference"],
        cells["Immediate Previous Source Business Name"],
        cells["Event ID"],
    )


def _transformation_truth(batches: list[Made]) -> set[tuple]:
    return {
        (made.uri, lot, qty, uom, made.output[0], made.output[1], made.output[2])
        for made in batches
        for lot, qty, uom in made.inputs
    }


def _transformation_seen(rows: list[tuple]) -> set[tuple]:
    keys = (
        "Event ID",
        "Input Traceability Lot Code (TLC)",
        "Input Quantity",
        "Input Unit of Measure",
        "New Traceability Lot Code (TLC)",
        "New Quantity",
        "New Unit of Measure",
    )
    found = set()
    for row in rows:
        cells = dict(zip(TRANSFORMATION, row, strict=True))
        found.add(tuple(cells[k] for k in keys))
    return found


def test_sheets_and_headings_are_as_documented(bakery):
    sheets = workbook(bakery[0], "S200")
    assert list(sheets) == ["Receiving", "Transformation"]  # no shipment: no Shipping sheet
    for name, rows in sheets.items():
        assert list(rows[0]) == _documented_headings(name)


def test_a_finished_lot_lists_the_records_of_its_backward_trace(bakery):
    db_url, receipts, batches = bakery
    sheets = workbook(db_url, "S200")
    # S200 <- B2 <- L100 <- B1 <- F1, R1, Y1: their receipts and both batches, not F2 nor B3.
    used = {"F1", "R1", "Y1"}
    expected = sorted(_receiving_truth(r) for r in receipts if r.lot in used)
    assert sorted(_receiving_seen(row) for row in sheets["Receiving"][1:]) == expected
    upstream = [b for b in batches if b.output[0] in ("S200", "L100")]
    assert _transformation_seen(sheets["Transformation"][1:]) == _transformation_truth(upstream)


def test_a_vendor_lot_lists_its_receipt_and_every_batch_downstream(bakery):
    db_url, receipts, batches = bakery
    sheets = workbook(db_url, "F1")
    assert [_receiving_seen(r) for r in sheets["Receiving"][1:]] == [
        _receiving_truth(next(r for r in receipts if r.lot == "F1"))
    ]
    downstream = [b for b in batches if b.output[0] in ("L100", "S200")]
    assert _transformation_seen(sheets["Transformation"][1:]) == _transformation_truth(downstream)


def test_master_data_fills_the_locations_and_missing_ones_stay_empty(bakery):
    sheets = workbook(bakery[0], "S200")
    rows = {r[0]: dict(zip(RECEIVING, r, strict=True)) for r in sheets["Receiving"][1:]}
    mill, salt, plant = LOCATIONS[1], LOCATIONS[2], LOCATIONS[0]
    flour, yeast, own = rows["F1"], rows["Y1"], rows["R1"]
    # a phone number written "+1 ..." starts like a formula: it is made literal too
    assert flour["Immediate Previous Source Phone Number"] == spreadsheet_safe(mill.phone)
    assert flour["Receiving Location ZIP Code"] == plant.postal_code
    assert flour["TLC Source Location Business Name"] is None  # a reference is given instead
    # Yeast BV has no location entry: its name as the event gave it, nothing else made up.
    yeast_source = [v for k, v in yeast.items() if k.startswith("Immediate Previous Source")]
    assert yeast_source == ["Yeast BV", None, None, None, None, None, None]
    assert yeast["TLC Source Reference"] is None
    # Salt AG is abroad and has no phone or address; R1 is our number, assigned here.
    assert own["Immediate Previous Source City"] == salt.city
    assert own["Immediate Previous Source Phone Number"] is None
    assert own["TLC Source Location Business Name"] == plant.name


def test_cells_a_spreadsheet_would_run_are_literal(bakery):
    sheets = workbook(bakery[0], "F2")
    (row,) = sheets["Receiving"][1:]
    cells = dict(zip(RECEIVING, row, strict=True))
    assert cells["Reference Document Number 1"] == "'=1+2"


def test_the_cli_writes_the_spreadsheet(bakery, tmp_path):
    db_url = bakery[0]
    out = tmp_path / "recall.xlsx"
    config = tmp_path / "store.toml"
    config.write_text(
        '[[locations]]\ncode = "PLANT1"\nname = "Lotedge Bakery Inc."\n', encoding="utf-8"
    )
    command = [sys.executable, "-m", "lotedge.cli.main", "recall", "F1", "--db", db_url]
    done = subprocess.run(
        [*command, "-c", str(config), "--format", "fsma204", "-o", str(out)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    book = load_workbook(out)
    assert book.sheetnames == ["Receiving", "Transformation"]
    column = RECEIVING.index("Receiving Location Business Name") + 1
    assert book["Receiving"].cell(2, column).value == "Lotedge Bakery Inc."
    refused = subprocess.run([*command, "--format", "fsma204"], capture_output=True, text=True)
    assert refused.returncode == 2 and "-o FILE.xlsx" in refused.stderr


def test_kde_check_lists_every_record_with_a_missing_element(bakery):
    with Database(bakery[0]) as db:
        found = kde_check(TraceQueries(db), LocationBook(LOCATIONS), None)
    missing = {(r.cte, r.lot): r.missing for r in found}
    assert set(missing) == {("Receiving", "Y1"), ("Receiving", "R1")}
    assert missing[("Receiving", "Y1")] == (
        "immediate previous source (no [[locations]] entry for Yeast BV)",
        "TLC source location or reference",
    )
    assert missing[("Receiving", "R1")] == (
        "immediate previous source phone",
        "immediate previous source address",
    )


def test_kde_check_from_the_cli_since_a_time(bakery, tmp_path):
    config = tmp_path / "store.toml"
    config.write_text('[[locations]]\ncode = "PLANT1"\nname = "Bakery"\n', encoding="utf-8")
    since = (T0 + timedelta(hours=1)).isoformat()
    command = [sys.executable, "-m", "lotedge.cli.main", "store", "kde-check", "--db", bakery[0]]
    done = subprocess.run(
        [*command, "-c", str(config), "--since", since, "--json"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 5, done.stderr
    found = json.loads(done.stdout)["incomplete"]
    # the receipts came before --since; every batch lacks the site's phone, address ...
    assert {(r["cte"], r["lot"]) for r in found} == {
        ("Transformation", lot) for lot in ("L100", "S200", "L101")
    }
    assert all("transformation location phone" in r["missing"] for r in found)


def test_the_drill_times_each_step_and_writes_the_package(bakery, tmp_path):
    db_url, _receipts, batches = bakery
    config = tmp_path / "store.toml"
    config.write_text('[[locations]]\ncode = "PLANT1"\nname = "Bakery"\n', encoding="utf-8")
    out = tmp_path / "drill"
    command = [sys.executable, "-m", "lotedge.cli.main", "recall", "drill", "F1", "--db", db_url]
    done = subprocess.run(
        [*command, "-c", str(config), "--out", str(out), "--json"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    # F1 -> B1 -> L100 -> B2 -> S200, with what each batch made
    made = {b.output[0]: b.output[1] for b in batches}
    assert [(x["lot"], x["depth"], x["quantity"]) for x in found["affected_lots"]] == [
        ("F1", 0, None),
        ("L100", 1, made["L100"]),
        ("S200", 2, made["S200"]),
    ]
    steps = [t["step"] for t in found["timings"]]
    assert steps[:2] == ["backward trace", "forward trace"] and "spreadsheet (xlsx)" in steps
    assert all(t["seconds"] >= 0 for t in found["timings"])
    assert sorted(p.name for p in out.iterdir()) == [
        "F1-drill.json",
        "F1-fsma204.xlsx",
        "F1-genealogy.svg",
        "F1-recall.csv",
    ]
    assert load_workbook(out / "F1-fsma204.xlsx").sheetnames == ["Receiving", "Transformation"]
    assert json.loads((out / "F1-drill.json").read_text())["forward"]["lot"]["lot"] == "F1"
