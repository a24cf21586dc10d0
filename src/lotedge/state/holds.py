"""The hold list: each hold's id, scope, reason, source and time. Only the engine writes it."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from lotedge.core.holds import SCOPE_FIELDS, Hold, HoldScope

DDL = """
CREATE TABLE lot_holds (
    hold_id TEXT PRIMARY KEY,
    material TEXT,
    gtin TEXT,
    vendor TEXT,
    lot TEXT,
    lot_from TEXT,
    lot_to TEXT,
    lot_prefix TEXT,
    reason TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('local', 'remote', 'store')),
    added_at TEXT NOT NULL
)
"""
_COLUMNS = ("hold_id", *SCOPE_FIELDS, "reason", "source", "added_at")


def upgrade(conn: sqlite3.Connection) -> None:
    """Migration 7: the scoped hold list replaces `holds` (material, lot); its rows are kept,
    each under the id a hold of that scope gets when added without one."""
    conn.execute(DDL)
    for material, lot, reason, added_at in conn.execute(
        "SELECT material, lot, reason, added_at FROM holds ORDER BY added_at"
    ).fetchall():
        scope = HoldScope(material=material, lot=lot)
        save(
            conn, Hold(scope.default_id(), scope, reason, "local", datetime.fromisoformat(added_at))
        )
    conn.execute("DROP TABLE holds")


def _hold(row: tuple) -> Hold:
    hold_id, *scope, reason, source, added_at = row
    return Hold(
        hold_id,
        HoldScope(**dict(zip(SCOPE_FIELDS, scope, strict=True))),
        reason,
        source,
        datetime.fromisoformat(added_at),
    )


def active(conn: sqlite3.Connection) -> tuple[Hold, ...]:
    """Every hold, oldest first."""
    rows = conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM lot_holds ORDER BY added_at, hold_id")
    return tuple(_hold(row) for row in rows)


def by_id(conn: sqlite3.Connection, hold_id: str) -> Hold | None:
    row = conn.execute(
        f"SELECT {', '.join(_COLUMNS)} FROM lot_holds WHERE hold_id = ?", (hold_id,)
    ).fetchone()
    return _hold(row) if row else None


def save(conn: sqlite3.Connection, hold: Hold) -> None:
    """Insert a hold, or update the reason and source of the hold with its id."""
    values = (hold.hold_id, *hold.scope.as_dict().values(), hold.reason, hold.source)
    conn.execute(
        f"INSERT INTO lot_holds ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"
        " ON CONFLICT (hold_id) DO UPDATE SET reason = excluded.reason, source = excluded.source",
        (*values, hold.added_at.isoformat()),
    )


def remove(conn: sqlite3.Connection, holds: list[Hold]) -> None:
    conn.executemany("DELETE FROM lot_holds WHERE hold_id = ?", [(h.hold_id,) for h in holds])
