"""Conformance: every one of GS1's example documents is taken (no dead letter; the query
document acknowledged as one), and traces over them make sense. Skips when GS1's files are
absent; every behaviour shown here is also tested on lotedge's own events elsewhere."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from lotedge.store.classes import parse_class
from lotedge.store.db import Database
from lotedge.store.documents import Kind
from lotedge.store.ingest import Ingestor, IngestOutcome, Message, MessageResult
from lotedge.store.query import TraceQueries
from lotedge.wire.event_hash import event_hash
from tests import epcis_schema


def ingest_examples(db: Database) -> dict[str, MessageResult]:
    paths = epcis_schema.examples()
    messages = [Message(p.read_bytes(), f"file:{p.name}") for p in paths]
    results = Ingestor(db).ingest_messages(messages)
    return {p.name: r for p, r in zip(paths, results, strict=True)}


@pytest.fixture
def examples_db(db: Database) -> Database:
    ingest_examples(db)
    return db


def test_every_example_is_taken_and_none_is_dead_lettered(db: Database):
    results = ingest_examples(db)
    outcomes = Counter(e.outcome for r in results.values() for e in r.events)
    assert outcomes[IngestOutcome.DEAD_LETTERED] == 0
    assert db.fetchone("SELECT COUNT(*) FROM dead_letters") == (0,)
    assert sum(outcomes.values()) == 56
    query = results["EPCISQueryDocument.jsonld"]
    assert query.kind == Kind.QUERY_DOCUMENT
    assert query.note == "query SimpleEventQuery, subscription 32d2aec1-a6d2-46d9-900a-24124288cce1"
    assert {r.kind for name, r in results.items() if name != "EPCISQueryDocument.jsonld"} == {
        Kind.DOCUMENT
    }
    # Three pairs of different events share an eventID in GS1's set: recorded as conflicts.
    conflicts = db.fetchall("SELECT event_id FROM conflicts ORDER BY event_id")
    assert len(conflicts) == outcomes[IngestOutcome.CONFLICT] == 3
    identities = {e.event_id for r in results.values() for e in r.events}
    assert db.fetchone("SELECT COUNT(*) FROM events") == (len(identities),)  # each once
    types = {row[0] for row in db.fetchall("SELECT DISTINCT event_type FROM events")}
    assert types == {"ObjectEvent", "AggregationEvent", "TransactionEvent",
                     "TransformationEvent", "AssociationEvent"}  # fmt: skip


def test_bodies_are_kept_whole_and_events_without_id_get_their_hash(db: Database):
    results = ingest_examples(db)
    without_id = 0
    for path in epcis_schema.examples():
        document = json.loads(path.read_text())
        body = document["epcisBody"]
        listed = body.get("eventList") or body["queryResults"]["resultsBody"]["eventList"]
        for event, result in zip(listed, results[path.name].events, strict=True):
            if "eventID" not in event:
                without_id += 1
                assert result.event_id == event_hash(event, document["@context"])
            if result.outcome is not IngestOutcome.STORED:
                continue
            (stored,) = db.fetchone(
                "SELECT body FROM events WHERE event_id = ?", (result.event_id,)
            )
            kept = json.loads(stored)
            assert kept.pop("@context") == document["@context"]
            assert kept == event  # extensions, sensor data, everything: as sent
    assert without_id == 7


def test_the_outputs_of_9_6_4_appear_in_a_forward_trace(examples_db: Database):
    queries = TraceQueries(examples_db)
    trace = queries.trace(queries.resolve("urn:epc:class:lgtin:4012345.011111.4444"), "forward")
    reached = {lot.epc_class for lot in trace.lots.values() if lot.id in trace.depth}
    for serial in (25, 26, 27, 28):
        assert f"urn:epc:id:sgtin:4012345.077889.{serial}" in reached
    data = trace.to_json()
    assert {b["transformation_id"] for b in data["batches"]} >= {
        "ni:///sha-256;e65c3a997e77f34b58306da7a82ab0fc91c7820013287700f0b50345e5795b97?ver=CBV2.0"
    }
    # GS1's "all possible fields" transformation takes the same inputs but declares itself
    # erroneous: it is listed as retracted, with its reason, and is no path of the trace.
    (retracted,) = [r for r in data["retracted"] if r["event_type"] == "TransformationEvent"]
    assert retracted["reason"] == "incorrect_data"
    assert "urn:epc:id:gdti:0614141.12345.400" not in {
        b["transformation_id"] for b in data["batches"]
    }


def test_the_error_declared_event_is_retracted_and_its_corrective_event_counts(
    examples_db: Database,
):
    queries = TraceQueries(examples_db)
    trace = queries.trace(
        queries.resolve("urn:epc:class:lgtin:4012345.022222.87545GHGH"), "forward"
    ).to_json()
    (batch,) = trace["batches"]
    assert batch["transformation_id"] == "urn:uuid:404d95fc-9457-4a51-bd6a-0bba133845a8"
    outputs = {o["epc_class"]: o["quantity"] for o in batch["outputs"]}
    assert outputs == {  # an instance, and the corrected quantity
        "urn:epc:id:sgtin:4012345.033333.AGHFG": None,
        "urn:epc:idpat:sgtin:4012345.044444.*": 500,
    }
    (retracted,) = trace["retracted"]
    assert retracted["event_id"] == "urn:uuid:374d95fc-9457-4a51-bd6a-0bba133845a8"
    assert retracted["reason"] == "incorrect_data"
    assert retracted["corrective_event_ids"] == ["urn:uuid:404d95fc-9457-4a51-bd6a-0bba133845a8"]
    assert [o["quantity"] for o in retracted["outputs"] if o["quantity"]] == [452]


def test_9_6_3s_sscc_holds_its_children(examples_db: Database):
    queries = TraceQueries(examples_db)
    sscc = queries.resolve("https://id.gs1.org/00/106141412345678908")
    assert sscc.epc_class == "urn:epc:id:sscc:0614141.1234567890"
    trace = queries.trace(sscc, "backward").to_json()
    children = {parse_class(lot["epc_class"]).key for lot in trace["lots"] if lot["depth"] == 1}
    assert {
        parse_class(uri).key
        for uri in (
            "urn:epc:id:sgtin:0614141.107346.2017",
            "urn:epc:id:sgtin:0614141.107346.2018",
            "urn:epc:class:lgtin:4012345.012345.998877",
            "https://id.gs1.org/01/70614141123451/21/2017",  # the Digital Link form's children
        )
    } <= children
    assert {s["kind"] for s in trace["steps"]} == {"aggregation", "receiving"}  # 9.6.2
    # and forward from a child: into the SSCC
    child = queries.resolve("urn:epc:id:sgtin:0614141.107346.2017")
    forward = queries.trace(child, "forward").to_json()
    assert sscc.epc_class in {lot["epc_class"] for lot in forward["lots"]}


def test_a_receiving_example_names_its_sources(examples_db: Database):
    queries = TraceQueries(examples_db)
    trace = queries.trace(
        queries.resolve("urn:epc:id:sgtin:9520001.012346.10000001001"), "backward"
    ).to_json()
    (receiving,) = [s for s in trace["steps"] if s["kind"] == "receiving"]
    assert receiving["sources"] == [{"type": "owning_party", "id": "urn:epc:id:pgln:9520001.11111"}]
    assert {b["type"] for b in receiving["biz_transactions"]} == {"inv", "po", "desadv"}
