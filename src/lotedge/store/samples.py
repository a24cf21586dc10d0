"""Build events in the agent's format, for tests, benchmarks and demonstrations of the store."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

CONTEXT: list[Any] = [
    "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
    {"lotedge": "urn:lotedge:ns:"},
]
_NAMESPACE = uuid.UUID("1b0f6c52-6f5e-4b8e-9a55-3d1d7c2a0e11")


def lgtin(company_prefix: str, item_ref: str, lot: str) -> str:
    """An LGTIN class URN; the lot is percent-encoded."""
    return f"urn:epc:class:lgtin:{company_prefix}.{item_ref}.{quote(lot, safe='')}"


def lotedge_class(site: str, material: str, lot: str) -> str:
    """lotedge's class URN for non-GS1 material."""
    return f"urn:lotedge:class:{site}:{material}:{quote(lot, safe='')}"


def event_id(*parts: object) -> str:
    """A stable eventID derived from `parts`."""
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, '/'.join(map(str, parts)))}"


def batch_uri(site: str, line: str, batch: str) -> str:
    return f"urn:lotedge:batch:{site}:{line}:{batch}"


def transformation_event(
    *,
    eid: str,
    when: datetime,
    batch: str,
    site: str,
    line: str,
    inputs: Sequence[tuple[str, float]] = (),
    outputs: Sequence[tuple[str, float]] = (),
    material: str | None = None,
    vendor: str | None = None,
    product: str | None = None,
    lot: str | None = None,
    expiry: str | None = None,
) -> dict[str, Any]:
    """A consumption (inputs) or batch-end (outputs) TransformationEvent, quantities in KGM."""
    event: dict[str, Any] = {
        "@context": CONTEXT,
        "type": "TransformationEvent",
        "eventID": eid,
        "eventTime": when.astimezone(UTC).isoformat(timespec="milliseconds"),
        "eventTimeZoneOffset": "+00:00",
        "transformationID": batch_uri(site, line, batch),
        "bizStep": "commissioning",
        "readPoint": {"id": f"urn:epc:id:sgln:0614141.00000.{line}"},
        "bizLocation": {"id": "urn:epc:id:sgln:0614141.00000.0"},
    }
    for key, flows in (("inputQuantityList", inputs), ("outputQuantityList", outputs)):
        if flows:
            event[key] = [{"epcClass": c, "quantity": q, "uom": "KGM"} for c, q in flows]
    if lot is not None:
        event["ilmd"] = {"cbvmda:lotNumber": lot}
        if expiry is not None:
            event["ilmd"]["cbvmda:itemExpirationDate"] = expiry
    extensions = {
        "site": site,
        "line": line,
        "material": material,
        "vendor": vendor,
        "product": product,
    }
    event.update({f"lotedge:{k}": v for k, v in extensions.items() if v is not None})
    return event


def payload(event: dict[str, Any]) -> bytes:
    """An event as the agent publishes it."""
    return json.dumps(event, separators=(",", ":")).encode()


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
    """A rejected scan as the agent publishes it on `rejections` (receiving stations add
    `stage` and may name the vendor)."""
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
