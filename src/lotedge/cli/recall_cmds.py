"""The recall a regulator asks for: FDA's spreadsheet (`recall --format fsma204`), the
records missing a key data element (`store kde-check`) and the timed mock recall (`recall
drill`). See docs/recall.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from lotedge.cli.store_cmds import _database, _emit, _resolve
from lotedge.config.loader import load_store_locations
from lotedge.config.problems import ConfigError
from lotedge.masterdata.locations import LocationBook
from lotedge.store.answers import recall_answer
from lotedge.store.fields import utc_text
from lotedge.store.query import TraceQueries


def run_recall(args: argparse.Namespace) -> int:
    """The recall report, or with `--format fsma204` the spreadsheet (to -o only)."""
    if args.format == "fsma204" and not args.output:
        print("--format fsma204 writes a spreadsheet: give -o FILE.xlsx", file=sys.stderr)
        return 2
    locations = store_locations(args) if args.format == "fsma204" else None
    with _database(args) as db:
        queries = TraceQueries(db)
        lot = _resolve(queries, args)
        return _emit(recall_answer(queries, lot, args.format, locations), args.output)


def run_kde_check(args: argparse.Namespace) -> int:
    """Exit 0 when every record is complete, 5 when some leave a key data element empty."""
    from lotedge.store.fsma204 import kde_check

    try:
        since = utc_since(args.since) if args.since else None
    except ValueError:
        print(f"--since must be an ISO date or time; got {args.since!r}", file=sys.stderr)
        return 2
    locations = store_locations(args)
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


def store_locations(args: argparse.Namespace) -> LocationBook:
    """The locations of the store's config (none without -c), or exit with every problem."""
    if not args.config or (args.db and not Path(args.config).exists()):
        return LocationBook()
    try:
        return LocationBook(load_store_locations(args.config)[0])
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None


def run_drill(args: argparse.Namespace) -> int:
    """`recall drill LOT [--out DIR]`: the drill's findings and timings (and the package)."""
    from lotedge.store.drill import run_drill as drill

    locations = store_locations(args)
    with _database(args) as db:
        queries = TraceQueries(db)
        lot = _resolve(queries, args)
        found = drill(queries, lot, locations, Path(args.out) if args.out else None)
    if args.json:
        sys.stdout.write(json.dumps(found.summary(), indent=2) + "\n")
    else:
        sys.stdout.write(found.text())
    return 0
