"""PostgreSQL at scale: ingest by one store instance and by two at once, trace and recall p99
at depth 10, and where the bytes go (tables and indexes).

The genealogy is bench.trace's (families of `depth` levels of `width` lots, three consumptions
and one output per batch, made by the agent's own builders). The events are made first (two
processes) and written to files, so that the timed ingest is the store's alone: phase 1 stores
the first half with one writer (one `Ingestor`, as one store instance), phase 2 the second half
with `--writers` processes at once, each with its own connection (competing store instances on
one database). Both rates are wall-clock events/s, each other's peer. Then ANALYZE, and forward
traces from vendor lots, backward traces from level-`depth` lots and recall reports (the
forward trace as rows) are timed twice over the same lots: a cold pass and a warm one.

    .venv/bin/python -m bench.pgscale.run --pg URL                     # 10,000,000 events
    .venv/bin/python -m bench.pgscale.run --pg URL --events 1000000
    .venv/bin/python -m bench.pgscale.run --pg URL --quick             # 100,000 events

--pg defaults to LOTEDGE_TEST_PG_URL; a scratch schema is dropped afterwards (--keep-schema
keeps it). --schema checks every event against GS1's EPCIS JSON schema, as a store does.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from bench.common import percentile
from bench.trace.run import FAN_IN, family_events
from lotedge.store.answers import recall_answer
from lotedge.store.db import Database, open_database
from lotedge.store.ingest import Ingestor, Message
from lotedge.store.query import TraceQueries
from lotedge.store.schema import SchemaValidator
from tests.store.helpers import own_topic

SCHEMA = Path("/work/shared/epcis/EPCIS-JSON-Schema.json")


def make_events(path: Path, families: list[int], depth: int, width: int) -> int:
    """Write the events of `families` to `path`, one JSON payload a line; returns how many."""
    n = 0
    with path.open("wb") as out:
        for family in families:
            for body in family_events(family, depth, width, random.Random(family)):
                out.write(body + b"\n")
                n += 1
    return n


def _make_all(jobs: list[tuple[Path, list[int]]], depth: int, width: int) -> None:
    for path, families in jobs:
        make_events(path, families, depth, width)


def store_file(url: str, path: Path, batch: int, schema: str | None, start: object) -> None:
    """One writer: wait for `start` (a barrier), then store the file in batches."""
    validator = SchemaValidator.load(schema) if schema else None
    with open_database(url) as db:
        ingestor = Ingestor(db, validator)
        messages = [
            Message(body, own_topic(body))
            for body in (line.rstrip(b"\n") for line in path.open("rb"))
        ]
        start.wait()  # type: ignore[attr-defined]
        for i in range(0, len(messages), batch):
            ingestor.ingest(messages[i : i + batch])


def timed_ingest(url: str, paths: list[Path], batch: int, schema: str | None) -> float:
    """Seconds from the start signal until every writer (one per file) has stored its file."""
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(len(paths) + 1)
    writers = [
        context.Process(target=store_file, args=(url, path, batch, schema, start)) for path in paths
    ]
    for writer in writers:
        writer.start()
    start.wait()
    began = time.perf_counter()
    for writer in writers:
        writer.join()
        assert writer.exitcode == 0, f"a writer failed ({writer.exitcode})"
    return time.perf_counter() - began


def timings(lots: list[str], run: Callable[[str], object]) -> list[float]:
    """Milliseconds per call of `run(lot)`."""
    out = []
    for lot in lots:
        started = time.perf_counter()
        run(lot)
        out.append((time.perf_counter() - started) * 1000)
    return out


def sizes(db: Database, schema: str) -> list[tuple[str, int, int]]:
    """(table, table bytes, its indexes' bytes), largest first."""
    rows = db.fetchall(
        "SELECT c.relname, pg_table_size(c.oid), pg_indexes_size(c.oid) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relkind = 'r' "
        "ORDER BY pg_total_relation_size(c.oid) DESC",
        (schema,),
    )
    return [(name, int(table), int(index)) for name, table, index in rows]


def run(args: argparse.Namespace, url: str, schema_name: str, workdir: Path) -> None:
    families = max(2, args.events // (args.depth * args.width * (FAN_IN + 1)))
    half = families // 2
    second = list(range(half, families))
    jobs = {
        "one": [(workdir / "one.jsonl", list(range(half)))],
        "many": [
            (workdir / f"many{k}.jsonl", second[k :: args.writers]) for k in range(args.writers)
        ],
    }
    started = time.perf_counter()
    context = multiprocessing.get_context("spawn")
    makers = [
        context.Process(target=_make_all, args=(group, args.depth, args.width))
        for group in jobs.values()
    ]
    for maker in makers:
        maker.start()
    for maker in makers:
        maker.join()
        assert maker.exitcode == 0
    counts = {p: sum(1 for _ in p.open("rb")) for group in jobs.values() for p, _ in group}
    print(f"{sum(counts.values()):,} events made in {time.perf_counter() - started:.0f} s")
    with Database(url) as db:
        db.create_schema()
    one_path = jobs["one"][0][0]
    seconds = timed_ingest(url, [one_path], args.batch, args.schema)
    print(
        f"1 writer: {counts[one_path]:,} events in {seconds:.1f} s: "
        f"{counts[one_path] / seconds:,.0f} events/s (load {os.getloadavg()[0]:.1f})"
    )
    paths = [p for p, _ in jobs["many"]]
    seconds = timed_ingest(url, paths, args.batch, args.schema)
    events = sum(counts[p] for p in paths)
    print(
        f"{args.writers} writers: {events:,} events in {seconds:.1f} s: "
        f"{events / seconds:,.0f} events/s (load {os.getloadavg()[0]:.1f})"
    )
    with open_database(url) as db:
        total = db.fetchone("SELECT COUNT(*) FROM events")
        print(f"stored: {total[0] if total else 0:,} events")
        db.execute("ANALYZE")
        queries, rng = TraceQueries(db), random.Random(11)
        vendor = [
            f"F{rng.randrange(families)}L0N{rng.randrange(args.width)}" for _ in range(args.traces)
        ]
        top = [
            f"F{rng.randrange(families)}L{args.depth}N{rng.randrange(args.width)}"
            for _ in range(args.traces)
        ]
        checks: dict[str, tuple[list[str], Callable[[str], object]]] = {
            "forward": (vendor, lambda lot: queries.trace(queries.resolve(lot), "forward")),
            "backward": (top, lambda lot: queries.trace(queries.resolve(lot), "backward")),
            "recall (csv)": (
                vendor,
                lambda lot: recall_answer(queries, queries.resolve(lot), "csv"),
            ),
        }
        print(f"{'':<14}{'cold median':>12}{'cold p99':>10}{'warm median':>12}{'warm p99':>10}  ms")
        for name, (lots, call) in checks.items():
            cold, warm = timings(lots, call), timings(lots, call)
            print(
                f"{name:<14}{statistics.median(cold):>12.2f}{percentile(cold, 99):>10.2f}"
                f"{statistics.median(warm):>12.2f}{percentile(warm, 99):>10.2f}"
            )
        stored = total[0] if total else 1
        print(f"{'table':<22}{'MB':>9}{'index MB':>10}{'bytes/event':>13}")
        for name, table, index in sizes(db, schema_name)[:8]:
            per_event = (table + index) / stored
            print(f"{name:<22}{table / 2**20:>9.1f}{index / 2**20:>10.1f}{per_event:>13.0f}")
        everything = sum(t + i for _, t, i in sizes(db, schema_name))
        per_million = everything / stored * 1e6 / 2**30
        print(f"database: {everything / 2**20:,.0f} MB, {per_million:.2f} GB per million events")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--depth", type=int, default=10)
    parser.add_argument("--width", type=int, default=8, help="lots per level of a family")
    parser.add_argument("--batch", type=int, default=500, help="events per transaction")
    parser.add_argument("--writers", type=int, default=2, help="store instances of phase 2")
    parser.add_argument("--traces", type=int, default=200, help="lots timed per question")
    parser.add_argument("--schema", default=str(SCHEMA) if SCHEMA.is_file() else None)
    parser.add_argument("--pg", default=os.environ.get("LOTEDGE_TEST_PG_URL"))
    parser.add_argument("--quick", action="store_true", help="100,000 events")
    parser.add_argument("--keep-schema", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.events = 100_000
    if not args.pg:
        parser.error("PostgreSQL needed: --pg URL or LOTEDGE_TEST_PG_URL")
    import psycopg

    print(f"{args.events:,} events, depth {args.depth}, schema check: {bool(args.schema)}")
    schema = f"lotedge_scale_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.pg, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    joiner = "&" if "?" in args.pg else "?"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            run(args, f"{args.pg}{joiner}options=-csearch_path%3D{schema}", schema, Path(tmp))
    finally:
        if args.keep_schema:
            print(f"kept schema {schema}")
        else:
            with psycopg.connect(args.pg, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    return 0


if __name__ == "__main__":
    sys.exit(main())
