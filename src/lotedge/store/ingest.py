"""Writing events: idempotent by eventID, bad input dead-lettered, one transaction per batch.

A batch is written set by set (dead letters, events, batches, lots, flows), each set as one
`executemany`, which PostgreSQL pipelines into one round trip. Lots and batches are upserted in
sorted order, so concurrent stores lock rows in the same order and cannot deadlock each other.
"""

from __future__ import annotations

import enum
import time
from collections import ChainMap, Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import astuple, dataclass
from datetime import UTC, datetime
from typing import TypeVar

from lotedge.store.classes import LotClass
from lotedge.store.db import Database
from lotedge.store.events import (
    LotAttrs,
    ParsedEvent,
    RejectedScan,
    Rejection,
    parse_event,
    parse_rejected_scan,
)
from lotedge.store.schema import SchemaValidator
from lotedge.wire import topics

_DEAD_LETTER = (
    "INSERT INTO dead_letters (received_at, source, code, reason, payload) VALUES (?, ?, ?, ?, ?)"
)
_EVENT = (
    "INSERT INTO events (event_id, event_type, event_time, transformation_id, site, line,"
    " received_at, body, local_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (event_id) DO NOTHING RETURNING id"
)
_TRANSFORMATION = (
    "INSERT INTO transformations (uri, site, line, product) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (uri) DO UPDATE SET site = COALESCE(transformations.site, excluded.site),"
    " line = COALESCE(transformations.line, excluded.line),"
    " product = COALESCE(transformations.product, excluded.product) RETURNING id"
)
_LOT = (
    "INSERT INTO lots (class_key, epc_class, scheme, gtin, lot, material, vendor, product,"
    " expiry) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (class_key) DO UPDATE SET"
    " material = COALESCE(lots.material, excluded.material),"
    " vendor = COALESCE(lots.vendor, excluded.vendor),"
    " product = COALESCE(lots.product, excluded.product),"
    " expiry = COALESCE(lots.expiry, excluded.expiry) RETURNING id"
)
_FLOW = (
    "INSERT INTO lot_flows (event, direction, position, transformation, lot, quantity, uom)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_RECEIPT = (  # vendor ... reference_uri in the order of `events.Receipt`'s fields
    "INSERT INTO receipts (event, position, lot, vendor, vendor_uri, material, vendor_lot,"
    " internal_lot, reference, reference_type, reference_uri, quantity, uom, expiry,"
    " received_at, received_on, site, line)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_REJECTED_SCAN = (
    "INSERT INTO rejections (rejection_id, stage, site, line, rejected_at, reason, message,"
    " material, gtin, lot, lot_key, vendor, received_at, body)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (rejection_id) DO NOTHING RETURNING id"
)
_LINE = (
    "INSERT INTO lines (root, prefix, site, line, first_seen) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (root) DO NOTHING"
)
"""Last level of the agents' rejected-scan topics; every other topic carries events."""

K = TypeVar("K")
_CACHE_LIMIT = 200_000
BatchKey = tuple[str, str | None, str | None, str | None]
"""A transformation as one event describes it: URI, site, line, product."""
LotKey = tuple[LotClass, LotAttrs]
"""A lot as one event describes it."""
LineRow = tuple[str, str, str, str]
"""An agent that sent messages: topic root, prefix, site, line."""


class IngestOutcome(enum.StrEnum):
    """What happened to one message."""

    STORED = "stored"
    DUPLICATE = "duplicate"
    DEAD_LETTERED = "dead_lettered"


@dataclass(frozen=True)
class Message:
    """One received payload and where it came from (the MQTT topic)."""

    payload: bytes
    source: str = ""


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Ingestor:
    """Stores batches of messages. Not thread-safe: one per writer thread."""

    def __init__(
        self,
        db: Database,
        validator: SchemaValidator | None = None,
        *,
        clock: Callable[[], str] = utc_now,
        retries: int = 5,
    ) -> None:
        self.db = db
        self.validator = validator
        self.clock = clock
        self.retries = retries
        self.counts: Counter[IngestOutcome] = Counter()
        self._batch_ids: dict[BatchKey, int] = {}
        self._lot_ids: dict[LotKey, int] = {}
        self._lines: set[LineRow] = set()
        """Agents (lines) already recorded in `lines`."""

    def ingest(self, messages: Sequence[Message]) -> list[IngestOutcome]:
        """Store a batch in one transaction; retries the whole batch on transient DB errors.

        Raises only when the database keeps failing; then nothing of the batch is stored and the
        caller must not acknowledge it.
        """
        parsed = [self._parse(m) for m in messages]
        for attempt in range(self.retries + 1):
            batch_ids: dict[BatchKey, int] = {}
            lot_ids: dict[LotKey, int] = {}
            try:
                with self.db.transaction():
                    outcomes = self._write(messages, parsed, batch_ids, lot_ids)
            except self.db.transient_errors():
                if attempt == self.retries:
                    raise
                time.sleep(0.05 * 2**attempt)
                continue
            self._remember(self._batch_ids, batch_ids)
            self._remember(self._lot_ids, lot_ids)
            self._lines.update(_line_rows(messages, outcomes))
            self.counts.update(outcomes)
            return outcomes
        raise AssertionError("unreachable")

    def _parse(self, message: Message) -> ParsedEvent | RejectedScan | Rejection:
        if message.source.rpartition("/")[2] == topics.REJECTIONS:
            return parse_rejected_scan(message.payload, message.source)
        return parse_event(message.payload, self.validator)

    @staticmethod
    def _remember(cache: dict[K, int], committed: dict[K, int]) -> None:
        """Keep ids of committed rows (never of a rolled-back attempt), up to a bound."""
        if len(cache) + len(committed) > _CACHE_LIMIT:
            cache.clear()
        cache.update(committed)

    def _write(
        self,
        messages: Sequence[Message],
        parsed: list[ParsedEvent | RejectedScan | Rejection],
        batch_ids: dict[BatchKey, int],
        lot_ids: dict[LotKey, int],
    ) -> list[IngestOutcome]:
        now = self.clock()
        outcomes = [IngestOutcome.DUPLICATE] * len(parsed)
        dead = [(i, p) for i, p in enumerate(parsed) if isinstance(p, Rejection)]
        self.db.executemany(
            _DEAD_LETTER,
            [
                (now, messages[i].source, r.code.value, r.reason, messages[i].payload)
                for i, r in dead
            ],
        )
        for i, _ in dead:
            outcomes[i] = IngestOutcome.DEAD_LETTERED
        new = self._new_events(parsed, now, outcomes)
        batches = ChainMap(batch_ids, self._batch_ids)
        lots = ChainMap(lot_ids, self._lot_ids)
        self._upsert(_TRANSFORMATION, _batch_keys(new), batches, tuple)
        self._upsert(_LOT, _lot_keys(new), lots, _lot_row)
        self.db.executemany(
            _FLOW,
            [
                (
                    row_id,
                    f.direction,
                    f.position,
                    batches[_batch_key(e)],
                    lots[(f.lot, f.attrs)],
                    f.quantity,
                    f.uom,
                )
                for row_id, e in new
                if e.batch is not None
                for f in e.flows
            ],
        )
        self.db.executemany(
            _RECEIPT,
            [
                (
                    row_id,
                    f.position,
                    lots[(f.lot, f.attrs)],
                    *astuple(e.receipt),
                    f.quantity,
                    f.uom,
                    f.attrs.expiry,
                    e.event_time,
                    e.local_date,
                    e.site,
                    e.line,
                )
                for row_id, e in new
                if e.receipt is not None
                for f in e.received
            ],
        )
        self._new_rejected_scans(parsed, now, outcomes)
        self.db.executemany(
            _LINE,
            sorted((*row, now) for row in set(_line_rows(messages, outcomes)) - self._lines),
        )
        return outcomes

    def _new_rejected_scans(
        self,
        parsed: list[ParsedEvent | RejectedScan | Rejection],
        now: str,
        outcomes: list[IngestOutcome],
    ) -> None:
        """Insert the rejected scans not seen before."""
        keyed = [
            (
                i,
                r.rejection_id,
                (
                    r.rejection_id,
                    r.stage,
                    r.site,
                    r.line,
                    r.rejected_at,
                    r.reason,
                    r.message,
                    r.material,
                    r.gtin,
                    r.lot,
                    r.lot_key,
                    r.vendor,
                    now,
                    r.body,
                ),
            )
            for i, r in enumerate(parsed)
            if isinstance(r, RejectedScan)
        ]
        self._insert_once(_REJECTED_SCAN, keyed, outcomes)

    def _new_events(
        self,
        parsed: list[ParsedEvent | RejectedScan | Rejection],
        now: str,
        outcomes: list[IngestOutcome],
    ) -> list[tuple[int, ParsedEvent]]:
        """Insert the events; those not seen before (in this batch or ever) with their row ids."""
        events = {i: e for i, e in enumerate(parsed) if isinstance(e, ParsedEvent)}
        keyed = [
            (
                i,
                e.event_id,
                (
                    e.event_id,
                    e.event_type,
                    e.event_time,
                    e.transformation_id,
                    e.site,
                    e.line,
                    now,
                    e.body,
                    e.local_date,
                ),
            )
            for i, e in events.items()
        ]
        return [(row_id, events[i]) for i, row_id in self._insert_once(_EVENT, keyed, outcomes)]

    def _insert_once(
        self,
        sql: str,
        keyed: list[tuple[int, str, tuple[object, ...]]],
        outcomes: list[IngestOutcome],
    ) -> list[tuple[int, int]]:
        """Insert the first row of each unique key (`sql` does nothing on a known one and
        returns the new row's id); marks the messages stored and returns (index, row id)."""
        first: dict[str, tuple[int, tuple[object, ...]]] = {}
        for i, key, row in keyed:
            first.setdefault(key, (i, row))
        results = self.db.returning_many(sql, [row for _, row in first.values()])
        new = []
        for (i, _), result in zip(first.values(), results, strict=True):
            if result is not None:
                outcomes[i] = IngestOutcome.STORED
                new.append((i, result[0]))
        return new

    def _upsert(
        self, sql: str, keys: list[K], ids: ChainMap[K, int], row: Callable[[K], tuple[object, ...]]
    ) -> None:
        """Insert or complete the rows of `keys` not known yet; their ids go to `ids`."""
        missing = [k for k in keys if k not in ids]
        for key, result in zip(
            missing, self.db.returning_many(sql, [row(k) for k in missing]), strict=True
        ):
            assert result is not None
            ids[key] = result[0]


def _batch_key(event: ParsedEvent) -> BatchKey:
    assert event.batch is not None
    return (event.batch, event.site, event.line, event.product)


def _batch_keys(new: list[tuple[int, ParsedEvent]]) -> list[BatchKey]:
    keys = {_batch_key(e) for _, e in new if e.batch is not None}
    return sorted(keys, key=lambda k: tuple(x or "" for x in k))


def _lot_keys(new: list[tuple[int, ParsedEvent]]) -> list[LotKey]:
    keys = {(f.lot, f.attrs) for _, e in new if e.batch is not None for f in e.flows}
    keys |= {(f.lot, f.attrs) for _, e in new for f in e.received}
    return sorted(keys, key=lambda k: (k[0].key, *(x or "" for x in vars(k[1]).values())))


def _lot_row(key: LotKey) -> tuple[object, ...]:
    lot, attrs = key
    return (
        lot.key,
        lot.epc_class,
        lot.scheme,
        lot.gtin,
        lot.lot,
        attrs.material,
        attrs.vendor,
        attrs.product,
        attrs.expiry,
    )


def _line_rows(messages: Sequence[Message], outcomes: list[IngestOutcome]) -> Iterator[LineRow]:
    """(topic root, prefix, site, line) of the agents whose messages were stored."""
    for message, outcome in zip(messages, outcomes, strict=True):
        where = topics.line_of_topic(message.source) if outcome is IngestOutcome.STORED else None
        if where is not None:
            yield ("/".join(where), *where)
