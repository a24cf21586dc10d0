"""Event identity: an event without eventID is its canonical hash; the same eventID with other
content is a recorded conflict; an error declaration retracts the event it declares (before or
after it arrives), a trace lists it as retracted, and its corrective event counts. Documents
with a bad event keep the good ones; all-or-nothing batches keep none."""

from __future__ import annotations

import copy
import json

from lotedge.store.db import Database
from lotedge.store.ingest import Ingestor, IngestOutcome, Message
from lotedge.store.query import TraceQueries
from lotedge.wire.event_hash import event_hash

from . import partner_events as wms
from .agent_events import payload
from .genealogy_data import F1, bakery

D9 = "urn:epc:class:lgtin:0614141.177777.D9"


def batch_event(eid: str | None, output_qty: float, **more: object) -> dict:
    """A self-contained transformation of F1 into D9 (as GS1's examples write them)."""
    event = wms.event(
        "TransformationEvent",
        "2026-11-25T10:00:00+01:00",
        inputQuantityList=[{"epcClass": F1, "quantity": 10, "uom": "KGM"}],
        outputQuantityList=[{"epcClass": D9, "quantity": output_qty, "uom": "KGM"}],
        bizStep="commissioning",
        **more,
    )
    return event if eid is None else {"eventID": eid, **event}


def declared(event: dict, corrective: list[str]) -> dict:
    return {
        **copy.deepcopy(event),
        "errorDeclaration": {
            "declarationTime": "2026-11-26T08:00:00+01:00",
            "reason": "incorrect_data",
            "correctiveEventIDs": corrective,
        },
    }


def test_an_event_without_id_is_its_hash_and_its_resend_in_any_form_a_duplicate(db: Database):
    event = batch_event(None, 9.5)
    ingestor = Ingestor(db)
    (result,) = ingestor.ingest_messages([Message(wms.bare(event))])[0].events
    assert result.outcome is IngestOutcome.STORED
    assert result.event_id == event_hash(event, wms.CONTEXT)
    resent = dict(reversed(event.items()))
    resent["bizStep"] = "https://ref.gs1.org/cbv/BizStep-commissioning"
    resent["inputQuantityList"] = [{"epcClass": "https://id.gs1.org/01/00614141777778/10/F1",
                                    "quantity": 10.0, "uom": "KGM"}]  # fmt: skip
    assert ingestor.ingest([Message(wms.document(resent))]) == [IngestOutcome.DUPLICATE]
    assert db.fetchone("SELECT COUNT(*) FROM events") == (1,)


def test_the_same_id_with_other_content_is_a_recorded_conflict(db: Database):
    first, other = batch_event("urn:uuid:1", 9.5), batch_event("urn:uuid:1", 7.0)
    ingestor = Ingestor(db)
    assert ingestor.ingest([Message(wms.bare(first))]) == [IngestOutcome.STORED]
    (result,) = ingestor.ingest_messages([Message(wms.bare(other), "partner")])[0].events
    assert result.outcome is IngestOutcome.CONFLICT
    assert "urn:uuid:1 is stored with other content" in result.reason
    (row,) = db.fetchall("SELECT event_id, source, stored_hash, received_hash, body FROM conflicts")
    assert row[:4] == ("urn:uuid:1", "partner", event_hash(first, wms.CONTEXT),
                       event_hash(other, wms.CONTEXT))  # fmt: skip
    assert json.loads(row[4])["outputQuantityList"][0]["quantity"] == 7.0
    (body,) = db.fetchone("SELECT body FROM events")
    assert json.loads(body)["outputQuantityList"][0]["quantity"] == 9.5  # the stored one kept


def test_a_declaration_retracts_the_event_and_its_corrective_event_counts(db: Database):
    Ingestor(db).ingest(bakery())
    wrong, right = batch_event("urn:uuid:w", 9.5), batch_event("urn:uuid:r", 9.0)
    ingestor = Ingestor(db)
    assert ingestor.ingest([Message(wms.bare(wrong))]) == [IngestOutcome.STORED]
    queries = TraceQueries(db)
    assert "D9" in {
        lot["lot"] for lot in queries.trace(queries.resolve("F1"), "forward").to_json()["lots"]
    }
    outcomes = ingestor.ingest([Message(wms.document(declared(wrong, ["urn:uuid:r"]), right))])
    assert outcomes == [IngestOutcome.RETRACTED, IngestOutcome.STORED]
    trace = queries.trace(queries.resolve("F1"), "forward").to_json()
    (batch,) = [b for b in trace["batches"] if b["transformation_id"].startswith("urn:uuid:")]
    assert batch["transformation_id"] == "urn:uuid:r" and batch["outputs"][0]["quantity"] == 9.0
    (retracted,) = trace["retracted"]
    assert (retracted["event_id"], retracted["reason"], retracted["corrective_event_ids"]) == (
        "urn:uuid:w", "incorrect_data", ["urn:uuid:r"]
    )  # fmt: skip
    assert retracted["declared_at"] == "2026-11-26T07:00:00.000000Z"
    assert [o["quantity"] for o in retracted["outputs"]] == [9.5]
    # declared again: nothing more happens
    assert ingestor.ingest([Message(wms.bare(declared(wrong, ["urn:uuid:r"])))]) == [
        IngestOutcome.DUPLICATE
    ]


def test_a_declaration_before_its_event_stores_it_retracted(db: Database):
    wrong = batch_event(None, 9.5)  # no eventID: the declaration has the same hash
    ingestor = Ingestor(db)
    assert ingestor.ingest([Message(wms.bare(declared(wrong, [])))]) == [IngestOutcome.RETRACTED]
    assert ingestor.ingest([Message(wms.bare(wrong))]) == [IngestOutcome.DUPLICATE]
    queries = TraceQueries(db)
    trace = queries.trace(queries.resolve("F1"), "forward").to_json()
    assert trace["batches"] == [] and len(trace["retracted"]) == 1
    assert db.fetchone("SELECT COUNT(*) FROM lot_flows") == (0,)


def test_a_declaration_of_other_content_is_a_conflict_not_a_retraction(db: Database):
    ingestor = Ingestor(db)
    ingestor.ingest([Message(wms.bare(batch_event("urn:uuid:w", 9.5)))])
    other = declared(batch_event("urn:uuid:w", 1.0), [])
    assert ingestor.ingest([Message(wms.bare(other))]) == [IngestOutcome.CONFLICT]
    assert db.fetchone("SELECT declared_at FROM events") == (None,)


def test_a_retracted_receipt_leaves_the_vendor_report(db: Database):
    from .vendor_data import generate

    messages, _ = generate()
    receipt = next(m for m in messages if b'"receiving"' in m.payload)
    ingestor = Ingestor(db)
    ingestor.ingest([receipt])
    (before,) = db.fetchone("SELECT COUNT(*) FROM receipts")
    event = json.loads(receipt.payload)
    ingestor.ingest([Message(payload(declared(event, [])))])
    assert before == 1 and db.fetchone("SELECT COUNT(*) FROM receipts") == (0,)


def test_a_bad_event_in_a_document_is_dead_lettered_alone_and_says_where(db: Database):
    good, bad = batch_event("urn:uuid:g", 9.5), batch_event("urn:uuid:b", 9.5)
    bad["eventTime"] = "2026-11-25T10:00:00"
    (result,) = Ingestor(db).ingest_messages([Message(wms.document(good, bad), "file:x")])
    assert [e.outcome for e in result.events] == [
        IngestOutcome.STORED,
        IngestOutcome.DEAD_LETTERED,
    ]
    (row,) = db.fetchall("SELECT source, code, reason, payload FROM dead_letters")
    assert row[:3] == (
        "file:x",
        "structure",
        "epcisBody/eventList/1: eventTime: has no UTC offset: '2026-11-25T10:00:00'",
    )
    dead = json.loads(bytes(row[3]))
    assert dead["eventID"] == "urn:uuid:b" and dead["@context"] == wms.CONTEXT


def test_all_or_nothing_stores_nothing_when_one_event_is_bad(db: Database):
    good, bad = batch_event("urn:uuid:g", 9.5), batch_event("urn:uuid:b", 9.5)
    del bad["eventTime"]
    (result,) = Ingestor(db).ingest_messages(
        [Message(wms.document(good, bad))], all_or_nothing=True
    )
    assert [(e.outcome, e.reason) for e in result.events] == [
        (IngestOutcome.ROLLED_BACK, None),
        (IngestOutcome.REJECTED, "epcisBody/eventList/1: eventTime: required, non-empty"),
    ]
    for table in ("events", "dead_letters", "lots", "lot_flows"):
        assert db.fetchone(f"SELECT COUNT(*) FROM {table}") == (0,), table


def test_events_are_kept_whole(db: Database):
    event = batch_event("urn:uuid:x", 1.0, **{"ex:note": {"ex:deep": [1, "two", None]}})
    event["sensorElementList"] = [{"sensorReport": [{"type": "Temperature", "value": 4.5}]}]
    Ingestor(db).ingest([Message(wms.document(event))])
    (body,) = db.fetchone("SELECT body FROM events")
    assert json.loads(body) == {**event, "@context": wms.CONTEXT}
