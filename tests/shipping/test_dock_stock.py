"""FEFO, expiry and minimum shelf life at the dock, from the lots in stock the trace store
pushes (`stock.lots`), on the engine with a hand-driven clock (T0 is 2026-11-25): the warning
naming the lot to ship first, the refusal when `[shipping] fefo = "reject"`, held and expired
lots never first, the store's expiry for a label without one, a customer's minimum shelf life
when packing and when shipping, pages of the push (the list swapped once whole), and the
station's short-dated list."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from lotedge.agent.codec import BadRequest
from lotedge.agent.workflows.dock import FEFO_CHUNK
from lotedge.state.stock import SHORT_DATED_SHOWN
from tests.conftest import write_config
from tests.core.test_engine import Line
from tests.shipping.helpers import BREAD_GTIN, case_label, pallet_label

OLD, MID, NEW = "2026-12-01", "2026-12-20", "2027-01-31"


def _label(lot: str, expiry: str) -> str:
    return case_label(lot, expiry=expiry[2:].replace("-", ""))


def _dock(tmp_path: Path, shipping: str = "") -> Line:
    replace = {
        'ship_from_name = "Example Bakery"': f'ship_from_name = "Example Bakery"\n{shipping}'
    }
    line = Line(write_config(tmp_path, replace=replace))
    assert line.scan("#LE:SHIP") == "mode_set"
    return line


def _push(line: Line, *lots: tuple, product: str = "BREAD", **paging: Any):
    """`stock.lots` of (lot, expiry, on hand[, loose: on no pallet]) as the store sends a short
    list (one page), or with `paging` as given (`replace`; `list`, `page`, `pages`)."""
    items = [{"lot": lot[0], "expiry": lot[1], "on_hand": lot[2], "loose": lot[-1]} for lot in lots]
    named = hashlib.sha256(json.dumps([product, items]).encode()).hexdigest()[:16]  # as a store
    paging = paging or {"list": named, "page": 1, "pages": 1}
    return line.command("stock.lots", product=product, lots=items, **paging)


def _pack(line: Line, text: str) -> dict:
    line.tick(5)  # past the double-read window
    return line.decide(text)


@pytest.fixture
def dock(tmp_path: Path) -> Line:
    return _dock(tmp_path)


def test_a_younger_lot_is_packed_with_a_warning_naming_the_lot_to_ship_first(dock: Line):
    assert _push(dock, ("L-NEW", NEW, 40), ("L-OLD", OLD, 12), ("L-MID", MID, 5)).ok
    dock.command("pallet.open")
    packed = _pack(dock, _label("L-NEW", NEW))
    assert packed["reason"] == "cases_added", packed
    assert packed["warning"] == {
        "code": "fefo",
        "message": f"Ship lot L-OLD first (expires {OLD}); this lot expires {NEW}.",
        "use_instead": "L-OLD",
    }
    oldest = _pack(dock, _label("L-OLD", OLD))
    assert oldest["reason"] == "cases_added" and "warning" not in oldest
    warning = dock.conn.execute("SELECT warning FROM scans ORDER BY id DESC LIMIT 1 OFFSET 1")
    assert "L-OLD" in warning.fetchone()[0]  # the audit keeps the warning


def test_fefo_reject_refuses_the_younger_lot(tmp_path: Path):
    dock = _dock(tmp_path, 'fefo = "reject"')
    _push(dock, ("L-OLD", OLD, 12), ("L-NEW", NEW, 40))
    dock.command("pallet.open")
    refused = _pack(dock, _label("L-NEW", NEW))
    assert (refused["outcome"], refused["reason"]) == ("rejected", "fefo"), refused
    assert "Ship lot L-OLD first" in refused["message"]
    assert dock.command("status").data["pallet"]["contents"] == []


def test_fefo_off_packs_without_a_word(tmp_path: Path):
    dock = _dock(tmp_path, 'fefo = "off"')
    _push(dock, ("L-OLD", OLD, 12), ("L-NEW", NEW, 40))
    dock.command("pallet.open")
    packed = _pack(dock, _label("L-NEW", NEW))
    assert packed["reason"] == "cases_added" and "warning" not in packed


def test_held_expired_and_other_products_lots_never_come_first(dock: Line):
    dock.now = dock.now.replace(month=12, day=5)  # L-OLD (Dec 1st) has expired
    _push(dock, ("L-OLD", OLD, 12), ("L-HELD", MID, 3), ("L-NEW", NEW, 40))
    _push(dock, ("C-OLDEST", "2026-12-06", 9), product="CAKE")
    dock.command("hold.add", material="*", lot="L-HELD", reason="seal check", hold_id="Q-1")
    dock.command("pallet.open")
    packed = _pack(dock, _label("L-NEW", NEW))
    assert packed["reason"] == "cases_added" and "warning" not in packed, packed
    dock.command("hold.remove", hold_id="Q-1")
    again = _pack(dock, "#LE:AGAIN")
    assert again["reason"] == "repeat_armed"
    warned = _pack(dock, _label("L-NEW", NEW))
    assert warned["warning"]["use_instead"] == "L-HELD", warned


def test_the_stores_expiry_refuses_an_expired_lot_whose_label_has_none(dock: Line):
    _push(dock, ("L-GONE", "2026-11-20", 8), ("L-FINE", NEW, 8))
    dock.command("pallet.open")
    no_expiry = f"]C101{BREAD_GTIN}10L-GONE"
    refused = _pack(dock, no_expiry)
    assert (refused["reason"], refused["outcome"]) == ("expired", "rejected"), refused
    assert "expired on 2026-11-20 (the store's stock list)" in refused["message"]
    assert _pack(dock, f"]C101{BREAD_GTIN}10L-FINE")["reason"] == "cases_added"
    (line,) = dock.command("status").data["pallet"]["contents"]
    assert dock.conn.execute("SELECT expiry FROM pallet_items").fetchone()[0] == NEW
    assert line["lot"] == "L-FINE"


def test_a_customers_minimum_shelf_life_refuses_the_lot_for_that_customer_only(dock: Line):
    """SHOPCO takes at least 5 days of shelf life (the example config); CORNER sets none.
    T0 is 2026-11-25: a lot expiring 2026-11-28 has 3 days left."""
    short = _label("L-SHORT", "2026-11-28")
    dock.command("pallet.open", customer="SHOPCO")
    refused = _pack(dock, short)
    assert refused["reason"] == "short_shelf_life", refused
    assert refused["message"] == (
        "Not packed: White loaf 800 g lot L-SHORT has 3 day(s) of shelf life left (expires "
        "2026-11-28); Shop & Co Distribution (SHOPCO) takes at least 5. Use a younger lot for "
        "this customer."
    )
    assert _pack(dock, _label("L-LONG", "2026-11-30"))["reason"] == "cases_added"  # 5 days
    assert dock.scan("#LE:CLOSE") == "pallet_closed"
    dock.command("pallet.open")  # for no one yet: packed, checked when shipped
    sscc = dock.command("status").data["pallet"]["sscc"]
    assert _pack(dock, short)["reason"] == "cases_added"
    assert dock.scan("#LE:CLOSE") == "pallet_closed"
    assert dock.scan("#LE:TO:SHOPCO") == "ship_to_set"
    not_shipped = _pack(dock, pallet_label(sscc))
    assert not_shipped["reason"] == "short_shelf_life", not_shipped
    assert not_shipped["message"].startswith(
        f"Pallet {sscc} not shipped to SHOPCO: White loaf 800 g"
    )
    assert dock.scan("#LE:TO:CORNER") == "ship_to_set"
    assert _pack(dock, pallet_label(sscc))["reason"] == "shipped"


def test_pages_swap_the_whole_list_and_unknown_products_are_refused(dock: Line):
    _push(dock, ("A", OLD, 1), ("B", MID, 2))
    first = _push(dock, ("D", None, 4), list="v2", page=1, pages=2)
    assert first.data == {
        "message": "Page 1 of 2 of BREAD's lots in stock staged: swapped in once all 2 pages "
        "are in.",
        "product": "BREAD",
        "lots": 2,  # A and B until the list is whole
        "complete": False,
    }
    reply = _push(dock, ("C", NEW, 2.5), list="v2", page=2, pages=2)
    assert reply.data == {
        "message": "2 lots of BREAD in stock recorded (2 pages).",
        "product": "BREAD",
        "lots": 2,
        "complete": True,
    }
    listed = dock.command("stock.list", product="BREAD").data["lots"]
    assert [(lot["lot"], lot["expiry"], lot["on_hand"]) for lot in listed] == [
        ("C", NEW, "2.5"),
        ("D", None, "4"),
    ]
    by_hand = _push(dock, ("E", NEW, 1), replace=False)  # the control socket may still add
    assert by_hand.data["message"] == "1 lot of BREAD in stock recorded."
    assert _push(dock, ("F", OLD, 1), replace=True).data["lots"] == 1  # or replace
    unknown = _push(dock, ("X", NEW, 1), product="BREADD")
    assert (unknown.ok, unknown.code) == (False, "unknown_product")
    assert unknown.error == (
        "unknown product 'BREADD'; no lot was recorded (did you mean 'BREAD'? known: BREAD, CAKE)"
    )


@pytest.mark.parametrize(
    ("lots", "why"),
    [
        ([{"lot": "A", "expiry": OLD, "on_hand": -1}], "must not be negative"),
        ([{"lot": "A", "expiry": OLD}], "'on_hand' is required"),
        ([{"lot": "A", "expiry": OLD, "on_hand": 1, "bin": 3}], "unknown key(s) bin"),
        ([{"lot": "A", "expiry": "soon", "on_hand": 1}], "'expiry' must be a date"),
        ([{"lot": "A" * 21, "expiry": OLD, "on_hand": 1}], "at most 20 characters"),
        ([{"lot": "A", "expiry": OLD, "on_hand": "1e400000"}], "on_hand"),
        ([{"lot": "A", "expiry": OLD, "on_hand": 2, "loose": 3}], "0 <= loose <= on_hand"),
    ],
)
def test_a_malformed_push_is_refused_with_what_is_wrong(dock: Line, lots: list, why: str):
    _push(dock, ("KEEP", OLD, 1))
    with pytest.raises(BadRequest, match=why.replace("(", r"\(").replace(")", r"\)")):
        dock.command("stock.lots", product="BREAD", lots=lots, replace=True)
    assert [lot["lot"] for lot in dock.command("stock.list").data["lots"]] == ["KEEP"]


def test_the_station_lists_the_short_dated_lots_oldest_first(tmp_path: Path):
    dock = _dock(tmp_path, "short_dated_days = 10")
    _push(dock, ("L-NEW", NEW, 40), ("L-SOON", "2026-12-05", 6), ("L-GONE", "2026-11-24", 2))
    _push(dock, ("C-SOON", "2026-11-30", 3), product="CAKE")
    short = dock.command("status").data["short_dated"]
    assert short["within_days"] == 10
    assert [
        (lot["product"], lot["lot"], lot["days_left"], lot["on_hand"]) for lot in short["lots"]
    ] == [
        ("BREAD", "L-GONE", -1, "2"),
        ("CAKE", "C-SOON", 5, "3"),
        ("BREAD", "L-SOON", 10, "6"),
    ]


def test_the_lot_to_ship_first_is_found_past_a_long_run_of_held_ones(dock: Line):
    """More older lots on hold than the dock reads at once (FEFO_CHUNK): it reads on until
    one can ship."""
    held = [(f"H{n:02d}", f"2026-12-{n % 9 + 1:02d}", 10) for n in range(FEFO_CHUNK + 8)]
    assert _push(dock, *held, ("FREE1", "2026-12-15", 4), ("L-NEW", NEW, 40)).ok
    for lot, _, _ in held:
        assert dock.command("hold.add", material="*", lot=lot, reason="seal check").ok
    dock.command("pallet.open")
    packed = _pack(dock, _label("L-NEW", NEW))
    assert packed["warning"]["use_instead"] == "FREE1", packed


def test_a_lot_all_on_pallets_already_does_not_come_first(dock: Line):
    """L-OLD is in stock but every case of it is on a pallet waiting for its truck (loose 0):
    nothing to ship first; once some is loose again (a pallet unpacked), it does."""
    _push(dock, ("L-OLD", OLD, 12, 0), ("L-NEW", NEW, 40, 40))
    dock.command("pallet.open")
    packed = _pack(dock, _label("L-NEW", NEW))
    assert packed["reason"] == "cases_added" and "warning" not in packed, packed
    _push(dock, ("L-OLD", OLD, 12, 5), ("L-NEW", NEW, 40, 39))
    assert _pack(dock, "#LE:AGAIN")["reason"] == "repeat_armed"
    assert _pack(dock, _label("L-NEW", NEW))["warning"]["use_instead"] == "L-OLD"


def test_a_customer_with_a_minimum_refuses_a_lot_of_unknown_expiry(dock: Line):
    """No (17) on the label and nothing from the store: SHOPCO's 5 days cannot be checked."""
    first = dock.command("pallet.open", customer="SHOPCO").data["sscc"]
    refused = _pack(dock, f"]C101{BREAD_GTIN}10L-WHO")
    assert refused["reason"] == "short_shelf_life", refused
    assert "has no known expiry (none on the label, none from the store)" in refused["message"]
    assert dock.command("pallet.unpack", sscc=first).ok  # empty: dropped
    dock.command("pallet.open")  # for no one: packed; at dispatch the store's expiry counts
    sscc = dock.command("status").data["pallet"]["sscc"]
    assert _pack(dock, f"]C101{BREAD_GTIN}10L-WHO")["reason"] == "cases_added"
    assert dock.scan("#LE:CLOSE") == "pallet_closed"
    _push(dock, ("L-WHO", "2026-11-27", 8))  # 2 days left
    assert dock.scan("#LE:TO:SHOPCO") == "ship_to_set"
    refused = _pack(dock, pallet_label(sscc))
    assert refused["reason"] == "short_shelf_life" and "has 2 day(s)" in refused["message"]


def test_a_line_without_a_dock_refuses_the_stock(tmp_path: Path):
    path = write_config(tmp_path)
    text = path.read_text()
    path.write_text(text[: text.index("[shipping]")] + text[text.index("# Customers") :])
    line = Line(path)
    refused = _push(line, ("L-OLD", OLD, 12))
    assert (refused.ok, refused.code) == (False, "shipping_off")


def test_the_short_dated_list_shows_the_first_fifty_and_counts_them_all(dock: Line):
    soon = [(f"S{n:02d}", f"2026-12-{n % 9 + 1:02d}", 1) for n in range(SHORT_DATED_SHOWN + 10)]
    _push(dock, *soon, ("LATER", NEW, 5))
    short = dock.command("status").data["short_dated"]
    assert short["count"] == SHORT_DATED_SHOWN + 10
    shown = [lot["expiry"] for lot in short["lots"]]
    assert len(shown) == SHORT_DATED_SHOWN and shown == sorted(shown)
    assert shown == sorted(e for _, e, _ in soon)[:SHORT_DATED_SHOWN]  # the oldest ones
