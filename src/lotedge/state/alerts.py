"""Alerts the operator must see: kept until acknowledged (or resolved by the system) and
published on the `alerts` topic through the outbox when raised and when acknowledged."""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import datetime
from typing import Any

from lotedge.state import outbox
from lotedge.wire import topics

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


def publish(conn: sqlite3.Connection, payload: dict[str, Any], now: datetime) -> None:
    """Queue one message on the `alerts` topic (inside the caller's transaction)."""
    outbox.enqueue(
        conn,
        topic=topics.ALERTS,
        payload=json.dumps(payload, default=str).encode(),
        event_id=str(uuid.uuid4()),
        created_at=now.timestamp(),
    )


def raise_alert(
    conn: sqlite3.Connection, kind: str, message: str, now: datetime, **details: Any
) -> int:
    """Record an open alert and publish it; returns its id."""
    cursor = conn.execute(
        "INSERT INTO alerts (kind, message, details, raised_at) VALUES (?, ?, ?, ?)",
        (kind, message, json.dumps(details, default=str), now.isoformat()),
    )
    alert_id = cursor.lastrowid
    assert alert_id is not None
    publish(
        conn,
        {"id": alert_id, "type": kind, "message": message, "at": now.isoformat(), **details},
        now,
    )
    return alert_id


def acknowledge(conn: sqlite3.Connection, alert_id: int, by: str, now: datetime) -> bool:
    """Close an open alert; False when there is no open alert with that id."""
    closed = conn.execute(
        "UPDATE alerts SET acknowledged_at = ?, acknowledged_by = ?"
        " WHERE id = ? AND acknowledged_at IS NULL",
        (now.isoformat(), by, alert_id),
    ).rowcount
    if closed:
        publish(
            conn,
            {"id": alert_id, "type": "alert_acknowledged", "by": by, "at": now.isoformat()},
            now,
        )
    return closed > 0


def resolve(conn: sqlite3.Connection, kind: str, by: str, now: datetime, **match: str) -> int:
    """Close the open alerts of `kind` whose details hold every `match` item (the system saw
    the cause go away); returns how many were closed."""
    closed = 0
    for alert in open_alerts(conn):
        if alert["kind"] == kind and all(alert["details"].get(k) == v for k, v in match.items()):
            closed += acknowledge(conn, int(alert["id"]), by, now)
    return closed


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
