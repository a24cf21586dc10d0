"""Lot number allocation: counters per product, template and period, plus a ledger of every lot.

The counter bump and the ledger row commit in the caller's transaction together with the batch
end, so a crash either keeps all three or none. The ledger (`issued_lots`, primary key `lot`) is
the last guard: if a rendered lot was ever issued before (the clock stepped back into a period
that already had lots, or the template changed), the next sequence value is taken instead.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from lotedge.core.lots import LotFields, LotScheme, LotTemplate, period_key


def _scope(scheme: LotScheme, fields: LotFields) -> str:
    return f"{scheme.code}|{scheme.lot_template}|{period_key(scheme.seq_reset, fields.day)}"


def _issued(conn: sqlite3.Connection, lot: str) -> bool:
    return conn.execute("SELECT 1 FROM issued_lots WHERE lot = ?", (lot,)).fetchone() is not None


def _next_free(
    conn: sqlite3.Connection, template: LotTemplate, fields: LotFields, after: int
) -> tuple[int, str]:
    value = after
    while True:
        value += 1
        lot = template.render(fields, value)  # raises LotSequenceExhausted past the width
        if not _issued(conn, lot):
            return value, lot


def allocate(
    conn: sqlite3.Connection,
    scheme: LotScheme,
    fields: LotFields,
    *,
    issued_for: str,
    now: datetime,
) -> str:
    """Issue the next lot number of `scheme` (a product, or internal lots at receiving) for a
    batch or receipt (`issued_for`); call inside a transaction."""
    template = LotTemplate.parse(scheme.lot_template)
    scope = _scope(scheme, fields)
    row = conn.execute("SELECT value FROM lot_sequences WHERE scope = ?", (scope,)).fetchone()
    value, lot = _next_free(conn, template, fields, row[0] if row else 0)
    conn.execute(
        "INSERT INTO lot_sequences (scope, value) VALUES (?, ?)"
        " ON CONFLICT (scope) DO UPDATE SET value = excluded.value",
        (scope, value),
    )
    conn.execute(
        "INSERT INTO issued_lots (lot, product, batch_id, issued_at) VALUES (?, ?, ?, ?)",
        (lot, scheme.code, issued_for, now.isoformat()),
    )
    return lot


def preview(conn: sqlite3.Connection, scheme: LotScheme, fields: LotFields, n: int) -> list[str]:
    """The next `n` lots `allocate` would issue, without consuming any."""
    template = LotTemplate.parse(scheme.lot_template)
    row = conn.execute(
        "SELECT value FROM lot_sequences WHERE scope = ?", (_scope(scheme, fields),)
    ).fetchone()
    value, lots = row[0] if row else 0, []
    for _ in range(n):
        value, lot = _next_free(conn, template, fields, value)
        lots.append(lot)
    return lots
