"""From a payload to what the store keeps: its events, each parsed or rejected with a reason.

A payload is one bare event, an EPCISDocument or an EPCISQueryDocument (`documents`). Each event
is checked (against GS1's schema when configured, always structurally) and reduced to what the
genealogy, the query index and the reports need (`genealogy`); its body is kept whole. An event
without `eventID` is identified by its canonical hash (`lotedge.wire.event_hash`).

Pure: no database, no network. `parse_payload` never raises; every surprise is a `Rejection`.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from typing import Any

from lotedge.store.documents import EVENT_TYPES, Kind, NotEpcis, unwrap
from lotedge.store.fields import Bad, moment, required, text, utc_text
from lotedge.store.genealogy import (
    OWNING_PARTY,
    Flow,
    LotAttrs,
    ObjectRef,
    Step,
    expiry,
    flows_of,
    genealogy_step,
    object_refs,
    received_attrs,
    refs_of,
)
from lotedge.store.schema import SchemaValidator
from lotedge.store.storable import first_unstorable
from lotedge.wire import keys
from lotedge.wire.cbv import bare_word
from lotedge.wire.event_hash import event_hash

__all__ = ["Flow", "LotAttrs", "ParsedEvent", "RejectCode", "Rejection", "parse_event"]


class RejectCode(enum.StrEnum):
    """Why an event went to the dead-letter table."""

    NOT_UTF8 = "not_utf8"
    NOT_JSON = "not_json"
    NOT_EPCIS = "not_epcis"
    SCHEMA = "schema"
    STRUCTURE = "structure"
    UNSTORABLE = "unstorable"
    """A value no database keeps as text (a NUL, a lone surrogate), once decoded."""
    WRONG_LINE = "wrong_line"
    """Published on one line's topic, naming another site or line in its body."""
    DATABASE = "database"
    """The database refused the event (its reason is kept); the rest of its batch is stored."""


@dataclass(frozen=True)
class Rejection:
    """An event (or a whole payload) the store cannot keep, and why."""

    code: RejectCode
    reason: str
    raw: bytes | None = None
    """The rejected event's JSON when it came inside a document (else the payload itself)."""


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
    tlc_source: str | None = None
    """Where the lot's code was assigned (`lotedge:tlcSourceReference`; FSMA 204)."""


@dataclass(frozen=True)
class Declaration:
    """An error declaration: the event it comes with did not happen as recorded."""

    declared_at: str
    """UTC, sortable text."""
    reason: str | None
    """`did_not_occur`, `incorrect_data` (the bare CBV word) or another reason's URI."""
    corrective_ids: tuple[str, ...]
    body: str
    """The `errorDeclaration` object as JSON."""


@dataclass(frozen=True)
class ParsedEvent:
    """An accepted event, reduced to what genealogy, queries and reports need."""

    event_id: str
    """Its `eventID`; without one, its canonical hash (`ni:///sha-256;...?ver=CBV2.0`)."""
    event_type: str
    event_time: str
    """UTC, `YYYY-MM-DDTHH:MM:SS.ffffffZ`, so it sorts as text."""
    transformation_id: str | None
    site: str | None
    line: str | None
    product: str | None
    body: str
    local_date: str = ""
    """The calendar date of eventTime where it happened (`YYYY-MM-DD`, its own offset)."""
    biz_step: str | None = None
    """The bare CBV word (`receiving`), else the URI as written."""
    action: str | None = None
    objects: tuple[ObjectRef, ...] = ()
    step: Step | None = None
    receipt: Receipt | None = None
    """Set for a receiving ObjectEvent; its lots are `received`."""
    received: tuple[Flow, ...] = ()
    declaration: Declaration | None = None

    @property
    def flows(self) -> tuple[Flow, ...]:
        """Inputs then outputs of its step."""
        return (*self.step.inputs, *self.step.outputs) if self.step else ()

    @property
    def batch(self) -> str | None:
        """The step the flows belong to: a transformation's ID, else the event's own ID; None
        without a step."""
        if self.step is None:
            return None
        return self.step.uri or self.event_id


@dataclass(frozen=True)
class ParsedPayload:
    """A payload's events, in order, each parsed or rejected (one rejection for a payload that
    is no EPCIS event or document)."""

    kind: Kind | None
    items: list[ParsedEvent | Rejection] = field(default_factory=list)
    note: str = ""


def parse_payload(payload: bytes, validator: SchemaValidator | None = None) -> ParsedPayload:
    """Decode, unwrap, check (schema when given, always structure) and reduce every event."""
    decoded = decode(payload)
    if isinstance(decoded, Rejection):
        return ParsedPayload(None, [decoded])
    body_text, value = decoded
    try:
        found = unwrap(value)
    except NotEpcis as exc:
        return ParsedPayload(None, [Rejection(RejectCode.NOT_EPCIS, str(exc))])
    if found.kind == Kind.EVENT:
        return ParsedPayload(found.kind, [_parse(value, body_text, validator, "")])
    items = [
        _parse(event, json.dumps(event, ensure_ascii=False), validator, where)
        for where, event in found.events
    ]
    return ParsedPayload(found.kind, items, found.note)


def parse_event(
    payload: bytes, validator: SchemaValidator | None = None
) -> ParsedEvent | Rejection:
    """One bare event (the first event of a document)."""
    parsed = parse_payload(payload, validator)
    return parsed.items[0] if parsed.items else Rejection(RejectCode.NOT_EPCIS, "no event")


def decode(payload: bytes) -> tuple[str, Any] | Rejection:
    """The payload's text and its JSON value."""
    try:
        body_text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Rejection(RejectCode.NOT_UTF8, f"payload is not UTF-8: {exc.reason} at {exc.start}")
    try:
        return body_text, json.loads(body_text)
    except (ValueError, RecursionError) as exc:
        return Rejection(RejectCode.NOT_JSON, f"payload is not JSON: {exc}"[:300])


def _parse(
    event: Any, body: str, validator: SchemaValidator | None, where: str
) -> ParsedEvent | Rejection:
    raw = body.encode("utf-8", "surrogatepass") if where else None
    prefix = f"{where}: " if where else ""
    if validator is not None:
        error = validator.first_error(event)
        if error is not None:
            return Rejection(RejectCode.SCHEMA, prefix + error, raw)
    try:
        parsed = _reduce(event, body)
    except Bad as exc:
        return Rejection(RejectCode.STRUCTURE, prefix + str(exc), raw)
    problem = first_unstorable(parsed)
    if problem is not None:
        return Rejection(RejectCode.UNSTORABLE, f"{prefix}{problem}; no database keeps it", raw)
    return parsed


def _reduce(event: Any, body: str) -> ParsedEvent:
    if not isinstance(event, dict):
        raise Bad(f"an event is a JSON object, got {type(event).__name__}")
    event_type = required(event, "type")
    if event_type not in EVENT_TYPES and ":" not in event_type:
        raise Bad(
            f"type: {event_type!r} is not an EPCIS event type ({', '.join(EVENT_TYPES)}, or "
            "an extension event's URI)"[:300]
        )
    if "eventID" in event and not text(event, "eventID"):
        raise Bad("eventID: must be a non-empty string when given")
    when = moment(required(event, "eventTime"))
    step_word = text(event, "bizStep")
    biz_step = bare_word("bizStep", step_word) if step_word else None
    step = genealogy_step(event, event_type, biz_step)
    receipt: Receipt | None = None
    received: tuple[Flow, ...] = ()
    if event_type == "ObjectEvent" and biz_step == "receiving":
        receipt, received = _receipt(event, step)
    return ParsedEvent(
        event_id=text(event, "eventID") or event_hash(event),
        event_type=event_type,
        event_time=utc_text(when),
        transformation_id=text(event, "transformationID"),
        site=text(event, keys.SITE),
        line=text(event, keys.LINE),
        product=text(event, keys.PRODUCT),
        body=body,
        local_date=when.date().isoformat(),
        biz_step=biz_step,
        action=text(event, "action"),
        objects=tuple(object_refs(event, _attrs_by_role(event, event_type), step)),
        step=step,
        receipt=receipt,
        received=received,
        declaration=_declaration(event),
    )


def _attrs_by_role(event: dict[str, Any], event_type: str) -> dict[str, LotAttrs]:
    """What an event without a genealogy step says about its objects, by role (an event with
    one says it on the step's flows)."""
    if event_type == "ObjectEvent" and event.get("action") == "ADD":
        made = LotAttrs(material=text(event, keys.MATERIAL), expiry=expiry(event))
        return {"epc": made, "quantity": made}
    return {}


def _declaration(event: dict[str, Any]) -> Declaration | None:
    declaration = event.get("errorDeclaration")
    if declaration is None:
        return None
    if not isinstance(declaration, dict):
        raise Bad("errorDeclaration: expected an object")
    where = "errorDeclaration"
    when = moment(required(declaration, "declarationTime", where=where), f"{where}/declarationTime")
    reason = text(declaration, "reason", where=where)
    corrective = declaration.get("correctiveEventIDs", [])
    if not isinstance(corrective, list) or not all(isinstance(c, str) for c in corrective):
        raise Bad(f"{where}/correctiveEventIDs: expected a list of event IDs")
    return Declaration(
        utc_text(when),
        bare_word("errorReason", reason) if reason else None,
        tuple(corrective),
        json.dumps(declaration, ensure_ascii=False),
    )


def _receipt(event: dict[str, Any], step: Step | None) -> tuple[Receipt, tuple[Flow, ...]]:
    """The receipt of a receiving event and its lots (the entries of its `quantityList`)."""
    refs = step.refs if step else tuple(refs_of(event))
    vendor_uri = next((r.uri for r in refs if (r.role, r.type) == OWNING_PARTY), None)
    reference = next((r for r in refs if r.role == "bizTransaction"), None)
    attrs = received_attrs(event, refs)
    receipt = Receipt(
        vendor=attrs.vendor,
        vendor_uri=vendor_uri,
        material=attrs.material,
        vendor_lot=text(event, keys.VENDOR_LOT),
        internal_lot=text(event, keys.INTERNAL_LOT),
        reference=text(event, keys.RECEIPT),
        reference_type=(reference.type or None) if reference else None,
        reference_uri=reference.uri if reference else None,
        tlc_source=text(event, keys.TLC_SOURCE_REFERENCE),
    )
    return receipt, tuple(flows_of(event, "out", ("quantityList",), attrs))
