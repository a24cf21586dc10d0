"""The answers people read: CLI output, recall report, genealogy pictures, HTTP API."""

from __future__ import annotations

import csv
import io
import json
import threading
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET

import pytest

from lotedge.cli.main import main
from lotedge.store import recall
from lotedge.store.api import TraceApi, make_server
from lotedge.store.db import Database

from .helpers import store_config


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_trace_forward_json_and_text(bakery_url, capsys):
    code, out, _ = run_cli(capsys, "trace", "forward", "F1", "--db", bakery_url, "--json")
    assert code == 0
    data = json.loads(out)
    assert {lot["lot"] for lot in data["lots"]} == {"F1", "D1", "D2", "BR1", "P1"}
    code, out, _ = run_cli(capsys, "trace", "backward", "P1", "--db", bakery_url)
    assert code == 0
    assert out.splitlines()[0].startswith("backward trace of urn:epc:class:lgtin:0614141.377777.P1")
    assert any(line.split()[:3] == ["3", "F1", "00614141777778"] for line in out.splitlines())


def test_cli_lists_ambiguity_and_reports_unknown_lots(bakery_url, capsys):
    code, _, err = run_cli(capsys, "trace", "forward", "1001", "--db", bakery_url)
    assert code == 3
    assert "ambiguous: 2 lots match" in err
    assert "GTIN 40614141777776" in err and "GTIN 50614141777773" in err
    code, out, _ = run_cli(
        capsys, "trace", "forward", "1001", "--gtin", "40614141777776", "--db", bakery_url, "--json"
    )
    assert code == 0 and json.loads(out)["lot"]["gtin"] == "40614141777776"
    assert run_cli(capsys, "trace", "backward", "nope", "--db", bakery_url)[0] == 1


def test_recall_csv_is_sorted_and_lists_running_batches(bakery_url, capsys):
    code, out, _ = run_cli(capsys, "recall", "F1", "--format", "csv", "--db", bakery_url)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["depth"], r["lot"], r["line"]) for r in rows] == [
        ("0", "F1", ""),
        ("1", "D1", "L1"),
        ("1", "D2", "L1"),
        ("1", "", "L1"),
        ("2", "BR1", "L2"),
        ("3", "P1", "L3"),
        ("4", "D1", "L2"),
    ]
    assert rows[1]["inputs"] == "F1 20 KGM" and rows[4]["inputs"] == "D1 20 KGM; D2 10 KGM"
    assert rows[3]["batch"] == "urn:lotedge:batch:PLANT1:L1:B6"
    assert rows[5]["expiry"] == "2026-12-02" and rows[5]["quantity"] == "30.0"


def test_graph_dot_and_svg(bakery_url, capsys, tmp_path):
    code, dot, _ = run_cli(capsys, "trace", "graph", "BR1", "--format", "dot", "--db", bakery_url)
    assert code == 0 and dot.startswith("digraph genealogy {")
    assert 'fillcolor=gold, label="lot BR1' in dot
    assert dot.count("->") == 13  # B1..B5: 8 inputs and 5 outputs; B6, B7 are not related
    target = tmp_path / "g.svg"
    assert run_cli(capsys, "trace", "graph", "BR1", "--db", bakery_url, "-o", str(target))[0] == 0
    svg = ET.parse(target).getroot()
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    texts = {t.text for t in svg.iter("{http://www.w3.org/2000/svg}tspan")}
    assert {"lot BR1", "lot F1", "lot S 1", "batch B5"} <= texts


@pytest.fixture
def api(bakery_url):
    api = TraceApi(lambda: Database(bakery_url), "s3cret")
    server = make_server("127.0.0.1:0", api)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    api.close()


def get(url: str, token: str | None = "s3cret") -> tuple[int, str, bytes]:
    request = urllib.request.Request(url)
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read()


def test_api_requires_the_token(api):
    assert get(f"{api}/v1/trace/forward?lot=F1", token=None)[0] == 401
    status, _, body = get(f"{api}/v1/trace/forward?lot=F1", token="wrong")
    assert status == 401 and json.loads(body)["error"] == "unauthorized"


def test_api_traces_recalls_and_draws(api):
    status, kind, body = get(f"{api}/v1/trace/backward?lot=P1")
    assert (status, kind) == (200, "application/json")
    assert {lot["lot"] for lot in json.loads(body)["lots"]} >= {"F1", "S 1", "Y1"}
    status, kind, body = get(f"{api}/v1/recall?lot=D2&format=csv")
    assert status == 200 and kind.startswith("text/csv")
    assert body.decode().splitlines()[0].startswith("depth,lot,gtin")
    status, kind, body = get(f"{api}/v1/graph?lot=D2&format=svg")
    assert (status, kind) == (200, "image/svg+xml") and ET.fromstring(body) is not None
    link = "https%3A%2F%2Fid.gs1.org%2F01%2F00614141999996%2F10%2FY1"
    status, _, body = get(f"{api}/v1/trace/forward?lot={link}")
    assert status == 200 and json.loads(body)["lot"]["lot"] == "Y1"


def test_api_lists_ambiguity_and_errors(api):
    status, _, body = get(f"{api}/v1/trace/forward?lot=1001")
    answer = json.loads(body)
    assert (status, answer["error"]) == (409, "ambiguous")
    assert [c["gtin"] for c in answer["candidates"]] == ["40614141777776", "50614141777773"]
    status, _, body = get(f"{api}/v1/lots?lot=1001")
    assert status == 200 and len(json.loads(body)["lots"]) == 2
    assert get(f"{api}/v1/trace/forward?lot=1001&gtin=50614141777773")[0] == 200
    assert get(f"{api}/v1/trace/forward?lot=nope")[0] == 404
    assert get(f"{api}/v1/graph?lot=F1&format=png")[0] == 400
    assert get(f"{api}/v1/nothing?lot=F1")[0] == 404


def test_recall_json_has_the_same_rows(bakery_url, capsys):
    code, out, _ = run_cli(capsys, "recall", "D2", "--format", "json", "--db", bakery_url)
    report = json.loads(out)
    assert code == 0 and report["lot"]["lot"] == "D2"
    assert [(r["depth"], r["lot"]) for r in report["rows"]] == [
        (0, "D2"),
        (1, "BR1"),
        (2, "P1"),
        (3, "D1"),
    ]


def test_store_refuses_to_start_without_its_api_token(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("LOTEDGE_TEST_TOKEN", raising=False)
    config = store_config(
        tmp_path, port=1, database_url=f"sqlite:///{tmp_path / 't.db'}", schema=None, api_port=1
    )
    code, _, err = run_cli(capsys, "store", "-c", str(config))
    assert code == 2
    assert "environment variable LOTEDGE_TEST_TOKEN is not set" in err


def test_csv_cells_never_run_as_spreadsheet_formulas():
    """Lot numbers come from barcodes: one that looks like a formula stays text in a sheet."""
    hostile = {"lot": '=HYPERLINK("http://evil","x")', "product": "@SUM(A1)", "line": "L-1"}
    (row,) = csv.DictReader(io.StringIO(recall.to_csv([hostile], ("lot", "product", "line"))))
    assert row == {"lot": "'" + hostile["lot"], "product": "'@SUM(A1)", "line": "L-1"}
