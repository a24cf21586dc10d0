"""Writing events: one transaction per batch, identity by eventID, bad input dead-lettered.

A message is one bare event, an EPCISDocument or an EPCISQueryDocument (or, on a `rejections`
topic, a rejected scan). Each event is identified by its `eventID`, else by its canonical hash.
An event whose ID is stored already is compared by content (the canonical hash, so the same
event written another way is equal):

* the same content: a **duplicate** (a resend), nothing written;
* the same content with an `errorDeclaration`: the stored event is **retracted** (its genealogy
  flows move to `retracted_flows`, its receipts are dropped; a trace lists it as retracted);
* other content: a **conflict**, recorded in `conflicts`, the stored event kept.

An event that comes with its error declaration before the original is stored retracted. A batch
is written set by set (dead letters, events, steps, nodes, flows, ...), each set as one
`executemany`, which PostgreSQL pipelines into one round trip. Nodes and steps are upserted in
sorted order, so concurrent stores lock rows in the same order and cannot deadlock each other
(a node keeps the identifier form it was first named with: the first in the batch).
"""

from __future__ import annotations

import enum
import logging
import time
from collections import ChainMap, Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import astuple, dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from lotedge.store import ingest_sql as sql
from lotedge.store.db import Database
from lotedge.store.documents import Kind
from lotedge.store.events import Declaration, ParsedEvent, Rejection, parse_payload
from lotedge.store.identity import Stored, resolve
from lotedge.store.origin import checked
from lotedge.store.poison import dead_letter_refused
from lotedge.store.rejected_scans import RejectedScan, parse_rejected_scan
from lotedge.store.schema import SchemaValidator
from lotedge.wire import topics

log = logging.getLogger(__name__)
K = TypeVar("K")
_CACHE_LIMIT = 200_000
_CHUNK = 500
LineRow = tuple[str, str, str, str]
"""An agent that sent messages: topic root, prefix, site, line."""
Item = ParsedEvent | RejectedScan | Rejection


class IngestOutcome(enum.StrEnum):
    """What happened to one event (or one rejected scan, or one payload that held none)."""

    STORED = "stored"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"
    RETRACTED = "retracted"
    """An error declaration: the event it declares is retracted (stored so if it was not)."""
    DEAD_LETTERED = "dead_lettered"
    REJECTED = "rejected"
    """Bad, in an all-or-nothing batch: not stored, not dead-lettered (the caller reports it)."""
    ROLLED_BACK = "rolled_back"
    """Good, in an all-or-nothing batch that something else in it failed."""


FAILED = frozenset((IngestOutcome.CONFLICT, IngestOutcome.DEAD_LETTERED, IngestOutcome.REJECTED))


@dataclass(frozen=True)
class Message:
    """One received payload and where it came from (the MQTT topic, a file, a capture job)."""

    payload: bytes
    source: str = ""
    from_broker: bool = True
    """Whether `source` is the MQTT topic it came on (not a file or a capture job)."""

    @property
    def topic(self) -> str:
        """The topic an agent published it on; empty for a file or a capture job, which name
        no line, whatever their path looks like."""
        return self.source if self.from_broker else ""


@dataclass
class EventResult:
    """What happened to one event of a message."""

    outcome: IngestOutcome
    event_id: str | None = None
    reason: str | None = None
    """Why it was dead-lettered, rejected or a conflict."""


@dataclass
class MessageResult:
    """What a message was and what happened to each of its events."""

    kind: Kind | None
    note: str = ""
    events: list[EventResult] = field(default_factory=list)


class _RolledBack(Exception):
    """An all-or-nothing batch had a failure: its transaction is rolled back."""


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
        forward: bool = False,
    ) -> None:
        """`forward`: queue every stored or retracted event in `forward_outbox`."""
        self.db = db
        self.validator = validator
        self.clock = clock
        self.retries = retries
        self.forward = forward
        self.counts: Counter[IngestOutcome] = Counter()
        self._batch_ids: dict[sql.BatchKey, int] = {}
        self._lot_ids: dict[sql.LotKey, int] = {}
        self._lines: set[LineRow] = set()
        """Agents (lines) already recorded in `lines`."""

    def ingest(self, messages: Sequence[Message]) -> list[IngestOutcome]:
        """Store a batch in one transaction: the outcome of each event, in order."""
        return [e.outcome for r in self.ingest_messages(messages) for e in r.events]

    def ingest_messages(
        self, messages: Sequence[Message], *, all_or_nothing: bool = False
    ) -> list[MessageResult]:
        """Store a batch in one transaction; retries the whole batch on transient DB errors.

        When the database refuses a value of the batch (a poison message), the batch is
        stored message by message: the refused one is dead-lettered with the database's
        reason, the others are stored at once.

        `all_or_nothing`: store nothing when an event is bad or a conflict (nothing is
        dead-lettered then; the results say why). Raises only when the database keeps
        failing; then nothing of the batch is stored and the caller must not acknowledge it.
        """
        if all_or_nothing:
            return self._batch(messages, all_or_nothing)
        try:
            return self._batch(messages, all_or_nothing)
        except self.db.data_errors() as exc:
            if len(messages) > 1:
                log.warning("the database refused a batch of %d: storing one by one", len(messages))
                return [result for m in messages for result in self.ingest_messages([m])]
            [message] = messages
            reason = dead_letter_refused(self.db, self.clock(), message, exc)
            self.counts[IngestOutcome.DEAD_LETTERED] += 1
            dead = EventResult(IngestOutcome.DEAD_LETTERED, reason=reason)
            return [MessageResult(None, events=[dead])]

    def _batch(self, messages: Sequence[Message], all_or_nothing: bool) -> list[MessageResult]:
        """One transaction for the batch (retried on transient errors)."""
        results, items = self._parse(messages)
        flat = [(i, item) for i, found in enumerate(items) for item in found]
        for attempt in range(self.retries + 1):
            batch_ids: dict[sql.BatchKey, int] = {}
            lot_ids: dict[sql.LotKey, int] = {}
            outcomes: list[EventResult] = []
            try:
                with self.db.transaction():
                    outcomes = self._write(messages, flat, batch_ids, lot_ids)
                    if all_or_nothing and any(o.outcome in FAILED for o in outcomes):
                        raise _RolledBack
            except _RolledBack:
                outcomes = [_rolled_back(o) for o in outcomes]
                batch_ids, lot_ids = {}, {}
            except self.db.transient_errors():
                if attempt == self.retries:
                    raise
                time.sleep(0.05 * 2**attempt)
                continue
            self._remember(self._batch_ids, batch_ids)
            self._remember(self._lot_ids, lot_ids)
            for (i, _item), outcome in zip(flat, outcomes, strict=True):
                results[i].events.append(outcome)
            stored = [o.outcome for o in outcomes]
            self._lines.update(_line_rows(messages, flat, stored))
            self.counts.update(stored)
            return results
        raise AssertionError("unreachable")

    def _parse(self, messages: Sequence[Message]) -> tuple[list[MessageResult], list[list[Item]]]:
        results: list[MessageResult] = []
        items: list[list[Item]] = []
        for message in messages:
            if message.topic.rpartition("/")[2] == topics.REJECTIONS:
                results.append(MessageResult(None))
                scan = parse_rejected_scan(message.payload, message.topic)
                items.append([checked(message.topic, scan)])
                continue
            parsed = parse_payload(message.payload, self.validator)
            results.append(MessageResult(parsed.kind, parsed.note))
            items.append([checked(message.topic, item) for item in parsed.items])
        return results, items

    @staticmethod
    def _remember(cache: dict[K, int], committed: dict[K, int]) -> None:
        """Keep ids of committed rows (never of a rolled-back attempt), up to a bound."""
        if len(cache) + len(committed) > _CACHE_LIMIT:
            cache.clear()
        cache.update(committed)

    def _write(
        self,
        messages: Sequence[Message],
        flat: list[tuple[int, Item]],
        batch_ids: dict[sql.BatchKey, int],
        lot_ids: dict[sql.LotKey, int],
    ) -> list[EventResult]:
        now = self.clock()
        results = [EventResult(IngestOutcome.DUPLICATE) for _ in flat]
        self._dead_letters(messages, flat, results, now)
        new, declared = self._events(messages, flat, results, now)
        batches = ChainMap(batch_ids, self._batch_ids)
        lots = ChainMap(lot_ids, self._lot_ids)
        stepped = [(row, e) for row, e in new if e.step is not None]
        steps = sorted({sql.batch_key(e) for _, e in stepped}, key=_none_first)
        self._upsert(sql.TRANSFORMATION, steps, batches, tuple)
        named = dict.fromkeys(key for _, e in new for key in sql.lot_keys(e))
        lot_keys = sorted(named, key=lambda k: k[0].key)  # stable: first named, first inserted
        self._upsert(sql.LOT, lot_keys, lots, sql.lot_row)
        retracted = {e.event_id for _, e in new if e.declaration} | declared.keys()
        for statement, wanted in ((sql.FLOW, False), (sql.RETRACTED_FLOW, True)):
            self.db.executemany(
                statement,
                [
                    (row, f.direction, f.position, batches[sql.batch_key(e)],
                     lots[(f.lot, f.attrs)], f.quantity, f.uom)
                    for row, e in stepped
                    if (e.event_id in retracted) == wanted
                    for f in e.flows
                ],
            )  # fmt: skip
        self.db.executemany(
            sql.STEP_REF,
            sorted(
                {
                    (batches[sql.batch_key(e)], *astuple(r))
                    for _, e in stepped
                    if e.step is not None
                    for r in e.step.refs
                }
            ),
        )
        self.db.executemany(
            sql.EVENT_OBJECT,
            [(row, o.role, lots[(o.node, o.attrs)]) for row, e in new for o in e.objects],
        )
        self.db.executemany(
            sql.RECEIPT,
            [
                (row, f.position, lots[(f.lot, f.attrs)], *astuple(e.receipt), f.quantity,
                 f.uom, f.attrs.expiry, e.event_time, e.local_date, e.site, e.line)
                for row, e in new
                if e.receipt is not None and e.event_id not in retracted
                for f in e.received
            ],
        )  # fmt: skip
        self._declare(declared)
        if self.forward:
            forwarded = [row for row, _ in new] + [row for row, _ in declared.values()]
            self.db.executemany(sql.FORWARD, [(row,) for row in forwarded])
        self._rejected_scans(flat, results, now)
        stored = [r.outcome for r in results]
        self.db.executemany(
            sql.LINE,
            sorted((*row, now) for row in set(_line_rows(messages, flat, stored)) - self._lines),
        )
        return results

    def _dead_letters(
        self,
        messages: Sequence[Message],
        flat: list[tuple[int, Item]],
        results: list[EventResult],
        now: str,
    ) -> None:
        rows = []
        for n, (i, item) in enumerate(flat):
            if isinstance(item, Rejection):
                results[n] = EventResult(IngestOutcome.DEAD_LETTERED, reason=item.reason)
                payload = item.raw if item.raw is not None else messages[i].payload
                rows.append((now, messages[i].source, item.code.value, item.reason, payload))
        self.db.executemany(sql.DEAD_LETTER, rows)

    def _events(
        self,
        messages: Sequence[Message],
        flat: list[tuple[int, Item]],
        results: list[EventResult],
        now: str,
    ) -> tuple[list[tuple[int, ParsedEvent]], dict[str, tuple[Declaration, int]]]:
        """Insert the events not stored before; resolve the others (duplicate, declaration,
        conflict). Returns the new events with their row ids, and the declarations that
        retract an event (by event id: the declaration and the event's row id)."""
        first: dict[str, tuple[int, ParsedEvent]] = {}
        for n, (_i, item) in enumerate(flat):
            if isinstance(item, ParsedEvent):
                first.setdefault(item.event_id, (n, item))
        inserted = self.db.returning_many(
            sql.EVENT, [sql.event_row(e, now) for _, e in first.values()]
        )
        new: list[tuple[int, ParsedEvent]] = []
        known: dict[str, Stored] = {}
        for (n, event), result in zip(first.values(), inserted, strict=True):
            if result is None:
                continue
            results[n] = _stored(event)
            new.append((result[0], event))
            known[event.event_id] = Stored(result[0], event.body, event.declaration is not None)
        others = [
            (n, item)
            for n, (_i, item) in enumerate(flat)
            if isinstance(item, ParsedEvent) and results[n].outcome is IngestOutcome.DUPLICATE
        ]
        known |= self._stored({e.event_id for _, e in others} - known.keys())
        declared: dict[str, tuple[Declaration, int]] = {}
        for n, event in others:
            stored = known[event.event_id]
            results[n], conflict = resolve(stored, event)
            if results[n].outcome is IngestOutcome.RETRACTED:
                assert event.declaration is not None
                declared[event.event_id] = (event.declaration, stored.row)
                known[event.event_id] = Stored(stored.row, stored.body, True)
            elif conflict is not None:
                source = messages[flat[n][0]].source
                self.db.execute(sql.CONFLICT, (event.event_id, now, source, *conflict, event.body))
        return new, declared

    def _stored(self, event_ids: set[str]) -> dict[str, Stored]:
        ids = sorted(event_ids)
        found = {}
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            for event_id, row, body, declared_at in self.db.fetchall(
                sql.STORED_EVENTS.format(marks=marks), chunk
            ):
                found[event_id] = Stored(row, body, declared_at is not None)
        return found

    def _declare(self, declared: dict[str, tuple[Declaration, int]]) -> None:
        """Mark the declared events retracted and move their flows out of the genealogy."""
        for declaration, row in declared.values():
            self.db.execute(sql.DECLARE, (declaration.declared_at, declaration.body, row))
            self.db.execute(sql.RETRACT_FLOWS, (row,))
            self.db.execute(sql.DROP_FLOWS, (row,))
            self.db.execute(sql.DROP_RECEIPTS, (row,))

    def _rejected_scans(
        self, flat: list[tuple[int, Item]], results: list[EventResult], now: str
    ) -> None:
        """Insert the rejected scans not seen before."""
        first: dict[str, tuple[int, RejectedScan]] = {}
        for n, (_i, item) in enumerate(flat):
            if isinstance(item, RejectedScan):
                first.setdefault(item.rejection_id, (n, item))
        rows = [sql.rejected_scan_row(scan, now) for _, scan in first.values()]
        for (n, _scan), result in zip(
            first.values(), self.db.returning_many(sql.REJECTED_SCAN, rows), strict=True
        ):
            if result is not None:
                results[n] = EventResult(IngestOutcome.STORED)

    def _upsert(
        self,
        statement: str,
        keys: list[K],
        ids: ChainMap[K, int],
        row: Callable[[K], tuple[object, ...]],
    ) -> None:
        """Insert or complete the rows of `keys` not known yet; their ids go to `ids`."""
        missing = [k for k in keys if k not in ids]
        for key, result in zip(
            missing, self.db.returning_many(statement, [row(k) for k in missing]), strict=True
        ):
            assert result is not None
            ids[key] = result[0]


def _stored(event: ParsedEvent) -> EventResult:
    outcome = IngestOutcome.RETRACTED if event.declaration else IngestOutcome.STORED
    return EventResult(outcome, event.event_id)


def _rolled_back(result: EventResult) -> EventResult:
    if result.outcome is IngestOutcome.DEAD_LETTERED:
        return EventResult(IngestOutcome.REJECTED, result.event_id, result.reason)
    if result.outcome in FAILED:
        return result
    return EventResult(IngestOutcome.ROLLED_BACK, result.event_id)


def _none_first(values: tuple[str | None, ...]) -> tuple[str, ...]:
    return tuple(x or "" for x in values)


def _line_rows(
    messages: Sequence[Message], flat: list[tuple[int, Item]], outcomes: list[IngestOutcome]
) -> Iterator[LineRow]:
    """(topic root, prefix, site, line) of the agents whose messages were stored: events that
    name their site and line (`origin.checked` found them equal to their topic's) and rejected
    scans (a line's own topic; broker ACLs keep others off it). Another producer's event
    registers no line."""
    for (i, item), outcome in zip(flat, outcomes, strict=True):
        if outcome not in (IngestOutcome.STORED, IngestOutcome.RETRACTED):
            continue
        if isinstance(item, ParsedEvent) and (item.site is None or item.line is None):
            continue
        where = topics.line_of_topic(messages[i].topic)
        if where is not None:
            yield ("/".join(where), *where)
