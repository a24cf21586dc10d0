"""The statements the ingest writes with, and the rows of a parsed event they take.

Every value travels as a parameter; `?` becomes `%s` on PostgreSQL (`db.Database`).
"""

from __future__ import annotations

from lotedge.store.classes import LotClass
from lotedge.store.events import ParsedEvent
from lotedge.store.genealogy import LotAttrs
from lotedge.store.rejected_scans import RejectedScan

DEAD_LETTER = (
    "INSERT INTO dead_letters (received_at, source, code, reason, payload) VALUES (?, ?, ?, ?, ?)"
)
EVENT = (
    "INSERT INTO events (event_id, event_type, event_time, transformation_id, site, line,"
    " received_at, body, local_date, biz_step, action, declared_at, declaration)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (event_id) DO NOTHING RETURNING id"
)
STORED_EVENTS = "SELECT event_id, id, body, declared_at FROM events WHERE event_id IN ({marks})"
TRANSFORMATION = (
    "INSERT INTO transformations (uri, site, line, product, kind) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (uri) DO UPDATE SET site = COALESCE(transformations.site, excluded.site),"
    " line = COALESCE(transformations.line, excluded.line),"
    " product = COALESCE(transformations.product, excluded.product) RETURNING id"
)
LOT = (
    "INSERT INTO lots (class_key, epc_class, scheme, gtin, lot, material, vendor, product,"
    " expiry) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (class_key) DO UPDATE SET"
    " material = COALESCE(lots.material, excluded.material),"
    " vendor = COALESCE(lots.vendor, excluded.vendor),"
    " product = COALESCE(lots.product, excluded.product),"
    " expiry = COALESCE(lots.expiry, excluded.expiry) RETURNING id"
)
_FLOW_COLUMNS = "(event, direction, position, transformation, lot, quantity, uom)"
FLOW = f"INSERT INTO lot_flows {_FLOW_COLUMNS} VALUES (?, ?, ?, ?, ?, ?, ?)"
RETRACTED_FLOW = f"INSERT INTO retracted_flows {_FLOW_COLUMNS} VALUES (?, ?, ?, ?, ?, ?, ?)"
STEP_REF = (
    "INSERT INTO step_refs (transformation, role, type, uri) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (transformation, role, type, uri) DO NOTHING"
)
EVENT_OBJECT = "INSERT INTO event_objects (event, role, node) VALUES (?, ?, ?)"
RECEIPT = (  # vendor ... reference_uri in the order of `events.Receipt`'s fields
    "INSERT INTO receipts (event, position, lot, vendor, vendor_uri, material, vendor_lot,"
    " internal_lot, reference, reference_type, reference_uri, tlc_source, quantity, uom,"
    " expiry, received_at, received_on, site, line)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
CONFLICT = (
    "INSERT INTO conflicts (event_id, received_at, source, stored_hash, received_hash, body)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)
DECLARE = "UPDATE events SET declared_at = ?, declaration = ? WHERE id = ?"
RETRACT_FLOWS = (
    f"INSERT INTO retracted_flows {_FLOW_COLUMNS} SELECT event, direction, position,"
    " transformation, lot, quantity, uom FROM lot_flows WHERE event = ?"
)
DROP_FLOWS = "DELETE FROM lot_flows WHERE event = ?"
DROP_RECEIPTS = "DELETE FROM receipts WHERE event = ?"
FORWARD = "INSERT INTO forward_outbox (event) VALUES (?)"
REJECTED_SCAN = (
    "INSERT INTO rejections (rejection_id, stage, site, line, rejected_at, reason, message,"
    " material, gtin, lot, lot_key, vendor, received_at, body)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (rejection_id) DO NOTHING RETURNING id"
)
LINE = (
    "INSERT INTO lines (root, prefix, site, line, first_seen) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (root) DO NOTHING"
)

BatchKey = tuple[str, str | None, str | None, str | None, str]
"""A genealogy step as one event describes it: URI, site, line, product, kind."""
LotKey = tuple[LotClass, LotAttrs]
"""A node as one event describes it."""


def event_row(event: ParsedEvent, now: str) -> tuple[object, ...]:
    declaration = event.declaration
    return (
        event.event_id,
        event.event_type,
        event.event_time,
        event.transformation_id,
        event.site,
        event.line,
        now,
        event.body,
        event.local_date,
        event.biz_step,
        event.action,
        declaration.declared_at if declaration else None,
        declaration.body if declaration else None,
    )


def batch_key(event: ParsedEvent) -> BatchKey:
    assert event.step is not None and event.batch is not None
    return (event.batch, event.site, event.line, event.product, event.step.kind)


def lot_keys(event: ParsedEvent) -> list[LotKey]:
    """Every node the event names, with what it says about each, in the order it names them."""
    named = [(o.node, o.attrs) for o in event.objects]
    named += [(f.lot, f.attrs) for f in (*event.flows, *event.received)]
    return list(dict.fromkeys(named))


def lot_row(key: LotKey) -> tuple[object, ...]:
    lot, attrs = key
    return (
        lot.key,
        lot.epc_class,
        lot.scheme,
        lot.gtin,
        lot.lot,
        attrs.material,
        attrs.vendor,
        attrs.product,
        attrs.expiry,
    )


def rejected_scan_row(scan: RejectedScan, now: str) -> tuple[object, ...]:
    return (
        scan.rejection_id,
        scan.stage,
        scan.site,
        scan.line,
        scan.rejected_at,
        scan.reason,
        scan.message,
        scan.material,
        scan.gtin,
        scan.lot,
        scan.lot_key,
        scan.vendor,
        now,
        scan.body,
    )
