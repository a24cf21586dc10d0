"""Lot number allocation: counters per product, template and period, plus a ledger of every lot.

The counter bump and the ledger row commit in the caller's transaction together with the batch
end, so a crash either keeps all three or none. The ledger (`issued_lots`, primary key `lot`) is
the last guard: if a rendered lot was ever issued before (the clock stepped back into a period
that already had lots, or the template changed), the next sequence value is taken instead.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from lotedge.config.masterdata import Product
from lotedge.core.lots import LotFields, LotTemplate, period_key


def _scope(product: Product, fields: LotFields) -> str:
    return f"{product.code}|{product.lot_template}|{period_key(product.seq_reset, fields.day)}"


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
    conn: sqlite3.Connection, product: Product, fields: LotFields, *, batch_id: str, now: datetime
) -> str:
    """Issue the next lot number for `product`; call inside a transaction."""
    template = LotTemplate.parse(product.lot_template)
    scope = _scope(product, fields)
    row = conn.execute("SELECT value FROM lot_sequences WHERE scope = ?", (scope,)).fetchone()
    value, lot = _next_free(conn, template, fields, row[0] if row else 0)
    conn.execute(
        "INSERT INTO lot_sequences (scope, value) VALUES (?, ?)"
        " ON CONFLICT (scope) DO UPDATE SET value = excluded.value",
        (scope, value),
    )
    conn.execute(
        "INSERT INTO issued_lots (lot, product, batch_id, issued_at) VALUES (?, ?, ?, ?)",
        (lot, product.code, batch_id, now.isoformat()),
    )
    return lot


def preview(conn: sqlite3.Connection, product: Product, fields: LotFields, n: int) -> list[str]:
    """The next `n` lots `allocate` would issue, without consuming any."""
    template = LotTemplate.parse(product.lot_template)
    row = conn.execute(
        "SELECT value FROM lot_sequences WHERE scope = ?", (_scope(product, fields),)
    ).fetchone()
    value, lots = row[0] if row else 0, []
    for _ in range(n):
        value, lot = _next_free(conn, template, fields, value)
        lots.append(lot)
    return lots
