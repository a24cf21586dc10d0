"""Ingest on SQLite and PostgreSQL: idempotent by eventID, bad input dead-lettered, never lost."""

from __future__ import annotations

from datetime import UTC, datetime

from lotedge.store import samples
from lotedge.store.ingest import Ingestor, IngestOutcome, Message
from lotedge.store.query import TraceQueries

WHEN = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
FLOUR = samples.lgtin("0614141", "077777", "F1")


def consume(n: int) -> Message:
    event = samples.transformation_event(
        eid=samples.event_id("c", n),
        when=WHEN,
        batch="B1",
        site="P1",
        line="L1",
        inputs=[(FLOUR, 10.0)],
        material="FLOUR",
        vendor="Mill Co",
    )
    return Message(samples.payload(event), "lotedge/v1/P1/L1/events")


def test_duplicates_are_ignored_within_and_across_batches(db, validator):
    ingestor = Ingestor(db, validator)
    assert ingestor.ingest([consume(1), consume(2), consume(1)]) == [
        IngestOutcome.STORED,
        IngestOutcome.STORED,
        IngestOutcome.DUPLICATE,
    ]
    assert Ingestor(db, validator).ingest([consume(2), consume(3)]) == [
        IngestOutcome.DUPLICATE,
        IngestOutcome.STORED,
    ]
    assert db.fetchone("SELECT COUNT(*) FROM events") == (3,)
    assert db.fetchone("SELECT COUNT(*), SUM(quantity) FROM lot_flows") == (3, 30.0)


def test_bad_events_go_to_dead_letters_with_reason_and_payload(db, validator):
    ingestor = Ingestor(db, validator, clock=lambda: "2026-11-25T12:00:01.000000Z")
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
        ("2026-11-25T12:00:01.000000Z", "", "schema"),
    ]
    assert rows[0][3] == "payload is not UTF-8: invalid start byte at 1"
    assert bytes(rows[0][4]) == b"\x00\xffnot json"
    assert "eventTime" in rows[1][3]
    assert ingestor.counts == {IngestOutcome.STORED: 1, IngestOutcome.DEAD_LETTERED: 2}


def test_lot_attributes_merge_from_consumption_and_output(db):
    ingestor = Ingestor(db)
    dough = samples.lgtin("0614141", "177777", "D1")
    output = samples.transformation_event(
        eid=samples.event_id("o"),
        when=WHEN,
        batch="B1",
        site="P1",
        line="L1",
        outputs=[(dough, 50.0)],
        product="DOUGH",
        lot="D1",
        expiry="2026-12-02",
    )
    later = samples.transformation_event(
        eid=samples.event_id("c2"),
        when=WHEN,
        batch="B2",
        site="P1",
        line="L2",
        inputs=[(dough, 5.0)],
        material="DOUGH",
        vendor="own",
    )
    ingestor.ingest([Message(samples.payload(output)), Message(samples.payload(later))])
    assert db.fetchall("SELECT gtin, lot, material, vendor, product, expiry FROM lots") == [
        ("10614141777775", "D1", "DOUGH", "own", "DOUGH", "2026-12-02")
    ]


def test_events_without_genealogy_are_stored(db, validator):
    event = {
        "@context": samples.CONTEXT,
        "type": "ObjectEvent",
        "action": "OBSERVE",
        "eventID": samples.event_id("obj"),
        "eventTime": "2026-11-25T13:00:00.000+01:00",
        "eventTimeZoneOffset": "+01:00",
        "epcList": [],
    }
    assert Ingestor(db, validator).ingest([Message(samples.payload(event))]) == [
        IngestOutcome.STORED
    ]
    assert db.fetchall("SELECT event_type, event_time FROM events") == [
        ("ObjectEvent", "2026-11-25T12:00:00.000000Z")
    ]


def test_transformation_without_id_is_its_own_batch(db, validator):
    """A TransformationEvent with inputs and outputs but no transformationID (GS1's own form)."""
    event = samples.transformation_event(
        eid=samples.event_id("whole"),
        when=WHEN,
        batch="-",
        site="P1",
        line="L1",
        inputs=[(FLOUR, 10.0)],
        outputs=[(samples.lgtin("0614141", "177777", "D9"), 10.0)],
    )
    del event["transformationID"]
    assert Ingestor(db, validator).ingest([Message(samples.payload(event))]) == [
        IngestOutcome.STORED
    ]
    queries = TraceQueries(db)
    trace = queries.trace(queries.resolve("F1"), "forward").to_json()
    assert [lot["lot"] for lot in trace["lots"]] == ["F1", "D9"]
    assert trace["batches"][0]["transformation_id"] == event["eventID"]
