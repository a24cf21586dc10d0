"""Versioned schema of the agent's state database. Each migration runs once, in order."""

from __future__ import annotations

from collections.abc import Callable
from sqlite3 import Connection

from lotedge.state import (
    alerts,
    holds,
    outbox,
    print_jobs,
    receiving,
    shipping,
    staged_lots,
    stock,
    weighings,
)

CORE = """
CREATE TABLE batches (
    id TEXT PRIMARY KEY,
    product TEXT NOT NULL,
    planned_qty TEXT,
    operator TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('open', 'ended', 'cancelled')),
    started_at TEXT NOT NULL,
    ended_at TEXT,
    produced_qty TEXT,
    lot TEXT UNIQUE
);
CREATE UNIQUE INDEX one_open_batch ON batches (status) WHERE status = 'open';
CREATE TABLE scans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at TEXT NOT NULL,
    source TEXT NOT NULL,
    raw BLOB NOT NULL,
    symbology TEXT,
    dedupe_key TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL,
    message TEXT NOT NULL,
    batch_id TEXT REFERENCES batches (id)
);
CREATE INDEX scans_dedupe ON scans (dedupe_key, received_at) WHERE outcome = 'accepted';
CREATE TABLE consumptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_id TEXT NOT NULL REFERENCES batches (id),
    scan_id INTEGER NOT NULL REFERENCES scans (id),
    material TEXT NOT NULL,
    gtin TEXT,
    lot TEXT NOT NULL,
    expiry TEXT,
    quantity TEXT,
    uom TEXT,
    consumed_at TEXT NOT NULL,
    event_id TEXT NOT NULL UNIQUE
);
CREATE INDEX consumptions_batch ON consumptions (batch_id);
CREATE TABLE lot_sequences (
    scope TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
CREATE TABLE issued_lots (
    lot TEXT PRIMARY KEY,
    product TEXT NOT NULL,
    batch_id TEXT NOT NULL,
    issued_at TEXT NOT NULL
);
CREATE TABLE holds (
    material TEXT NOT NULL,
    lot TEXT NOT NULL,
    reason TEXT NOT NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (material, lot)
);
CREATE TABLE flags (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

COMMAND_LOG = """
CREATE TABLE command_log (
    key TEXT PRIMARY KEY,
    reply TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX command_log_at ON command_log (at);
"""

#: A migration step: SQL statements, or a function for what SQL alone cannot do.
Step = str | Callable[[Connection], None]

#: (version, description, step). Append only; never edit a migration that has shipped.
MIGRATIONS: list[tuple[int, str, Step]] = [
    (1, "core state", CORE),
    (2, "outbox", outbox.DDL),
    (3, "print jobs", print_jobs.DDL),
    (4, "remote command replies, for at-most-once", COMMAND_LOG),
    (5, "alerts the operator must acknowledge", alerts.DDL),
    (6, "receipts, open lots, scan warnings", receiving.DDL),
    (7, "scoped holds (lot, GTIN + lot, lot ranges) with ids and sources", holds.upgrade),
    (8, "the unit of an open lot's received quantity", receiving.RECEIVED_UNIT),
    (9, "the file a print job became (dir:// printers)", print_jobs.OUTPUT),
    (10, "weighings of weighed materials", weighings.DDL),
    (11, "pallets and the SSCC ledger", shipping.DDL),
    (12, "what pallets hold, and shipments", shipping.CONTENTS + ";" + shipping.SHIPMENTS),
    (13, "our product lots in stock, as the trace store pushed them", stock.DDL),
    (14, "pages of pushed lot lists, staged until the list is whole", staged_lots.DDL),
]
