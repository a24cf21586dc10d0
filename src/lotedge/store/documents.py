"""What a payload holds: one bare EPCIS event, an EPCISDocument, or an EPCISQueryDocument (a
query's or a subscription's results), unwrapped to its events.

An event inside a document gets the document's `@context` (before its own, if it has one), so
every stored event stands on its own as a bare JSON-LD event. Pure: no I/O.

>>> found = unwrap({"@context": ["c"], "type": "EPCISDocument",
...     "epcisBody": {"eventList": [{"type": "ObjectEvent"}]}})
>>> found.kind.value, found.events
('EPCISDocument', [('epcisBody/eventList/0', {'type': 'ObjectEvent', '@context': ['c']})])
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

EVENT_TYPES = (
    "ObjectEvent",
    "AggregationEvent",
    "TransactionEvent",
    "TransformationEvent",
    "AssociationEvent",
)


class Kind(enum.StrEnum):
    """What a payload was."""

    EVENT = "event"
    DOCUMENT = "EPCISDocument"
    QUERY_DOCUMENT = "EPCISQueryDocument"


@dataclass(frozen=True)
class Unwrapped:
    """The events of a payload: (where in the payload, the event) in order."""

    kind: Kind
    events: list[tuple[str, Any]] = field(default_factory=list)
    note: str = ""
    """What a query document answered: `query SimpleEventQuery, subscription 32d2...`."""


class NotEpcis(ValueError):
    """A payload that is neither an EPCIS event nor a document of events; says why."""


def unwrap(value: Any) -> Unwrapped:
    """The events of a decoded payload; NotEpcis when it is no EPCIS event or document."""
    if not isinstance(value, dict):
        raise NotEpcis(f"expected an EPCIS event or document (a JSON object), got {_kind(value)}")
    kind = value.get("type")
    if kind == Kind.DOCUMENT:
        events = _path(value, ("epcisBody", "eventList"))
        return Unwrapped(Kind.DOCUMENT, _with_context(value, "epcisBody/eventList", events))
    if kind == Kind.QUERY_DOCUMENT:
        results = _path(value, ("epcisBody", "queryResults"))
        events = _path(results, ("resultsBody", "eventList"), "epcisBody/queryResults")
        where = "epcisBody/queryResults/resultsBody/eventList"
        note = ", ".join(
            f"{label} {results[key]}"
            for key, label in (("queryName", "query"), ("subscriptionID", "subscription"))
            if isinstance(results.get(key), str)
        )
        return Unwrapped(Kind.QUERY_DOCUMENT, _with_context(value, where, events), note)
    if isinstance(kind, str) and kind.startswith("EPCIS"):
        raise NotEpcis(f"type {kind!r}: only EPCIS events, EPCISDocument and EPCISQueryDocument")
    return Unwrapped(Kind.EVENT, [("", value)])


def _kind(value: Any) -> str:
    return {list: "a list", str: "a string", type(None): "null", bool: "a boolean"}.get(
        type(value), "a number"
    )


def _path(value: dict[str, Any], keys: tuple[str, ...], where: str = "") -> Any:
    for key in keys:
        where = f"{where}/{key}" if where else key
        if not isinstance(value, dict) or key not in value:
            raise NotEpcis(f"{where}: required")
        value = value[key]
    if keys[-1] == "eventList" and not isinstance(value, list):
        raise NotEpcis(f"{where}: expected a list of events, got {_kind(value)}")
    return value


def _with_context(document: dict[str, Any], where: str, events: list[Any]) -> list[tuple[str, Any]]:
    context = document.get("@context")
    return [(f"{where}/{i}", _carry(context, event)) for i, event in enumerate(events)]


def _carry(context: Any, event: Any) -> Any:
    """`event` with the document's `@context` (first) and its own."""
    if context is None or not isinstance(event, dict):
        return event
    own = event.get("@context")
    if own is None:
        return {**event, "@context": context}
    combined = [*_as_list(context), *(c for c in _as_list(own) if c not in _as_list(context))]
    return {**event, "@context": combined}


def _as_list(context: Any) -> list[Any]:
    return context if isinstance(context, list) else [context]
