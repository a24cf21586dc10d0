"""Our product lots in stock, as the trace store pushed them (`stock.lots`): the shipping
station's FEFO, expiry and short-dated list read them. Only the engine thread writes.

The store sends a product's whole list in pages, staged until every page is in; the whole list
then replaces what it sent before for that product (`state.staged_lots`, docs/shipping.md, "FEFO
at the dock").
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from lotedge.core.decisions import OpenLot
from lotedge.core.lot_lists import ListPage, Pending
from lotedge.state import staged_lots
from lotedge.state.staged_lots import Row

DDL = """
CREATE TABLE product_lots (
    product TEXT NOT NULL,
    lot TEXT NOT NULL,
    expiry TEXT,
    on_hand TEXT NOT NULL,
    loose TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (product, lot)
);
CREATE INDEX product_lots_fefo ON product_lots (product, expiry);
CREATE INDEX product_lots_expiry ON product_lots (expiry)
"""
#: The most short-dated lots a status or the station lists (with the count of all of them).
SHORT_DATED_SHOWN = 50


@dataclass(frozen=True)
class StockLot:
    """One lot of ours with stock left, as pushed: on hand, and of that not on a pallet yet."""

    product: str
    lot: str
    expiry: date | None
    on_hand: Decimal
    loose: Decimal

    def as_dict(self) -> dict[str, object]:
        return {
            "product": self.product,
            "lot": self.lot,
            "expiry": self.expiry.isoformat() if self.expiry else None,
            "on_hand": str(self.on_hand),
            "loose": str(self.loose),
        }


def record(
    conn: sqlite3.Connection,
    product: str,
    lots: list[tuple[str, date | None, Decimal, Decimal]],
    *,
    replace: bool = False,
    page: ListPage | None = None,
    now: datetime,
) -> int | Pending:
    """The store's lots of `product` (lot, expiry, on hand, loose), added to its earlier ones
    or, with `replace`, instead of them. A `page` of a paged list is staged; the last one in
    replaces the earlier lots with the whole list. The number of lots recorded, or what
    became of the page (`Pending`)."""
    rows: list[Row] = [
        (lot, expiry.isoformat() if expiry else None, _plain(on_hand), _plain(loose))
        for lot, expiry, on_hand, loose in lots
    ]
    written = staged_lots.incoming(conn, "product_lots", product, page, rows, replace, now)
    if isinstance(written, Pending):
        return written
    rows, replace = written
    if replace:
        conn.execute("DELETE FROM product_lots WHERE product = ?", (product,))
    conn.executemany(
        "INSERT INTO product_lots (product, lot, expiry, on_hand, loose, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (product, lot) DO UPDATE SET"
        " expiry = excluded.expiry, on_hand = excluded.on_hand, loose = excluded.loose,"
        " updated_at = excluded.updated_at",
        [(product, *row, now.isoformat()) for row in rows],
    )
    return len(rows)


def count(conn: sqlite3.Connection, product: str) -> int:
    row = conn.execute("SELECT count(*) FROM product_lots WHERE product = ?", (product,))
    return int(row.fetchone()[0])


def _plain(quantity: Decimal) -> str:
    """48 for 48.0 (a JSON float), 100 for 1E+2.

    >>> _plain(Decimal("48.0")), _plain(Decimal("1E+2")), _plain(Decimal("2.50"))
    ('48', '100', '2.5')
    """
    return format(quantity.normalize(), "f")


_COLUMNS = "SELECT product, lot, expiry, on_hand, loose FROM product_lots"


def _lot(row: tuple[str, str, str | None, str, str]) -> StockLot:
    code, lot, expiry, on_hand, loose = row
    when = date.fromisoformat(expiry) if expiry else None
    return StockLot(code, lot, when, Decimal(on_hand), Decimal(loose))


def lots(conn: sqlite3.Connection, product: str | None = None) -> list[StockLot]:
    """The pushed lots (of one product, or all), first to expire first (no expiry last)."""
    rows = conn.execute(
        f"{_COLUMNS} WHERE ? IS NULL OR product = ? ORDER BY expiry IS NULL, expiry, product, lot",
        (product, product),
    )
    return [_lot(row) for row in rows]


def pushed(conn: sqlite3.Connection, product: str, lot: str) -> OpenLot | None:
    """The lot as the store pushed it (its expiry), if it did."""
    row = conn.execute(
        "SELECT lot, expiry FROM product_lots WHERE product = ? AND lot = ?", (product, lot)
    ).fetchone()
    return None if row is None else OpenLot(row[0], date.fromisoformat(row[1]) if row[1] else None)


def older_lots(
    conn: sqlite3.Connection, product: str, today: date, before: date, *, skip: int, limit: int
) -> list[OpenLot]:
    """The product's lots with cases not yet on a pallet (`loose`) that have not expired and
    expire before `before`, earliest first: `limit` of them after the first `skip` (the dock
    reads them a few at a time)."""
    rows = conn.execute(
        "SELECT lot, expiry FROM product_lots WHERE product = ? AND expiry >= ? AND expiry < ?"
        " AND CAST(loose AS REAL) > 0 ORDER BY expiry, lot LIMIT ? OFFSET ?",
        (product, today.isoformat(), before.isoformat(), limit, skip),
    )
    return [OpenLot(lot, date.fromisoformat(expiry)) for lot, expiry in rows]


def short_dated(conn: sqlite3.Connection, today: date, within_days: int) -> dict[str, object]:
    """The lots in stock expiring within `within_days` of `today` (expired ones too), oldest
    first, with their days left (the first `SHORT_DATED_SHOWN`, and how many there are): what
    a shipping station shows."""
    until = (today + timedelta(days=within_days)).isoformat()
    where = "WHERE expiry IS NOT NULL AND expiry <= ?"
    total = conn.execute(f"SELECT count(*) FROM product_lots {where}", (until,)).fetchone()[0]
    rows = conn.execute(
        f"{_COLUMNS} {where} ORDER BY expiry, product, lot LIMIT ?", (until, SHORT_DATED_SHOWN)
    )
    shown = [_lot(row) for row in rows]
    return {
        "within_days": within_days,
        "count": total,
        "lots": [
            {**lot.as_dict(), "days_left": (lot.expiry - today).days}
            for lot in shown
            if lot.expiry is not None
        ],
    }
