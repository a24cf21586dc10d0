"""Reads and writes of the agent's domain state. Only the engine thread calls the writers."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from lotedge.core.batch import Batch
from lotedge.core.decisions import Decision
from lotedge.core.scan import RawScan

_BATCH_COLUMNS = (
    "id, product, started_at, planned_qty, operator, status, ended_at, produced_qty, lot"
)


def _decimal(value: str | None) -> Decimal | None:
    return Decimal(value) if value is not None else None


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value is not None else None


def _batch(row: tuple) -> Batch:
    return Batch(
        id=row[0],
        product=row[1],
        started_at=datetime.fromisoformat(row[2]),
        planned_qty=_decimal(row[3]),
        operator=row[4],
        status=row[5],
        ended_at=_time(row[6]),
        produced_qty=_decimal(row[7]),
        lot=row[8],
    )


def open_batch(conn: sqlite3.Connection) -> Batch | None:
    row = conn.execute(f"SELECT {_BATCH_COLUMNS} FROM batches WHERE status = 'open'").fetchone()
    return _batch(row) if row else None


def last_ended_batch(conn: sqlite3.Connection) -> Batch | None:
    """The batch that ended most recently (one batch is open at a time, so the latest row)."""
    row = conn.execute(
        f"SELECT {_BATCH_COLUMNS} FROM batches WHERE status = 'ended' ORDER BY rowid DESC LIMIT 1"
    ).fetchone()
    return _batch(row) if row else None


def batch_by_lot(conn: sqlite3.Connection, lot: str) -> Batch | None:
    row = conn.execute(f"SELECT {_BATCH_COLUMNS} FROM batches WHERE lot = ?", (lot,)).fetchone()
    return _batch(row) if row else None


def save_batch(conn: sqlite3.Connection, batch: Batch) -> None:
    """Insert or update a batch row."""
    conn.execute(
        f"INSERT INTO batches ({_BATCH_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET status = excluded.status, ended_at = excluded.ended_at,"
        " produced_qty = excluded.produced_qty, lot = excluded.lot",
        (
            batch.id,
            batch.product,
            batch.started_at.isoformat(),
            str(batch.planned_qty) if batch.planned_qty is not None else None,
            batch.operator,
            batch.status,
            batch.ended_at.isoformat() if batch.ended_at else None,
            str(batch.produced_qty) if batch.produced_qty is not None else None,
            batch.lot,
        ),
    )


def last_accepted(
    conn: sqlite3.Connection, dedupe_key: str, batch_id: str | None, since: datetime
) -> datetime | None:
    """When this code was last accepted into this batch (batch None: last received), if after
    `since` (double reads). Each outcome has its partial index, hence the literal."""
    outcome = "'accepted'" if batch_id is not None else "'received'"
    row = conn.execute(
        f"SELECT max(received_at) FROM scans WHERE dedupe_key = ? AND outcome = {outcome}"
        " AND batch_id IS ? AND received_at >= ?",
        (dedupe_key, batch_id, since.isoformat()),
    ).fetchone()
    return _time(row[0])


def record_scan(
    conn: sqlite3.Connection, raw: RawScan, decision: Decision, key: str, batch_id: str | None
) -> int:
    """Audit row for every scan, accepted or not; returns its id."""
    scan = decision.scan
    cursor = conn.execute(
        "INSERT INTO scans (received_at, source, raw, symbology, dedupe_key, outcome, reason,"
        " message, batch_id, warning) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            raw.received_at.isoformat(),
            raw.source,
            raw.data,
            scan.symbology if scan else raw.symbology,
            key,
            decision.outcome.value,
            decision.reason.value,
            decision.message,
            batch_id,
            json.dumps(decision.warning.as_dict()) if decision.warning else None,
        ),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def record_consumption(
    conn: sqlite3.Connection,
    *,
    batch_id: str,
    scan_id: int,
    material: str,
    gtin: str | None,
    lot: str,
    expiry: date | None,
    quantity: Decimal | None,
    uom: str | None,
    when: datetime,
    event_id: str,
) -> None:
    conn.execute(
        "INSERT INTO consumptions (batch_id, scan_id, material, gtin, lot, expiry, quantity, uom,"
        " consumed_at, event_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            batch_id,
            scan_id,
            material,
            gtin,
            lot,
            expiry.isoformat() if expiry else None,
            str(quantity) if quantity is not None else None,
            uom,
            when.isoformat(),
            event_id,
        ),
    )


def recent_scans(conn: sqlite3.Connection, limit: int) -> list[dict[str, Any]]:
    """The latest scans, newest first, with the material and lot consumed when accepted."""
    cursor = conn.execute(
        "SELECT s.id, s.received_at, s.source, s.raw, s.symbology, s.outcome, s.reason,"
        " s.message, s.warning, c.material, c.lot"
        " FROM scans s LEFT JOIN consumptions c ON c.scan_id = s.id"
        " ORDER BY s.id DESC LIMIT ?",
        (limit,),
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def consumptions(conn: sqlite3.Connection, batch_id: str) -> list[dict[str, object]]:
    rows = conn.execute(
        "SELECT material, gtin, lot, quantity, uom, consumed_at FROM consumptions"
        " WHERE batch_id = ? ORDER BY id",
        (batch_id,),
    ).fetchall()
    keys = ("material", "gtin", "lot", "quantity", "uom", "consumed_at")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def consumed_summary(conn: sqlite3.Connection, batch_id: str) -> list[dict[str, object]]:
    """Per material, lot and unit: the containers consumed into a batch and their sum."""
    sums: dict[tuple[str, str, str], dict[str, Any]] = {}
    for material, lot, uom, quantity in conn.execute(
        "SELECT material, lot, uom, quantity FROM consumptions WHERE batch_id = ? ORDER BY id",
        (batch_id,),
    ):
        entry = sums.setdefault(
            (material, lot, uom),
            {"material": material, "lot": lot, "uom": uom, "containers": 0, "quantity": Decimal()},
        )
        entry["containers"] += 1
        entry["quantity"] += Decimal(quantity or 0)
    return [{**entry, "quantity": str(entry["quantity"])} for entry in sums.values()]


def consumed_lots(conn: sqlite3.Connection, batch_id: str) -> list[tuple[str, str | None, str]]:
    """(material, GTIN, lot) of each distinct container consumed into a batch."""
    return conn.execute(
        "SELECT DISTINCT material, gtin, lot FROM consumptions WHERE batch_id = ? ORDER BY lot",
        (batch_id,),
    ).fetchall()


def count(conn: sqlite3.Connection, table: str, where: str = "1") -> int:
    """Row count of one of our own tables (names are never user input)."""
    assert table.isidentifier()
    return conn.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0]


def stored_reply(conn: sqlite3.Connection, key: str) -> dict[str, Any] | None:
    """The reply a request with this at-most-once key already got, if any."""
    row = conn.execute("SELECT reply FROM command_log WHERE key = ?", (key,)).fetchone()
    return json.loads(row[0]) if row else None


def store_reply(
    conn: sqlite3.Connection, key: str, reply: dict[str, Any], now: datetime, keep: timedelta
) -> None:
    """Remember a reply under its key; keys older than `keep` are forgotten."""
    conn.execute("DELETE FROM command_log WHERE at < ?", ((now - keep).isoformat(),))
    conn.execute(
        "INSERT INTO command_log (key, reply, at) VALUES (?, ?, ?)",
        (key, json.dumps(reply, default=str), now.isoformat()),
    )
