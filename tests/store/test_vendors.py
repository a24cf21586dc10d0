"""The vendor quality report on a generated data set with known answers, on SQLite and
PostgreSQL: receipts, rejections by stage and reason, holds and recalls, expiry margins, and
the batches that consumed a vendor lot; through the CLI and the HTTP API too."""

from __future__ import annotations

import csv
import io
import json
import threading
from datetime import date

import pytest

from lotedge.store import holds
from lotedge.store.api import TraceApi, make_server
from lotedge.store.db import Database
from lotedge.store.ingest import Ingestor, IngestOutcome
from lotedge.store.query import TraceQueries
from lotedge.store.vendors import VendorReport
from tests import epcis_schema

from . import vendor_data
from .test_answers import get, run_cli


@pytest.fixture
def vendor_url(db_url: str) -> str:
    """The generated data set stored (twice: the second time everything is a duplicate),
    with a hold, a recall and a hold plus recall of vendor lots."""
    messages, _ = vendor_data.generate()
    with Database(db_url) as db:
        db.create_schema()
        ingestor = Ingestor(db)
        assert set(ingestor.ingest(messages)) == {IngestOutcome.STORED}
        assert set(ingestor.ingest(messages)) == {IngestOutcome.DUPLICATE}
        queries = TraceQueries(db)
        for lot, kind, forward in HOLDS:
            holds.issue(db, queries.resolve(lot), kind=kind, forward=forward, reason="test")
    return db_url


HOLDS = [("FL000", "hold", True), ("SA001", "recall", False), ("YE000", "hold", False)]
HOLDS += [("YE000", "recall", True), ("BR1", "hold", False)]  # BR1 is ours: no vendor
HELD = {"Mill & Co": 1, "Yeast BV": 1}
RECALLED = {"Salt AG": 1, "Yeast BV": 1}


def test_generated_events_are_valid_epcis():
    checker = epcis_schema.validator()
    messages, _ = vendor_data.generate()
    events = [json.loads(m.payload) for m in messages if m.source.endswith("/events")]
    assert {e["type"] for e in events} == {"ObjectEvent", "TransformationEvent"}
    assert all(epcis_schema.errors(checker, e) == [] for e in events)


def test_vendor_report_matches_the_ground_truth(vendor_url: str):
    _, truth = vendor_data.generate()
    with Database(vendor_url) as db:
        report = VendorReport(db).vendors()
    assert report == vendor_data.expected_report(truth, HELD, RECALLED)
    # the data set exercises what it should: both stages, several reasons, no-vendor scans
    assert report[-1]["vendor"] is None and report[-1]["rejected"]["line"]["total"] == 1
    assert all(e["rejected"]["receiving"]["total"] for e in report[:-1])
    assert any(e["receipts"] > e["lots_received"] for e in report)  # a lot delivered twice


def test_vendor_report_since_a_date(vendor_url: str):
    _, truth = vendor_data.generate()
    since = date(2026, 10, 21)
    with Database(vendor_url) as db:
        report = VendorReport(db).vendors(since=since.isoformat())
        one = VendorReport(db).vendors(vendor="Salt AG")
        typed = VendorReport(db).vendors(vendor="salt ag")  # as an operator would type it
    expected = vendor_data.expected_report(truth, HELD, RECALLED, since)
    assert report == expected
    assert one == [
        e for e in vendor_data.expected_report(truth, HELD, RECALLED) if e["vendor"] == "Salt AG"
    ]
    assert typed == one


def test_vendor_lot_lists_the_batches_that_consumed_it(vendor_url: str):
    _, truth = vendor_data.generate()
    lot = max(truth.consumers, key=lambda k: len(truth.consumers[k]))
    expected = sorted(truth.consumers[lot], key=lambda b: b["uri"])
    assert len(expected) >= 2
    with Database(vendor_url) as db:
        report = VendorReport(db).vendor_lot(TraceQueries(db).resolve(lot))
    batches = sorted(report["batches"], key=lambda b: b["transformation_id"])
    assert [
        (b["transformation_id"], b["line"], b["product"], b["quantity"], b["uom"]) for b in batches
    ] == [(b["uri"], b["line"], "BREAD", b["quantity"], "KGM") for b in expected]
    assert [[(o["lot"], o["quantity"]) for o in b["outputs"]] for b in batches] == [
        [(b["output"], b["made"])] for b in expected
    ]
    assert report["consumed"] == [{"quantity": sum(b["quantity"] for b in expected), "uom": "KGM"}]
    supply, _ = truth.lots[lot]
    assert {r["vendor"] for r in report["receipts"]} == {supply.vendor}


def test_cli_vendors_csv_json_and_vendor_lot(vendor_url: str, capsys):
    _, truth = vendor_data.generate()
    expected = vendor_data.expected_report(truth, HELD, RECALLED)
    code, out, _ = run_cli(capsys, "store", "vendors", "--db", vendor_url, "--format", "json")
    assert code == 0 and json.loads(out)["vendors"] == expected
    code, out, _ = run_cli(capsys, "store", "vendors", "--db", vendor_url, "--vendor", "Mill & Co")
    assert code == 0
    (row,) = list(csv.DictReader(io.StringIO(out)))
    mill = expected[0]
    assert row["vendor"] == "Mill & Co" and int(row["lots_received"]) == mill["lots_received"]
    assert row["rejected_at_line_by_reason"] == "; ".join(
        f"{k}={v}" for k, v in mill["rejected"]["line"]["by_reason"].items()
    )
    assert row["held_lots"] == "1" and row["recalled_lots"] == "0"
    margin = mill["expiry_margin_days"]["at_receipt"]["min"]
    assert int(row["margin_at_receipt_min_days"]) == margin
    code, _, err = run_cli(capsys, "store", "vendors", "--db", vendor_url, "--vendor", "Nobody")
    assert code == 1 and "Nobody" in err
    code, _, err = run_cli(capsys, "store", "vendors", "--db", vendor_url, "--since", "1.10.")
    assert code == 2 and "YYYY-MM-DD" in err
    lot = max(truth.consumers, key=lambda k: len(truth.consumers[k]))
    code, out, _ = run_cli(capsys, "store", "vendor-lot", lot, "--db", vendor_url)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and sorted(r["output_lot"] for r in rows) == sorted(
        b["output"] for b in truth.consumers[lot]
    )
    code, same, _ = run_cli(capsys, "store", "vendors", "--lot", lot, "--db", vendor_url)
    assert code == 0 and same == out


def test_api_vendors(vendor_url: str):
    _, truth = vendor_data.generate()
    expected = vendor_data.expected_report(truth, HELD, RECALLED)
    api = TraceApi(lambda: Database(vendor_url), "s3cret")
    server = make_server("127.0.0.1:0", api)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        assert get(f"{base}/v1/vendors", token=None)[0] == 401
        status, kind, body = get(f"{base}/v1/vendors?format=json")
        assert status == 200 and kind == "application/json"
        assert json.loads(body)["vendors"] == expected
        status, kind, body = get(f"{base}/v1/vendors/Mill%20%26%20Co?format=json")
        assert status == 200 and json.loads(body)["vendors"] == expected[:1]
        status, kind, body = get(f"{base}/v1/vendors/Mill%20%26%20Co")
        assert kind.startswith("text/csv") and body.decode().startswith("vendor,receipts,")
        assert get(f"{base}/v1/vendors/Nobody")[0] == 404
        assert get(f"{base}/v1/vendors?since=yesterday")[0] == 400
        lot = max(truth.consumers, key=lambda k: len(truth.consumers[k]))
        status, _, body = get(f"{base}/v1/vendor-lot?lot={lot}&format=json")
        assert status == 200 and len(json.loads(body)["batches"]) == len(truth.consumers[lot])
        status, _, body = get(f"{base}/v1/holds?active=1")
        assert status == 200 and len(json.loads(body)["holds"]) == len(HOLDS)
    finally:
        server.shutdown()
        server.server_close()
        api.close()


def test_backward_trace_names_the_receipts_of_input_lots(vendor_url: str):
    _, truth = vendor_data.generate()
    lot = max(truth.consumers, key=lambda k: len(truth.consumers[k]))
    output = truth.consumers[lot][0]["output"]
    with Database(vendor_url) as db:
        queries = TraceQueries(db)
        data = queries.trace(queries.resolve(output), "backward").to_json()
    (vendor_lot,) = [entry for entry in data["lots"] if entry["lot"] == lot]
    supply, _ = truth.lots[lot]
    assert vendor_lot["receipts"] and {r["vendor"] for r in vendor_lot["receipts"]} == {
        supply.vendor
    }
    assert all(r["reference"].startswith("PO-") for r in vendor_lot["receipts"])


def test_backward_trace_text_names_the_receipt_references(vendor_url: str, capsys):
    _, truth = vendor_data.generate()
    lot = max(truth.consumers, key=lambda k: len(truth.consumers[k]))
    output = truth.consumers[lot][0]["output"]
    code, out, _ = run_cli(capsys, "trace", "backward", output, "--db", vendor_url)
    (row,) = [line for line in out.splitlines() if line.split()[:2] == ["1", lot]]
    supply, _ = truth.lots[lot]
    assert code == 0 and supply.vendor in row and "(received: PO-" in row
