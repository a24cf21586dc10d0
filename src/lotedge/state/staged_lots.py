"""Pages of a lot list the trace store pushes in pages (`lots.open`, `stock.lots`), staged
until the list is whole, and which list each code has now. Only the engine thread writes.

A page is kept by (kind: the live table, code, list id, page number). Once every page of a list
is in, the caller replaces the code's live lots with their union in the same transaction, the
code's staged pages (of every list) are dropped, and the list id is recorded as the code's
(`live_lists`): a page of that list sent again changes nothing. A page that failed on the line
comes again with the next push (its reply is not remembered) and completes the list then; until
it does, the line keeps its earlier list whole (docs/shipping.md, "How pages are applied").
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime, timedelta

from lotedge.core.lot_lists import ListPage, Pending

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
CREATE INDEX staged_lots_at ON staged_lots (staged_at);
CREATE TABLE live_lists (
    kind TEXT NOT NULL,
    code TEXT NOT NULL,
    list_id TEXT NOT NULL,
    swapped_at TEXT NOT NULL,
    PRIMARY KEY (kind, code)
)
"""

#: Pages of another list staged longer ago than this are dropped: that push is long over.
KEEP_STAGED = timedelta(days=1)

#: One lot as its live table keeps it (lot, expiry, ...: text or NULL).
Row = tuple[str | None, ...]


def incoming(
    conn: sqlite3.Connection,
    kind: str,
    code: str,
    page: ListPage | None,
    rows: list[Row],
    replace: bool,
    now: datetime,
) -> tuple[list[Row], bool] | Pending:
    """What a request brings to `kind`'s lots of `code`: the rows to write and whether they
    replace the earlier ones. Without a `page`: its own rows and `replace` (written by hand: no
    pushed list is the code's any more). A page: the whole list once complete (replacing), or
    what became of the page."""
    if page is None:
        conn.execute("DELETE FROM live_lists WHERE kind = ? AND code = ?", (kind, code))
        return rows, replace
    whole = stage(conn, kind, code, page, rows, now)
    return whole if isinstance(whole, Pending) else (whole, True)


def stage(
    conn: sqlite3.Connection,
    kind: str,
    code: str,
    page: ListPage,
    rows: Sequence[Row],
    now: datetime,
) -> list[Row] | Pending:
    """Stage `rows`, page `page` of `code`'s list (a page sent again replaces itself). Once
    every page of that list is staged: all their rows, in page order (the code's staged pages
    are dropped and the list becomes the code's); before: `Pending.STAGED`. A page of the list
    the code has already: `Pending.ALREADY_IN`, nothing staged."""
    live = conn.execute(
        "SELECT list_id FROM live_lists WHERE kind = ? AND code = ?", (kind, code)
    ).fetchone()
    if live is not None and live[0] == page.list_id:
        return Pending.ALREADY_IN
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
        return Pending.STAGED
    conn.execute("DELETE FROM staged_lots WHERE kind = ? AND code = ?", (kind, code))
    conn.execute(
        "INSERT INTO live_lists (kind, code, list_id, swapped_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (kind, code) DO UPDATE SET"
        " list_id = excluded.list_id, swapped_at = excluded.swapped_at",
        (kind, code, page.list_id, now.isoformat()),
    )
    return [tuple(row) for (lots,) in staged for row in json.loads(lots)]
