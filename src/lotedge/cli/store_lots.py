"""`lotedge store lots push`: send the lines the lots still open, for their FEFO check."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from lotedge.cli.store_holds import NOT_CONFIRMED, print_line_states
from lotedge.cli.words import plural
from lotedge.config.store import StoreConfig
from lotedge.masterdata.suggestions import unknown
from lotedge.mqtt import session
from lotedge.store.db import Database
from lotedge.store.line_commands import LineOutcome, known_lines, send_to_lines
from lotedge.store.open_lots import lots_open_commands, open_lots

OP = "lots.open"
NOT_USED_HERE = "unknown_material"
"""A line's answer for a material its master data does not have: nothing to tell it."""


def run_lots_push(
    args: argparse.Namespace, db: Database, store: StoreConfig, base_dir: Path
) -> int:
    """Compute the open lots, send one `lots.open` per material to every known line (or
    `--line`), print what each line confirmed. Exit 0 when every line answered every material
    (a material a line does not use counts), 1 for an unknown --line, 4 when not confirmed."""
    lines = known_lines(db)
    if args.line:
        lines = [line for line in lines if line.name == args.line]
        if not lines:
            known = [line.name for line in known_lines(db)]
            print(unknown("line", args.line, known, "give SITE/LINE"), file=sys.stderr)
            return 1
    lots = open_lots(db, date.today(), args.material)
    commands = lots_open_commands(lots)
    summary: dict[str, Any] = {"lots": lots.by_material}
    outcomes: list[LineOutcome] = []
    if commands and lines:
        try:
            outcomes = send_to_lines(store, base_dir, OP, lines, commands, args.timeout)
        except (OSError, ValueError, session.ConnectFailed) as exc:
            summary["error"] = f"commands not sent: {exc}; run this again"
    _print(args, summary, outcomes)
    done = "error" not in summary and all(_answered(o) for o in outcomes)
    return 0 if done else NOT_CONFIRMED


def _answered(outcome: LineOutcome) -> bool:
    """Every material confirmed, or refused only because the line does not use it."""
    refused = set(outcome.codes.values())
    return outcome.answered == outcome.sent and refused <= {NOT_USED_HERE}


def _print(args: argparse.Namespace, summary: dict[str, Any], outcomes: list[LineOutcome]) -> None:
    lines = [_line_json(o) for o in outcomes]
    if args.json:
        print(json.dumps({**summary, "op": OP, "lines": lines}, indent=2))
        return
    by_material = summary["lots"]
    print(f"open lots of {plural(len(by_material), 'material')}:")
    for material, lots in by_material.items():
        listed = ", ".join(f"{lot['lot']} ({lot['expiry'] or 'no expiry'})" for lot in lots)
        print(f"  {material:<16} {listed or '(none open)'}")
    if not by_material:
        print("no receipts with a material code in the store: no command sent")
        return
    print_line_states(summary, lines, f"{OP} (replace) sent for each material")


def _line_json(outcome: LineOutcome) -> dict[str, Any]:
    """The line's answers; materials it does not use are listed apart, not as refusals."""
    report = outcome.to_json()
    unused = sorted(key for key, code in outcome.codes.items() if code == NOT_USED_HERE)
    report["not_used"] = unused
    if _answered(outcome):
        confirmed = " ".join(outcome.confirmed) or "-"
        report["state"] = f"confirmed {len(outcome.confirmed)} of {outcome.sent}: {confirmed}"
        if unused:
            report["state"] += f"; not used at this line: {' '.join(unused)}"
    return report
