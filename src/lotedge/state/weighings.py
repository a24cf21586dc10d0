"""Weighings: a weighed material's accepted scan waits here for its stable net weight.

One weighing is pending at a time (a partial unique index). The scale service reads the
pending one on its own read-only connection; only the engine thread writes.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

DDL = """
CREATE TABLE weighings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_id TEXT NOT NULL REFERENCES batches (id),
    scan_id INTEGER NOT NULL REFERENCES scans (id),
    material TEXT NOT NULL,
    gtin TEXT,
    lot TEXT NOT NULL,
    expiry TEXT,
    status TEXT NOT NULL CHECK (status IN ('pending', 'weighed', 'skipped', 'cancelled')),
    quantity TEXT,
    uom TEXT,
    scale TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    started_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE UNIQUE INDEX one_pending_weighing ON weighings (status) WHERE status = 'pending';
CREATE INDEX weighings_batch ON weighings (batch_id)
"""


@dataclass(frozen=True)
class Weighing:
    id: int
    batch_id: str
    scan_id: int
    material: str
    gtin: str | None
    lot: str
    expiry: date | None
    status: str
    scale: str


_COLUMNS = "id, batch_id, scan_id, material, gtin, lot, expiry, status, scale"


def _weighing(row: tuple) -> Weighing:
    expiry = date.fromisoformat(row[6]) if row[6] else None
    return Weighing(row[0], row[1], row[2], row[3], row[4], row[5], expiry, row[7], row[8])


def begin(
    conn: sqlite3.Connection,
    *,
    batch_id: str,
    scan_id: int,
    material: str,
    gtin: str | None,
    lot: str,
    expiry: date | None,
    scale: str,
    now: datetime,
) -> int:
    cursor = conn.execute(
        "INSERT INTO weighings (batch_id, scan_id, material, gtin, lot, expiry, status, scale,"
        " started_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
        (
            batch_id,
            scan_id,
            material,
            gtin,
            lot,
            expiry.isoformat() if expiry else None,
            scale,
            now.isoformat(),
        ),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def pending(conn: sqlite3.Connection) -> Weighing | None:
    """The weighing waiting for its weight, if any."""
    row = conn.execute(f"SELECT {_COLUMNS} FROM weighings WHERE status = 'pending'").fetchone()
    return _weighing(row) if row else None


def finish(
    conn: sqlite3.Connection,
    weighing_id: int,
    status: str,
    now: datetime,
    *,
    quantity: Decimal | None = None,
    uom: str | None = None,
    note: str = "",
) -> None:
    """Close a pending weighing as weighed (with its quantity), skipped or cancelled."""
    conn.execute(
        "UPDATE weighings SET status = ?, quantity = ?, uom = ?, note = ?, finished_at = ?"
        " WHERE id = ? AND status = 'pending'",
        (
            status,
            str(quantity) if quantity is not None else None,
            uom,
            note,
            now.isoformat(),
            weighing_id,
        ),
    )


def cancel_pending(conn: sqlite3.Connection, batch_id: str, now: datetime) -> None:
    """The batch was cancelled: its pending weighing will never be weighed."""
    conn.execute(
        "UPDATE weighings SET status = 'cancelled', finished_at = ?"
        " WHERE batch_id = ? AND status = 'pending'",
        (now.isoformat(), batch_id),
    )


def last_weight(conn: sqlite3.Connection) -> tuple[Decimal, str] | None:
    """The most recent weighed quantity and its unit: a stuck scale repeats it."""
    row = conn.execute(
        "SELECT quantity, uom FROM weighings WHERE status = 'weighed' ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return (Decimal(row[0]), row[1]) if row else None


def weighed_quantities(
    conn: sqlite3.Connection, batch_id: str, material: str
) -> list[tuple[Decimal, str]]:
    """This batch's weighed quantities of `material`, each with its unit."""
    rows = conn.execute(
        "SELECT quantity, uom FROM weighings"
        " WHERE batch_id = ? AND material = ? AND status = 'weighed'",
        (batch_id, material),
    )
    return [(Decimal(quantity), uom) for quantity, uom in rows]


def of_batch(conn: sqlite3.Connection, batch_id: str) -> list[dict[str, object]]:
    """Every weighing of a batch (for replies and the station)."""
    cursor = conn.execute(
        "SELECT material, lot, status, quantity, uom, note, started_at, finished_at"
        " FROM weighings WHERE batch_id = ? ORDER BY id",
        (batch_id,),
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]
