"""Stock benchmark: stock by lot, the short-dated list and the FEFO push, on SQLite and PostgreSQL.

The data set is the stock tests' generated dock (`tests.store.stock_data`): `--lots` lots made
(three products), about half as many pallets packed with one to three lots each, a tenth of
them partly unpacked and a twentieth whole, most dispatched, a fifth of those voided (half of
which shipped again), a tenth of the lots scrapped or counted: about 2.1 events per lot. The
whole stock (every lot, its figures and its pallets) is timed `--repeats` times, then the
short-dated list (`expiring --within 14d`) as often; both replay every stored movement. Then the
FEFO push to the shipping stations (`lots push-stock` without the sending): the product lots
(the stock, less held lots) and their paged `stock.lots` commands, with the lots pushed, the
pages and the bytes of their bodies.

    .venv/bin/python -m bench.stock.run                 # 100,000 lots
    .venv/bin/python -m bench.stock.run --quick         # 10,000 lots
PostgreSQL runs when --pg URL or LOTEDGE_TEST_PG_URL is given (a scratch schema is dropped after).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date

from bench.common import percentile
from bench.trace.run import ingest, side_by_side
from lotedge.store.db import Database, open_database
from lotedge.store.line_commands import LineCommand
from lotedge.store.product_lots import product_lots, stock_lots_commands
from lotedge.store.schema import SchemaValidator
from lotedge.store.stock import expiring, stock
from tests import epcis_schema
from tests.store.agent_events import payload
from tests.store.stock_data import story


def timed(db: Database, ask: Callable[[Database], list], repeats: int) -> tuple[list[float], int]:
    """Milliseconds of each of `repeats` runs of `ask`, and how many lots it answered."""
    times, found = [], 0
    for _ in range(repeats):
        started = time.perf_counter()
        found = len(ask(db))
        times.append((time.perf_counter() - started) * 1000)
    return times, found


def fefo_push(db: Database) -> list[LineCommand]:
    """What `lotedge store lots push-stock` sends every line: one or more pages per product."""
    return stock_lots_commands(product_lots(db))


def run(url: str, args: argparse.Namespace, validator: SchemaValidator) -> dict[str, str]:
    today = date.today()
    told = story(args.lots, today)
    payloads: Iterator[bytes] = (payload(event) for event in told.events)
    with open_database(url) as db:
        events, seconds = ingest(db, validator, payloads, args.batch)
        db.execute("ANALYZE")  # what autovacuum does on PostgreSQL after a bulk load
        result = {"lots": f"{args.lots:,}", "events": f"{events:,}"}
        result["ingest events/s"] = f"{events / seconds:,.0f}"
        asks = {
            "stock": lambda d: stock(d),
            "expiring 14d": lambda d: expiring(d, today, 14),
        }
        for name, ask in asks.items():
            times, found = timed(db, ask, args.repeats)
            result[f"{name} lots"] = f"{found:,}"
            result[f"{name} median ms"] = f"{statistics.median(times):,.0f}"
            result[f"{name} p99 ms"] = f"{percentile(times, 99):,.0f}"
        times, pages = timed(db, fefo_push, args.repeats)
        commands = fefo_push(db)
        bodies = [json.dumps({**c.args, "transaction": c.transaction}) for c in commands]
        result["fefo push lots"] = f"{sum(len(c.args['lots']) for c in commands):,}"
        result["fefo push pages"] = f"{pages:,}"
        result["fefo push KiB"] = f"{sum(len(b.encode()) for b in bodies) / 1024:,.0f}"
        result["fefo push median ms"] = f"{statistics.median(times):,.0f}"
        result["fefo push p99 ms"] = f"{percentile(times, 99):,.0f}"
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lots", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=20, help="timed runs of each question")
    parser.add_argument("--batch", type=int, default=500, help="events per transaction")
    parser.add_argument("--schema", default=str(epcis_schema.SCHEMA), help="GS1's JSON Schema")
    parser.add_argument("--pg", default=os.environ.get("LOTEDGE_TEST_PG_URL"))
    parser.add_argument("--quick", action="store_true", help="10,000 lots")
    args = parser.parse_args(argv)
    if args.quick:
        args.lots = 10_000
    validator = SchemaValidator.load(args.schema)
    print(f"schema check: {validator.backend}; {args.lots:,} lots", flush=True)
    side_by_side(lambda url: run(url, args, validator), args.pg)
    return 0


if __name__ == "__main__":
    sys.exit(main())
