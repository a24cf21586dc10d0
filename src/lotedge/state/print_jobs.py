"""Durable print jobs: a label is queued in the same transaction as the batch end that needs it."""

from __future__ import annotations

import sqlite3

DDL = """
CREATE TABLE print_jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    lot TEXT NOT NULL,
    batch_id TEXT,
    printer TEXT NOT NULL,
    payload BLOB NOT NULL,
    copies INTEGER NOT NULL DEFAULT 1,
    reprint INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'queued',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at REAL NOT NULL,
    printed_at REAL
);
CREATE INDEX print_jobs_status ON print_jobs (status, next_attempt_at);
"""


def enqueue(
    conn: sqlite3.Connection,
    *,
    lot: str,
    batch_id: str | None,
    printer: str,
    payload: bytes,
    copies: int,
    reprint: bool,
    now: float,
) -> int:
    """Queue a label; returns the job id."""
    cursor = conn.execute(
        "INSERT INTO print_jobs (lot, batch_id, printer, payload, copies, reprint, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (lot, batch_id, printer, payload, copies, int(reprint), now),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid
