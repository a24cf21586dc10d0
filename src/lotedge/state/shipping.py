"""Pallets, their contents, shipments and the SSCC ledger. Only the engine thread writes.

SSCCs are numbered like lot numbers (`state.lots`): a counter per company prefix and extension
digit, and a ledger (`issued_ssccs`) that no SSCC is ever taken from twice, whatever happened to
the counter (a changed prefix that renders the same numbers, a restored backup of the counter).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from lotedge.core.shipping import Cases
from lotedge.core.sscc import SsccScheme
from lotedge.state import lots as numbering

DDL = """
CREATE TABLE issued_ssccs (
    sscc TEXT PRIMARY KEY,
    pallet_id TEXT NOT NULL,
    issued_at TEXT NOT NULL
);
CREATE TABLE pallets (
    id TEXT PRIMARY KEY,
    sscc TEXT NOT NULL UNIQUE REFERENCES issued_ssccs (sscc),
    customer TEXT,
    status TEXT NOT NULL CHECK (status IN ('open', 'closed', 'shipped', 'unpacked')),
    opened_at TEXT NOT NULL,
    closed_at TEXT,
    pack_event_id TEXT UNIQUE,
    shipment_event_id TEXT
);
CREATE UNIQUE INDEX one_open_pallet ON pallets (status) WHERE status = 'open'
"""

CONTENTS = """
CREATE TABLE pallet_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pallet_id TEXT NOT NULL REFERENCES pallets (id),
    scan_id INTEGER REFERENCES scans (id),
    product TEXT NOT NULL,
    gtin TEXT NOT NULL,
    lot TEXT NOT NULL,
    expiry TEXT,
    quantity TEXT NOT NULL,
    uom TEXT,
    cases INTEGER NOT NULL CHECK (cases >= 1),
    added_at TEXT NOT NULL
);
CREATE INDEX pallet_items_pallet ON pallet_items (pallet_id)
"""

SHIPMENTS = """
CREATE TABLE shipments (
    event_id TEXT PRIMARY KEY,
    customer TEXT NOT NULL,
    po TEXT,
    desadv TEXT,
    bol TEXT,
    shipped_at TEXT NOT NULL
)
"""


_SHIP_TO = "ship_to"


def ship_to(conn: sqlite3.Connection) -> str | None:
    """The customer the next pallets scanned in shipping mode go to (kept across restarts)."""
    row = conn.execute("SELECT value FROM flags WHERE name = ?", (_SHIP_TO,)).fetchone()
    return row[0] if row else None


def set_ship_to(conn: sqlite3.Connection, customer: str) -> None:
    conn.execute(
        "INSERT INTO flags (name, value) VALUES (?, ?)"
        " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        (_SHIP_TO, customer),
    )


def last_packed(
    conn: sqlite3.Connection, pallet_id: str, dedupe_key: str, since: datetime
) -> datetime | None:
    """When this code last added cases to the pallet, if after `since` (double reads)."""
    row = conn.execute(
        "SELECT max(i.added_at) FROM pallet_items i JOIN scans s ON s.id = i.scan_id"
        " WHERE i.pallet_id = ? AND s.dedupe_key = ? AND i.added_at >= ?",
        (pallet_id, dedupe_key, since.isoformat()),
    ).fetchone()
    return datetime.fromisoformat(row[0]) if row[0] else None


def _issued(conn: sqlite3.Connection, sscc: str) -> bool:
    return conn.execute("SELECT 1 FROM issued_ssccs WHERE sscc = ?", (sscc,)).fetchone() is not None


def allocate_sscc(
    conn: sqlite3.Connection, scheme: SsccScheme, *, pallet_id: str, now: datetime
) -> str:
    """Issue the next SSCC for pallet `pallet_id`; call inside a transaction (SerialRangeExhausted
    when the prefix has none left)."""
    sscc = numbering.take_next(conn, scheme.scope, scheme.render, _issued)
    conn.execute(
        "INSERT INTO issued_ssccs (sscc, pallet_id, issued_at) VALUES (?, ?, ?)",
        (sscc, pallet_id, now.isoformat()),
    )
    return sscc


def preview_ssccs(conn: sqlite3.Connection, scheme: SsccScheme, n: int) -> list[str]:
    """The next `n` SSCCs `allocate_sscc` would issue, without issuing any."""
    return numbering.peek(conn, scheme.scope, scheme.render, _issued, n)


def serials_used(conn: sqlite3.Connection, scheme: SsccScheme) -> int:
    """How many serial references of the scheme are used (issued or skipped)."""
    return numbering.used(conn, scheme.scope)


@dataclass(frozen=True)
class Pallet:
    id: str
    sscc: str
    customer: str | None
    status: str
    opened_at: datetime
    closed_at: datetime | None
    shipment_event_id: str | None


@dataclass(frozen=True)
class PalletLine:
    """One GTIN + lot (+ unit) on a pallet: the cases scanned and their total quantity (`uom`
    None: trade items of the GTIN)."""

    product: str
    gtin: str
    lot: str
    expiry: date | None
    uom: str | None
    cases: int
    quantity: Decimal


_PALLET = "SELECT id, sscc, customer, status, opened_at, closed_at, shipment_event_id FROM pallets"


def _pallet(row: tuple | None) -> Pallet | None:
    if row is None:
        return None
    pallet_id, sscc, customer, status, opened, closed, shipment = row
    return Pallet(
        pallet_id,
        sscc,
        customer,
        status,
        datetime.fromisoformat(opened),
        datetime.fromisoformat(closed) if closed else None,
        shipment,
    )


def open_pallet(conn: sqlite3.Connection) -> Pallet | None:
    return _pallet(conn.execute(f"{_PALLET} WHERE status = 'open'").fetchone())


def pallet_by_sscc(conn: sqlite3.Connection, sscc: str) -> Pallet | None:
    return _pallet(conn.execute(f"{_PALLET} WHERE sscc = ?", (sscc,)).fetchone())


def create_pallet(
    conn: sqlite3.Connection, pallet_id: str, sscc: str, customer: str | None, now: datetime
) -> None:
    conn.execute(
        "INSERT INTO pallets (id, sscc, customer, status, opened_at) VALUES (?, ?, ?, 'open', ?)",
        (pallet_id, sscc, customer, now.isoformat()),
    )


def add_cases(
    conn: sqlite3.Connection, pallet_id: str, cases: Cases, *, scan_id: int | None, now: datetime
) -> None:
    """`cases.count` cases of `cases.each` (in `cases.uom`) each onto the pallet."""
    conn.execute(
        "INSERT INTO pallet_items (pallet_id, scan_id, product, gtin, lot, expiry, quantity, uom,"
        " cases, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            pallet_id,
            scan_id,
            cases.product.code,
            cases.gtin,
            cases.lot,
            cases.expiry.isoformat() if cases.expiry else None,
            str(cases.each),
            cases.uom,
            cases.count,
            now.isoformat(),
        ),
    )


def last_case(conn: sqlite3.Connection, pallet_id: str) -> PalletLine | None:
    """One case like the last one scanned onto the pallet, for `#LE:QTY:n`."""
    row = conn.execute(
        "SELECT product, gtin, lot, expiry, quantity, uom FROM pallet_items WHERE pallet_id = ?"
        " ORDER BY id DESC LIMIT 1",
        (pallet_id,),
    ).fetchone()
    if row is None:
        return None
    product, gtin, lot, expiry, quantity, uom = row
    expires = date.fromisoformat(expiry) if expiry else None
    return PalletLine(product, gtin, lot, expires, uom, 1, Decimal(quantity))


def case_count(conn: sqlite3.Connection, pallet_id: str) -> int:
    """How many cases the pallet holds."""
    row = conn.execute(
        "SELECT coalesce(sum(cases), 0) FROM pallet_items WHERE pallet_id = ?", (pallet_id,)
    ).fetchone()
    return int(row[0])


def contents(conn: sqlite3.Connection, pallet_id: str) -> list[PalletLine]:
    """What the pallet holds, one line per GTIN, lot and unit, in the order first scanned."""
    totals: dict[tuple[str, str, str | None], PalletLine] = {}
    for product, gtin, lot, expiry, quantity, uom, cases in conn.execute(
        "SELECT product, gtin, lot, expiry, quantity, uom, cases FROM pallet_items"
        " WHERE pallet_id = ? ORDER BY id",
        (pallet_id,),
    ):
        key = (gtin, lot, uom)
        amount = Decimal(quantity) * cases
        seen = totals.get(key)
        if seen is None:
            expires = date.fromisoformat(expiry) if expiry else None
            totals[key] = PalletLine(product, gtin, lot, expires, uom, cases, amount)
        else:
            totals[key] = PalletLine(
                product, gtin, lot, seen.expiry, uom, seen.cases + cases, seen.quantity + amount
            )
    return list(totals.values())


def set_status(
    conn: sqlite3.Connection,
    pallet_id: str,
    status: str,
    *,
    closed_at: datetime | None = None,
    pack_event_id: str | None = None,
) -> None:
    conn.execute(
        "UPDATE pallets SET status = ?, closed_at = coalesce(?, closed_at),"
        " pack_event_id = coalesce(?, pack_event_id) WHERE id = ?",
        (status, closed_at.isoformat() if closed_at else None, pack_event_id, pallet_id),
    )


@dataclass(frozen=True)
class Shipment:
    event_id: str
    customer: str
    po: str | None
    desadv: str | None
    bol: str | None
    shipped_at: datetime


def record_shipment(conn: sqlite3.Connection, shipment: Shipment, pallet_ids: list[str]) -> None:
    """The shipment and its pallets, now `shipped`."""
    conn.execute(
        "INSERT INTO shipments (event_id, customer, po, desadv, bol, shipped_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (
            shipment.event_id,
            shipment.customer,
            shipment.po,
            shipment.desadv,
            shipment.bol,
            shipment.shipped_at.isoformat(),
        ),
    )
    conn.executemany(
        "UPDATE pallets SET status = 'shipped', shipment_event_id = ? WHERE id = ?",
        [(shipment.event_id, pallet_id) for pallet_id in pallet_ids],
    )


def shipment(conn: sqlite3.Connection, event_id: str) -> Shipment | None:
    row = conn.execute(
        "SELECT event_id, customer, po, desadv, bol, shipped_at FROM shipments WHERE event_id = ?",
        (event_id,),
    ).fetchone()
    if row is None:
        return None
    event, customer, po, desadv, bol, shipped_at = row
    return Shipment(event, customer, po, desadv, bol, datetime.fromisoformat(shipped_at))


def unship(conn: sqlite3.Connection, pallet_id: str) -> None:
    """A voided dispatch: the pallet is closed (packed, at the dock) again."""
    conn.execute(
        "UPDATE pallets SET status = 'closed', shipment_event_id = NULL WHERE id = ?", (pallet_id,)
    )
