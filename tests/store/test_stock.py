"""Stock by lot: produced less shipped plus adjustments, and where it is, reconciled with the
generator's own figures (`stock_data`) on SQLite and PostgreSQL, arriving out of order across a
restart of the store; the short-dated list; the command line, CSV and the HTTP API."""

from __future__ import annotations

import csv
import io
import json
import threading
import urllib.request
from datetime import date, timedelta

import pytest

from lotedge.cli.main import main
from lotedge.store.api import TraceApi, make_server
from lotedge.store.db import Database
from lotedge.store.ingest import Ingestor, IngestOutcome, Message
from lotedge.store.schema import SchemaValidator
from lotedge.store.stock import LotStock, expiring, stock

from . import shipping_data, stock_data
from .agent_events import event_id, output, payload, stock_adjustment

TODAY = date.today()


def ingest(url: str, events: list[dict]) -> None:
    with Database(url) as db:
        db.create_schema()
        outcomes = Ingestor(db).ingest([Message(payload(e)) for e in events])
    assert set(outcomes) <= {IngestOutcome.STORED}


@pytest.fixture
def told(db_url: str) -> stock_data.StockStory:
    """The generated dock, half of it ingested, the store reopened, then the rest, in an
    arrival order of its own."""
    told = stock_data.story(300, TODAY)
    for half in stock_data.halves(told.events):
        ingest(db_url, half)
    return told


def figures(lot: LotStock | stock_data.Expected) -> tuple:
    return (
        lot.gtin,
        lot.product,
        lot.expiry,
        lot.produced,
        lot.shipped,
        lot.adjusted,
        lot.on_hand,
        lot.loose,
        lot.pallets,
    )


def test_stock_reconciles_with_the_generator(db_url, told):
    assert {"unpacked", "voided", "scrapped", "counted"} <= told.counts.keys()
    with Database(db_url) as db:
        found = {s.lot: s for s in stock(db)}
    assert found.keys() == told.expected.keys()
    for lot, expected in told.expected.items():
        assert figures(found[lot]) == figures(expected), lot
        assert found[lot].uom == "H87"


def test_a_product_or_a_gtin_alone(db_url, told):
    with Database(db_url) as db:
        rolls = stock(db, product="ROLLS")
        by_gtin = stock(db, gtin=stock_data.gtin_of("ROLLS"))
    assert [s.lot for s in rolls] == sorted(
        lot for lot, e in told.expected.items() if e.product == "ROLLS"
    )
    assert [s.to_json() for s in by_gtin] == [s.to_json() for s in rolls]


def test_short_dated_stock_oldest_first_with_where_it_is(db_url, told):
    until = (TODAY + timedelta(days=14)).isoformat()
    wanted = sorted(
        (e for e in told.expected.values() if e.on_hand > 0 and e.expiry <= until),
        key=lambda e: (e.expiry, e.gtin, e.lot),
    )
    with Database(db_url) as db:
        found = expiring(db, TODAY, 14)
    assert [figures(s) for s in found] == [figures(e) for e in wanted]
    assert any(s.expiry < TODAY.isoformat() for s in found)  # expired and still here: listed
    assert any(s.pallets for s in found)


def test_the_dock_story_by_hand(db):
    """shipping_data: BR1 made 60, shipped 40 (PAL1) + 10 (PAL2), its 5 on PAL4 back on the
    dock by the void; BR2 15 (PAL2, 5 unpacked) + 8 (PAL5, voided once), PAL3's 30 unpacked
    before dispatch; X9 5 + 10."""
    assert set(Ingestor(db).ingest([Message(p) for p in shipping_data.payloads()])) == {
        IngestOutcome.STORED
    }
    found = {s.lot: (s.shipped, s.on_hand, s.loose, s.pallets) for s in stock(db)}
    pal4 = stock_data.sscc_of(shipping_data.PAL4)
    assert found == {
        "BR1": (50.0, 10.0, 5.0, {pal4: 5.0}),
        "BR2": (23.0, 37.0, 37.0, {}),
        "X9": (15.0, 45.0, 45.0, {}),
    }


def test_a_retracted_scrap_counts_for_nothing(db):
    lot = shipping_data.BR1
    made = output(
        lot,
        60,
        line="L1",
        batch="B1",
        product="BREAD",
        expiry=shipping_data.EXPIRY,
        when=shipping_data.T0,
        eid=event_id("r", 1),
        unit="H87",
    )
    scrap = stock_adjustment(
        [(lot, 7)],
        counted=False,
        when=shipping_data.T0 + timedelta(1),
        eid=event_id("r", 2),
        reason="dropped",
    )
    Ingestor(db).ingest([Message(payload(made)), Message(payload(scrap))])
    assert [s.on_hand for s in stock(db)] == [53.0]
    retraction = dict(
        scrap, errorDeclaration={"declarationTime": scrap["eventTime"], "reason": "incorrect_data"}
    )
    Ingestor(db).ingest([Message(payload(retraction))])
    assert [(s.on_hand, s.adjusted) for s in stock(db)] == [(60.0, 0.0)]


def test_adjustments_are_valid_epcis(validator: SchemaValidator):
    for counted in (False, True):
        event = stock_adjustment(
            [(shipping_data.BR1, 3)],
            counted=counted,
            when=shipping_data.T0,
            eid=event_id("v", counted),
            reason="x",
        )
        assert validator.first_error(event) is None


@pytest.fixture
def small_store(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'trace.db'}"
    ingest(url, stock_data.story(30, TODAY, lot_prefix="=HYPERLINK(").events)
    return url


def test_the_command_line_in_text_csv_and_json(small_store, capsys):
    assert main(["store", "stock", "--db", small_store]) == 0
    text = capsys.readouterr().out.splitlines()
    assert text[0].split()[:3] == ["gtin", "lot", "epc_class"] and len(text) == 31
    assert (
        main(["store", "stock", "--db", small_store, "--format", "csv", "--product", "CAKE"]) == 0
    )
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows and {r["product"] for r in rows} == {"CAKE"}
    assert all(r["lot"].startswith("'=HYPERLINK(") for r in rows)  # spreadsheet-safe
    assert (
        main(["store", "expiring", "--within", "60d", "--db", small_store, "--format", "json"]) == 0
    )
    listed = json.loads(capsys.readouterr().out)
    assert listed["within_days"] == 60 and listed["lots"]
    expiries = [lot["expiry"] for lot in listed["lots"]]
    assert expiries == sorted(expiries)
    assert main(["store", "expiring", "--within", "two weeks", "--db", small_store]) == 2
    assert "number of days" in capsys.readouterr().err


def test_the_http_api(small_store):
    api = TraceApi(lambda: Database(small_store), "s3cret")
    server = make_server("127.0.0.1:0", api)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with Database(small_store) as db:
            wanted = [s.to_json() for s in stock(db, product="BREAD")]
        assert get(f"{base}/v1/stock?product=BREAD")[1]["lots"] == wanted
        answered = get(f"{base}/v1/expiring?within=7d")[1]
        asked = date.fromisoformat(
            answered["today"]
        )  # the day the store answered (midnight may pass)
        with Database(small_store) as db:
            soon = [s.lot for s in expiring(db, asked, 7)]
        assert asked - TODAY in (timedelta(0), timedelta(days=1))
        assert soon and [lot["lot"] for lot in answered["lots"]] == soon
        assert get(f"{base}/v1/expiring?within=soon")[0] == 400
        status, _ = get(f"{base}/v1/stock?format=csv", parse=False)
        assert status == 200
    finally:
        server.shutdown()
        server.server_close()
        api.close()


def get(url: str, *, parse: bool = True) -> tuple[int, object]:
    request = urllib.request.Request(url, headers={"Authorization": "Bearer s3cret"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
            return response.status, json.loads(body) if parse else body
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
