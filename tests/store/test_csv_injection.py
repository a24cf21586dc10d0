"""Issue 21, finding 6: a CR in a vendor's name or lot never starts a formula in a spreadsheet.
A receiving event naming vendor `DDE1<CR>=cmd|' /C calc'!A0` goes through the store's ingest and
its HTTP API's CSV answers; a CSV reader finds one row per vendor and no cell, and no line of a
cell, that starts a formula."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

from lotedge.masterdata.items import Material
from lotedge.store import recall
from lotedge.store.api import TraceApi
from lotedge.store.db import Database
from lotedge.store.ingest import Ingestor, Message

from .agent_events import event_id, payload
from .genealogy_data import T0
from .helpers import TOKEN
from .vendor_data import receiving_event

HOSTILE = "DDE1\r=cmd|' /C calc'!A0"
FORMULA = ("=", "+", "-", "@")


def rows_of(text: str) -> list[dict[str, str]]:
    """The rows a CSV reader finds; fails when a cell, or a line in one, starts a formula."""
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    for row in rows:
        for cell in row.values():
            lines = cell.replace("\r\n", "\n").replace("\r", "\n").split("\n")
            assert not any(line.startswith(FORMULA) for line in lines), cell
    return rows


def test_a_lot_with_line_breaks_is_one_quoted_cell_in_the_recall_csv():
    lots = [HOSTILE, "A\n@SUM(1)", "B\r\n+1"]
    rows = rows_of(recall.to_csv([{"lot": lot, "line": "L1"} for lot in lots], ("lot", "line")))
    assert [row["lot"] for row in rows] == ["DDE1\r'=cmd|' /C calc'!A0", "A\n'@SUM(1)", "B\r\n'+1"]


def test_csv_answers_quote_line_breaks_and_neutralise_formulas_after_them(db_url):
    flour = Material(code="FLOUR", name="Flour", gtins=["00614141777778"], vendor=HOSTILE)
    event = receiving_event(
        flour, "F1", eid=event_id("received", "F1"), when=T0 - timedelta(days=2), reference="PO-1"
    )
    with Database(db_url) as db:
        db.create_schema()
        [outcome] = Ingestor(db).ingest([Message(payload(event), "lotedge/v1/PLANT1/GR/events")])
    assert outcome == "stored"
    api = TraceApi(lambda: Database(db_url), TOKEN)
    try:
        status, answer = api.handle("/v1/vendors?format=csv", f"Bearer {TOKEN}")
        assert status == 200, answer
        [row] = rows_of(answer.text)  # the CR did not start a row
        assert row["vendor"] == "DDE1\r'=cmd|' /C calc'!A0"
        status, answer = api.handle("/v1/vendors?format=json", f"Bearer {TOKEN}")
        assert json.loads(answer.text)["vendors"][0]["vendor"] == HOSTILE  # JSON keeps it as is
    finally:
        api.close()
