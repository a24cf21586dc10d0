"""`lotedge store lots push` and `push-stock`: send the lines the lots still open (for their
FEFO check) and the shipping stations our lots in stock (for FEFO at the dock)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from lotedge.cli.store_holds import NOT_CONFIRMED, print_line_states
from lotedge.cli.words import plural
from lotedge.config.store import StoreConfig
from lotedge.masterdata.suggestions import unknown
from lotedge.mqtt import session
from lotedge.store.db import Database
from lotedge.store.line_commands import LineCommand, LineOutcome, known_lines, send_to_lines
from lotedge.store.open_lots import lots_open_commands, open_lots
from lotedge.store.product_lots import product_lots, stock_lots_commands

LotLists = dict[str, list[dict[str, Any]]]


@dataclass(frozen=True)
class LotPush:
    """One kind of lot list pushed to the lines: per material, or per product."""

    op: str
    subject: str
    """What a list is of (`material`, `product`): its option and its key in the command."""
    not_used_here: frozenset[str]
    """A line's error codes for a list it has no use for (a code its master data does not
    have; for stock, no shipping dock): nothing to tell it."""
    heading: str
    none_left: str
    nothing_stored: str
    compute: Callable[[Database, str | None], tuple[LotLists, list[LineCommand]]]
    """The lists (of one code, or all) and their commands."""


def _open_lots(db: Database, material: str | None) -> tuple[LotLists, list[LineCommand]]:
    lots = open_lots(db, date.today(), material)
    return dict(lots.by_material), lots_open_commands(lots)


def _stock_lots(db: Database, product: str | None) -> tuple[LotLists, list[LineCommand]]:
    lots = product_lots(db, product)
    return lots.by_product, stock_lots_commands(lots)


PUSHES = {
    "push": LotPush(
        "lots.open",
        "material",
        frozenset({"unknown_material"}),
        "open lots",
        "(none open)",
        "no receipts with a material code in the store: no command sent",
        _open_lots,
    ),
    "push-stock": LotPush(
        "stock.lots",
        "product",
        frozenset({"unknown_product", "shipping_off"}),
        "lots in stock",
        "(none in stock)",
        "no lots of our products in the store: no command sent",
        _stock_lots,
    ),
}
"""The `lotedge store lots` subcommands and what each pushes."""


def run_lots_push(
    args: argparse.Namespace, db: Database, store: StoreConfig, base_dir: Path, push: LotPush
) -> int:
    """Compute the lists, send each (in pages when long) to every known line (or `--line`),
    print what each line confirmed. Exit 0 when every line answered every command (a code a
    line does not use counts), 1 for an unknown --line, 4 when not confirmed."""
    lines = known_lines(db)
    if args.line:
        lines = [line for line in lines if line.name == args.line]
        if not lines:
            known = [line.name for line in known_lines(db)]
            print(unknown("line", args.line, known, "give SITE/LINE"), file=sys.stderr)
            return 1
    lists, commands = push.compute(db, getattr(args, push.subject))
    summary: dict[str, Any] = {"lots": lists}
    outcomes: list[LineOutcome] = []
    if commands and lines:
        try:
            outcomes = send_to_lines(store, base_dir, push.op, lines, commands, args.timeout)
        except (OSError, ValueError, session.ConnectFailed) as exc:
            summary["error"] = f"commands not sent: {exc}; run this again"
    codes = {command.key: command.args[push.subject] for command in commands}
    _print(args, push, summary, [_line_json(push, o, codes) for o in outcomes])
    done = "error" not in summary and all(_answered(push, o, codes) for o in outcomes)
    return 0 if done else NOT_CONFIRMED


def _answered(push: LotPush, outcome: LineOutcome, codes: dict[str, str]) -> bool:
    """Every command confirmed, or refused only because the line does not use its code, and
    every list whole at the line."""
    refused = set(outcome.codes.values())
    whole = not _kept_aside(outcome, codes)
    return outcome.answered == outcome.sent and refused <= push.not_used_here and whole


def _kept_aside(outcome: LineOutcome, codes: dict[str, str]) -> list[str]:
    """The codes whose pages the line confirmed only as kept aside, none as swapping the list
    in: it still has its earlier list of them (a page of that list was lost)."""
    swapped = {codes[key] for key in outcome.confirmed if key not in outcome.staged}
    return sorted({codes[key] for key in outcome.staged} - swapped)


def _print(
    args: argparse.Namespace, push: LotPush, summary: dict[str, Any], lines: list[dict[str, Any]]
) -> None:
    if args.json:
        print(json.dumps({**summary, "op": push.op, "lines": lines}, indent=2))
        return
    lists = summary["lots"]
    print(f"{push.heading} of {plural(len(lists), push.subject)}:")
    for code, lots in lists.items():
        listed = ", ".join(_described(lot) for lot in lots)
        print(f"  {code:<16} {listed or push.none_left}")
    if not lists:
        print(push.nothing_stored)
        return
    print_line_states(summary, lines, f"{push.op} (the whole list) sent for each {push.subject}")


def _described(lot: dict[str, Any]) -> str:
    """`OLD (2026-12-31)`, or with the stock on hand `BR1 (2026-12-31, 37)`."""
    about = [lot["expiry"] or "no expiry"]
    if "on_hand" in lot:
        about.append(f"{lot['on_hand']:g}")
    return f"{lot['lot']} ({', '.join(about)})"


def _line_json(push: LotPush, outcome: LineOutcome, codes: dict[str, str]) -> dict[str, Any]:
    """The line's answers; codes it does not use are listed apart (once, whatever the pages),
    not as refusals."""
    report = outcome.to_json()
    unused = sorted(
        {codes[key] for key, code in outcome.codes.items() if code in push.not_used_here}
    )
    report["not_used"] = unused
    kept_aside = _kept_aside(outcome, codes)
    report["not_swapped_in"] = kept_aside
    if kept_aside:
        report["state"] = (
            f"pages kept aside, the list not whole there: {' '.join(kept_aside)} (the line "
            "keeps its earlier list); run this again"
        )
    elif _answered(push, outcome, codes):
        confirmed = " ".join(outcome.confirmed) or "-"
        report["state"] = f"confirmed {len(outcome.confirmed)} of {outcome.sent}: {confirmed}"
        if unused:
            report["state"] += f"; not used at this line: {' '.join(unused)}"
    return report
