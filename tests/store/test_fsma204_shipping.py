"""The Shipping sheet of FDA's sortable spreadsheet, from the shipments the store worked out
(`shipping_data`: pallets packed, unpacked, dispatched, voided): one row per affected lot on
each shipped pallet, reconciled with the story's `SHIPPED`; the recipient from the customer's
location, a location with its GLN, or what `[[customers]]` says of it (nothing made up); on
SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from openpyxl import load_workbook

from lotedge.masterdata.locations import Location, LocationBook
from lotedge.store.answers import fsma204_records, recall_answer
from lotedge.store.customers import CustomerBook
from lotedge.store.db import Database
from lotedge.store.drill import run_drill
from lotedge.store.fsma204 import DOCUMENT_TYPES, SHIPPING, location_headings
from lotedge.store.ingest import Ingestor, IngestOutcome, Message
from lotedge.store.query import TraceQueries
from lotedge.store.recall import spreadsheet_safe
from lotedge.store.shipments import sscc_of

from . import shipping_data as story
from .fsma_data import LOCATIONS as SITE_LOCATIONS

PLANT = SITE_LOCATIONS[0]  # our site, PLANT1, with its TLC source reference
CORNER = Location(
    code="CORNER-DOCK",
    name="Corner Bakery, receiving dock",
    phone="+1 555 0199",
    address="9 Market Street",
    city="Peoria",
    state="IL",
    postal_code="61602",
    country="US",
)
HARBOUR = Location(code="HARBOUR", name="Harbour Hotel AS", gln=story.C300.gln, country="NO")
LOCATIONS = LocationBook([PLANT, CORNER, HARBOUR])
# C100 names its location; C200 has none (and no GLN); C300's GLN is HARBOUR's.
CUSTOMERS = CustomerBook(
    [story.C100.model_copy(update={"location": CORNER.code}), story.C200, story.C300]
)
RECIPIENT = location_headings("Immediate Subsequent Recipient")
SHIP_FROM = location_headings("Ship-From Location")
TLC_SOURCE = location_headings("TLC Source Location")


@pytest.fixture
def rows(db: Database) -> list[dict]:
    messages = [Message(p) for p in story.payloads()]
    assert set(Ingestor(db).ingest(messages)) == {IngestOutcome.STORED}
    queries = TraceQueries(db)
    lot = queries.resolve("NM2611A")
    answer = recall_answer(queries, lot, "fsma204", CUSTOMERS, locations=LOCATIONS)
    sheet = load_workbook(io.BytesIO(answer.encoded()))["Shipping"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref is not None
    header, *body = list(sheet.iter_rows(values_only=True))
    assert header == SHIPPING
    return [dict(zip(SHIPPING, row, strict=True)) for row in body]


def _documents(refs: dict[str, str]) -> tuple[str | None, ...]:
    """The first two documents of a dispatch as the sheet's two (type, number) pairs."""
    pairs = [(DOCUMENT_TYPES[kind], number) for kind, number in refs.items()]
    return sum([*pairs, (None, None), (None, None)][:2], ())


def test_each_shipped_lot_is_a_row_with_quantity_date_and_references(rows):
    expected = sorted(
        (lot, float(qty), "H87", story.shipped_at(unit)[:16], *_documents(refs))
        for unit, _code, lots, refs in story.SHIPPED
        for lot, qty in lots.items()
    )
    references = [f"Reference Document {part} {n}" for n in (1, 2) for part in ("Type", "Number")]
    seen = sorted(
        (
            r["Traceability Lot Code (TLC)"],
            r["Quantity"],
            r["Unit of Measure"],
            r["Date Shipped"][:16],
            *(r[h] for h in references),
        )
        for r in rows
    )
    assert seen == expected
    assert all(r["Product Description"].startswith("BREAD, GTIN ") for r in rows)


def test_the_recipient_is_the_customers_location_else_by_gln_else_its_own_words(rows):
    def recipients(code: str) -> set[tuple]:
        shipped = [r for r in rows if r["Event ID"] in event_ids[code]]
        assert shipped
        return {tuple(r[h] for h in RECIPIENT) for r in shipped}

    event_ids = {code: set() for _u, code, _l, _r in story.SHIPPED}
    for row in rows:
        for unit, code, _lots, _refs in story.SHIPPED:
            if row["Date Shipped"][:16] == story.shipped_at(unit)[:16]:
                event_ids[code].add(row["Event ID"])
    assert recipients("C100") == {tuple(spreadsheet_safe(v) or None for v in CORNER.description())}
    assert recipients("C300") == {("Harbour Hotel AS", None, None, None, None, None, "NO")}
    # C200 has no location: its name and address as [[customers]] gives them, nothing invented
    assert recipients("C200") == {("Station Kiosk", None, story.C200.address, *(None,) * 4)}


def test_ship_from_and_tlc_source_are_the_site_that_made_the_lot(rows):
    plant = tuple(spreadsheet_safe(v) or None for v in PLANT.description())
    for row in rows:
        assert tuple(row[h] for h in SHIP_FROM) == plant
        assert tuple(row[h] for h in TLC_SOURCE) == plant
        assert row["TLC Source Reference"] == PLANT.tlc_source_reference


def test_a_recipient_described_only_in_part_is_flagged_not_filled(db: Database):
    assert set(Ingestor(db).ingest([Message(p) for p in story.payloads()])) == {
        IngestOutcome.STORED
    }
    queries = TraceQueries(db)
    records = fsma204_records(
        queries, queries.resolve("NM2611A"), CUSTOMERS, locations=LOCATIONS
    ).sheets["Shipping"]
    missing = {r.cells[SHIPPING.index("Date Shipped")][:16]: set(r.missing) for r in records}
    # to C200 (PAL2): the city, state, ZIP and country of the recipient are unknown
    assert missing[story.shipped_at(story.PAL2)[:16]] == {
        f"immediate subsequent recipient {part}"
        for part in ("phone", "city", "state", "postal code", "country")
    }
    assert missing[story.shipped_at(story.PAL1)[:16]] == set()  # C100: its location is complete
    # C300's location is abroad: no state or ZIP asked, but phone, address and city are
    assert missing[story.shipped_at(story.PAL5)[:16]] == {
        f"immediate subsequent recipient {part}" for part in ("phone", "address", "city")
    }


def test_the_drill_names_the_customers_and_what_each_received(db: Database, tmp_path):
    assert set(Ingestor(db).ingest([Message(p) for p in story.payloads()])) == {
        IngestOutcome.STORED
    }
    queries = TraceQueries(db)
    drill = run_drill(queries, queries.resolve("NM2611A"), CUSTOMERS, LOCATIONS, tmp_path)
    names = {c.code: c.name for c in story.CUSTOMERS}
    assert drill.customers == sorted({names[code] for _u, code, _l, _r in story.SHIPPED})
    assert [
        (s["sscc"], s["customer"]["code"], {lot["lot"]: lot["quantity"] for lot in s["lots"]})
        for s in drill.shipments
    ] == [(sscc_of(unit), code, lots) for unit, code, lots, _refs in story.SHIPPED]
    text = drill.text()
    assert f"  Corner Bakery: BR1 40 H87 on {sscc_of(story.PAL1)}" in text
    assert "shipments" in [t.step for t in drill.timings]
    sheet = load_workbook(tmp_path / "NM2611A-fsma204.xlsx")["Shipping"]
    assert sheet.max_row - 1 == sum(len(lots) for _u, _c, lots, _r in story.SHIPPED)


def test_the_cli_reads_customers_and_locations_from_the_store_config(db_url, tmp_path):
    with Database(db_url) as db:
        db.create_schema()
        Ingestor(db).ingest([Message(p) for p in story.payloads()])
    config = tmp_path / "store.toml"
    config.write_text(
        f'[store]\ndatabase_url = "{db_url}"\n\n'
        '[[locations]]\ncode = "CORNER-DOCK"\nname = "Corner Bakery, receiving dock"\n'
        'city = "Peoria"\n\n'
        '[[customers]]\ncode = "C100"\nname = "Corner Bakery"\ngln = "9520000000011"\n'
        'location = "CORNER-DOCK"\n'
    )
    lotedge = [sys.executable, "-m", "lotedge.cli.main"]
    xlsx = tmp_path / "recall.xlsx"
    recall = [*lotedge, "recall", "NM2611A", "-c", str(config), "--format", "fsma204"]
    refused = subprocess.run(recall, capture_output=True, text=True, check=False)
    assert refused.returncode == 2 and "give -o FILE.xlsx" in refused.stderr
    subprocess.run([*recall, "-o", str(xlsx)], check=True)
    sheet = load_workbook(xlsx)["Shipping"]
    cities = {row[SHIPPING.index(RECIPIENT[3])] for row in sheet.iter_rows(2, values_only=True)}
    assert "Peoria" in cities  # C100's place, from the config's [[locations]]
    drill = subprocess.run(
        [*lotedge, "recall", "drill", "NM2611A", "-c", str(config), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    # C100 is named from the config; C200 and C300 are not in it: what the events say of them
    customers = [s["customer"] for s in json.loads(drill.stdout)["shipments"]]
    assert {(c["code"], c["name"], c["gln"]) for c in customers} == {
        ("C100", "Corner Bakery", story.C100.gln),
        ("C200", None, None),
        (None, None, story.C300.gln),
    }
