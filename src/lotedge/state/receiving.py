"""Receipts, the open-lot list (FEFO) and the receiving settings that survive a restart.

Only the engine thread calls the writers. The mode and the current receipt reference live in the
`flags` table, so a restart keeps both.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from decimal import Decimal

from lotedge.core.decisions import OpenLot
from lotedge.core.lot_lists import ListPage, Pending
from lotedge.core.receiving import Receipt, ReceiptReference, ReferenceKind
from lotedge.core.scale_protocol import KILOGRAMS, convert
from lotedge.state import staged_lots
from lotedge.state.staged_lots import Row

DDL = """
CREATE TABLE receipts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    scan_id INTEGER REFERENCES scans (id),
    received_at TEXT NOT NULL,
    material TEXT NOT NULL,
    vendor TEXT NOT NULL,
    gtin TEXT,
    lot TEXT NOT NULL,
    internal INTEGER NOT NULL,
    quantity TEXT NOT NULL,
    uom TEXT,
    expiry TEXT,
    reference_kind TEXT NOT NULL CHECK (reference_kind IN ('po', 'desadv')),
    reference TEXT NOT NULL,
    event_id TEXT NOT NULL UNIQUE
);
CREATE TABLE open_lots (
    material TEXT NOT NULL,
    lot TEXT NOT NULL,
    expiry TEXT,
    source TEXT NOT NULL CHECK (source IN ('received', 'store')),
    received_qty TEXT,
    consumed_qty TEXT NOT NULL DEFAULT '0',
    closed INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (material, lot)
);
ALTER TABLE scans ADD COLUMN warning TEXT;
CREATE INDEX scans_received ON scans (dedupe_key, received_at) WHERE outcome = 'received'
"""

RECEIVED_UNIT = """
ALTER TABLE open_lots ADD COLUMN received_uom TEXT;
UPDATE open_lots SET received_uom = (
    SELECT r.uom FROM receipts r WHERE r.material = open_lots.material AND r.lot = open_lots.lot
    ORDER BY r.id DESC LIMIT 1
) WHERE source = 'received';
UPDATE open_lots SET received_qty = NULL WHERE source = 'received' AND (
    SELECT COUNT(DISTINCT coalesce(r.uom, '')) FROM receipts r
    WHERE r.material = open_lots.material AND r.lot = open_lots.lot
) > 1
"""
"""Migration 8: the unit of a lot's received quantity, so that only consumptions in that unit
count against it (a lot received in several units has no quantity that can run out)."""

MODES = ("production", "receiving", "shipping")
_MODE = "mode"
_REFERENCE = "receipt_reference"


def _flag(conn: sqlite3.Connection, name: str) -> str | None:
    row = conn.execute("SELECT value FROM flags WHERE name = ?", (name,)).fetchone()
    return row[0] if row else None


def _set_flag(conn: sqlite3.Connection, name: str, value: str) -> None:
    conn.execute(
        "INSERT INTO flags (name, value) VALUES (?, ?)"
        " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        (name, value),
    )


def mode(conn: sqlite3.Connection) -> str:
    """`production`, `receiving` or `shipping`, as the operator last set it (production at
    first)."""
    return _flag(conn, _MODE) or "production"


def effective_mode(conn: sqlite3.Connection, role: str) -> str:
    """The mode of a receiving or shipping station (`role`), else (`line`) the mode the
    operator set."""
    return role if role in MODES else mode(conn)


def set_mode(conn: sqlite3.Connection, value: str) -> None:
    assert value in MODES
    _set_flag(conn, _MODE, value)


def reference(conn: sqlite3.Connection) -> ReceiptReference | None:
    """The PO or delivery note the next receipts belong to."""
    value = _flag(conn, _REFERENCE)
    if value is None:
        return None
    kind, _, number = value.partition(":")
    return ReceiptReference(ReferenceKind(kind), number)


def set_reference(conn: sqlite3.Connection, ref: ReceiptReference) -> None:
    _set_flag(conn, _REFERENCE, f"{ref.kind.value}:{ref.number}")


def record_receipt(
    conn: sqlite3.Connection, receipt: Receipt, *, scan_id: int | None, event_id: str
) -> int:
    """The receipt row, and its lot opened (or topped up) in the open-lot list."""
    cursor = conn.execute(
        "INSERT INTO receipts (scan_id, received_at, material, vendor, gtin, lot, internal,"
        " quantity, uom, expiry, reference_kind, reference, event_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            scan_id,
            receipt.received_at.isoformat(),
            receipt.material.code,
            receipt.material.vendor,
            receipt.gtin,
            receipt.lot,
            int(receipt.internal),
            str(receipt.quantity),
            receipt.uom,
            receipt.expiry.isoformat() if receipt.expiry else None,
            receipt.reference.kind.value,
            receipt.reference.number,
            event_id,
        ),
    )
    row = conn.execute(
        "SELECT received_qty, received_uom, source FROM open_lots"
        " WHERE material = ? AND lot = ? AND NOT closed",
        (receipt.material.code, receipt.lot),
    ).fetchone()
    received: Decimal | None = receipt.quantity
    if row is not None and row[2] == "received":  # a second receipt of a lot still open
        same_unit = row[0] is not None and row[1] == receipt.uom
        received = Decimal(row[0]) + receipt.quantity if same_unit else None
    conn.execute(
        "INSERT INTO open_lots (material, lot, expiry, source, received_qty, received_uom,"
        " updated_at) VALUES (?, ?, ?, 'received', ?, ?, ?) ON CONFLICT (material, lot) DO UPDATE"
        " SET expiry = coalesce(excluded.expiry, expiry), source = 'received',"
        " received_qty = excluded.received_qty, received_uom = excluded.received_uom,"
        " consumed_qty = CASE WHEN closed THEN '0' ELSE consumed_qty END, closed = 0,"
        " updated_at = excluded.updated_at",
        (
            receipt.material.code,
            receipt.lot,
            receipt.expiry.isoformat() if receipt.expiry else None,
            None if received is None else str(received),
            receipt.uom,
            receipt.received_at.isoformat(),
        ),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def open_lots(conn: sqlite3.Connection, material: str) -> tuple[OpenLot, ...]:
    """The material's open lots (holds are matched by the decision, against the hold list)."""
    rows = conn.execute(
        "SELECT lot, expiry FROM open_lots WHERE material = ? AND NOT closed", (material,)
    )
    return tuple(
        OpenLot(lot, date.fromisoformat(expiry) if expiry else None) for lot, expiry in rows
    )


def consume(
    conn: sqlite3.Connection,
    material: str,
    lot: str,
    quantity: Decimal | None,
    uom: str | None,
    now: datetime,
) -> None:
    """Count a consumption against an open lot received here, when it is in the unit of the
    received quantity or both are masses (a weighed 12.5 kg of a lot received as 25000 g); the
    lot closes once that quantity is used, and stays open for FEFO with the rest until then. A
    consumption in another unit (1 counted container of a lot received as 25 kg) is not
    counted: with no conversion known, the lot stays open until it is closed by hand or by the
    central side."""
    row = conn.execute(
        "SELECT received_qty, received_uom, consumed_qty FROM open_lots"
        " WHERE material = ? AND lot = ? AND NOT closed",
        (material, lot),
    ).fetchone()
    if row is None or quantity is None or row[0] is None or uom is None:
        return
    if row[1] != uom:
        if row[1] not in KILOGRAMS or uom not in KILOGRAMS:
            return
        quantity = convert(quantity, uom, row[1])
    consumed = Decimal(row[2]) + quantity
    closed = consumed >= Decimal(row[0])
    conn.execute(
        "UPDATE open_lots SET consumed_qty = ?, closed = ?, updated_at = ?"
        " WHERE material = ? AND lot = ?",
        (str(consumed), int(closed), now.isoformat(), material, lot),
    )


def open_from_store(
    conn: sqlite3.Connection,
    material: str,
    lots: list[tuple[str, date | None]],
    *,
    replace: bool = False,
    page: ListPage | None = None,
    now: datetime,
) -> int | Pending:
    """Lots the central side says are open; `replace` first closes its earlier ones of this
    material (lots received here are left alone). A `page` of a paged list is staged; the last
    one in replaces the earlier lots with the whole list. The number of lots recorded, or what
    became of the page (`Pending`)."""
    rows: list[Row] = [(lot, expiry.isoformat() if expiry else None) for lot, expiry in lots]
    written = staged_lots.incoming(conn, "open_lots", material, page, rows, replace, now)
    if isinstance(written, Pending):
        return written
    rows, replace = written
    if replace:
        conn.execute(
            "UPDATE open_lots SET closed = 1, updated_at = ?"
            " WHERE material = ? AND source = 'store' AND NOT closed",
            (now.isoformat(), material),
        )
    conn.executemany(
        "INSERT INTO open_lots (material, lot, expiry, source, updated_at)"
        " VALUES (?, ?, ?, 'store', ?) ON CONFLICT (material, lot) DO UPDATE SET"
        " expiry = coalesce(excluded.expiry, expiry), closed = 0,"
        " updated_at = excluded.updated_at",
        [(material, *row, now.isoformat()) for row in rows],
    )
    return len(rows)


def close(conn: sqlite3.Connection, material: str, lot: str, now: datetime) -> bool:
    """Close an open lot by hand (used up, thrown away); False when it was not open."""
    cursor = conn.execute(
        "UPDATE open_lots SET closed = 1, updated_at = ?"
        " WHERE material = ? AND lot = ? AND NOT closed",
        (now.isoformat(), material, lot),
    )
    return cursor.rowcount > 0


def lot_list(conn: sqlite3.Connection, material: str | None) -> list[dict[str, object]]:
    """Open lots (of one material, or all), first to expire first."""
    rows = conn.execute(
        "SELECT material, lot, expiry, source, received_qty, received_uom, consumed_qty"
        " FROM open_lots WHERE NOT closed AND (? IS NULL OR material = ?)"
        " ORDER BY material, expiry IS NULL, expiry, lot",
        (material, material),
    )
    keys = ("material", "lot", "expiry", "source", "received_qty", "uom", "consumed_qty")
    lots = [dict(zip(keys, row, strict=True)) for row in rows]
    for lot in lots:
        received = lot["received_qty"]
        lot["remaining_qty"] = (
            str(Decimal(str(received)) - Decimal(str(lot["consumed_qty"]))) if received else None
        )
    return lots


def is_internal(conn: sqlite3.Connection, material: str | None, lot: str | None) -> bool:
    """Whether `lot` of `material` is one of our internal lots (a receipt created it)."""
    row = conn.execute(
        "SELECT 1 FROM receipts WHERE material = ? AND lot = ? AND internal LIMIT 1",
        (material, lot),
    ).fetchone()
    return row is not None


def internal_receipt(
    conn: sqlite3.Connection, lot: str
) -> tuple[str, str | None, Decimal, str | None, date | None, ReceiptReference, datetime] | None:
    """(material, gtin, quantity, uom, expiry, reference, received at) of the receipt that
    created internal lot `lot`, for a reprint of its label; None when no receipt did."""
    row = conn.execute(
        "SELECT material, gtin, quantity, uom, expiry, reference_kind, reference, received_at"
        " FROM receipts WHERE lot = ? AND internal ORDER BY id LIMIT 1",
        (lot,),
    ).fetchone()
    if row is None:
        return None
    material, gtin, quantity, uom, expiry, kind, number, received_at = row
    return (
        material,
        gtin,
        Decimal(quantity),
        uom,
        date.fromisoformat(expiry) if expiry else None,
        ReceiptReference(ReferenceKind(kind), number),
        datetime.fromisoformat(received_at),
    )
