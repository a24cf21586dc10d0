"""EPCIS 2.0 events the agent emits (placeholder until the publishing work lands)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from biip.gtin import Gtin

from lotedge.config.identity import Identity
from lotedge.config.masterdata import Material, Product

CONTEXT = [
    "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
    {"lotedge": "urn:lotedge:ns:"},
]


def batch_uri(identity: Identity, batch_id: str) -> str:
    return f"urn:lotedge:batch:{identity.site}:{identity.line}:{batch_id}"


def lot_class(identity: Identity, *, gtin: str | None, material_code: str, lot: str) -> str:
    encoded = quote(lot, safe="")
    if gtin is None:
        return f"urn:lotedge:class:{identity.site}:{quote(material_code, safe='')}:{encoded}"
    parsed = Gtin.parse(gtin)
    gtin14 = parsed.as_gtin_14()
    gcp = parsed.company_prefix.value if parsed.company_prefix else None
    if gcp is None:
        return f"https://id.gs1.org/01/{gtin14}/10/{encoded}"
    item = gtin14[0] + gtin14[1 + len(gcp) : 13]
    return f"urn:epc:class:lgtin:{gcp}.{item}.{encoded}"


def _base(identity: Identity, event_id: str, when: datetime) -> dict[str, Any]:
    offset = when.strftime("%z")
    return {
        "@context": CONTEXT,
        "eventID": event_id,
        "eventTime": when.isoformat(timespec="milliseconds"),
        "eventTimeZoneOffset": f"{offset[:3]}:{offset[3:]}",
        "readPoint": {"id": f"urn:lotedge:loc:{identity.site}:{identity.line}"},
        "bizLocation": {"id": f"urn:lotedge:loc:{identity.site}"},
        "lotedge:site": identity.site,
        "lotedge:line": identity.line,
    }


def consumption_event(
    identity: Identity,
    *,
    batch_id: str,
    material: Material,
    gtin: str | None,
    lot: str,
    quantity: Decimal | None,
    uom: str | None,
    event_id: str,
    when: datetime,
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "epcClass": lot_class(identity, gtin=gtin, material_code=material.code, lot=lot)
    }
    if quantity is not None:
        item["quantity"] = float(quantity)
        if uom:
            item["uom"] = uom
    return {
        **_base(identity, event_id, when),
        "type": "TransformationEvent",
        "transformationID": batch_uri(identity, batch_id),
        "inputQuantityList": [item],
        "bizStep": "commissioning",
        "lotedge:material": material.code,
        "lotedge:vendor": material.vendor,
    }


def output_event(
    identity: Identity,
    *,
    batch_id: str,
    product: Product,
    lot: str,
    quantity: Decimal,
    produced: date,
    expiry: date,
    event_id: str,
    when: datetime,
) -> dict[str, Any]:
    return {
        **_base(identity, event_id, when),
        "type": "TransformationEvent",
        "transformationID": batch_uri(identity, batch_id),
        "outputQuantityList": [
            {
                "epcClass": lot_class(
                    identity, gtin=product.gtin, material_code=product.code, lot=lot
                ),
                "quantity": float(quantity),
                "uom": product.unit,
            }
        ],
        "bizStep": "commissioning",
        "ilmd": {"cbvmda:lotNumber": lot, "cbvmda:itemExpirationDate": expiry.isoformat()},
        "lotedge:product": product.code,
    }


def batch_message(
    identity: Identity,
    *,
    kind: str,
    batch_id: str,
    product: str,
    event_id: str,
    when: datetime,
    **details: Any,
) -> dict[str, Any]:
    return {
        "kind": kind,
        "eventID": event_id,
        "time": when.isoformat(timespec="milliseconds"),
        "site": identity.site,
        "line": identity.line,
        "batch": batch_uri(identity, batch_id),
        "product": product,
        **details,
    }
