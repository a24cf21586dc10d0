"""Mock-recall drill benchmark: `lotedge recall drill` end to end (both traces, the affected
items, the shipments, the FSMA 204 records, the spreadsheet, CSV, SVG and JSON written) on
bench/recall's data (bench/trace's genealogy with each family's dock: pallets packed, unpacked,
dispatched to 50 customers, voided), SQLite and PostgreSQL side by side, with the forward trace
alone as the peer (inside the same drills).

    .venv/bin/python -m bench.recall_drill.run                 # 1,000,000 events
    .venv/bin/python -m bench.recall_drill.run --events 100000
    .venv/bin/python -m bench.recall_drill.run --quick         # 10,000 events
PostgreSQL runs when --pg URL or LOTEDGE_TEST_PG_URL is given (a scratch schema is dropped after).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from bench.common import percentile
from bench.recall.run import CUSTOMERS, DOCK_EVENTS, PALLETS, every_family
from bench.trace.run import (
    FAN_IN,
    genealogy_parser,
    ingest,
    parse_genealogy_args,
    sample_lots,
    side_by_side,
)
from lotedge.masterdata.locations import LocationBook
from lotedge.store.customers import CustomerBook
from lotedge.store.db import open_database
from lotedge.store.drill import run_drill
from lotedge.store.query import TraceQueries
from lotedge.store.schema import SchemaValidator
from tests.store.fsma_data import LOCATIONS

SITE = LOCATIONS[0]
"""Our site, complete: the package's location columns are filled as in use."""


def run(url: str, args: argparse.Namespace, validator: SchemaValidator) -> dict[str, str]:
    per_family = args.depth * args.width * (FAN_IN + 1) + DOCK_EVENTS
    families = max(1, args.events // per_family)
    customers, locations = CustomerBook(CUSTOMERS), LocationBook([SITE])
    with open_database(url) as db, tempfile.TemporaryDirectory() as out:
        events, _seconds = ingest(
            db, validator, every_family(families, args.depth, args.width), args.batch
        )
        db.execute("ANALYZE")
        queries = TraceQueries(db)
        totals, forward, xlsx, lots, shipped = [], [], [], [], []
        for n, lot in enumerate(sample_lots(families, 0, args.width, args.drills)):
            drill = run_drill(
                queries, queries.resolve(lot), customers, locations, Path(out) / str(n)
            )
            steps = {t.step: t.seconds * 1000 for t in drill.timings}
            totals.append(drill.seconds * 1000)
            forward.append(steps["forward trace"])
            xlsx.append(steps["spreadsheet (xlsx)"])
            lots.append(len(drill.lots))
            shipped.append(len(drill.shipments))
    return {
        "events": f"{events:,}",
        "drill median ms": f"{statistics.median(totals):.1f}",
        "drill p99 ms": f"{percentile(totals, 99):.1f}",
        "forward median ms": f"{statistics.median(forward):.1f}",
        "xlsx median ms": f"{statistics.median(xlsx):.1f}",
        "lots per drill": f"{statistics.mean(lots):.0f}",
        "shipments per drill": f"{statistics.mean(shipped):.1f}",
    }


def main(argv: list[str] | None = None) -> int:
    parser = genealogy_parser(__doc__.splitlines()[0])
    parser.add_argument("--drills", type=int, default=50, help="drills timed per database")
    args = parse_genealogy_args(parser, argv)
    if args.width != PALLETS // 2:
        parser.error(f"the dock packs two levels of {PALLETS // 2} lots: --width {PALLETS // 2}")
    validator = SchemaValidator.load(args.schema)
    print(f"{args.events:,} events, depth {args.depth}, {args.drills} drills", flush=True)
    side_by_side(lambda url: run(url, args, validator), args.pg)
    return 0


if __name__ == "__main__":
    sys.exit(main())
