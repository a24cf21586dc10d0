"""Events as the agents publish them, made by the agent's own builders (`lotedge.core.epcis`), for
the trace store's tests and the trace benchmark.

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
from lotedge.masterdata.identity import Identity
from lotedge.masterdata.items import Material, Product
from lotedge.wire.identifiers import GtinLot, OwnLot, parse_lot_class

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
