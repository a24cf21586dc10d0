"""Writing events: idempotent by eventID, bad input dead-lettered, one transaction per batch."""

from __future__ import annotations

import enum
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from lotedge.store.db import Database
from lotedge.store.events import Flow, ParsedEvent, Rejection, parse_event
from lotedge.store.schema import SchemaValidator


class Outcome(enum.StrEnum):
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
        self.counts: Counter[Outcome] = Counter()
        self._ids: dict[tuple[str, object], int] = {}

    def ingest(self, messages: Sequence[Message]) -> list[Outcome]:
        """Store a batch in one transaction; retries the whole batch on transient DB errors.

        Raises only when the database keeps failing; then nothing of the batch is stored and the
        caller must not acknowledge it.
        """
        parsed = [parse_event(m.payload, self.validator) for m in messages]
        for attempt in range(self.retries + 1):
            pending: dict[tuple[str, object], int] = {}
            try:
                with self.db.transaction():
                    outcomes = [
                        self._write(m, p, pending) for m, p in zip(messages, parsed, strict=True)
                    ]
            except self.db.transient_errors():
                if attempt == self.retries:
                    raise
                time.sleep(0.05 * 2**attempt)
                continue
            self._ids.update(pending)
            self.counts.update(outcomes)
            return outcomes
        raise AssertionError("unreachable")

    def _write(
        self,
        message: Message,
        event: ParsedEvent | Rejection,
        pending: dict[tuple[str, object], int],
    ) -> Outcome:
        now = self.clock()
        if isinstance(event, Rejection):
            self.db.execute(
                "INSERT INTO dead_letters (received_at, source, code, reason, payload)"
                " VALUES (?, ?, ?, ?, ?)",
                (now, message.source, event.code.value, event.reason, message.payload),
            )
            return Outcome.DEAD_LETTERED
        row = self.db.fetchone(
            "INSERT INTO events (event_id, event_type, event_time, transformation_id, site, line,"
            " received_at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (event_id) DO NOTHING RETURNING id",
            (
                event.event_id,
                event.event_type,
                event.event_time,
                event.transformation_id,
                event.site,
                event.line,
                now,
                event.body,
            ),
        )
        if row is None:
            return Outcome.DUPLICATE
        if event.transformation_id is not None and event.flows:
            transformation = self._transformation(event, pending)
            for flow in event.flows:
                self.db.execute(
                    "INSERT INTO lot_flows (event, direction, position, transformation, lot,"
                    " quantity, uom) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        row[0],
                        flow.direction,
                        flow.position,
                        transformation,
                        self._lot(flow, pending),
                        flow.quantity,
                        flow.uom,
                    ),
                )
        return Outcome.STORED

    def _transformation(self, event: ParsedEvent, pending: dict[tuple[str, object], int]) -> int:
        assert event.transformation_id is not None
        cache_key = ("t:" + event.transformation_id, (event.site, event.line, event.product))
        known = self._ids.get(cache_key) or pending.get(cache_key)
        if known is not None:
            return known
        row = self.db.fetchone(
            "INSERT INTO transformations (uri, site, line, product) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (uri) DO UPDATE SET site = COALESCE(transformations.site, excluded.site),"
            " line = COALESCE(transformations.line, excluded.line),"
            " product = COALESCE(transformations.product, excluded.product) RETURNING id",
            (event.transformation_id, event.site, event.line, event.product),
        )
        assert row is not None
        pending[cache_key] = row[0]
        return row[0]

    def _lot(self, flow: Flow, pending: dict[tuple[str, object], int]) -> int:
        lot, attrs = flow.lot, flow.attrs
        cache_key = ("l:" + lot.key, attrs)
        known = self._ids.get(cache_key) or pending.get(cache_key)
        if known is not None:
            return known
        row = self.db.fetchone(
            "INSERT INTO lots (class_key, epc_class, scheme, gtin, lot, material, vendor, product,"
            " expiry) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (class_key) DO UPDATE SET"
            " material = COALESCE(lots.material, excluded.material),"
            " vendor = COALESCE(lots.vendor, excluded.vendor),"
            " product = COALESCE(lots.product, excluded.product),"
            " expiry = COALESCE(lots.expiry, excluded.expiry) RETURNING id",
            (
                lot.key,
                lot.epc_class,
                lot.scheme,
                lot.gtin,
                lot.lot,
                attrs.material,
                attrs.vendor,
                attrs.product,
                attrs.expiry,
            ),
        )
        assert row is not None
        pending[cache_key] = row[0]
        return row[0]
