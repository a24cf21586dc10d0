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
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from bench.common import percentile
from lotedge.store.db import Database, open_database
from lotedge.store.ingest import Ingestor, Message
from lotedge.store.query import Direction, LotInfo, Trace, TraceQueries
from lotedge.store.schema import SchemaValidator
from lotedge.wire.gs1 import join_gtin
from lotedge.wire.identifiers import gtin_lot_class
from tests import epcis_schema
from tests.store.agent_events import consumption, event_id, output, payload
from tests.store.helpers import own_topic

FAN_IN = 3
T0 = datetime(2026, 1, 1, tzinfo=UTC)
EXPIRY = date(2027, 1, 1)
T = TypeVar("T")


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


def every_family(families: int, depth: int, width: int) -> Iterator[bytes]:
    """The events of `families` families, one family after the other."""
    rng = random.Random(7)
    for family in range(families):
        yield from family_events(family, depth, width, rng)


def ingest(
    db: Database, validator: SchemaValidator, payloads: Iterable[bytes], batch: int
) -> tuple[int, float]:
    """Store `payloads` in batches; returns (events, seconds spent inside the ingestor)."""
    ingestor, spent, total = Ingestor(db, validator), 0.0, 0
    pending: list[Message] = []
    for body in payloads:
        pending.append(Message(body, own_topic(body)))
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


def sample_lots(families: int, level: int, width: int, n: int) -> list[str]:
    """`n` lot numbers of `level`, drawn at random (the same every run)."""
    rng = random.Random(11)
    return [f"F{rng.randrange(families)}L{level}N{rng.randrange(width)}" for _ in range(n)]


def timed(
    db: Database, lots: list[str], ask: Callable[[TraceQueries, LotInfo], T]
) -> tuple[list[float], list[T]]:
    """Milliseconds per question `ask` of each lot (its lookup by lot number included), and the
    answers."""
    queries, times, answers = TraceQueries(db), [], []
    for lot in lots:
        started = time.perf_counter()
        answers.append(ask(queries, queries.resolve(lot)))
        times.append((time.perf_counter() - started) * 1000)
    return times, answers


def tracing(direction: Direction) -> Callable[[TraceQueries, LotInfo], Trace]:
    """The trace of a lot in `direction`, as a question for `timed`."""
    return lambda queries, lot: queries.trace(lot, direction)


def run(url: str, args: argparse.Namespace, validator: SchemaValidator) -> dict[str, str]:
    families = max(1, args.events // (args.depth * args.width * (FAN_IN + 1)))
    with open_database(url) as db:
        events, seconds = ingest(
            db, validator, every_family(families, args.depth, args.width), args.batch
        )
        db.execute("ANALYZE")  # what autovacuum does on PostgreSQL after a bulk load
        result = {"events": f"{events:,}", "ingest events/s": f"{events / seconds:,.0f}"}
        directions: tuple[tuple[Direction, int], ...] = (("forward", 0), ("backward", args.depth))
        for direction, level in directions:
            lots = sample_lots(families, level, args.width, args.traces)
            times, traces = timed(db, lots, tracing(direction))
            reached = round(statistics.mean(len(t.depth) for t in traces))
            deepest = max(max(t.depth.values()) for t in traces)
            result[f"{direction} median ms"] = f"{statistics.median(times):.2f}"
            result[f"{direction} p99 ms"] = f"{percentile(times, 99):.2f}"
            result[f"{direction} lots/depth"] = f"{reached}/{deepest}"
    return result


def main(argv: list[str] | None = None) -> int:
    parser = genealogy_parser(__doc__.splitlines()[0])
    parser.add_argument("--traces", type=int, default=200, help="traces timed per direction")
    args = parse_genealogy_args(parser, argv)
    validator = SchemaValidator.load(args.schema)
    print(
        f"schema check: {validator.backend}; {args.events:,} events, depth {args.depth}", flush=True
    )
    side_by_side(lambda url: run(url, args, validator), args.pg)
    return 0


def genealogy_parser(description: str) -> argparse.ArgumentParser:
    """The options of a bench over this genealogy: its size and shape, the ingest's batch, GS1's
    schema, the PostgreSQL to compare with, --quick."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--depth", type=int, default=10)
    parser.add_argument("--width", type=int, default=8, help="lots per level of a family")
    parser.add_argument("--batch", type=int, default=500, help="events per transaction")
    parser.add_argument("--schema", default=str(epcis_schema.SCHEMA), help="GS1's JSON Schema")
    parser.add_argument("--pg", default=os.environ.get("LOTEDGE_TEST_PG_URL"))
    parser.add_argument("--quick", action="store_true", help="10,000 events")
    return parser


def parse_genealogy_args(
    parser: argparse.ArgumentParser, argv: list[str] | None
) -> argparse.Namespace:
    """The arguments; --quick makes the store 10,000 events."""
    args = parser.parse_args(argv)
    if args.quick:
        args.events = 10_000
    return args


def side_by_side(run: Callable[[str], dict[str, str]], pg_url: str | None) -> None:
    """`run` on a scratch SQLite database and, with `pg_url`, on a scratch PostgreSQL schema;
    their figures printed side by side."""
    results: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["SQLite"] = run(f"sqlite:///{tmp}/bench.db")
    if pg_url:
        with scratch_schema(pg_url) as url:
            results["PostgreSQL"] = run(url)
    print_table(results)


def print_table(results: dict[str, dict[str, str]]) -> None:
    """The figures of each database side by side, a row per figure."""
    rows = list(next(iter(results.values())))
    print(f"{'':<24}" + "".join(f"{name:>14}" for name in results))
    for row in rows:
        print(f"{row:<24}" + "".join(f"{r[row]:>14}" for r in results.values()))


@contextmanager
def scratch_schema(pg_url: str) -> Iterator[str]:
    """The URL of a new PostgreSQL schema in the database of `pg_url`, dropped afterwards."""
    import psycopg

    schema = f"lotedge_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        joiner = "&" if "?" in pg_url else "?"
        yield f"{pg_url}{joiner}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


if __name__ == "__main__":
    sys.exit(main())
