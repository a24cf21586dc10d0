"""Alerts the operator must see: kept until acknowledged (or resolved by the system).

Rows only: the unit of work (`lotedge.agent.unit_of_work`) records and closes them and, in the
same transaction, queues the message on the `alerts` topic.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

DDL = """
CREATE TABLE alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    message TEXT NOT NULL,
    details TEXT NOT NULL,
    raised_at TEXT NOT NULL,
    acknowledged_at TEXT,
    acknowledged_by TEXT
);
CREATE INDEX alerts_open ON alerts (kind) WHERE acknowledged_at IS NULL;
"""


def record(
    conn: sqlite3.Connection, kind: str, message: str, now: datetime, details: dict[str, Any]
) -> int:
    """Record an open alert; returns its id."""
    cursor = conn.execute(
        "INSERT INTO alerts (kind, message, details, raised_at) VALUES (?, ?, ?, ?)",
        (kind, message, json.dumps(details, default=str), now.isoformat()),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def close(conn: sqlite3.Connection, alert_id: int, by: str, now: datetime) -> bool:
    """Close an open alert; False when there is no open alert with that id."""
    closed = conn.execute(
        "UPDATE alerts SET acknowledged_at = ?, acknowledged_by = ?"
        " WHERE id = ? AND acknowledged_at IS NULL",
        (now.isoformat(), by, alert_id),
    ).rowcount
    return closed > 0


def open_alerts(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Alerts not yet acknowledged, oldest first."""
    rows = conn.execute(
        "SELECT id, kind, message, details, raised_at FROM alerts"
        " WHERE acknowledged_at IS NULL ORDER BY id"
    )
    return [
        {"id": i, "kind": k, "message": m, "details": json.loads(d), "raised_at": at}
        for i, k, m, d, at in rows
    ]
