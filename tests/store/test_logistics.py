"""Genealogy beyond batches: lots packed onto pallets (SSCC), pallets shipped to a customer,
serialised items through a transformation, documents from another system. On the bakery's
genealogy (`genealogy_data`) plus a WMS's events (`partner_events`)."""

from __future__ import annotations

import pytest

from lotedge.store import recall
from lotedge.store.customers import CustomerBook
from lotedge.store.db import Database
from lotedge.store.ingest import Ingestor, IngestOutcome, Message
from lotedge.store.query import TraceQueries
from lotedge.store.shipments import shipments

from . import partner_events as wms
from .genealogy_data import BR1, F1, P1, bakery

PALLET, OTHER = wms.sscc(1), wms.sscc(2)
X9 = "urn:epc:class:lgtin:952012.0000001.X9"


@pytest.fixture
def shipped(db: Database) -> TraceQueries:
    """The bakery, then BR1, P1 and X9 packed onto PALLET (and X9 alone onto OTHER), both
    shipped; at the customer PALLET is unpacked."""
    Ingestor(db).ingest(bakery())
    document = wms.document(
        wms.pack(PALLET, [BR1, P1, X9], "2026-11-26T08:00:00+01:00"),
        wms.pack(OTHER, [X9], "2026-11-26T08:05:00+01:00"),
        wms.ship([PALLET, OTHER], "2026-11-26T09:00:00+01:00"),
        wms.pack(PALLET, [BR1, X9], "2026-11-27T10:00:00+01:00", action="DELETE"),
    )
    assert Ingestor(db).ingest([Message(document, "file:wms.jsonld")]) == [IngestOutcome.STORED] * 4
    return TraceQueries(db)


def test_a_lot_reaches_the_pallets_it_went_onto_and_where_they_were_shipped(shipped):
    trace = shipped.trace(shipped.resolve("F1"), "forward").to_json()
    reached = {lot["epc_class"]: lot["depth"] for lot in trace["lots"]}
    assert reached[wms.urn(PALLET)] == reached[BR1] + 1  # BR1 went onto the pallet
    assert wms.urn(OTHER) not in reached and X9 not in reached  # shared nothing with F1
    (shipping,) = [s for s in trace["steps"] if s["kind"] == "shipping"]
    assert [i["epc_class"] for i in shipping["inputs"]] == [wms.urn(PALLET), wms.urn(OTHER)]
    assert shipping["destinations"] == [  # by type
        {"type": "location", "id": wms.CUSTOMER.link.replace("/417/", "/414/")},
        {"type": "owning_party", "id": wms.urn(wms.CUSTOMER)},
    ]
    assert shipping["biz_transactions"] == [
        {"type": "desadv", "id": f"urn:epcglobal:cbv:bt:{wms.SHIPPER.key}:DN-1"}
    ]


def test_the_recall_report_names_the_pallets_and_the_customer(shipped):
    """Each affected lot on the shipped pallet is a row with the pallet's SSCC, the customer's
    GLN (no master data here: no code or name), the destinations and the delivery note. The
    pallet was unpacked at the customer, after it was shipped: it still counts."""
    trace = shipped.trace(shipped.resolve("F1"), "forward")
    rows = recall.recall_rows(trace, shipments(shipped, trace, CustomerBook()))
    pallet = [r for r in rows if r["epc_class"] == wms.urn(PALLET)]
    assert [r["step"] for r in pallet] == ["aggregation"]
    note = f"desadv urn:epcglobal:cbv:bt:{wms.SHIPPER.key}:DN-1"
    location = wms.CUSTOMER.link.replace("/417/", "/414/")
    where = f"location {location}; owning_party {wms.urn(wms.CUSTOMER)}"
    shipped_rows = [
        (
            r["lot"],
            r["quantity"],
            r["uom"],
            r["sscc"],
            r["customer_gln"],
            r["destination"],
            r["references"],
        )
        for r in rows
        if r["step"] == "shipping"
    ]
    assert shipped_rows == [
        ("BR1", 10, "H87", PALLET.key, wms.CUSTOMER.key, where, note),
        ("P1", 10, "H87", PALLET.key, wms.CUSTOMER.key, where, note),
    ]
    assert {(r["customer"], r["customer_name"]) for r in rows if r["step"] == "shipping"} == {
        (None, None)
    }


def test_a_pallet_works_backward_to_its_lots_and_their_vendors_lots(shipped):
    pallet = shipped.resolve(PALLET.link)  # asked as a Digital Link, stored as written: URN
    assert pallet.epc_class == wms.urn(PALLET) and pallet.scheme == "sscc"
    trace = shipped.trace(pallet, "backward").to_json()
    reached = {lot["epc_class"] for lot in trace["lots"]}
    assert {BR1, P1, X9, F1} <= reached
    assert wms.urn(OTHER) not in reached


def test_unpacking_links_nothing(shipped):
    """X9 shared PALLET with BR1: it is not affected by BR1, nor BR1 by it."""
    trace = shipped.trace(shipped.resolve("X9"), "forward").to_json()
    assert {lot["epc_class"] for lot in trace["lots"] if lot["depth"]} == {
        wms.urn(PALLET),
        wms.urn(OTHER),
    }
    assert "BR1" not in {lot["lot"] for lot in trace["lots"] if lot["depth"]}


def test_serialised_items_flow_through_a_transformation(db: Database):
    """A TransformationEvent of instances (inputEPCList, outputEPCList), as GS1's 9.6.4."""
    items = [wms.Epc("sgtin", "09520123456788", str(n)) for n in range(3)]
    kit = wms.Epc("sgtin", "09520123456795", "K1")
    event = wms.event(
        "TransformationEvent",
        "2026-11-25T10:00:00+01:00",
        inputEPCList=[wms.urn(items[0]), items[1].link, wms.urn(items[2])],
        outputEPCList=[kit.link],
        bizStep="assembling",
    )
    assert Ingestor(db).ingest([Message(wms.bare(event))]) == [IngestOutcome.STORED]
    queries = TraceQueries(db)
    back = queries.trace(queries.resolve(wms.urn(kit)), "backward").to_json()
    assert {lot["epc_class"] for lot in back["lots"] if lot["depth"] == 1} == {
        wms.urn(items[0]),
        items[1].link,
        wms.urn(items[2]),
    }
    forward = queries.trace(queries.resolve(items[1].link), "forward").to_json()
    assert [lot["epc_class"] for lot in forward["lots"]] == [items[1].link, kit.link]
