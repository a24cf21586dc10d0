"""The durable outbox: events queued in the same transaction as the state change behind them."""

from __future__ import annotations

import sqlite3

DDL = """
CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    topic TEXT NOT NULL,
    payload BLOB NOT NULL,
    created_at REAL NOT NULL
);
"""


def enqueue(
    conn: sqlite3.Connection, *, topic: str, payload: bytes, event_id: str, created_at: float
) -> None:
    """Add one message; `topic` is relative to the agent's topic root (e.g. 'events')."""
    conn.execute(
        "INSERT INTO outbox (event_id, topic, payload, created_at) VALUES (?, ?, ?, ?)",
        (event_id, topic, payload, created_at),
    )
