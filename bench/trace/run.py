"""Trace store benchmark: ingest rate and trace latency on SQLite and PostgreSQL, side by side.

The genealogy is made of independent families, each `depth` levels of `width` lots. Batch i of
level k consumes lots i, i+1 and one random other lot of level k-1 (one event each) and
produces one lot (one event), so a vendor lot's forward trace runs `depth` levels deep through
most of its family: diamonds everywhere.

    .venv/bin/python -m bench.trace.run                    # 1,000,000 events
    .venv/bin/python -m bench.trace.run --events 100000
    .venv/bin/python -m bench.trace.run --quick            # 10,000 events
PostgreSQL runs when --pg URL or LOTEDGE_TEST_PG_URL is given (a scratch schema is dropped after).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bench.common import REPO, percentile
from lotedge.store.db import Database, open_database
from lotedge.store.ingest import Ingestor, Message
from lotedge.store.query import TraceQueries
from lotedge.store.schema import SchemaValidator
from lotedge.wire import topics
from lotedge.wire.gs1 import join_gtin
from lotedge.wire.identifiers import gtin_lot_class
from lotedge.wire.topics import Topics
from tests.store.agent_events import agent, consumption, event_id, output, payload

FAN_IN = 3
T0 = datetime(2026, 1, 1, tzinfo=UTC)
EXPIRY = date(2027, 1, 1)
TOPIC = Topics.for_agent("lotedge/v1", agent("PLANT1", "L1")).of(topics.EVENTS)


def family_events(family: int, depth: int, width: int, rng: random.Random) -> Iterator[bytes]:
    """Events of one family, level by level, as the lines publish them (the agent's builders)."""

    def lot(level: int, i: int) -> str:
        gtin = join_gtin("0614141", f"{level % 10}77777")
        assert gtin is not None
        return gtin_lot_class(gtin, f"F{family}L{level}N{i}")

    when = T0 + timedelta(minutes=family)
    for level in range(1, depth + 1):
        for i in range(width):
            batch, line = f"F{family}L{level}B{i}", f"L{level}"
            common: dict[str, Any] = {"batch": batch, "line": line, "when": when}
            sources = (i, (i + 1) % width, (i + 1 + rng.randrange(1, width - 1)) % width)
            for n, src in enumerate(sources):
                yield payload(
                    consumption(
                        lot(level - 1, src),
                        10.0,
                        material=f"M{level - 1}",
                        vendor="Vendor" if level == 1 else "",
                        eid=event_id(batch, n),
                        **common,
                    )
                )
            yield payload(
                output(
                    lot(level, i),
                    30.0,
                    product=f"P{level}",
                    expiry=EXPIRY,
                    eid=event_id(batch, "out"),
                    **common,
                )
            )


def ingest(
    db: Database, validator: SchemaValidator, families: int, depth: int, width: int, batch: int
) -> tuple[int, float]:
    """Store every event in batches; returns (events, seconds spent inside the ingestor)."""
    ingestor, rng, spent, total = Ingestor(db, validator), random.Random(7), 0.0, 0
    pending: list[Message] = []
    for family in range(families):
        for body in family_events(family, depth, width, rng):
            pending.append(Message(body, TOPIC))
            if len(pending) == batch:
                started = time.perf_counter()
                ingestor.ingest(pending)
                spent += time.perf_counter() - started
                total, pending = total + len(pending), []
    if pending:
        started = time.perf_counter()
        ingestor.ingest(pending)
        spent += time.perf_counter() - started
        total += len(pending)
    return total, spent


def latencies(
    db: Database, families: int, level: int, direction: str, samples_n: int, width: int
) -> tuple[list[float], int, int]:
    """Milliseconds per trace (lookup by lot number included), lots reached, deepest level."""
    queries, rng = TraceQueries(db), random.Random(11)
    times, reached, deepest = [], [], 0
    for _ in range(samples_n):
        lot = f"F{rng.randrange(families)}L{level}N{rng.randrange(width)}"
        started = time.perf_counter()
        trace = queries.trace(queries.resolve(lot), direction)  # type: ignore[arg-type]
        times.append((time.perf_counter() - started) * 1000)
        reached.append(len(trace.depth))
        deepest = max(deepest, max(trace.depth.values()))
    return times, round(statistics.mean(reached)), deepest


def run(url: str, args: argparse.Namespace, validator: SchemaValidator) -> dict[str, str]:
    families = max(1, args.events // (args.depth * args.width * (FAN_IN + 1)))
    with open_database(url) as db:
        events, seconds = ingest(db, validator, families, args.depth, args.width, args.batch)
        db.execute("ANALYZE")  # what autovacuum does on PostgreSQL after a bulk load
        result = {"events": f"{events:,}", "ingest events/s": f"{events / seconds:,.0f}"}
        for direction, level in (("forward", 0), ("backward", args.depth)):
            times, lots, deepest = latencies(
                db, families, level, direction, args.traces, args.width
            )
            result[f"{direction} median ms"] = f"{statistics.median(times):.2f}"
            result[f"{direction} p99 ms"] = f"{percentile(times, 99):.2f}"
            result[f"{direction} lots/depth"] = f"{lots}/{deepest}"
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--depth", type=int, default=10)
    parser.add_argument("--width", type=int, default=8, help="lots per level of a family")
    parser.add_argument("--batch", type=int, default=500, help="events per transaction")
    parser.add_argument("--traces", type=int, default=200, help="traces timed per direction")
    parser.add_argument(
        "--schema", default=str(REPO.parent / "shared/epcis/EPCIS-JSON-Schema.json")
    )
    parser.add_argument("--pg", default=os.environ.get("LOTEDGE_TEST_PG_URL"))
    parser.add_argument("--quick", action="store_true", help="10,000 events")
    args = parser.parse_args(argv)
    if args.quick:
        args.events = 10_000
    validator = SchemaValidator.load(args.schema)
    print(
        f"schema check: {validator.backend}; {args.events:,} events, depth {args.depth}", flush=True
    )
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


if __name__ == "__main__":
    sys.exit(main())
