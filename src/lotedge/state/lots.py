"""Numbers that are never issued twice: lot numbers here, SSCCs (`state.shipping`) with the
same mechanism. A counter per scope (`lot_sequences`) plus a ledger of every number issued.

Lots: one counter per product, template and period. The counter bump and the ledger row commit
in the caller's transaction together with the batch end, so a crash either keeps all three or
none. The ledger (`issued_lots`, primary key `lot`) is the last guard: if a rendered lot was ever
issued before (the clock stepped back into a period that already had lots, or the template
changed), the next sequence value is taken instead.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime

from lotedge.core.lots import LotFields, LotScheme, LotTemplate, period_key

#: The n-th number of a scope (raises when the scope has no n-th number).
Render = Callable[[int], str]
#: Whether a number is in the ledger already.
Issued = Callable[[sqlite3.Connection, str], bool]


def _counter(conn: sqlite3.Connection, scope: str) -> int:
    row = conn.execute("SELECT value FROM lot_sequences WHERE scope = ?", (scope,)).fetchone()
    return int(row[0]) if row else 0


def _next_free(
    conn: sqlite3.Connection, render: Render, issued: Issued, after: int
) -> tuple[int, str]:
    value = after
    while True:
        value += 1
        number = render(value)  # raises once the scope has no number left
        if not issued(conn, number):
            return value, number


def take_next(conn: sqlite3.Connection, scope: str, render: Render, issued: Issued) -> str:
    """Advance `scope`'s counter past the next number not in the ledger and return that number;
    call inside a transaction, and write its ledger row in the same one."""
    value, number = _next_free(conn, render, issued, _counter(conn, scope))
    conn.execute(
        "INSERT INTO lot_sequences (scope, value) VALUES (?, ?)"
        " ON CONFLICT (scope) DO UPDATE SET value = excluded.value",
        (scope, value),
    )
    return number


def peek(conn: sqlite3.Connection, scope: str, render: Render, issued: Issued, n: int) -> list[str]:
    """The next `n` numbers `take_next` would return, without taking any."""
    value, numbers = _counter(conn, scope), []
    for _ in range(n):
        value, number = _next_free(conn, render, issued, value)
        numbers.append(number)
    return numbers


def used(conn: sqlite3.Connection, scope: str) -> int:
    """How far `scope`'s counter has gone (numbers taken or skipped)."""
    return _counter(conn, scope)


def _scope(scheme: LotScheme, fields: LotFields) -> str:
    return f"{scheme.code}|{scheme.lot_template}|{period_key(scheme.seq_reset, fields.day)}"


def _issued(conn: sqlite3.Connection, lot: str) -> bool:
    return conn.execute("SELECT 1 FROM issued_lots WHERE lot = ?", (lot,)).fetchone() is not None


def _render(scheme: LotScheme, fields: LotFields) -> Render:
    template = LotTemplate.parse(scheme.lot_template)
    return lambda value: template.render(fields, value)  # LotSequenceExhausted past the width


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
    lot = take_next(conn, _scope(scheme, fields), _render(scheme, fields), _issued)
    conn.execute(
        "INSERT INTO issued_lots (lot, product, batch_id, issued_at) VALUES (?, ?, ?, ?)",
        (lot, scheme.code, issued_for, now.isoformat()),
    )
    return lot


def preview(conn: sqlite3.Connection, scheme: LotScheme, fields: LotFields, n: int) -> list[str]:
    """The next `n` lots `allocate` would issue, without consuming any."""
    return peek(conn, _scope(scheme, fields), _render(scheme, fields), _issued, n)
