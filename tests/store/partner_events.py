"""EPCIS 2.0 events as another system writes them (a partner's repository, an ERP, a WMS):
packing lots onto pallets (SSCC), shipping and receiving pallets, serialised items, documents.
Identifiers are built with the wire contract (`lotedge.wire.epc`), in URN or Digital Link form.
"""

from __future__ import annotations

import json
from typing import Any

from lotedge.wire.epc import Epc
from lotedge.wire.gs1 import with_check_digit
from lotedge.wire.keys import EPCIS_CONTEXT

CONTEXT = [EPCIS_CONTEXT, {"ex": "http://ns.example.com/epcis/"}]
SHIPPER = Epc("pgln", with_check_digit("952012345000"))
CUSTOMER = Epc("pgln", with_check_digit("952098765000"))
DOCK = Epc("sgln", with_check_digit("952012345001"), "DOCK1")


def sscc(serial: int) -> Epc:
    """A logistic unit of the shipper (GS1 demo prefix 952012)."""
    return Epc("sscc", with_check_digit(f"0952012{serial:010d}"))


def urn(epc: Epc) -> str:
    found = epc.urn()
    assert found is not None, epc
    return found


def event(kind: str, when: str, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "eventTime": when, "eventTimeZoneOffset": "+01:00", **fields}


def pack(
    pallet: Epc, lots: list[str], when: str, action: str = "ADD", **more: Any
) -> dict[str, Any]:
    """Lots (class identifiers) packed onto a pallet: an AggregationEvent."""
    return event(
        "AggregationEvent",
        when,
        parentID=urn(pallet),
        childQuantityList=[{"epcClass": lot, "quantity": 10, "uom": "H87"} for lot in lots],
        action=action,
        bizStep="packing",
        **more,
    )


def ship(pallets: list[Epc], when: str, desadv: str = "DN-1", **more: Any) -> dict[str, Any]:
    """Pallets shipped to the customer (owning party) at its location."""
    return event(
        "ObjectEvent",
        when,
        action="OBSERVE",
        bizStep="shipping",
        disposition="in_transit",
        epcList=[p.link for p in pallets],  # a Digital Link, as a scanner of the label reads it
        readPoint={"id": urn(DOCK)},
        bizTransactionList=[
            {"type": "desadv", "bizTransaction": f"urn:epcglobal:cbv:bt:{SHIPPER.key}:{desadv}"}
        ],
        sourceList=[{"type": "owning_party", "source": urn(SHIPPER)}],
        destinationList=[
            {"type": "owning_party", "destination": urn(CUSTOMER)},
            {"type": "location", "destination": CUSTOMER.link.replace("/417/", "/414/")},
        ],
        **more,
    )


def document(*events: dict[str, Any]) -> bytes:
    """An EPCISDocument of `events` (its @context on the document, as partners send them)."""
    return json.dumps(
        {
            "@context": CONTEXT,
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": "2026-11-25T12:00:00Z",
            "epcisBody": {"eventList": list(events)},
        }
    ).encode()


def bare(item: dict[str, Any]) -> bytes:
    """One event on its own (with its @context)."""
    return json.dumps({"@context": CONTEXT, **item}).encode()
