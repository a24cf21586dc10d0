"""Mock-recall drill benchmark: `lotedge recall drill` end to end (both traces, the affected
items, the FSMA 204 records, the spreadsheet, CSV, SVG and JSON written) on bench/trace's
genealogy, SQLite and PostgreSQL side by side, with the forward trace alone as the peer.

    .venv/bin/python -m bench.recall_drill.run                 # 1,000,000 events
    .venv/bin/python -m bench.recall_drill.run --events 100000
    .venv/bin/python -m bench.recall_drill.run --quick         # 10,000 events
PostgreSQL runs when --pg URL or LOTEDGE_TEST_PG_URL is given (a scratch schema is dropped after).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import uuid
from pathlib import Path

from bench.common import REPO, percentile
from bench.trace.run import FAN_IN, ingest
from lotedge.masterdata.locations import Location, LocationBook
from lotedge.store.db import open_database
from lotedge.store.drill import run_drill
from lotedge.store.query import TraceQueries
from lotedge.store.schema import SchemaValidator

SITE = Location(
    code="PLANT1",
    name="Bench Bakery",
    phone="(217) 555-0100",
    address="1 Oven Road",
    city="Springfield",
    state="IL",
    postal_code="62701",
    country="US",
)


def run(url: str, args: argparse.Namespace, validator: SchemaValidator) -> dict[str, str]:
    families = max(1, args.events // (args.depth * args.width * (FAN_IN + 1)))
    with open_database(url) as db, tempfile.TemporaryDirectory() as out:
        events, _seconds = ingest(db, validator, families, args.depth, args.width, args.batch)
        db.execute("ANALYZE")
        queries, rng = TraceQueries(db), random.Random(11)
        totals, forward, xlsx, rows = [], [], [], []
        for n in range(args.drills):
            lot = f"F{rng.randrange(families)}L0N{rng.randrange(args.width)}"
            drill = run_drill(
                queries, queries.resolve(lot), LocationBook([SITE]), Path(out) / str(n)
            )
            steps = {t.step: t.seconds * 1000 for t in drill.timings}
            totals.append(drill.seconds * 1000)
            forward.append(steps["forward trace"])
            xlsx.append(steps["spreadsheet (xlsx)"])
            rows.append(len(drill.lots))
    return {
        "events": f"{events:,}",
        "drill median ms": f"{statistics.median(totals):.1f}",
        "drill p99 ms": f"{percentile(totals, 99):.1f}",
        "forward median ms": f"{statistics.median(forward):.1f}",
        "xlsx median ms": f"{statistics.median(xlsx):.1f}",
        "lots per drill": f"{round(statistics.mean(rows))}",
    }


def run_pg(args: argparse.Namespace, validator: SchemaValidator) -> dict[str, str]:
    import psycopg

    schema = f"lotedge_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.pg, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        joiner = "&" if "?" in args.pg else "?"
        return run(f"{args.pg}{joiner}options=-csearch_path%3D{schema}", args, validator)
    finally:
        with psycopg.connect(args.pg, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--depth", type=int, default=10)
    parser.add_argument("--width", type=int, default=8, help="lots per level of a family")
    parser.add_argument("--batch", type=int, default=500, help="events per transaction")
    parser.add_argument("--drills", type=int, default=50, help="drills timed per database")
    parser.add_argument(
        "--schema", default=str(REPO.parent / "shared/epcis/EPCIS-JSON-Schema.json")
    )
    parser.add_argument("--pg", default=os.environ.get("LOTEDGE_TEST_PG_URL"))
    parser.add_argument("--quick", action="store_true", help="10,000 events")
    args = parser.parse_args(argv)
    if args.quick:
        args.events = 10_000
    validator = SchemaValidator.load(args.schema)
    print(f"{args.events:,} events, depth {args.depth}, {args.drills} drills", flush=True)
    results: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["SQLite"] = run(f"sqlite:///{tmp}/bench.db", args, validator)
    if args.pg:
        results["PostgreSQL"] = run_pg(args, validator)
    rows = list(next(iter(results.values())))
    print(f"{'':<20}" + "".join(f"{name:>14}" for name in results))
    for row in rows:
        print(f"{row:<20}" + "".join(f"{r[row]:>14}" for r in results.values()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
