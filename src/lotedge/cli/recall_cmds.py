"""The recall a regulator asks for: FDA's spreadsheet (`recall --format fsma204`), the
records missing a key data element (`store kde-check`) and the timed mock recall (`recall
drill`). See docs/recall.md. Imported only when one of them runs (`store_cmds._run`).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from lotedge.cli.store_run import _database, _resolve, cmd_lot_answer, master_data
from lotedge.masterdata.locations import LocationBook
from lotedge.store.customers import CustomerBook
from lotedge.store.fields import utc_text
from lotedge.store.query import TraceQueries


def cmd_recall(args: argparse.Namespace) -> int:
    """The recall report, or with `--format fsma204` the spreadsheet (to -o only)."""
    if args.format == "fsma204" and not args.output:
        print("--format fsma204 writes a spreadsheet: give -o FILE.xlsx", file=sys.stderr)
        return 2
    args.locations = args.format == "fsma204"
    return cmd_lot_answer(args)


def cmd_kde_check(args: argparse.Namespace) -> int:
    """Exit 0 when every record is complete, 5 when some leave a key data element empty."""
    from lotedge.store.fsma204 import kde_check

    try:
        since = utc_since(args.since) if args.since else None
    except ValueError:
        print(f"--since must be an ISO date or time; got {args.since!r}", file=sys.stderr)
        return 2
    locations = LocationBook(master_data(args).locations)
    with _database(args) as db:
        found = kde_check(TraceQueries(db), locations, since)
    if args.json:
        rows = [
            {"cte": r.cte, "lot": r.lot, "event_id": r.event_id, "missing": list(r.missing)}
            for r in found
        ]
        sys.stdout.write(json.dumps({"since": since, "incomplete": rows}, indent=2) + "\n")
    else:
        for r in found:
            print(
                f"{r.cte:<14} {r.lot or '-':<20} {r.event_id}\n    missing: {'; '.join(r.missing)}"
            )
        print(f"{len(found)} record(s) with a key data element missing")
    return 5 if found else 0


def utc_since(text: str) -> str:
    """An ISO date or time as the store's sortable UTC text (a date or a time without offset
    is UTC).

    >>> utc_since("2026-11-02"), utc_since("2026-11-02T07:00:00+01:00")
    ('2026-11-02T00:00:00.000000Z', '2026-11-02T06:00:00.000000Z')
    """
    when = datetime.fromisoformat(text)
    return utc_text(when if when.tzinfo else when.replace(tzinfo=UTC))


def cmd_drill(args: argparse.Namespace) -> int:
    """`recall drill LOT [--out DIR]`: the drill's findings and timings (and the package)."""
    from lotedge.store.drill import run_drill

    settings = master_data(args)
    with _database(args) as db:
        queries = TraceQueries(db)
        lot = _resolve(queries, args)
        found = run_drill(
            queries,
            lot,
            CustomerBook(settings.customers),
            LocationBook(settings.locations),
            Path(args.out) if args.out else None,
        )
    if args.json:
        sys.stdout.write(json.dumps(found.summary(), indent=2) + "\n")
    else:
        sys.stdout.write(found.text())
    return 0
