"""The lots of each of our products in stock, and the `stock.lots` commands that tell the
shipping stations, for FEFO at the dock (docs/trace-store.md, "Product lots for the dock").

A lot is listed when the stock by lot (`lotedge.store.stock`) has some of it on hand and no
active hold or recall covers its lot number, with how much of that is on no pallet yet
(`loose`: only that can still be packed, so only that makes a lot come first at the dock).
Expired lots are listed too, with their expiry: the dock refuses them by it when the case
label carries no expiry of its own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from lotedge.store.db import Database
from lotedge.store.holds import HOLD_CHANGES, held_lot_numbers
from lotedge.store.line_commands import LineCommand, first_to_expire, lot_list_commands
from lotedge.store.stock import stock, tidy

ON_HAND = 1e-9
"""Stock above this is on hand (below: the rounding noise of a lot shipped to the last)."""
_VERSION = (
    f"SELECT (SELECT MAX(id) FROM events), (SELECT COUNT(declared_at) FROM events), {HOLD_CHANGES}"
)


@dataclass(frozen=True)
class ProductLots:
    """The lots in stock of each product, and a version of what they were computed from."""

    by_product: dict[str, list[dict[str, Any]]]
    """Product code -> `[{lot, expiry, on_hand, loose}]` (`loose`: on hand and on no pallet
    yet), first to expire first (no expiry last)."""
    version: str
    """Changes whenever an event is stored or retracted, or a hold is issued or released."""


def product_lots(db: Database, product: str | None = None) -> ProductLots:
    """The lots in stock of every product the store has a lot of (or of `product` alone: an
    empty list when none). One lot number under two GTINs of a product is one entry: the
    stock of both, the earlier expiry."""
    held = held_lot_numbers(db)
    lots: dict[str, dict[str, dict[str, Any]]] = {} if product is None else {product: {}}
    for found in stock(db, product=product):
        listed = lots.setdefault(found.product, {})
        if found.on_hand <= ON_HAND or found.lot in held:
            continue
        expiry = found.expiry[:10] if found.expiry else None
        entry = listed.setdefault(
            found.lot, {"lot": found.lot, "expiry": expiry, "on_hand": 0.0, "loose": 0.0}
        )
        entry["on_hand"] = tidy(entry["on_hand"] + found.on_hand)
        loose = tidy(entry["loose"] + max(found.loose, 0.0))
        entry["loose"] = min(loose, entry["on_hand"])  # a line refuses more loose than on hand
        if expiry is not None and (entry["expiry"] is None or expiry < entry["expiry"]):
            entry["expiry"] = expiry
    by_product = {
        code: sorted(listed.values(), key=first_to_expire) for code, listed in sorted(lots.items())
    }
    return ProductLots(by_product, json.dumps(db.fetchone(_VERSION) or ()))


def stock_lots_commands(lots: ProductLots) -> list[LineCommand]:
    """`stock.lots` per product, the whole list (in pages when long: `lot_list_commands`):
    once every page is in, the station drops the product's lots pushed before that are not in
    the list."""
    return lot_list_commands("stock", "product", lots.by_product, lots.version)
