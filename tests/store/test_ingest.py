"""Ingest on SQLite and PostgreSQL: idempotent by eventID, bad input dead-lettered, never lost."""

from __future__ import annotations

from datetime import UTC, date, datetime

from lotedge.store.ingest import Ingestor, IngestOutcome, Message
from lotedge.store.query import TraceQueries
from lotedge.wire import keys
from lotedge.wire.identifiers import gtin_lot_class

from .agent_events import consumption, event_id, output, payload

WHEN = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
FLOUR = gtin_lot_class("00614141777778", "F1")
DOUGH = "10614141777775"


def consume(n: int) -> Message:
    event = consumption(
        FLOUR,
        10.0,
        site="P1",
        line="L1",
        batch="B1",
        material="FLOUR",
        vendor="Mill Co",
        when=WHEN,
        eid=event_id("c", n),
    )
    return Message(payload(event), "lotedge/v1/P1/L1/events")


def test_duplicates_are_ignored_within_and_across_batches(db):
    ingestor = Ingestor(db)
    assert ingestor.ingest([consume(1), consume(2), consume(1)]) == [
        IngestOutcome.STORED,
        IngestOutcome.STORED,
        IngestOutcome.DUPLICATE,
    ]
    assert Ingestor(db).ingest([consume(2), consume(3)]) == [
        IngestOutcome.DUPLICATE,
        IngestOutcome.STORED,
    ]
    assert db.fetchone("SELECT COUNT(*) FROM events") == (3,)
    assert db.fetchone("SELECT COUNT(*), SUM(quantity) FROM lot_flows") == (3, 30.0)


def test_bad_events_go_to_dead_letters_with_reason_and_payload(db):
    ingestor = Ingestor(db, clock=lambda: "2026-11-25T12:00:01.000000Z")
    garbage = Message(b"\x00\xffnot json", "lotedge/v1/P1/L1/events")
    outcomes = ingestor.ingest([consume(1), garbage, Message(b'{"type": "ObjectEvent"}')])
    assert outcomes == [
        IngestOutcome.STORED,
        IngestOutcome.DEAD_LETTERED,
        IngestOutcome.DEAD_LETTERED,
    ]
    rows = db.fetchall(
        "SELECT received_at, source, code, reason, payload FROM dead_letters ORDER BY id"
    )
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("2026-11-25T12:00:01.000000Z", "lotedge/v1/P1/L1/events", "not_utf8"),
        ("2026-11-25T12:00:01.000000Z", "", "structure"),
    ]
    assert rows[0][3] == "payload is not UTF-8: invalid start byte at 1"
    assert bytes(rows[0][4]) == b"\x00\xffnot json"
    assert rows[1][3] == "eventTime: required, non-empty"
    assert ingestor.counts == {IngestOutcome.STORED: 1, IngestOutcome.DEAD_LETTERED: 2}


def test_lot_attributes_merge_from_consumption_and_output(db):
    ingestor = Ingestor(db)
    dough = gtin_lot_class(DOUGH, "D1")
    made = output(
        dough,
        50.0,
        site="P1",
        line="L1",
        batch="B1",
        product="DOUGH",
        expiry=date(2026, 12, 2),
        when=WHEN,
        eid=event_id("o"),
    )
    later = consumption(
        dough,
        5.0,
        site="P1",
        line="L2",
        batch="B2",
        material="DOUGH",
        vendor="own",
        when=WHEN,
        eid=event_id("c2"),
    )
    ingestor.ingest([Message(payload(made)), Message(payload(later))])
    assert db.fetchall("SELECT gtin, lot, material, vendor, product, expiry FROM lots") == [
        ("10614141777775", "D1", "DOUGH", "own", "DOUGH", "2026-12-02")
    ]


def test_events_without_genealogy_are_stored(db):
    event = {
        "@context": keys.context(),
        "type": "ObjectEvent",
        "action": "OBSERVE",
        "eventID": event_id("obj"),
        "eventTime": "2026-11-25T13:00:00.000+01:00",
        "eventTimeZoneOffset": "+01:00",
        "epcList": [],
    }
    assert Ingestor(db).ingest([Message(payload(event))]) == [IngestOutcome.STORED]
    assert db.fetchall("SELECT event_type, event_time FROM events") == [
        ("ObjectEvent", "2026-11-25T12:00:00.000000Z")
    ]


def test_transformation_without_id_is_its_own_batch(db):
    """A TransformationEvent with inputs and outputs but no transformationID (GS1's own form,
    which another system may send; lotedge's agents send inputs and outputs apart)."""
    common = {"site": "P1", "line": "L1", "batch": "-", "when": WHEN}
    event = consumption(FLOUR, 10.0, material="FLOUR", eid=event_id("whole"), **common)
    made = output(
        gtin_lot_class(DOUGH, "D9"),
        10.0,
        product="DOUGH",
        eid=event_id("whole", "out"),
        **common,
        expiry=date(2026, 12, 2),
    )
    event["outputQuantityList"] = made["outputQuantityList"]
    del event["transformationID"]
    assert Ingestor(db).ingest([Message(payload(event))]) == [IngestOutcome.STORED]
    queries = TraceQueries(db)
    trace = queries.trace(queries.resolve("F1"), "forward").to_json()
    assert [lot["lot"] for lot in trace["lots"]] == ["F1", "D9"]
    assert trace["batches"][0]["transformation_id"] == event["eventID"]
