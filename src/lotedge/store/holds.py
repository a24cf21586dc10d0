"""Holds and recalls issued from the store: which lots they cover, and the lines to tell.

A hold names a root lot and, with `forward`, everything made from it (its forward trace, any
depth). It is recorded before any command is sent, so the record is the audit trail whatever
the lines answer. Issuing the same hold again (same root, same kind, still active) reuses the
record, adds lots the trace has reached since, and sends the commands again with the same
transaction ids, which the agents answer without applying them twice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

from lotedge.store.db import Database
from lotedge.store.ingest import utc_now
from lotedge.store.line_commands import LineCommand
from lotedge.store.query import LotInfo, TraceQueries

HoldKind = Literal["hold", "recall"]

_ACTIVE = (
    "SELECT id, hold_id, issued_at, reason FROM holds"
    " WHERE root_lot = ? AND kind = ? AND released_at IS NULL ORDER BY id"
)
_LAST_RELEASED = (
    "SELECT id, hold_id, issued_at, reason FROM holds WHERE root_lot = ? AND kind = ?"
    " AND released_at = (SELECT MAX(released_at) FROM holds WHERE root_lot = ? AND kind = ?)"
    " ORDER BY id"
)
_COVERED = (
    "SELECT l.lot, MIN(h.depth) FROM hold_lots h CROSS JOIN lots l"
    " WHERE h.hold = ? AND l.id = h.lot AND l.lot IS NOT NULL GROUP BY l.lot ORDER BY l.lot"
)
_STILL_HELD = (
    "SELECT DISTINCT l.lot FROM holds h CROSS JOIN hold_lots c CROSS JOIN lots l"
    " WHERE h.released_at IS NULL AND c.hold = h.id AND l.id = c.lot AND l.lot IS NOT NULL"
)
HOLD_CHANGES = (
    "(SELECT COUNT(*) FROM holds), (SELECT MAX(issued_at) FROM holds),"
    " (SELECT MAX(released_at) FROM holds)"
)
"""Selected columns that change whenever a hold or recall is issued or released (for the
versions of the lot lists pushed to the lines)."""


@dataclass(frozen=True)
class Hold:
    """A recorded hold or recall and the lot numbers it covers (what the lines are sent)."""

    hold_id: str
    kind: HoldKind
    reason: str
    issued_at: str
    lots: list[str]
    """Lot numbers covered, the root first, then by depth and lot. Lots without a lot number
    (identifiers the store cannot read a lot from) cannot be held at a line and are left out."""
    reused: bool = False
    """True when an active hold of the same root and kind existed and was sent again (or, for
    a release, when none was active and the last release is sent again)."""


def hold_commands(op: str, hold_id: str, lots: list[str], reason: str) -> list[LineCommand]:
    """The `hold.add` / `hold.remove` commands of hold `hold_id` for `lots`: any material
    (`*`), the hold's id (an agent keeps each id's lots apart, so releasing one hold leaves
    another on the same lot in force), and the transaction `{hold_id}/{lot}`. A line that
    answers a release with `not_found` never had the lot under this id: that counts as done."""
    adding = op == "hold.add"
    # the line decides the source from the channel and the store's signature, not from this
    extra: dict[str, str] = {"reason": reason} if adding else {}
    done = frozenset() if adding else frozenset({"not_found"})
    return [
        LineCommand(
            lot, {"hold_id": hold_id, "material": "*", "lot": lot} | extra, f"{hold_id}/{lot}", done
        )
        for lot in lots
    ]


def issue(db: Database, root: LotInfo, *, kind: HoldKind, forward: bool, reason: str) -> Hold:
    """Record a hold (or recall) of `root` and, with `forward`, of its forward trace."""
    depths = {root.id: 0}
    if forward:
        depths.update(TraceQueries(db).trace(root, "forward").depth)
    with db.transaction():
        active = db.fetchone(_ACTIVE, (root.id, kind))
        if active is None:
            hold_id, issued_at = f"S-{uuid.uuid4().hex[:10]}", utc_now()
            row = db.fetchone(
                "INSERT INTO holds (hold_id, kind, root_lot, forward, reason, issued_at)"
                " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                (hold_id, kind, root.id, int(forward), reason, issued_at),
            )
            assert row is not None
            hold_row = row[0]
        else:
            hold_row, hold_id, issued_at, reason = active
            if forward:
                db.execute("UPDATE holds SET forward = 1 WHERE id = ?", (hold_row,))
        db.executemany(
            "INSERT INTO hold_lots (hold, lot, depth) VALUES (?, ?, ?)"
            " ON CONFLICT (hold, lot) DO NOTHING",
            [(hold_row, lot, depth) for lot, depth in sorted(depths.items())],
        )
        lots = _covered(db, hold_row)
    return Hold(hold_id, kind, reason, issued_at, lots, reused=active is not None)


def release(db: Database, root: LotInfo, *, kind: HoldKind) -> tuple[list[Hold], list[str]]:
    """Release the active holds (or recalls) of `root`. Returns them, and the lot numbers of
    theirs that another active hold still covers (the lines keep refusing those).

    With none active, the holds of the last release of `root` come back `reused`, so that a
    release a line did not confirm (or that never reached the broker) can be sent again."""
    with db.transaction():
        released = []
        for hold_row, hold_id, issued_at, reason in db.fetchall(_ACTIVE, (root.id, kind)):
            db.execute("UPDATE holds SET released_at = ? WHERE id = ?", (utc_now(), hold_row))
            released.append(Hold(hold_id, kind, reason, issued_at, _covered(db, hold_row)))
        if not released:
            for hold_row, hold_id, issued_at, reason in db.fetchall(
                _LAST_RELEASED, (root.id, kind, root.id, kind)
            ):
                lots = _covered(db, hold_row)
                released.append(Hold(hold_id, kind, reason, issued_at, lots, reused=True))
        still_held = held_lot_numbers(db)
    return released, sorted({lot for hold in released for lot in hold.lots} & still_held)


def held_lot_numbers(db: Database) -> set[str]:
    """The lot numbers an active hold or recall covers (the lines refuse them)."""
    return {lot for (lot,) in db.fetchall(_STILL_HELD)}


def _covered(db: Database, hold_row: int) -> list[str]:
    rows = db.fetchall(_COVERED, (hold_row,))
    return [lot for lot, _ in sorted(rows, key=lambda row: (row[1], row[0]))]


def list_holds(db: Database, *, active_only: bool = False) -> list[dict[str, object]]:
    """Every hold and recall with its root lot and how many lots it covers, newest first."""
    active = " AND h.released_at IS NULL" if active_only else ""
    rows = db.fetchall(
        "SELECT h.hold_id, h.kind, l.epc_class, l.lot, h.forward, h.reason, h.issued_at,"
        " h.released_at, (SELECT COUNT(*) FROM hold_lots c WHERE c.hold = h.id)"
        f" FROM holds h CROSS JOIN lots l WHERE l.id = h.root_lot{active}"
        " ORDER BY h.issued_at DESC, h.id DESC"
    )
    keys = (
        "hold_id",
        "kind",
        "epc_class",
        "lot",
        "forward",
        "reason",
        "issued_at",
        "released_at",
        "lots",
    )
    return [{**dict(zip(keys, row, strict=True)), "forward": bool(row[4])} for row in rows]
