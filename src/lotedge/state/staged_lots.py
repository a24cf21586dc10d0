"""Pages of a lot list the trace store pushes in pages (`lots.open`, `stock.lots`), staged
until the list is whole. Only the engine thread writes.

A page is kept by (kind: the live table, code, list id, page number). Once every page of a list
is in, the caller replaces the code's live lots with their union in the same transaction, and
the code's staged pages (of every list) are dropped. A page that failed on the line and comes
again with the next push completes the list then; until it does, the line keeps its earlier
list whole (docs/shipping.md, "FEFO at the dock").
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime, timedelta

from lotedge.core.lot_lists import ListPage

DDL = """
CREATE TABLE staged_lots (
    kind TEXT NOT NULL,
    code TEXT NOT NULL,
    list_id TEXT NOT NULL,
    page INTEGER NOT NULL,
    pages INTEGER NOT NULL,
    lots TEXT NOT NULL,
    staged_at TEXT NOT NULL,
    PRIMARY KEY (kind, code, list_id, page)
);
CREATE INDEX staged_lots_at ON staged_lots (staged_at)
"""

#: Pages of another list staged longer ago than this are dropped: that push is long over.
KEEP_STAGED = timedelta(days=1)

#: One lot as its live table keeps it (lot, expiry, ...: text or NULL).
Row = tuple[str | None, ...]


def stage(
    conn: sqlite3.Connection,
    kind: str,
    code: str,
    page: ListPage,
    rows: Sequence[Row],
    now: datetime,
) -> list[Row] | None:
    """Stage `rows`, page `page` of `code`'s list (a page sent again replaces itself). Once
    every page of that list is staged: all their rows, in page order, and the code's staged
    pages are dropped; before: None."""
    conn.execute(
        "DELETE FROM staged_lots WHERE list_id <> ? AND staged_at < ?",
        (page.list_id, (now - KEEP_STAGED).isoformat()),
    )
    conn.execute(
        "INSERT INTO staged_lots (kind, code, list_id, page, pages, lots, staged_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, code, list_id, page) DO UPDATE SET"
        " pages = excluded.pages, lots = excluded.lots, staged_at = excluded.staged_at",
        (kind, code, page.list_id, page.number, page.pages, json.dumps(rows), now.isoformat()),
    )
    staged = conn.execute(
        "SELECT lots FROM staged_lots WHERE kind = ? AND code = ? AND list_id = ? AND pages = ?"
        " ORDER BY page",
        (kind, code, page.list_id, page.pages),
    ).fetchall()
    if len(staged) < page.pages:
        return None
    conn.execute("DELETE FROM staged_lots WHERE kind = ? AND code = ?", (kind, code))
    return [tuple(row) for (lots,) in staged for row in json.loads(lots)]
