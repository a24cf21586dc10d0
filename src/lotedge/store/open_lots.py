"""The lots of each material still open, from the store's receipts, and the `lots.open`
commands that tell the lines (docs/trace-store.md, "Open lots for FEFO").

A lot is open when it was received (a row of `receipts` with the agent's material code), has
not expired, is not under an active hold or recall, and is not used up: the quantity consumed
in the unit of its receipts is less than the quantity received. A lot whose receipts name no
quantity, or name several units, stays open: nothing says when it is used up.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from lotedge.store.db import Database
from lotedge.store.holds import HOLD_CHANGES, held_lot_numbers
from lotedge.store.line_commands import LineCommand, first_to_expire, lot_list_commands

_RECEIVED = (
    "SELECT r.material, l.lot, r.lot, r.quantity, r.uom, COALESCE(r.expiry, l.expiry)"
    " FROM receipts r CROSS JOIN lots l"
    " WHERE l.id = r.lot AND l.lot IS NOT NULL AND r.material IS NOT NULL"
)
_CONSUMED = (
    "SELECT f.lot, f.uom, SUM(f.quantity) FROM lot_flows f"
    " WHERE f.direction = 'in' AND f.quantity IS NOT NULL"
    " AND f.lot IN (SELECT r.lot FROM receipts r) GROUP BY f.lot, f.uom"
)
_VERSION = f"SELECT (SELECT MAX(event) FROM receipts), {HOLD_CHANGES}"


@dataclass
class _Received:
    """What the receipts of one lot number of one material add up to."""

    lot_ids: set[int] = field(default_factory=set)
    quantity: float | None = 0.0
    units: set[str | None] = field(default_factory=set)
    expiry: str | None = None

    def add(self, lot_id: int, quantity: float | None, uom: str | None, expiry: str | None) -> None:
        self.lot_ids.add(lot_id)
        self.units.add(uom)
        self.quantity = (
            None if quantity is None or self.quantity is None else self.quantity + quantity
        )
        if expiry is not None and (self.expiry is None or expiry < self.expiry):
            self.expiry = expiry

    def used_up(self, consumed: dict[tuple[int, str | None], float]) -> bool:
        """Whether the consumptions in the receipts' one unit reach the quantity received."""
        if self.quantity is None or len(self.units) != 1:
            return False
        (unit,) = self.units
        used = sum(consumed.get((lot_id, unit), 0.0) for lot_id in self.lot_ids)
        return used >= self.quantity


@dataclass(frozen=True)
class OpenLots:
    """The open lots of each material, and a version of what they were computed from."""

    by_material: dict[str, list[dict[str, str | None]]]
    """Material code -> `[{lot, expiry}]`, first to expire first (no expiry last)."""
    version: str
    """Changes whenever a receipt arrives or a hold is issued or released, so that a list
    that comes back to an earlier content (a hold released) is still sent anew."""


def open_lots(db: Database, today: date, material: str | None = None) -> OpenLots:
    """The open lots of every material received (or of `material` alone: none when none)."""
    received: dict[tuple[str, str], _Received] = defaultdict(_Received)
    for code, lot, lot_id, quantity, uom, expiry in db.fetchall(_RECEIVED):
        if material is None or code == material:
            received[(code, lot)].add(lot_id, quantity, uom, expiry)
    consumed = {(lot_id, uom): total for lot_id, uom, total in db.fetchall(_CONSUMED)}
    held = held_lot_numbers(db)
    by_material: dict[str, list[dict[str, str | None]]] = {} if material is None else {material: []}
    for (code, lot), lot_received in sorted(received.items()):
        lots = by_material.setdefault(code, [])
        expiry = lot_received.expiry
        if (expiry is not None and expiry < today.isoformat()) or lot in held:
            continue
        if not lot_received.used_up(consumed):
            lots.append({"lot": lot, "expiry": expiry})
    for lots in by_material.values():
        lots.sort(key=first_to_expire)
    version = json.dumps([today.isoformat(), *(db.fetchone(_VERSION) or ())])
    return OpenLots(by_material, version)


def lots_open_commands(lots: OpenLots) -> list[LineCommand]:
    """`lots.open` per material, the whole list (in pages when long: `lot_list_commands`):
    once every page is in, the line closes the material's lots pushed before that are not in
    the list."""
    return lot_list_commands("lots", "material", lots.by_material, lots.version)
