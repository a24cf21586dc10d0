"""Receiving events and rejected scans at ingest: what is kept, what is dead-lettered, the lines
learned from the topics, and a store made before migrations gaining the new tables."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

from lotedge.core.receiving import ReferenceKind
from lotedge.masterdata.items import Material
from lotedge.store.db import _DIALECT, MIGRATIONS, Database
from lotedge.store.events import ParsedEvent, RejectCode, Rejection, parse_event
from lotedge.store.ingest import Ingestor, IngestOutcome, Message
from lotedge.store.line_commands import Line, known_lines

from .agent_events import event_id, payload, rejected_scan
from .vendor_data import receiving_event

CET = timezone(timedelta(hours=1))
WHEN = datetime(2026, 11, 25, 0, 30, tzinfo=CET)  # 2026-11-24 in UTC
SALT = Material(code="SALT", name="Salt", vendor="Salt AG")


def receipt() -> dict:
    """25 kg of salt that came unlabelled, numbered by us, on a delivery note."""
    return receiving_event(
        SALT,
        "R2632900001",
        eid=event_id("receipt"),
        when=WHEN,
        reference="DN 77/1",
        kind=ReferenceKind.DESADV,
        expiry=date(2027, 1, 31),
        internal=True,
    )


def test_a_receiving_event_is_reduced_to_a_receipt():
    event = receipt()
    del event["lotedge:vendor"]  # the owning party then names the vendor
    parsed = parse_event(payload(event))
    assert isinstance(parsed, ParsedEvent) and parsed.receipt is not None
    assert parsed.local_date == "2026-11-25" and parsed.event_time.startswith("2026-11-24T23:30")
    assert (parsed.receipt.vendor, parsed.receipt.reference, parsed.receipt.reference_type) == (
        "urn:lotedge:vendor:Salt%20AG",
        "DN 77/1",
        "desadv",
    )
    assert parsed.receipt.reference_uri == "urn:lotedge:bt:PLANT1:desadv:DN%2077%2F1"
    assert (parsed.receipt.internal_lot, parsed.receipt.vendor_lot) == ("R2632900001", None)
    (lot,) = parsed.received
    assert (lot.lot.key, lot.quantity, lot.uom, lot.attrs.expiry) == (
        "lotedge:PLANT1:SALT:R2632900001",
        25,
        "KGM",
        "2027-01-31",
    )
    assert parsed.step is not None and parsed.step.kind == "receiving"  # from the vendor:
    assert [(f.direction, f.lot.key) for f in parsed.flows] == [("out", lot.lot.key)]
    assert [(r.role, r.type, r.uri) for r in parsed.step.refs] == [
        ("bizTransaction", "desadv", "urn:lotedge:bt:PLANT1:desadv:DN%2077%2F1"),
        ("source", "owning_party", "urn:lotedge:vendor:Salt%20AG"),
    ]


def test_receipts_rejections_and_lines_are_stored_once(db: Database):
    line_scan = rejected_scan(
        eid=event_id("rej"),
        when=WHEN,
        reason="expired",
        material="SALT",
        lot="R2632900001",
    )
    old_agent = {k: v for k, v in line_scan.items() if k != "eventID"}  # before eventID
    old_agent["reason"] = "on_hold"
    messages = [
        Message(payload(receipt()), "lotedge/v1/PLANT1/GR/events"),
        Message(payload(line_scan), "lotedge/v1/PLANT1/L1/rejections"),
        Message(payload(old_agent), "lotedge/v1/PLANT1/L1/rejections"),
    ]
    ingestor = Ingestor(db)
    assert ingestor.ingest(messages) == [IngestOutcome.STORED] * 3
    assert ingestor.ingest(messages) == [IngestOutcome.DUPLICATE] * 3  # resent: same ids
    assert db.fetchall(
        "SELECT r.vendor, r.reference, r.received_on, l.lot, l.vendor, l.expiry"
        " FROM receipts r CROSS JOIN lots l WHERE l.id = r.lot"
    ) == [("Salt AG", "DN 77/1", "2026-11-25", "R2632900001", "Salt AG", "2027-01-31")]
    rows = db.fetchall(
        "SELECT r.stage, r.site, r.line, r.reason, l.vendor FROM rejections r"
        " LEFT JOIN lots l ON l.class_key = r.lot_key ORDER BY r.reason"
    )
    assert rows == [
        ("line", "PLANT1", "L1", "expired", "Salt AG"),
        ("line", "PLANT1", "L1", "on_hold", "Salt AG"),
    ]
    assert known_lines(db) == [
        Line("lotedge/v1/PLANT1/GR", "PLANT1", "GR"),
        Line("lotedge/v1/PLANT1/L1", "PLANT1", "L1"),
    ]


def test_bad_rejected_scans_are_dead_lettered(db: Database):
    topic = "lotedge/v1/PLANT1/L1/rejections"
    good = rejected_scan(eid=event_id("x"), when=WHEN, reason="expired")
    bad = [
        (b"\xff", RejectCode.NOT_UTF8),
        (b"{", RejectCode.NOT_JSON),
        (b"[1]", RejectCode.STRUCTURE),
        (json.dumps({**good, "reason": ""}).encode(), RejectCode.STRUCTURE),
        (json.dumps({**good, "time": "2026-11-25T08:00:00"}).encode(), RejectCode.STRUCTURE),
        (json.dumps({**good, "lot": 42}).encode(), RejectCode.STRUCTURE),
    ]
    outcomes = Ingestor(db).ingest([Message(payload, topic) for payload, _ in bad])
    assert outcomes == [IngestOutcome.DEAD_LETTERED] * len(bad)
    stored = db.fetchall("SELECT code, reason, source FROM dead_letters ORDER BY id")
    assert [code for code, _, _ in stored] == [code.value for _, code in bad]
    assert stored[3][1] == "reason: required, non-empty" and stored[3][2] == topic
    assert "time: has no UTC offset" in stored[4][1]
    assert db.fetchone("SELECT COUNT(*) FROM lines") == (0,)  # nothing stored, no line learned
    assert not isinstance(parse_event(payload(receipt())), Rejection)


def test_a_store_made_before_migrations_gets_the_new_tables(db_url: str):
    with Database(db_url) as old:  # the tables as they were, with an event, no schema_version
        for statement in MIGRATIONS[0][2].format(**_DIALECT[old.kind]).split(";"):
            old.execute(statement)
        old.execute(
            "INSERT INTO events (event_id, event_type, event_time, received_at, body)"
            " VALUES ('e1', 'ObjectEvent', '2026-11-25T00:00:00.000000Z', 'now', '{}')"
        )
    with Database(db_url) as db:
        db.create_schema()
        db.create_schema()  # idempotent
        versions = db.fetchall("SELECT version FROM schema_version ORDER BY version")
        assert versions == [(v,) for v, _about, _ddl in MIGRATIONS]
        assert db.fetchall("SELECT event_id, local_date FROM events") == [("e1", None)]
        assert Ingestor(db).ingest([Message(payload(receipt()))]) == [IngestOutcome.STORED]
        assert db.fetchone("SELECT COUNT(*) FROM receipts") == (1,)
