"""Is an event with a stored eventID the same event? Compared by content: the same text, else
the same canonical hash (the hash leaves out `eventID` and `errorDeclaration`, and does not see
key order, whitespace, URN or Digital Link, bare CBV word or Web URI)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lotedge.store.events import ParsedEvent
from lotedge.wire.event_hash import event_hash

if TYPE_CHECKING:
    from lotedge.store.ingest import EventResult


@dataclass(frozen=True)
class Stored:
    """An event already stored (or stored earlier in the same batch)."""

    row: int
    body: str
    declared: bool
    """Retracted by an error declaration already."""


def content_hash(body: str) -> str:
    """The canonical hash of a stored body (the event's own @context gives its prefixes)."""
    return event_hash(json.loads(body))


def resolve(stored: Stored, event: ParsedEvent) -> tuple[EventResult, tuple[str, str] | None]:
    """What `event` is, given the stored event with its ID: a duplicate, the declaration that
    retracts it, or a conflict (then also the stored and the received content hashes)."""
    from lotedge.store.ingest import EventResult, IngestOutcome

    if stored.body != event.body:
        stored_hash, received_hash = content_hash(stored.body), content_hash(event.body)
        if stored_hash != received_hash:
            reason = (
                f"eventID {event.event_id} is stored with other content (stored {stored_hash},"
                f" received {received_hash}): kept the stored event, recorded the conflict"
            )
            return EventResult(IngestOutcome.CONFLICT, event.event_id, reason), (
                stored_hash,
                received_hash,
            )
    if event.declaration is not None and not stored.declared:
        return EventResult(IngestOutcome.RETRACTED, event.event_id), None
    return EventResult(IngestOutcome.DUPLICATE, event.event_id), None
