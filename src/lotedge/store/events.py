"""From an MQTT payload to what the store keeps: a parsed event, or a rejection with a reason.

Pure: no database, no network. `parse_event` never raises; every surprise is a `Rejection`.
"""

from __future__ import annotations

import enum
import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lotedge.store.classes import LotClass, parse_class
from lotedge.store.schema import SchemaValidator

EXT = "lotedge:"
"""Prefix of lotedge's extension keys in events (mapped to urn:lotedge:ns: by the @context)."""


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
    """`in` or `out`."""
    position: int
    lot: LotClass
    attrs: LotAttrs
    quantity: float | None
    uom: str | None


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
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Rejection(RejectCode.NOT_UTF8, f"payload is not UTF-8: {exc.reason} at {exc.start}")
    try:
        event = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return Rejection(RejectCode.NOT_JSON, f"payload is not JSON: {exc}"[:300])
    if validator is not None:
        error = validator.first_error(event)
        if error is not None:
            return Rejection(RejectCode.SCHEMA, error)
    try:
        return _reduce(event, text)
    except _Bad as exc:
        return Rejection(RejectCode.STRUCTURE, str(exc))


def _reduce(event: Any, text: str) -> ParsedEvent:
    if not isinstance(event, dict):
        raise _Bad(f"an event is a JSON object, got {type(event).__name__}")
    event_type = _required(event, "type")
    transformation_id = _text(event, "transformationID")
    flows: list[Flow] = []
    if event_type == "TransformationEvent":
        inputs = LotAttrs(
            material=_text(event, EXT + "material"), vendor=_text(event, EXT + "vendor")
        )
        ilmd = event.get("ilmd")
        ilmd = ilmd if isinstance(ilmd, dict) else {}
        outputs = LotAttrs(
            product=_text(event, EXT + "product"),
            expiry=_text(ilmd, "cbvmda:itemExpirationDate"),
        )
        flows += _flows(event, "inputQuantityList", "in", inputs)
        flows += _flows(event, "outputQuantityList", "out", outputs)
    return ParsedEvent(
        event_id=_required(event, "eventID"),
        event_type=event_type,
        event_time=_utc(_required(event, "eventTime")),
        transformation_id=transformation_id,
        site=_text(event, EXT + "site"),
        line=_text(event, EXT + "line"),
        product=_text(event, EXT + "product"),
        flows=tuple(flows),
        body=text,
    )


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


def _utc(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _Bad(f"eventTime: not an ISO 8601 date-time: {value!r}"[:200]) from None
    if moment.tzinfo is None:
        raise _Bad(f"eventTime: has no UTC offset: {value!r}"[:200])
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
