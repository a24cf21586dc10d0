"""From an MQTT payload to what the store keeps: a parsed event, or a rejection with a reason.

Pure: no database, no network. `parse_event` never raises; every surprise is a `Rejection`.
"""

from __future__ import annotations

import enum
import hashlib
import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lotedge.store.classes import LotClass, gs1_key, own_key, parse_class
from lotedge.store.schema import SchemaValidator
from lotedge.wire import keys
from lotedge.wire.gs1 import gtin_14
from lotedge.wire.topics import line_of_topic


class RejectCode(enum.StrEnum):
    """Why an event went to the dead-letter table."""

    NOT_UTF8 = "not_utf8"
    NOT_JSON = "not_json"
    SCHEMA = "schema"
    STRUCTURE = "structure"


@dataclass(frozen=True)
class Rejection:
    """An event the store cannot keep, and why."""

    code: RejectCode
    reason: str


@dataclass(frozen=True)
class LotAttrs:
    """What an event says about a lot besides its identifier."""

    material: str | None = None
    vendor: str | None = None
    product: str | None = None
    expiry: str | None = None


@dataclass(frozen=True)
class Flow:
    """One entry of an input or output quantity list."""

    direction: str
    """`in` or `out` (of a batch), or `received` (a receiving event's quantityList)."""
    position: int
    lot: LotClass
    attrs: LotAttrs
    quantity: float | None
    uom: str | None


@dataclass(frozen=True)
class Receipt:
    """What a receiving ObjectEvent says besides its lots (those are its `received` flows)."""

    vendor: str | None
    """The vendor's name (`lotedge:vendor`), else its identifier (the owning-party source)."""
    vendor_uri: str | None
    material: str | None
    vendor_lot: str | None
    internal_lot: str | None
    reference: str | None
    """The purchase order or delivery note number as scanned or typed (`lotedge:receipt`)."""
    reference_type: str | None
    """`po` or `desadv` (the business transaction's type)."""
    reference_uri: str | None


@dataclass(frozen=True)
class ParsedEvent:
    """An accepted event, reduced to what genealogy and reports need."""

    event_id: str
    event_type: str
    event_time: str
    """UTC, `YYYY-MM-DDTHH:MM:SS.ffffffZ`, so it sorts as text."""
    transformation_id: str | None
    site: str | None
    line: str | None
    product: str | None
    flows: tuple[Flow, ...]
    body: str
    local_date: str = ""
    """The calendar date of eventTime where it happened (`YYYY-MM-DD`, its own offset)."""
    receipt: Receipt | None = None
    """Set for a receiving ObjectEvent; its lots are `received`."""
    received: tuple[Flow, ...] = ()

    @property
    def batch(self) -> str | None:
        """The transformation the flows belong to: its ID, or for a TransformationEvent without
        one (a self-contained transformation) the event's own ID; None without flows."""
        if not self.flows:
            return None
        return self.transformation_id or self.event_id


class _Bad(Exception):
    """A structural problem, raised inside the parser and turned into a Rejection."""


def parse_event(
    payload: bytes, validator: SchemaValidator | None = None
) -> ParsedEvent | Rejection:
    """Decode, check (schema when given, always structure) and reduce one event."""
    decoded = _decode(payload)
    if isinstance(decoded, Rejection):
        return decoded
    text, event = decoded
    if validator is not None:
        error = validator.first_error(event)
        if error is not None:
            return Rejection(RejectCode.SCHEMA, error)
    try:
        return _reduce(event, text)
    except _Bad as exc:
        return Rejection(RejectCode.STRUCTURE, str(exc))


def _decode(payload: bytes) -> tuple[str, Any] | Rejection:
    """The payload's text and its JSON value."""
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Rejection(RejectCode.NOT_UTF8, f"payload is not UTF-8: {exc.reason} at {exc.start}")
    try:
        return text, json.loads(text)
    except (ValueError, RecursionError) as exc:
        return Rejection(RejectCode.NOT_JSON, f"payload is not JSON: {exc}"[:300])


@dataclass(frozen=True)
class RejectedScan:
    """A scan an agent refused, as published on its `rejections` topic."""

    rejection_id: str
    """The payload's `eventID`; without one, a hash of topic and payload (a resend is equal)."""
    stage: str
    """`line` (a scan at the line) or `receiving` (a delivery refused at goods receipt)."""
    site: str | None
    line: str | None
    rejected_at: str
    """UTC, sortable text like `ParsedEvent.event_time`."""
    reason: str
    message: str | None
    material: str | None
    gtin: str | None
    lot: str | None
    lot_key: str | None
    """The key of the lot in `lots` (see `classes`), when the payload identifies one."""
    vendor: str | None
    body: str


def parse_rejected_scan(payload: bytes, topic: str) -> RejectedScan | Rejection:
    """Decode and reduce one message of a `rejections` topic; never raises."""
    decoded = _decode(payload)
    if isinstance(decoded, Rejection):
        return decoded
    text, body = decoded
    try:
        if not isinstance(body, dict):
            raise _Bad(f"a rejection is a JSON object, got {type(body).__name__}")
        where = line_of_topic(topic)
        site, line = where[1:] if where else (_text(body, "site"), _text(body, "line"))
        material, gtin, lot = _text(body, "material"), _text(body, "gtin"), _text(body, "lot")
        digest = hashlib.sha256(topic.encode() + b"\0" + payload).hexdigest()
        return RejectedScan(
            rejection_id=_text(body, "eventID") or f"sha256:{digest}",
            stage=_text(body, "stage") or "line",
            site=site,
            line=line,
            rejected_at=_utc_text(_moment(_required(body, "time"), "time")),
            reason=_required(body, "reason"),
            message=_text(body, "message"),
            material=material,
            gtin=gtin,
            lot=lot,
            lot_key=_lot_key(site, material, gtin, lot),
            vendor=_text(body, "vendor"),
            body=text,
        )
    except _Bad as exc:
        return Rejection(RejectCode.STRUCTURE, str(exc))


def _lot_key(
    site: str | None, material: str | None, gtin: str | None, lot: str | None
) -> str | None:
    """The `lots.class_key` the agent's event for this lot would have had."""
    if lot is None:
        return None
    if gtin is not None:
        normalized = gtin_14(gtin)
        return gs1_key(normalized, lot) if normalized else None
    if site is not None and material is not None:
        return own_key(site, material, lot)
    return None


def _reduce(event: Any, text: str) -> ParsedEvent:
    if not isinstance(event, dict):
        raise _Bad(f"an event is a JSON object, got {type(event).__name__}")
    event_type = _required(event, "type")
    transformation_id = _text(event, "transformationID")
    flows: list[Flow] = []
    if event_type == "TransformationEvent":
        inputs = LotAttrs(material=_text(event, keys.MATERIAL), vendor=_text(event, keys.VENDOR))
        outputs = LotAttrs(product=_text(event, keys.PRODUCT), expiry=_expiry(event))
        flows += _flows(event, "inputQuantityList", "in", inputs)
        flows += _flows(event, "outputQuantityList", "out", outputs)
    receipt, received = None, ()
    if event_type == "ObjectEvent" and _is_receiving(event):
        receipt, received = _receipt(event)
    moment = _moment(_required(event, "eventTime"))
    return ParsedEvent(
        event_id=_required(event, "eventID"),
        event_type=event_type,
        event_time=_utc_text(moment),
        transformation_id=transformation_id,
        site=_text(event, keys.SITE),
        line=_text(event, keys.LINE),
        product=_text(event, keys.PRODUCT),
        flows=tuple(flows),
        body=text,
        local_date=moment.date().isoformat(),
        receipt=receipt,
        received=tuple(received),
    )


def _is_receiving(event: dict[str, Any]) -> bool:
    """bizStep `receiving` (the bare CBV word, or its URN form)."""
    step = event.get("bizStep")
    return isinstance(step, str) and step.rsplit(":", 1)[-1] == "receiving"


def _receipt(event: dict[str, Any]) -> tuple[Receipt, list[Flow]]:
    source = _typed_entry(event, "sourceList", "source", "owning_party")
    reference = _typed_entry(event, "bizTransactionList", "bizTransaction", None)
    vendor = _text(event, keys.VENDOR)
    attrs = LotAttrs(
        material=_text(event, keys.MATERIAL), vendor=vendor or source[1], expiry=_expiry(event)
    )
    receipt = Receipt(
        vendor=attrs.vendor,
        vendor_uri=source[1],
        material=attrs.material,
        vendor_lot=_text(event, keys.VENDOR_LOT),
        internal_lot=_text(event, keys.INTERNAL_LOT),
        reference=_text(event, keys.RECEIPT),
        reference_type=reference[0],
        reference_uri=reference[1],
    )
    return receipt, _flows(event, "quantityList", "received", attrs)


def _typed_entry(
    event: dict[str, Any], key: str, value_key: str, wanted: str | None
) -> tuple[str | None, str | None]:
    """(type, value) of the first entry of a source/destination/bizTransaction list whose type
    is `wanted` (any type when None; the CBV URN form of a type counts); (None, None) if none."""
    entries = event.get(key, [])
    if not isinstance(entries, list):
        raise _Bad(f"{key}: expected a list")
    for position, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise _Bad(f"{key}/{position}: expected an object")
        kind = _text(entry, "type", where=f"{key}/{position}")
        short = kind.rsplit(":", 1)[-1] if kind else None
        if wanted is None or short == wanted:
            return short, _text(entry, value_key, where=f"{key}/{position}")
    return None, None


def _expiry(event: dict[str, Any]) -> str | None:
    ilmd = event.get("ilmd")
    return _text(ilmd, keys.EXPIRY) if isinstance(ilmd, dict) else None


def _flows(event: dict[str, Any], key: str, direction: str, attrs: LotAttrs) -> list[Flow]:
    entries = event.get(key, [])
    if not isinstance(entries, list):
        raise _Bad(f"{key}: expected a list")
    flows = []
    for position, entry in enumerate(entries):
        where = f"{key}/{position}"
        if not isinstance(entry, dict):
            raise _Bad(f"{where}: expected an object")
        lot = parse_class(_required(entry, "epcClass", where=where))
        if lot.material is not None and attrs.material is None:
            attrs = LotAttrs(lot.material, attrs.vendor, attrs.product, attrs.expiry)
        quantity = entry.get("quantity")
        if quantity is not None and (
            isinstance(quantity, bool)
            or not isinstance(quantity, int | float)
            or not math.isfinite(quantity)
        ):
            raise _Bad(f"{where}/quantity: expected a number, got {quantity!r}"[:200])
        uom = _text(entry, "uom", where=where)
        flows.append(Flow(direction, position, lot, attrs, quantity, uom))
    return flows


def _required(obj: dict[str, Any], key: str, *, where: str = "") -> str:
    value = _text(obj, key, where=where)
    if not value:
        raise _Bad(
            f"{where}/{key}: required, non-empty" if where else f"{key}: required, non-empty"
        )
    return value


def _text(obj: dict[str, Any], key: str, *, where: str = "") -> str | None:
    """A string field that a database column can hold (no NUL, no lone surrogate)."""
    value = obj.get(key)
    if value is None:
        return None
    name = f"{where}/{key}" if where else key
    if not isinstance(value, str):
        raise _Bad(f"{name}: expected a string, got {value!r}"[:200])
    if "\x00" in value:
        raise _Bad(f"{name}: contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _Bad(f"{name}: contains a lone surrogate") from None
    return value


def _moment(value: str, name: str = "eventTime") -> datetime:
    """An ISO 8601 date-time that has a UTC offset."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _Bad(f"{name}: not an ISO 8601 date-time: {value!r}"[:200]) from None
    if moment.tzinfo is None:
        raise _Bad(f"{name}: has no UTC offset: {value!r}"[:200])
    return moment


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
