"""The product lots the store pushes to the shipping stations (`stock.lots`), reconciled with
the stock generator's own figures on SQLite and PostgreSQL (expired lots in, held lots out), and
the paging every pushed lot list shares with `lots.open`."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest

from lotedge.core.limits import MAX_REQUEST_BYTES
from lotedge.store import holds
from lotedge.store.db import Database
from lotedge.store.line_commands import MAX_PAGE_LOTS, LineCommand
from lotedge.store.open_lots import OpenLots, lots_open_commands
from lotedge.store.product_lots import ProductLots, product_lots, stock_lots_commands
from lotedge.store.query import TraceQueries
from lotedge.wire.identifiers import gtin_lot_class

from . import stock_data
from .agent_events import event_id, output
from .test_stock import ingest

TODAY = date.today()


@pytest.fixture
def told(db_url: str) -> stock_data.StockStory:
    told = stock_data.story(300, TODAY)
    ingest(db_url, told.events)
    return told


def expected_lists(told: stock_data.StockStory, held: set[str]) -> dict[str, list[dict]]:
    """Per product, from the generator: its lots with stock on hand (and how much of it is on
    no pallet), not held, oldest first."""
    lists: dict[str, list[dict]] = {product: [] for product in stock_data.PRODUCTS}
    for lot in sorted(told.expected.values(), key=lambda e: (e.expiry, e.lot)):
        if lot.on_hand > 0 and lot.lot not in held:
            lists[lot.product].append(
                {
                    "lot": lot.lot,
                    "expiry": lot.expiry,
                    "on_hand": lot.on_hand,
                    "loose": round(lot.loose, 6) + 0.0,
                }
            )
    return dict(sorted(lists.items()))


def test_product_lots_agree_with_the_generator(db_url, told):
    in_stock = sorted(e.lot for e in told.expected.values() if e.on_hand > 0)
    expired = sorted(e.lot for e in told.expected.values() if e.expiry < TODAY.isoformat())
    held = {in_stock[0], in_stock[-1]}
    with Database(db_url) as db:
        before = product_lots(db)
        assert before.by_product == expected_lists(told, set())
        for lot in held:
            holds.issue(db, TraceQueries(db).resolve(lot), kind="hold", forward=False, reason="x")
        found = product_lots(db)
        rolls = product_lots(db, "ROLLS").by_product
        unknown = product_lots(db, "NOPE").by_product
    assert found.by_product == expected_lists(told, held)
    assert found.version != before.version
    listed = {lot["lot"] for lots in found.by_product.values() for lot in lots}
    assert listed & set(expired)  # expired and still in stock: pushed, the dock refuses them
    assert set(in_stock) - listed == held
    assert rolls == {"ROLLS": found.by_product["ROLLS"]}
    assert unknown == {"NOPE": []}


def test_the_version_follows_events_retractions_and_releases(db_url, told):
    lot = next(e for e in told.expected.values() if e.on_hand > 0)
    with Database(db_url) as db:
        first = product_lots(db).version
        assert product_lots(db).version == first
        holds.issue(db, TraceQueries(db).resolve(lot.lot), kind="hold", forward=False, reason="x")
        held = product_lots(db).version
        holds.release(db, TraceQueries(db).resolve(lot.lot), kind="hold")
        released = product_lots(db)
    assert len({first, held, released.version}) == 3
    assert released.by_product == expected_lists(told, set())  # the same list, a new version
    made = output(
        gtin_lot_class(lot.gtin, "LATE"),
        5,
        line="L1",
        batch="BLATE",
        product=lot.product,
        expiry=TODAY,
        when=stock_data.T0,
        eid=event_id("late"),
        unit="H87",
    )
    ingest(db_url, [made])
    with Database(db_url) as db:
        later = product_lots(db)
    assert later.version != released.version
    late = {"lot": "LATE", "expiry": TODAY.isoformat(), "on_hand": 5.0, "loose": 5.0}
    assert late in later.by_product[lot.product]


def test_one_lot_number_under_two_gtins_of_a_product_is_one_entry(db_url):
    expiry = TODAY + timedelta(days=9)
    made = [
        output(
            gtin_lot_class(gtin, "TWIN"),
            qty,
            line="L1",
            batch=f"B{n}",
            product="BREAD",
            expiry=expiry + timedelta(days=n),
            when=stock_data.T0 + timedelta(minutes=n),
            eid=event_id("twin", n),
            unit="H87",
        )
        for n, (gtin, qty) in enumerate(
            [(stock_data.gtin_of("BREAD"), 12), (stock_data.gtin_of("CAKE"), 3)]
        )
    ]
    ingest(db_url, made)
    with Database(db_url) as db:
        found = product_lots(db).by_product
    twin = {"lot": "TWIN", "expiry": expiry.isoformat(), "on_hand": 15.0, "loose": 15.0}
    assert found == {"BREAD": [twin]}


def bodies(commands: list[LineCommand]) -> list[bytes]:
    """Each command's body as the sender publishes it."""
    return [json.dumps({**c.args, "transaction": c.transaction}).encode() for c in commands]


def lots(count: int, name: str = "L{:05d}") -> list[dict[str, Any]]:
    return [
        {"lot": name.format(n), "expiry": f"2027-01-{n % 28 + 1:02d}", "on_hand": n + 0.5}
        for n in range(count)
    ]


def test_a_long_list_goes_in_pages_of_one_list():
    many = lots(2 * MAX_PAGE_LOTS + 1)
    pushed = ProductLots({"BREAD": many, "CAKE": [], "ROLLS": lots(3)}, "v1")
    commands = stock_lots_commands(pushed)
    assert [(c.key, len(c.args["lots"]), c.args["page"], c.args["pages"]) for c in commands] == [
        ("BREAD#1/3", 400, 1, 3),
        ("BREAD#2/3", 400, 2, 3),
        ("BREAD#3/3", 1, 3, 3),
        ("CAKE", 0, 1, 1),  # an empty list still empties the station's
        ("ROLLS", 3, 1, 1),
    ]
    assert not any("replace" in c.args for c in commands)  # the line swaps whole lists
    assert [lot for c in commands[:3] for lot in c.args["lots"]] == many  # in order
    assert all(c.args["product"] == c.key.split("#")[0] for c in commands)
    assert all(len(body) < MAX_REQUEST_BYTES for body in bodies(commands))
    list_ids = [c.args["list"] for c in commands]
    assert len(set(list_ids[:3])) == 1 and len(set(list_ids)) == 3  # one id per code's list
    transactions = [c.transaction for c in commands]
    assert len(set(transactions)) == len(commands)
    assert all(c.transaction.startswith(f"stock/{c.args['product']}/") for c in commands)
    again = stock_lots_commands(pushed)
    assert [(c.transaction, c.args) for c in again] == [(c.transaction, c.args) for c in commands]
    renewed = stock_lots_commands(ProductLots(pushed.by_product, "v2"))
    assert [c.args["lots"] for c in renewed] == [c.args["lots"] for c in commands]
    assert set(transactions).isdisjoint(c.transaction for c in renewed)
    assert set(list_ids).isdisjoint(c.args["list"] for c in renewed)  # a new version: new lists
    changed = stock_lots_commands(ProductLots({**pushed.by_product, "BREAD": many[1:]}, "v1"))
    assert changed[0].args["list"] != list_ids[0]  # another content: another list


def test_pages_stay_within_the_request_limit_whatever_the_lot_numbers():
    """Lot numbers of 20 characters that JSON escapes (`\\u00e9`: six bytes each) fill a
    page's bytes before its 400 lots: the page is cut at the line's request limit."""
    wide = lots(MAX_PAGE_LOTS, "\u00e9" * 20)
    commands = stock_lots_commands(ProductLots({"BREAD": wide}, "v1"))
    sizes = [len(body) for body in bodies(commands)]
    assert len(commands) == 2 and max(sizes) <= MAX_REQUEST_BYTES < sum(sizes)
    assert [lot for c in commands for lot in c.args["lots"]] == wide


def test_open_lots_share_the_paging():
    open_list = [{"lot": lot["lot"], "expiry": lot["expiry"]} for lot in lots(MAX_PAGE_LOTS + 1)]
    commands = lots_open_commands(OpenLots({"FLOUR": open_list}, "v1"))
    assert [(c.key, c.args["material"], c.args["page"], c.args["pages"]) for c in commands] == [
        ("FLOUR#1/2", "FLOUR", 1, 2),
        ("FLOUR#2/2", "FLOUR", 2, 2),
    ]
    assert commands[0].args["list"] == commands[1].args["list"]
    assert all(c.transaction.startswith("lots/FLOUR/") for c in commands)


def test_a_lot_number_no_label_can_carry_is_left_out_of_the_push():
    """Longer than AI 10's 20 characters (from a partner's file, say): a line would refuse the
    whole page holding it, so it is not sent."""
    listed = [*lots(3), {"lot": "L" * 21, "expiry": "2027-01-01", "on_hand": 1.0}]
    (command,) = stock_lots_commands(ProductLots({"BREAD": listed}, "v1"))
    assert command.args["lots"] == listed[:3]
