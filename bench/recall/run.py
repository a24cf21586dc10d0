"""Recall benchmark: the recall report with its shipments on SQLite and PostgreSQL, side by side.

The genealogy is `bench.trace`'s (independent families, `depth` levels of `width` lots, diamonds
everywhere), and each family's last two levels go out through the dock: every lot of them is
packed onto two pallets (an AggregationEvent ADD each), each pallet is dispatched alone to one
of 50 customers (half with a GLN, half known by code), and per family two pallets are unpacked
before dispatch and two dispatches voided. That is 36 dock events per family of 320, 10 % of
all events. A recall of a vendor lot (level 0) reaches most of its family, 16 pallets and 12
shipments; it is timed whole (lookup, forward trace, shipments with their unpacks and voids,
rows, JSON), next to the forward trace alone of the same lot, measured in the same run (the
two in turns first, so that neither has the other's cache more often).

    .venv/bin/python -m bench.recall.run                    # 1,000,000 events
    .venv/bin/python -m bench.recall.run --events 100000
    .venv/bin/python -m bench.recall.run --quick            # 10,000 events
PostgreSQL runs when --pg URL or LOTEDGE_TEST_PG_URL is given (a scratch schema is dropped after).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from collections.abc import Callable, Iterator
from datetime import timedelta

from bench.common import percentile
from bench.trace.run import (
    FAN_IN,
    T0,
    family_events,
    genealogy_parser,
    ingest,
    parse_genealogy_args,
    sample_lots,
    side_by_side,
    timed,
    tracing,
)
from lotedge.masterdata.customers import Customer
from lotedge.store.answers import recall_answer
from lotedge.store.customers import CustomerBook
from lotedge.store.db import Database, open_database
from lotedge.store.query import LotInfo, TraceQueries
from lotedge.store.schema import SchemaValidator
from lotedge.wire.gs1 import join_gtin, with_check_digit
from lotedge.wire.identifiers import gtin_lot_class
from tests.store.agent_events import dispatch, event_id, packing, payload, sscc, void_shipping

PALLETS = 16
"""Pallets per family: two per lot of the last two levels (with a width of 8)."""
UNPACKED, VOIDED = (3, 11), (5, 13)
"""Per family: the pallets unpacked before dispatch, and those whose dispatch is voided."""
DOCK_EVENTS = PALLETS * 2 + len(UNPACKED) + len(VOIDED)
CUSTOMERS = tuple(
    Customer(
        code=f"C{n:03d}",
        name=f"Customer {n}",
        gln=with_check_digit(f"952000{n:06d}") if n % 2 else None,
    )
    for n in range(50)
)


def dock_events(family: int, depth: int, width: int) -> Iterator[bytes]:
    """The dock's events of one family: pallets of its last two levels packed, unpacked,
    dispatched, voided, as the shipping station publishes them."""
    when = T0 + timedelta(minutes=family, seconds=30)
    for pallet in range(PALLETS):
        level = depth - pallet // width
        gtin = join_gtin("0614141", f"{level % 10}77777")
        assert gtin is not None
        lots = [
            (gtin_lot_class(gtin, f"F{family}L{level}N{i % width}"), 10.0)
            for i in (pallet, pallet + 1)
        ]
        unit, eid = sscc(family * PALLETS + pallet), (family, pallet)
        yield payload(packing(unit, lots, when=when, eid=event_id("pack", *eid)))
        if pallet in UNPACKED:
            later = when + timedelta(seconds=1)
            yield payload(
                packing(unit, [], when=later, eid=event_id("unpack", *eid), action="DELETE")
            )
        customer = CUSTOMERS[(family * PALLETS + pallet) % len(CUSTOMERS)]
        shipped = when + timedelta(seconds=2)
        yield payload(
            dispatch(
                [unit], customer, when=shipped, eid=event_id("ship", *eid), desadv=f"DN-{family}"
            )
        )
        if pallet in VOIDED:
            later = when + timedelta(seconds=3)
            yield payload(void_shipping([unit], when=later, eid=event_id("void", *eid)))


def every_family(families: int, depth: int, width: int) -> Iterator[bytes]:
    """Each family's genealogy (`bench.trace`), then its dock."""
    rng = random.Random(7)
    for family in range(families):
        yield from family_events(family, depth, width, rng)
        yield from dock_events(family, depth, width)


def recalling(customers: CustomerBook) -> Callable[[TraceQueries, LotInfo], int]:
    """The recall report of a lot as JSON (how many shipments it names), for `timed`."""

    def ask(queries: TraceQueries, lot: LotInfo) -> int:
        return recall_answer(queries, lot, "json", customers).text.count('"shipped_at": ')

    return ask


def alternating(
    db: Database, lots: list[str], ask: Callable[[TraceQueries, LotInfo], int]
) -> tuple[list[float], list[int], list[float]]:
    """Milliseconds of `ask` and of the forward trace alone for each lot, and `ask`'s answers;
    the two in turns first, so that each meets the cache the other left as often."""
    asked: list[float] = []
    answers: list[int] = []
    traced: list[float] = []
    for n, lot in enumerate(lots):
        for which in (0, 1) if n % 2 else (1, 0):
            if which:
                times, found = timed(db, [lot], ask)
                asked += times
                answers += found
            else:
                traced += timed(db, [lot], tracing("forward"))[0]
    return asked, answers, traced


def run(url: str, args: argparse.Namespace, validator: SchemaValidator) -> dict[str, str]:
    per_family = args.depth * args.width * (FAN_IN + 1) + DOCK_EVENTS
    families = max(1, args.events // per_family)
    with open_database(url) as db:
        events, seconds = ingest(
            db, validator, every_family(families, args.depth, args.width), args.batch
        )
        db.execute("ANALYZE")  # what autovacuum does on PostgreSQL after a bulk load
        share = DOCK_EVENTS * families / events
        result = {
            "events": f"{events:,}",
            "dock events": f"{share:.1%}",
            "ingest events/s": f"{events / seconds:,.0f}",
        }
        lots = sample_lots(families, 0, args.width, args.recalls)
        times, named, trace_times = alternating(db, lots, recalling(CustomerBook(CUSTOMERS)))
        result["recall median ms"] = f"{statistics.median(times):.2f}"
        result["recall p99 ms"] = f"{percentile(times, 99):.2f}"
        result["shipments/recall"] = f"{statistics.mean(named):.1f}"
        result["trace median ms"] = f"{statistics.median(trace_times):.2f}"
        result["trace p99 ms"] = f"{percentile(trace_times, 99):.2f}"
        ratio = statistics.median(times) / statistics.median(trace_times)
        result["recall/trace (median)"] = f"{ratio:.2f}"
    return result


def main(argv: list[str] | None = None) -> int:
    parser = genealogy_parser(__doc__.splitlines()[0])
    parser.add_argument("--recalls", type=int, default=200, help="recalls timed")
    args = parse_genealogy_args(parser, argv)
    if args.width != PALLETS // 2:
        parser.error(f"the dock packs two levels of {PALLETS // 2} lots: --width {PALLETS // 2}")
    validator = SchemaValidator.load(args.schema)
    print(f"schema check: {validator.backend}; {args.events:,} events", flush=True)
    side_by_side(lambda url: run(url, args, validator), args.pg)
    return 0


if __name__ == "__main__":
    sys.exit(main())
