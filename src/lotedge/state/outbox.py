"""The durable outbox: events queued in the same transaction as the state change behind them.

The engine inserts rows inside its own transactions (`enqueue`); the publisher reads them in
`seq` order on its own connection (`peek`) and deletes a row only after the broker acknowledged
it (`delete`). A row is never dropped for any other reason.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

DDL = """
CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    topic TEXT NOT NULL,
    payload BLOB NOT NULL,
    created_at REAL NOT NULL
);
"""


@dataclass(frozen=True)
class Row:
    """One queued message."""

    seq: int
    #: Relative to the agent's topic root, e.g. 'events'.
    topic: str
    payload: bytes
    event_id: str
    #: Unix time of the commit that queued it.
    created_at: float


@dataclass(frozen=True)
class Stats:
    """How much is waiting: reported in status and alerts."""

    depth: int
    #: Seconds since the oldest waiting row was queued; 0 when empty.
    oldest_age: float


def enqueue(
    conn: sqlite3.Connection, *, topic: str, payload: bytes, event_id: str, created_at: float
) -> None:
    """Add one message; `topic` is relative to the agent's topic root (e.g. 'events')."""
    conn.execute(
        "INSERT INTO outbox (event_id, topic, payload, created_at) VALUES (?, ?, ?, ?)",
        (event_id, topic, payload, created_at),
    )


def peek(conn: sqlite3.Connection, *, after: int, limit: int) -> list[Row]:
    """Up to `limit` rows with seq > `after`, oldest first."""
    rows = conn.execute(
        "SELECT seq, topic, payload, event_id, created_at FROM outbox"
        " WHERE seq > ? ORDER BY seq LIMIT ?",
        (after, limit),
    ).fetchall()
    return [
        Row(seq, topic, bytes(payload), event_id, created)
        for seq, topic, payload, event_id, created in rows
    ]


def delete(conn: sqlite3.Connection, seqs: Iterable[int]) -> None:
    """Remove acknowledged rows (call inside a transaction)."""
    conn.executemany("DELETE FROM outbox WHERE seq = ?", ((s,) for s in seqs))


def stats(conn: sqlite3.Connection, *, now: float) -> Stats:
    """Depth and the age of the oldest row."""
    depth, oldest = conn.execute("SELECT count(*), min(created_at) FROM outbox").fetchone()
    return Stats(depth, 0.0 if oldest is None else max(0.0, now - oldest))
