"""EPCIS 2.0 events (JSON-LD) and operational messages for what the engine commits. Pure.

Every builder validates its result against our own models (`lotedge.core.epcis_models`) before
returning it, so a malformed event fails at the commit that would have queued it, not at the
trace store. The mapping is documented in docs/events.md.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from lotedge.core.epcis_models import ObjectEvent, OpsMessage, TransformationEvent
from lotedge.core.receiving import Receipt, ReceiptReference, ReferenceKind
from lotedge.masterdata.identity import Identity
from lotedge.masterdata.items import Material, Product
from lotedge.wire import identifiers, keys

BIZ_STEP = "commissioning"
RECEIVING_DISPOSITION = "in_progress"


def batch_uri(identity: Identity, batch_id: str) -> str:
    """The batch's transformationID: `urn:uuid:{batch_id}` (the engine's batch ids are UUIDs,
    unique everywhere); `urn:lotedge:batch:{site}:{line}:{batch_id}` for any other id.

    >>> me = Identity(site="P1", line="L1", device_id="d1")
    >>> batch_uri(me, "0b6c9f4e-2d0a-4c1e-9f43-5d2a8c7e1b10")
    'urn:uuid:0b6c9f4e-2d0a-4c1e-9f43-5d2a8c7e1b10'
    """
    return identifiers.batch_uuid_urn(batch_id) or identifiers.batch_urn(
        identity.site, identity.line, batch_id
    )


def material_gtin(material: Material, gtin: str | None) -> str | None:
    """The GTIN a lot of `material` is written with: the scanned one, else the material's own
    when its master data gives exactly one (a vendor label read by `vendor_pattern`, or an
    unlabelled receipt: the lot is then an LGTIN, not a `urn:lotedge:class:`).

    >>> material_gtin(Material(code="Y", name="Yeast", gtins=["09520123451011"]), None)
    '09520123451011'
    """
    if gtin is not None:
        return gtin
    return material.gtins[0] if len(material.gtins) == 1 else None


def lot_class(identity: Identity, *, gtin: str | None, material_code: str, lot: str) -> str:
    """The class (GTIN + lot) of a material lot as an epcClass URI.

    GS1 material: `urn:epc:class:lgtin:...` when the GTIN's company prefix is known, else its
    Digital Link. Non-GS1 material: `urn:lotedge:class:{site}:{material}:{lot}`.

    >>> from lotedge.masterdata.identity import Identity
    >>> me = Identity(site="P1", line="L1", device_id="d1")
    >>> lot_class(me, gtin="07038010000065", material_code="FLOUR", lot="A/1")
    'urn:epc:class:lgtin:703801.0000006.A%2F1'
    >>> lot_class(me, gtin=None, material_code="SALT", lot="X 1")
    'urn:lotedge:class:P1:SALT:X%201'
    """
    if gtin is None:
        return identifiers.own_lot_class(identity.site, material_code, lot)
    return identifiers.gtin_lot_class(gtin, lot)


def location(identity: Identity, extension: str | None) -> str:
    """readPoint (extension = line) or bizLocation (no extension) URI of this site.

    SGLN when the site GLN is set (Digital Link if its company prefix is unknown), else
    `urn:lotedge:loc:{site}[:{line}]`.
    """
    if identity.site_gln is None:
        return identifiers.own_location(identity.site, extension)
    return identifiers.gln_location(identity.site_gln, extension)


def vendor_uri(material: Material) -> str | None:
    """The vendor as an EPCIS source: its PGLN when `vendor_gln` is set, else
    `urn:lotedge:vendor:{name}`; None when the material names no vendor.

    >>> vendor_uri(Material(code="F", name="Flour", vendor="Mill AS"))
    'urn:lotedge:vendor:Mill%20AS'
    >>> vendor_uri(Material(code="F", name="Flour", vendor="Mill AS", vendor_gln="7038010000010"))
    'urn:epc:id:pgln:703801.000001'
    """
    if material.vendor_gln is not None:
        return identifiers.gln_party(material.vendor_gln)
    if material.vendor:
        return identifiers.own_party(material.vendor)
    return None


def biz_transaction_uri(identity: Identity, material: Material, reference: ReceiptReference) -> str:
    """A purchase order or delivery note as a CBV business transaction identifier.

    `urn:epcglobal:cbv:bt:{GLN of the issuer}:{number}` when the issuer has a GLN (a PO is ours:
    the site GLN; a delivery note is the vendor's: `vendor_gln`); else
    `urn:lotedge:bt:{site}:{po|desadv}:{number}`.
    """
    issuer = identity.site_gln if reference.kind is ReferenceKind.PO else material.vendor_gln
    if issuer is not None:
        return identifiers.cbv_transaction(issuer, reference.number)
    return identifiers.own_transaction(identity.site, reference.kind.value, reference.number)


def _time_fields(when: datetime) -> dict[str, str]:
    """eventTime with its offset, and eventTimeZoneOffset (`+HH:MM`)."""
    offset = when.utcoffset()
    if offset is None:
        raise ValueError(f"event time {when.isoformat()} has no UTC offset")
    minutes, seconds = divmod(int(offset.total_seconds()), 60)
    if seconds:
        raise ValueError(f"event time {when.isoformat()} has an offset with seconds")
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return {
        "eventTime": when.isoformat(timespec="milliseconds"),
        "eventTimeZoneOffset": f"{sign}{hours:02d}:{minutes:02d}",
    }


def _number(value: Decimal) -> int | float:
    """A JSON number: integral quantities stay integers, others become floats."""
    return int(value) if value == value.to_integral_value() else float(value)


def _transformation(
    identity: Identity, *, batch_id: str, event_id: str, when: datetime, **fields: Any
) -> dict[str, Any]:
    event = {
        "@context": keys.context(),
        "type": "TransformationEvent",
        "eventID": event_id,
        **_time_fields(when),
        "transformationID": batch_uri(identity, batch_id),
        "bizStep": BIZ_STEP,
        "readPoint": {"id": location(identity, identity.line)},
        "bizLocation": {"id": location(identity, None)},
        keys.SITE: identity.site,
        keys.LINE: identity.line,
        **fields,
    }
    TransformationEvent.model_validate(event)
    return event


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
    """A material lot consumed into a batch: TransformationEvent with one input."""
    gtin = material_gtin(material, gtin)
    item: dict[str, Any] = {
        "epcClass": lot_class(identity, gtin=gtin, material_code=material.code, lot=lot)
    }
    if quantity is not None:
        item["quantity"] = _number(quantity)
        if uom is not None:
            item["uom"] = uom
    extra = {keys.VENDOR: material.vendor} if material.vendor else {}
    return _transformation(
        identity,
        batch_id=batch_id,
        event_id=event_id,
        when=when,
        inputQuantityList=[item],
        **{keys.MATERIAL: material.code, **extra},
    )


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
    """Batch end: TransformationEvent with the new lot as its output, lot and expiry in ilmd."""
    item = {
        "epcClass": lot_class(identity, gtin=product.gtin, material_code=product.code, lot=lot),
        "quantity": _number(quantity),
        "uom": product.unit,
    }
    return _transformation(
        identity,
        batch_id=batch_id,
        event_id=event_id,
        when=when,
        outputQuantityList=[item],
        ilmd={
            keys.LOT_NUMBER: lot,
            keys.EXPIRY: expiry.isoformat(),
            keys.PRODUCTION_DATE: produced.isoformat(),
        },
        **{keys.PRODUCT: product.code},
    )


def receiving_event(
    identity: Identity, receipt: Receipt, *, event_id: str, when: datetime
) -> dict[str, Any]:
    """A receipt: ObjectEvent ADD, bizStep receiving, disposition in_progress (as GS1's own
    receiving example; ADD, not its OBSERVE, because the receipt states the lot's master data
    in ilmd, which EPCIS allows with ADD only). The lot's class and quantity, the vendor as
    owning-party source, the PO or delivery note, and the expiry in ilmd: `bestBeforeDate`
    when the label gave a best-before date (AI 15), else `itemExpirationDate`."""
    material = receipt.material
    gtin = material_gtin(material, receipt.gtin)
    item: dict[str, Any] = {
        "epcClass": lot_class(identity, gtin=gtin, material_code=material.code, lot=receipt.lot),
        "quantity": _number(receipt.quantity),
    }
    if receipt.uom is not None:
        item["uom"] = receipt.uom
    event: dict[str, Any] = {
        "@context": keys.context(),
        "type": "ObjectEvent",
        "eventID": event_id,
        **_time_fields(when),
        "action": "ADD",
        "bizStep": "receiving",
        "disposition": RECEIVING_DISPOSITION,
        "readPoint": {"id": location(identity, identity.line)},
        "bizLocation": {"id": location(identity, None)},
        "quantityList": [item],
        "bizTransactionList": [
            {
                "type": receipt.reference.kind.value,
                "bizTransaction": biz_transaction_uri(identity, material, receipt.reference),
            }
        ],
    }
    source = vendor_uri(material)
    if source is not None:
        event["sourceList"] = [{"type": "owning_party", "source": source}]
    if receipt.expiry is not None:
        date_key = keys.BEST_BEFORE if receipt.best_before else keys.EXPIRY
        event["ilmd"] = {date_key: receipt.expiry.isoformat()}
    event |= {
        keys.SITE: identity.site,
        keys.LINE: identity.line,
        keys.MATERIAL: material.code,
        **({keys.VENDOR: material.vendor} if material.vendor else {}),
        keys.RECEIPT: receipt.reference.number,
        (keys.INTERNAL_LOT if receipt.internal else keys.VENDOR_LOT): receipt.lot,
    }
    if receipt.tlc_source_reference:
        event[keys.TLC_SOURCE_REFERENCE] = receipt.tlc_source_reference
    ObjectEvent.model_validate(event)
    return event


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
    """An operational message (batch started, cancelled, label printed) for the `ops` topic.

    Plain JSON rather than an EPCIS event: none of these changes what happened to a lot. It
    shares `eventID` (for dedupe) and `transformationID` (to join the batch's events).
    """
    message = {
        "type": kind,
        "eventID": event_id,
        **_time_fields(when),
        "transformationID": batch_uri(identity, batch_id),
        "site": identity.site,
        "line": identity.line,
        "batchID": batch_id,
        "product": product,
        "details": {k: _jsonable(v) for k, v in details.items()},
    }
    OpsMessage.model_validate(message)
    return message


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _number(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def encode(message: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON, the payload that goes into the outbox."""
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode()


def private_identifiers(identity: Identity, materials: list[Material]) -> list[str]:
    """What a configuration would write as lotedge's own URNs (`urn:lotedge:...`) instead of
    standard identifiers, and what to set to avoid it: one message each (empty: none)."""
    found = []
    if identity.site_gln is None:
        found.append(
            "identity.site_gln is not set: readPoint and bizLocation are written "
            f"urn:lotedge:loc:{identity.site}..., purchase orders urn:lotedge:bt:...; set the "
            "site's GLN (SGLN locations, CBV business transactions)"
        )
    for material in materials:
        if len(material.gtins) != 1 and (material.vendor_pattern or not material.gtins):
            count = "no GTIN" if not material.gtins else "several GTINs"
            found.append(
                f"material {material.code} has {count}: its lots from vendor labels without "
                "one, and unlabelled receipts, are written "
                "urn:lotedge:class:...; give it exactly one GTIN (gtins = [...], the vendor's or "
                "one of the site's own)"
            )
        if material.vendor and material.vendor_gln is None:
            found.append(
                f"material {material.code} names vendor {material.vendor!r} without vendor_gln: "
                "the vendor is written urn:lotedge:vendor:..., its delivery notes "
                "urn:lotedge:bt:...; set vendor_gln"
            )
    return found
