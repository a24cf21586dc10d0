"""`lotedge store hold` (and `lotedge hold LOT`): record a hold, tell the lines, report."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from lotedge.cli.words import plural
from lotedge.config.store import StoreConfig
from lotedge.mqtt import session
from lotedge.store import holds
from lotedge.store.db import Database
from lotedge.store.line_commands import LineOutcome, known_lines, send_to_lines
from lotedge.store.query import LotInfo

NOT_CONFIRMED = 4
"""Exit code: the hold is recorded, but not every line confirmed it (yet)."""


def run_hold(
    args: argparse.Namespace, db: Database, lot: LotInfo, store: StoreConfig, base_dir: Path
) -> int:
    """Record (or release) the hold, send the commands to every known line, print what they
    answered. Exit 0 when every line confirmed every lot."""
    kind: holds.HoldKind = "recall" if args.recall else "hold"
    name = lot.lot or lot.epc_class
    if args.release:
        released, still_held = holds.release(db, lot, kind=kind)
        if not released:
            print(f"no {kind} of {name} to release", file=sys.stderr)
            return 1
        op = "hold.remove"
        commands = [c for h in released for c in holds.hold_commands(op, h.hold_id, h.lots, "")]
        summary: dict[str, Any] = {
            "released": [h.hold_id for h in released],
            "reused": released[0].reused,
            "lots": [c.key for c in commands],
            "still_held": still_held,
        }
    else:
        hold = holds.issue(db, lot, kind=kind, forward=args.forward, reason=args.reason)
        op = "hold.add"
        commands = holds.hold_commands(op, hold.hold_id, hold.lots, hold.reason)
        summary = {"hold_id": hold.hold_id, "kind": kind, "reused": hold.reused, "lots": hold.lots}
        summary |= {"reason": hold.reason, "issued_at": hold.issued_at}
    try:
        outcomes = send_to_lines(store, base_dir, op, known_lines(db), commands, args.timeout)
    except (OSError, ValueError, session.ConnectFailed) as exc:
        summary["error"] = f"commands not sent: {exc}; the {kind} is recorded, run this again"
        _print(args, summary, [], op)
        return NOT_CONFIRMED
    _print(args, summary, outcomes, op)
    done = all(len(o.confirmed) == o.sent for o in outcomes)
    return 0 if done else NOT_CONFIRMED


def _print(
    args: argparse.Namespace, summary: dict[str, Any], outcomes: list[LineOutcome], op: str
) -> None:
    lines = [o.to_json() for o in outcomes]
    if args.json:
        print(json.dumps({**summary, "op": op, "lines": lines}, indent=2))
        return
    lots = summary["lots"]
    if "hold_id" in summary:
        again = (
            f" (active since {summary['issued_at']}: sent again, reason {summary['reason']!r})"
            if summary["reused"]
            else ""
        )
        counted = plural(len(lots), "lot")
        print(f"{summary['kind']} {summary['hold_id']}{again}: {counted}: {' '.join(lots)}")
    else:
        again = " (already released: sent again)" if summary["reused"] else ""
        print(
            f"released {' '.join(summary['released'])}{again}: {plural(len(lots), 'lot')}: "
            f"{' '.join(lots)}"
        )
        if summary["still_held"]:
            held = " ".join(summary["still_held"])
            print(f"  still refused at the lines, under another active hold: {held}")
    print_line_states(summary, lines, f"{op} sent for each lot")


def print_line_states(summary: dict[str, Any], lines: list[dict[str, Any]], sent: str) -> None:
    """After what was sent: why nothing was, or what each line answered (`state`)."""
    if "error" in summary:
        print(summary["error"], file=sys.stderr)
        return
    if not lines:
        print("no line has sent events to this store yet: no command sent")
        return
    print(f"{sent} to {plural(len(lines), 'line')}:")
    for line in lines:
        print(f"  {line['line']:<16} {line['state']}")
