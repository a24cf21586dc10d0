"""Rejected scans, as the agents publish them on their `rejections` topic: decoded and reduced
to what the vendor report needs. Pure: `parse_rejected_scan` never raises."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from lotedge.store.classes import gs1_key, own_key
from lotedge.store.events import RejectCode, Rejection, decode
from lotedge.store.fields import Bad, moment, required, text, utc_text
from lotedge.wire.gs1 import gtin_14
from lotedge.wire.topics import line_of_topic


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
    decoded = decode(payload)
    if isinstance(decoded, Rejection):
        return decoded
    body_text, body = decoded
    try:
        if not isinstance(body, dict):
            raise Bad(f"a rejection is a JSON object, got {type(body).__name__}")
        where = line_of_topic(topic)
        site, line = where[1:] if where else (text(body, "site"), text(body, "line"))
        material, gtin, lot = text(body, "material"), text(body, "gtin"), text(body, "lot")
        digest = hashlib.sha256(topic.encode() + b"\0" + payload).hexdigest()
        return RejectedScan(
            rejection_id=text(body, "eventID") or f"sha256:{digest}",
            stage=text(body, "stage") or "line",
            site=site,
            line=line,
            rejected_at=utc_text(moment(required(body, "time"), "time")),
            reason=required(body, "reason"),
            message=text(body, "message"),
            material=material,
            gtin=gtin,
            lot=lot,
            lot_key=_lot_key(site, material, gtin, lot),
            vendor=text(body, "vendor"),
            body=body_text,
        )
    except Bad as exc:
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
