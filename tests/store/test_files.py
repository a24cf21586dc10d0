"""`lotedge store import FILE...` and `lotedge store export`: documents and bare events in, with a
report per file and the exit code; the store's events out as one EPCISDocument that another
store takes whole (and that GS1's schema accepts, when it is there)."""

from __future__ import annotations

import json
from pathlib import Path

from lotedge.cli.main import main
from lotedge.store.db import Database
from tests import epcis_schema

from . import partner_events as wms
from .genealogy_data import BR1, bakery


def config(directory: Path, database_url: str) -> Path:
    directory.mkdir(exist_ok=True)
    path = directory / "store.toml"
    path.write_text(
        f'[identity]\nsite = "C"\nline = "S"\ndevice_id = "s"\n[store]\n'
        f'database_url = "{database_url}"\n[store.mqtt]\n[store.mqtt.tls]\nenabled = false\n'
    )
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def files(tmp_path: Path) -> list[Path]:
    """A WMS document, an agent's bare event, a document with a bad event, a query document."""
    pallet = wms.sscc(3)
    good = tmp_path / "wms.jsonld"
    good.write_bytes(
        wms.document(
            wms.pack(pallet, [BR1], "2026-11-26T08:00:00+01:00"),
            wms.ship([pallet], "2026-11-26T09:00:00+01:00"),
        )
    )
    bare = tmp_path / "event.json"
    bare.write_bytes(bakery()[0].payload)
    bad_event = wms.event("ObjectEvent", "2026-11-26T10:00:00+01:00", action="OBSERVE", epcList=[7])
    mixed = tmp_path / "mixed.jsonld"
    mixed.write_bytes(
        wms.document(wms.pack(wms.sscc(4), [BR1], "2026-11-26T08:00:00+01:00"), bad_event)
    )
    query = tmp_path / "answer.jsonld"
    results = {
        "queryName": "SimpleEventQuery",
        "subscriptionID": "s-1",
        "resultsBody": {"eventList": [json.loads(bakery()[1].payload)]},
    }
    document = {
        "@context": wms.CONTEXT,
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-11-26T00:00:00Z",
        "epcisBody": {"queryResults": results},
    }
    query.write_text(json.dumps(document))
    return [good, bare, mixed, query]


def test_import_reports_each_file_and_fails_when_something_is_dead_lettered(
    db_url, tmp_path, capsys
):
    store = config(tmp_path / "a", db_url)
    good, bare, mixed, query = files(tmp_path)
    code, out, _ = run(
        capsys, "store", "import", str(good), str(bare), str(query), "-c", str(store)
    )
    assert code == 0
    assert out.splitlines() == [
        f"{good}: EPCISDocument, 2 events: 2 stored",
        f"{bare}: event, 1 events: 1 stored",
        f"{query}: EPCISQueryDocument (query SimpleEventQuery, subscription s-1), 1 events:"
        " 1 stored",
        "total: 4 stored",
    ]
    code, out, _ = run(capsys, "store", "import", str(mixed), str(good), "--json", "-c", str(store))
    assert code == 1
    report = json.loads(out)
    assert report["total"] == {
        "stored": 1,
        "duplicate": 2,
        "conflict": 0,
        "retracted": 0,
        "dead_lettered": 1,
    }
    (problem,) = report["files"][0]["problems"]
    assert problem["reason"] == (
        "epcisBody/eventList/1: epcList/0: expected an identifier (a non-empty string)"
    )
    code, _, err = run(capsys, "store", "import", str(tmp_path / "none.json"), "-c", str(store))
    assert code == 1 and "none.json: cannot read" in err


def test_an_export_is_taken_whole_by_another_store(db_url, tmp_path, capsys):
    first = config(tmp_path / "a", db_url)
    for path in files(tmp_path)[:2]:
        assert run(capsys, "store", "import", str(path), "-c", str(first))[0] == 0
    exported = tmp_path / "export.jsonld"
    code, _, err = run(capsys, "store", "export", "-c", str(first), "-o", str(exported))
    assert code == 0 and err.strip() == f"3 events written to {exported}"
    document = json.loads(exported.read_text())
    assert document["type"] == "EPCISDocument"
    events = document["epcisBody"]["eventList"]
    assert len(events) == 3 and all("eventID" in e and "@context" in e for e in events)
    other = config(tmp_path / "b", f"sqlite:///{tmp_path / 'other.db'}")
    code, out, _ = run(capsys, "store", "import", str(exported), "-c", str(other))
    assert (code, out.strip()) == (0, f"{exported}: EPCISDocument, 3 events: 3 stored")
    with Database(db_url) as a, Database(f"sqlite:///{tmp_path / 'other.db'}") as b:
        sql = "SELECT event_id, event_type, event_time FROM events ORDER BY event_id"
        assert a.fetchall(sql) == b.fetchall(sql)
    code, out, _ = run(capsys, "store", "export", "-c", str(first), "--since", "2999-01-01")
    assert json.loads(out)["epcisBody"]["eventList"] == []
    code, out, _ = run(
        capsys, "store", "export", "-c", str(first), "--since", "2000-01-01T00:00:00Z"
    )
    assert len(json.loads(out)["epcisBody"]["eventList"]) == 3


def test_an_export_is_valid_against_gs1s_schema(db_url, tmp_path, capsys):
    checker = epcis_schema.validator()  # skips without GS1's schema
    store = config(tmp_path / "a", db_url)
    for path in files(tmp_path):
        run(capsys, "store", "import", str(path), "-c", str(store))
    code, out, _ = run(capsys, "store", "export", "-c", str(store))
    document = json.loads(out)
    assert code == 0 and len(document["epcisBody"]["eventList"]) == 5
    assert epcis_schema.errors(checker, document) == []


def test_gs1s_examples_import_with_nothing_dead_lettered(db_url, tmp_path, capsys):
    store = config(tmp_path / "a", db_url)
    paths = [str(p) for p in epcis_schema.examples()]
    code, out, _ = run(capsys, "store", "import", *paths, "--json", "-c", str(store))
    report = json.loads(out)
    assert code == 0 and report["total"]["dead_lettered"] == 0
    kinds = {Path(f["file"]).name: f["kind"] for f in report["files"]}
    assert kinds["EPCISQueryDocument.jsonld"] == "EPCISQueryDocument"


def test_an_imported_file_registers_no_line_whatever_its_path(db_url, tmp_path, capsys):
    """A line is known from what it published over MQTT; a file of our agents' events, even
    one whose path reads like an agent's topic, names no line to send commands to (the stock
    and lot pushes, holds)."""
    store = config(tmp_path / "a", db_url)
    like_a_topic = tmp_path / "lotedge" / "v1" / "PLANT1" / "L1"
    like_a_topic.mkdir(parents=True)
    (like_a_topic / "events").write_bytes(bakery()[0].payload)
    code, out, _ = run(capsys, "store", "import", str(like_a_topic / "events"), "-c", str(store))
    assert (code, out) == (0, f"{like_a_topic / 'events'}: event, 1 events: 1 stored\n")
    with Database(db_url) as db:
        assert db.fetchall("SELECT root FROM lines") == []
