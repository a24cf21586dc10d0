"""The hold list. A hold id (the central side's recall, say) may cover several scopes (each lot of
a forward trace); each (hold id, scope) is one row. Only the engine writes it."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from lotedge.core.holds import SCOPE_FIELDS, Hold, HoldScope

DDL = """
CREATE TABLE lot_holds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    hold_id TEXT NOT NULL,
    scope_key TEXT NOT NULL,
    material TEXT,
    gtin TEXT,
    vendor TEXT,
    lot TEXT,
    lot_from TEXT,
    lot_to TEXT,
    lot_prefix TEXT,
    reason TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('local', 'remote', 'store')),
    added_at TEXT NOT NULL,
    UNIQUE (hold_id, scope_key)
)
"""
_COLUMNS = ("hold_id", *SCOPE_FIELDS, "reason", "source", "added_at")
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM lot_holds"


def upgrade(conn: sqlite3.Connection) -> None:
    """Migration 7: the scoped hold list replaces `holds` (material, lot); its rows are kept,
    each under the id a hold of that scope gets when added without one."""
    conn.execute(DDL)
    for material, lot, reason, added_at in conn.execute(
        "SELECT material, lot, reason, added_at FROM holds ORDER BY added_at"
    ).fetchall():
        scope = HoldScope(material=material, lot=lot)
        when = datetime.fromisoformat(added_at)
        save(conn, Hold(scope.default_id(), scope, reason, "local", when))
    conn.execute("DROP TABLE holds")


def _hold(row: tuple) -> Hold:
    hold_id, *scope, reason, source, added_at = row
    fields = dict(zip(SCOPE_FIELDS, scope, strict=True))
    return Hold(hold_id, HoldScope(**fields), reason, source, datetime.fromisoformat(added_at))


def active(conn: sqlite3.Connection) -> tuple[Hold, ...]:
    """Every hold, oldest first."""
    return tuple(_hold(row) for row in conn.execute(f"{_SELECT} ORDER BY id"))


def for_lots(conn: sqlite3.Connection, lots: set[str]) -> tuple[Hold, ...]:
    """The holds that can match a container of one of `lots`, oldest first: those naming one
    of them, and every range and prefix hold (the rest name other lots). A scan reads these,
    not the whole list, which a forward-trace hold from the store can make long."""
    marks = ", ".join("?" * len(lots))
    rows = conn.execute(
        f"{_SELECT} WHERE lot IS NULL OR lot IN ({marks}) ORDER BY id", sorted(lots)
    )
    return tuple(_hold(row) for row in rows)


def entry(conn: sqlite3.Connection, hold_id: str, scope: HoldScope) -> Hold | None:
    """The hold `hold_id` on `scope`, if there is one."""
    row = conn.execute(
        f"{_SELECT} WHERE hold_id = ? AND scope_key = ?", (hold_id, scope.key())
    ).fetchone()
    return _hold(row) if row else None


def save(conn: sqlite3.Connection, hold: Hold) -> None:
    """Insert a hold, or update the reason and source of the same hold id on the same scope."""
    values = (hold.hold_id, *hold.scope.as_dict().values(), hold.reason, hold.source)
    conn.execute(
        f"INSERT INTO lot_holds (scope_key, {', '.join(_COLUMNS)})"
        f" VALUES (?, {', '.join('?' * len(_COLUMNS))}) ON CONFLICT (hold_id, scope_key)"
        " DO UPDATE SET reason = excluded.reason, source = excluded.source",
        (hold.scope.key(), *values, hold.added_at.isoformat()),
    )


def remove(conn: sqlite3.Connection, holds: list[Hold]) -> None:
    conn.executemany(
        "DELETE FROM lot_holds WHERE hold_id = ? AND scope_key = ?",
        [(hold.hold_id, hold.scope.key()) for hold in holds],
    )
