"""Events as the agents publish them, made by the agent's own builders (`lotedge.core.epcis`), for
the trace store's tests and the trace benchmark. The shipping dock's events (packing, unpacking,
dispatch, void) follow the agent's contract (docs/events.md) until its builders exist.

A lot is given by the class identifier the data set wants to see in the store. The agent writes
an LGTIN URN for a GTIN whose company prefix biip knows; a data set that wants a lot's Digital
Link (as a line writes it when its biip does not know the prefix) gets the agent's event with
that form of the same lot in its place.
"""

from __future__ import annotations

import functools
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from lotedge.core import epcis
from lotedge.masterdata.customers import Customer
from lotedge.masterdata.identity import Identity
from lotedge.masterdata.items import Material, Product
from lotedge.wire import keys
from lotedge.wire.epc import Epc
from lotedge.wire.gs1 import with_check_digit
from lotedge.wire.identifiers import (
    GtinLot,
    OwnLot,
    cbv_transaction,
    gln_location,
    gln_party,
    own_customer,
    parse_lot_class,
)

SITE_GLN = "0614141000005"
_NAMESPACE = uuid.UUID("1b0f6c52-6f5e-4b8e-9a55-3d1d7c2a0e11")


def event_id(*parts: object) -> str:
    """A stable eventID derived from `parts` (a resend of the same event has the same id)."""
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, '/'.join(map(str, parts)))}"


@functools.lru_cache(maxsize=256)
def agent(site: str, line: str) -> Identity:
    """The identity of the agent at `site`/`line` (with a site GLN: SGLN locations)."""
    return Identity(site=site, line=line, device_id=f"edge-{line}", site_gln=SITE_GLN)


def payload(event: dict[str, Any]) -> bytes:
    """The bytes the agent queues and publishes."""
    return epcis.encode(event)


def consumption(
    epc_class: str,
    quantity: float,
    *,
    line: str,
    batch: str,
    material: str,
    when: datetime,
    eid: str,
    vendor: str = "",
    uom: str = "KGM",
    site: str = "PLANT1",
) -> dict[str, Any]:
    """The agent's event for one container of the lot `epc_class` consumed into `batch`."""
    lot = parse_lot_class(epc_class)
    assert lot is not None, f"not a lot class: {epc_class}"
    if isinstance(lot, OwnLot):
        assert (lot.site, lot.material) == (site, material), "a lotedge URN names its material"
    gtin = lot.gtin if isinstance(lot, GtinLot) else None
    event = epcis.consumption_event(
        agent(site, line),
        batch_id=batch,
        material=_material(material, gtin, vendor),
        gtin=gtin,
        lot=lot.lot,
        quantity=Decimal(str(quantity)),
        uom=uom,
        event_id=eid,
        when=when,
    )
    return _written_as(event, "inputQuantityList", epc_class)


def output(
    epc_class: str,
    quantity: float,
    *,
    line: str,
    batch: str,
    product: str,
    expiry: date,
    when: datetime,
    eid: str,
    unit: str = "KGM",
    site: str = "PLANT1",
) -> dict[str, Any]:
    """The agent's batch-end event: `batch` made `quantity` of the GS1 lot `epc_class`."""
    lot = parse_lot_class(epc_class)
    assert isinstance(lot, GtinLot), f"an output lot has a GTIN: {epc_class}"
    event = epcis.output_event(
        agent(site, line),
        batch_id=batch,
        product=_product(product, lot.gtin, unit),
        lot=lot.lot,
        quantity=Decimal(str(quantity)),
        produced=when.date(),
        expiry=expiry,
        event_id=eid,
        when=when,
    )
    return _written_as(event, "outputQuantityList", epc_class)


@functools.lru_cache(maxsize=1024)
def _material(code: str, gtin: str | None, vendor: str) -> Material:
    return Material(code=code, name=code, gtins=[gtin] if gtin else [], vendor=vendor)


@functools.lru_cache(maxsize=1024)
def _product(code: str, gtin: str, unit: str) -> Product:
    return Product(code=code, name=code, gtin=gtin, unit=unit, bom=["-"])


def sscc(serial: int, extension: int = 0) -> str:
    """The URN of one of our pallets: SSCC of the site's company prefix (GS1 demo 0614141)."""
    found = Epc("sscc", with_check_digit(f"{extension}0614141{serial:09d}")).urn()
    assert found is not None
    return found


def packing(
    pallet: str,
    lots: list[tuple[str, float]],
    *,
    when: datetime,
    eid: str,
    action: str = "ADD",
    uom: str | None = "H87",
    line: str = "DOCK",
    site: str = "PLANT1",
) -> dict[str, Any]:
    """A pallet packed (`ADD`, bizStep packing) or unpacked (`DELETE`, bizStep unpacking) at the
    shipping station: AggregationEvent, parentID the SSCC, childQuantityList the lots (LGTIN)
    and quantities (an unpack of no lots, as another system may send it: of everything)."""
    children = [
        {"epcClass": lot, "quantity": qty} | ({"uom": uom} if uom else {}) for lot, qty in lots
    ]
    return _dock_event(
        "AggregationEvent",
        site,
        line,
        when,
        eid,
        parentID=pallet,
        **({"childQuantityList": children} if children else {}),  # none: unpack everything
        action=action,
        bizStep="unpacking" if action == "DELETE" else "packing",
        disposition="container_open" if action == "DELETE" else "container_closed",
    )


def ship_to(customer: Customer) -> list[dict[str, str]]:
    """A customer as the destinations of a dispatch: its PGLN and SGLN, else its code's URN."""
    if customer.gln is None:
        party = location = own_customer(customer.code)
    else:
        party, location = gln_party(customer.gln), gln_location(customer.gln, None)
    return [
        {"type": "owning_party", "destination": party},
        {"type": "location", "destination": location},
    ]


def dispatch(
    pallets: list[str],
    customer: Customer,
    *,
    when: datetime,
    eid: str,
    line: str = "DOCK",
    site: str = "PLANT1",
    **references: str,
) -> dict[str, Any]:
    """Pallets shipped to a customer: ObjectEvent OBSERVE, bizStep shipping, in_transit, from us
    (owning party and location by the site's GLN) to the customer, with its `references`
    (`po`, `desadv`, `bol`: their numbers) as business transactions."""
    return _dock_event(
        "ObjectEvent",
        site,
        line,
        when,
        eid,
        epcList=pallets,
        action="OBSERVE",
        bizStep="shipping",
        disposition="in_transit",
        bizTransactionList=[
            {"type": kind, "bizTransaction": cbv_transaction(SITE_GLN, number)}
            for kind, number in references.items()
        ],
        sourceList=[
            {"type": "owning_party", "source": gln_party(SITE_GLN)},
            {"type": "location", "source": gln_location(SITE_GLN, None)},
        ],
        destinationList=ship_to(customer),
    )


def void_shipping(
    pallets: list[str], *, when: datetime, eid: str, line: str = "DOCK", site: str = "PLANT1"
) -> dict[str, Any]:
    """A dispatch of `pallets` undone: ObjectEvent OBSERVE, bizStep void_shipping."""
    return _dock_event(
        "ObjectEvent",
        site,
        line,
        when,
        eid,
        epcList=pallets,
        action="OBSERVE",
        bizStep="void_shipping",
        disposition="in_progress",
    )


def stock_adjustment(
    lots: list[tuple[str, float]],
    *,
    counted: bool,
    when: datetime,
    eid: str,
    uom: str = "H87",
    reason: str = "",
    line: str = "DOCK",
    site: str = "PLANT1",
) -> dict[str, Any]:
    """A stock adjustment (docs/trace-store.md, "Stock by lot"): a scrap (ObjectEvent OBSERVE,
    bizStep destroying, disposition destroyed, quantityList the quantities scrapped, the reason
    in `lotedge:reason`) or, `counted`, a count (bizStep cycle_counting, disposition
    sellable_accessible, quantityList the quantities counted)."""
    return _dock_event(
        "ObjectEvent",
        site,
        line,
        when,
        eid,
        epcList=[],
        quantityList=[{"epcClass": lot, "quantity": qty, "uom": uom} for lot, qty in lots],
        action="OBSERVE",
        bizStep="cycle_counting" if counted else "destroying",
        disposition="sellable_accessible" if counted else "destroyed",
        **({"lotedge:reason": reason} if reason else {}),
    )


def _dock_event(
    kind: str, site: str, line: str, when: datetime, eid: str, **fields: Any
) -> dict[str, Any]:
    identity = agent(site, line)
    offset = when.strftime("%z")
    assert offset, "event times have an offset"
    return {
        "@context": keys.context(),
        "type": kind,
        "eventID": eid,
        "eventTime": when.isoformat(timespec="milliseconds"),
        "eventTimeZoneOffset": f"{offset[:3]}:{offset[3:5]}",
        **fields,
        "readPoint": {"id": epcis.location(identity, identity.line)},
        "bizLocation": {"id": epcis.location(identity, None)},
        keys.SITE: site,
        keys.LINE: line,
    }


def _written_as(event: dict[str, Any], key: str, epc_class: str) -> dict[str, Any]:
    """`event` with its lot written as `epc_class`, which must be a form of the same lot."""
    item = event[key][0]
    assert parse_lot_class(item["epcClass"]) == parse_lot_class(epc_class), epc_class
    item["epcClass"] = epc_class
    return event


def rejected_scan(
    *,
    eid: str,
    when: datetime,
    reason: str,
    material: str | None = None,
    gtin: str | None = None,
    lot: str | None = None,
    stage: str | None = None,
    vendor: str | None = None,
) -> dict[str, Any]:
    """A rejected scan as the agent publishes it on `rejections` (docs/events.md): receiving
    stations add `stage` and may name the vendor; a payload without `stage` is from an agent
    older than that field."""
    scan: dict[str, Any] = {
        "eventID": eid,
        "scan": 1,
        "source": "hopper",
        "time": when.isoformat(),
        "text": "",
        "batch": None,
        "outcome": "rejected",
        "reason": reason,
        "message": f"refused: {reason}",
        "material": material,
        "gtin": gtin,
        "lot": lot,
    }
    extra = {"stage": stage, "vendor": vendor}
    return scan | {k: v for k, v in extra.items() if v is not None}
