"""Lot lists pushed in pages (`lots.open`, `stock.lots`) on the engine and a real SQLite state,
as the store builds them (`lot_list_commands`) and the line's MQTT command handler takes them
(with their transactions): pages staged until the list is whole, in any order; a page lost
while the others were applied, then the whole push again; an identical push changing nothing;
overlapping pushes and staged pages dropped after a day, each completed by the next push; and
the paging arguments refused when wrong. A page's reply is never kept in the command log: the
list id, not the log, makes a page safe to send again."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from lotedge.agent.codec import BadRequest
from lotedge.core.lot_lists import MAX_LIST_PAGES
from lotedge.publish import commands as mqtt_commands
from lotedge.state.staged_lots import KEEP_STAGED
from lotedge.store.line_commands import MAX_PAGE_LOTS, LineCommand
from lotedge.store.open_lots import OpenLots, lots_open_commands
from lotedge.store.product_lots import ProductLots, stock_lots_commands
from tests.conftest import write_config
from tests.core.test_engine import Line

Lists = dict[str, list[dict[str, Any]]]


@dataclass(frozen=True)
class Kind:
    """One pushed list: its operation, what it is per, the code pushed, the store's builder,
    the operation listing what the line has, and the table it keeps it in."""

    op: str
    subject: str
    code: str
    build: Callable[[Lists, str], list[LineCommand]]
    list_op: str
    table: str

    def lots(self, count: int, prefix: str) -> list[dict[str, Any]]:
        """`count` lots named `{prefix}{n}`, as the store lists them."""
        items = [
            {"lot": f"{prefix}{n:04d}", "expiry": f"2027-02-{n % 28 + 1:02d}"} for n in range(count)
        ]
        if self.op == "stock.lots":
            return [{**item, "on_hand": n + 1, "loose": n + 1} for n, item in enumerate(items)]
        return items

    def push(self, lots: list[dict[str, Any]], version: str) -> list[LineCommand]:
        return self.build({self.code: lots}, version)


STOCK = Kind(
    "stock.lots",
    "product",
    "BREAD",
    lambda lists, version: stock_lots_commands(ProductLots(lists, version)),
    "stock.list",
    "product_lots",
)
OPEN = Kind(
    "lots.open",
    "material",
    "FLOUR",
    lambda lists, version: lots_open_commands(OpenLots(lists, version)),
    "lots.list",
    "open_lots",
)
#: Three pages: two full ones and one lot.
LONG = 2 * MAX_PAGE_LOTS + 1


@pytest.fixture(params=[STOCK, OPEN], ids=["stock.lots", "lots.open"])
def kind(request: pytest.FixtureRequest) -> Kind:
    return request.param


@pytest.fixture
def line(tmp_path: Path) -> Line:
    return Line(write_config(tmp_path))


def send(line: Line, kind: Kind, command: LineCommand) -> dict[str, Any]:
    """The command as the store publishes it, through the line's MQTT command handler."""
    body = json.dumps({**command.args, "transaction": command.transaction}).encode()
    return mqtt_commands.handle(kind.op, body, line.do)


def listed(line: Line, kind: Kind) -> list[str]:
    """The lot numbers the line has for the code (sorted)."""
    reply = line.command(kind.list_op, **{kind.subject: kind.code})
    return sorted(lot["lot"] for lot in reply.data["lots"])


def numbers(lots: list[dict[str, Any]]) -> list[str]:
    return sorted(lot["lot"] for lot in lots)


def test_pages_in_any_order_swap_the_list_only_once_all_are_in(line: Line, kind: Kind):
    old = kind.lots(5, "OLD")
    assert [send(line, kind, c)["status"] for c in kind.push(old, "v1")] == ["ok"]
    new = kind.lots(LONG, "NEW")
    first, second, third = kind.push(new, "v2")
    staged = send(line, kind, third)
    assert staged["status"] == "ok", staged
    assert staged["data"]["message"].startswith(f"Page 3 of 3 of {kind.code}'s ")
    assert staged["data"]["complete"] is False  # the store tells it from a swap
    assert send(line, kind, first)["status"] == "ok"
    again = line.command(kind.op, **first.args)  # page 1 once more (no transaction): harmless
    assert again.ok and "Page 1 of 3" in again.data["message"]
    assert listed(line, kind) == numbers(old)  # two of three pages in: the old list stays
    assert line.rows("staged_lots") == 2
    swapped = send(line, kind, second)
    assert swapped["status"] == "ok", swapped
    assert (
        swapped["data"]["message"]
        == {
            "stock.lots": f"{LONG} lots of BREAD in stock recorded (3 pages).",
            "lots.open": f"{LONG} open lots of FLOUR recorded (3 pages).",
        }[kind.op]
    )
    assert swapped["data"]["complete"] is True
    assert listed(line, kind) == numbers(new)
    assert line.rows("staged_lots") == 0


def test_a_page_lost_while_the_others_applied_completes_with_the_next_push(line: Line, kind: Kind):
    """The defect a `replace` first page had: page 1 not applied (lost, or failed on the line:
    not recorded) while pages 2 and 3 were. The line keeps its old list whole; the same push
    again completes it."""
    old = kind.lots(7, "OLD")
    for command in kind.push(old, "v1"):
        send(line, kind, command)
    new = kind.lots(LONG, "NEW")
    pushed = kind.push(new, "v2")
    first_answers = [send(line, kind, command) for command in pushed[1:]]  # page 1 lost
    assert all(a["status"] == "ok" and "staged" in a["data"]["message"] for a in first_answers)
    assert listed(line, kind) == numbers(old)  # never the last pages alone
    answers = [send(line, kind, command) for command in pushed]  # the same push again
    assert [a["status"] for a in answers] == ["ok", "ok", "ok"]
    assert "recorded (3 pages)" in answers[0]["data"]["message"]
    assert all("that list is already in" in a["data"]["message"] for a in answers[1:])
    assert all(a["data"]["complete"] is True for a in answers)
    assert listed(line, kind) == numbers(new)
    assert line.rows("command_log") == 0  # no page's reply kept: the list id decides


def test_the_same_push_again_changes_nothing(line: Line, kind: Kind):
    lots = kind.lots(LONG, "L")
    first = [send(line, kind, command) for command in kind.push(lots, "v1")]
    assert "recorded (3 pages)" in first[-1]["data"]["message"]
    updated = f"SELECT lot, updated_at FROM {kind.table} ORDER BY lot"
    before = line.conn.execute(updated).fetchall()
    line.tick(60)
    again = [send(line, kind, command) for command in kind.push(lots, "v1")]
    assert [a["data"]["message"].split(": ")[-1] for a in again] == ["that list is already in."] * 3
    assert line.conn.execute(updated).fetchall() == before  # no row written again
    assert line.rows("staged_lots") == 0
    assert listed(line, kind) == numbers(lots)


def test_overlapping_pushes_end_with_the_one_pushed_again(line: Line, kind: Kind):
    """Two store runs at once (the timer and a hand-run push, of two versions): one's first
    page, the other's three, then the first one's other pages. The line has a whole list at
    every step, and the next timer run (the same version again) makes it that one."""
    older = kind.lots(LONG, "OLD")
    newer = kind.lots(LONG, "NEW")
    new_pages = kind.push(newer, "v2")
    send(line, kind, new_pages[0])
    for command in kind.push(older, "v1"):
        send(line, kind, command)
    assert listed(line, kind) == numbers(older)  # complete first: its swap dropped v2's page 1
    for command in new_pages[1:]:
        send(line, kind, command)
    assert listed(line, kind) == numbers(older)  # v2 lacks its page 1: not swapped in
    answers = [send(line, kind, command) for command in new_pages]  # the next run
    assert "recorded (3 pages)" in answers[0]["data"]["message"]
    assert listed(line, kind) == numbers(newer)


def test_a_refused_page_is_not_remembered_either(line: Line, kind: Kind):
    """A code this line's master data does not have: refused, and not kept in the command log
    (the master data may have it by the next push, under the same transactions)."""
    (page,) = kind.build({"NOPE": kind.lots(2, "N")}, "v1")
    refused = send(line, kind, page)
    assert refused["status"] == "error" and refused["code"].startswith("unknown_"), refused
    assert line.rows("command_log") == 0 and line.rows("staged_lots") == 0


def test_a_list_by_hand_then_the_pushed_list_again(line: Line, kind: Kind):
    """A request without `list` (by hand, on the control socket) changes the code's lots: the
    list pushed before is no longer what the line has, and the same push applies it again."""
    lots = kind.lots(3, "P")
    (page,) = kind.push(lots, "v1")
    assert send(line, kind, page)["data"]["message"].endswith("recorded.")
    by_hand = kind.lots(1, "HAND")
    assert line.command(kind.op, **{kind.subject: kind.code}, lots=by_hand, replace=True).ok
    assert listed(line, kind) == numbers(by_hand)
    assert send(line, kind, page)["data"]["message"].endswith("recorded.")
    assert listed(line, kind) == numbers(lots)


def test_a_newer_list_replaces_an_older_one_whose_page_is_staged(line: Line, kind: Kind):
    older = kind.push(kind.lots(LONG, "OLD"), "v1")
    send(line, kind, older[1])  # pages 1 and 3 lost: the list stays incomplete
    newer = kind.lots(3, "NEW")
    (page,) = kind.push(newer, "v2")
    assert send(line, kind, page)["status"] == "ok"
    assert listed(line, kind) == numbers(newer)
    assert line.rows("staged_lots") == 0  # the older list's page went with the swap
    for late in (older[0], older[2]):  # the rest of the older push, late
        assert "staged" in send(line, kind, late)["data"]["message"]
    assert listed(line, kind) == numbers(newer)  # its page 2 is gone: it never completes


def test_pages_of_a_list_left_incomplete_go_after_a_day(line: Line):
    pages = STOCK.push(STOCK.lots(LONG, "L"), "v1")
    send(line, STOCK, pages[0])
    line.tick(KEEP_STAGED.total_seconds() - 60)
    send(line, OPEN, OPEN.push(OPEN.lots(LONG, "F"), "v1")[0])
    assert line.rows("staged_lots") == 2  # not a day old yet
    line.tick(120)
    send(line, OPEN, OPEN.push(OPEN.lots(LONG, "F"), "v1")[1])
    staged = line.conn.execute("SELECT kind, page FROM staged_lots ORDER BY page").fetchall()
    assert staged == [("open_lots", 1), ("open_lots", 2)]  # BREAD's page is gone
    answers = [send(line, STOCK, command) for command in pages]  # the same push, days later
    assert "recorded (3 pages)" in answers[-1]["data"]["message"]
    assert listed(line, STOCK) == numbers(STOCK.lots(LONG, "L"))


def test_a_single_request_still_adds_or_replaces(line: Line, kind: Kind):
    """Without `list`: `replace` as before, for a hand-made request on the control socket."""
    first, second = kind.lots(2, "A"), kind.lots(1, "B")
    assert line.command(kind.op, **{kind.subject: kind.code}, lots=first, replace=True).ok
    added = line.command(kind.op, **{kind.subject: kind.code}, lots=second)
    assert added.ok and "recorded." in added.data["message"]
    assert listed(line, kind) == numbers(first + second)
    assert line.command(kind.op, **{kind.subject: kind.code}, lots=second, replace=True).ok
    assert listed(line, kind) == numbers(second)


@pytest.mark.parametrize(
    ("paging", "why"),
    [
        ({"list": "x", "page": 1}, "'list', 'page' and 'pages' go together; missing 'pages'"),
        ({"page": 1, "pages": 2}, "go together; missing 'list'"),
        ({"list": "x", "page": 3, "pages": 2}, "'page' must be a whole number from 1 to 2, got 3"),
        ({"list": "x", "page": 0, "pages": 2}, "'page' must be a whole number from 1 to 2, got 0"),
        ({"list": "x", "page": True, "pages": 2}, "'page' must be a whole number"),
        ({"list": "x", "page": 1, "pages": "2"}, "'pages' must be a whole number"),
        (
            {"list": "x", "page": 1, "pages": MAX_LIST_PAGES + 1},
            f"'pages' must be a whole number from 1 to {MAX_LIST_PAGES}",
        ),
        ({"list": "", "page": 1, "pages": 1}, "'list' must be a non-empty string"),
        ({"list": 7, "page": 1, "pages": 1}, "'list' must be a non-empty string"),
        ({"list": "x" * 65, "page": 1, "pages": 1}, "'list' may be at most 64 characters"),
        (
            {"list": "x", "page": 1, "pages": 1, "replace": True},
            "'replace' does not go with 'list'",
        ),
    ],
)
def test_wrong_paging_arguments_are_refused(line: Line, kind: Kind, paging: dict, why: str):
    lots = kind.lots(1, "A")
    with pytest.raises(BadRequest, match=f"^{kind.op}: .*{re.escape(why)}"):
        line.command(kind.op, **{kind.subject: kind.code}, lots=lots, **paging)
    assert line.rows("staged_lots") == 0 and listed(line, kind) == []
