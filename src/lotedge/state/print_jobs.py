"""Durable print jobs: a label is queued in the same transaction as the batch end that needs it.

A job moves ``queued -> sending -> printed``. ``sending`` is committed before the first byte is
written, so a job found in ``sending`` after a crash may or may not be on the printer: it becomes
``uncertain`` (never resent automatically, an alert asks the operator to check and reprint).
Every row stays as the print record (lot, printer, copies, reprint, outcome, times).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

DDL = """
CREATE TABLE print_jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    lot TEXT NOT NULL,
    batch_id TEXT,
    printer TEXT NOT NULL,
    payload BLOB NOT NULL,
    copies INTEGER NOT NULL DEFAULT 1 CHECK (copies >= 1),
    reprint INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'sending', 'printed', 'uncertain')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at REAL NOT NULL,
    printed_at REAL
);
CREATE INDEX print_jobs_due ON print_jobs (printer, status, next_attempt_at);
"""

#: Migration 9: where a printed job went, when the printer names it (a dir:// spool file).
OUTPUT = "ALTER TABLE print_jobs ADD COLUMN output TEXT;"

#: Why a job is uncertain after the agent stopped while sending it.
INTERRUPTED = "interrupted while sending; check the printer"

#: Columns of the print record (everything but the payload).
_RECORD = (
    "id, lot, batch_id, printer, copies, reprint, status, attempts, last_error, created_at,"
    " printed_at, output"
)


@dataclass(frozen=True)
class Job:
    """A job due to print."""

    id: int
    lot: str
    printer: str
    payload: bytes
    copies: int
    attempts: int


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


def next_due(conn: sqlite3.Connection, printer: str, now: float) -> Job | None:
    """The oldest queued job for `printer` whose retry time has come."""
    row = conn.execute(
        "SELECT id, lot, printer, payload, copies, attempts FROM print_jobs"
        " WHERE printer = ? AND status = 'queued' AND next_attempt_at <= ? ORDER BY id LIMIT 1",
        (printer, now),
    ).fetchone()
    return Job(*row) if row else None


def next_attempt_at(conn: sqlite3.Connection, printer: str) -> float | None:
    """When the earliest queued job for `printer` is due, or None when none is queued."""
    row = conn.execute(
        "SELECT min(next_attempt_at) FROM print_jobs WHERE printer = ? AND status = 'queued'",
        (printer,),
    ).fetchone()
    return row[0]


def claim(conn: sqlite3.Connection, job_id: int) -> bool:
    """Mark a queued job as being sent (commit before writing); False if it is not queued."""
    cursor = conn.execute(
        "UPDATE print_jobs SET status = 'sending', attempts = attempts + 1"
        " WHERE id = ? AND status = 'queued'",
        (job_id,),
    )
    return cursor.rowcount == 1


def mark_printed(
    conn: sqlite3.Connection, job_id: int, now: float, output: str | None = None
) -> None:
    """Every byte of the job reached the printer (`output`: the file it became, if any)."""
    conn.execute(
        "UPDATE print_jobs SET status = 'printed', printed_at = ?, last_error = NULL, output = ?"
        " WHERE id = ?",
        (now, output, job_id),
    )


def mark_uncertain(conn: sqlite3.Connection, job_id: int, error: str) -> None:
    """Writing started but was not confirmed: the label may or may not have printed."""
    conn.execute(
        "UPDATE print_jobs SET status = 'uncertain', last_error = ? WHERE id = ?", (error, job_id)
    )


def retry_later(conn: sqlite3.Connection, job_id: int, error: str, at: float) -> None:
    """Nothing was written; count the attempt and try again at `at`."""
    conn.execute(
        "UPDATE print_jobs SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?"
        " WHERE id = ? AND status = 'queued'",
        (error, at, job_id),
    )


def retry_now(conn: sqlite3.Connection, printer: str, now: float) -> None:
    """Make every queued job for `printer` due now (the printer has just recovered)."""
    conn.execute(
        "UPDATE print_jobs SET next_attempt_at = ? WHERE printer = ? AND status = 'queued'",
        (now, printer),
    )


def interrupted(conn: sqlite3.Connection, printer: str) -> list[dict[str, Any]]:
    """Jobs left in 'sending' by a crash become 'uncertain'; returns their records."""
    found = records(conn, printer=printer, status="sending")
    conn.execute(
        "UPDATE print_jobs SET status = 'uncertain', last_error = ?"
        " WHERE printer = ? AND status = 'sending'",
        (INTERRUPTED, printer),
    )
    return [{**job, "status": "uncertain", "last_error": INTERRUPTED} for job in found]


def count(conn: sqlite3.Connection, printer: str, status: str) -> int:
    return conn.execute(
        "SELECT count(*) FROM print_jobs WHERE printer = ? AND status = ?", (printer, status)
    ).fetchone()[0]


def records(
    conn: sqlite3.Connection,
    *,
    printer: str | None = None,
    status: str | None = None,
    after_id: int = 0,
    limit: int = 1000,
) -> list[dict[str, Any]]:
    """Print records (no payload), oldest first, optionally filtered."""
    where = ["id > ?"]
    args: list[Any] = [after_id]
    for column, value in (("printer", printer), ("status", status)):
        if value is not None:
            where.append(f"{column} = ?")
            args.append(value)
    cursor = conn.execute(
        f"SELECT {_RECORD} FROM print_jobs WHERE {' AND '.join(where)} ORDER BY id LIMIT ?",
        (*args, limit),
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def record(conn: sqlite3.Connection, job_id: int) -> dict[str, Any] | None:
    """The print record of job `job_id` (no payload), or None."""
    found = records(conn, after_id=job_id - 1, limit=1)
    return found[0] if found and found[0]["id"] == job_id else None


def latest_status(conn: sqlite3.Connection, lot: str) -> str | None:
    """Status of the most recent label job (print or reprint) of `lot`; None when none."""
    row = conn.execute(
        "SELECT status FROM print_jobs WHERE lot = ? ORDER BY id DESC LIMIT 1", (lot,)
    ).fetchone()
    return row[0] if row else None
