"""The unit of work: what a handler gets for one request, and what it commits together.

A handler (`lotedge.agent.workflows`) changes rows through `lotedge.state` inside
`with uow.transaction():` and hands the unit of work what goes out with the change: outbox
messages (`emit`), label jobs (`queue_label`) and alerts (`raise_alert`, `close_alert`,
`resolve_alerts`). They commit with the state change or not at all. After the request,
`wake_workers` tells the engine whether something it committed is waiting for the publisher,
the print worker or the station.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lotedge.config.model import Config
from lotedge.core import epcis
from lotedge.core.labels import LabelData, ReceivingLabelData
from lotedge.state import alerts, outbox, print_jobs
from lotedge.state.db import transaction
from lotedge.wire import topics

Clock = Callable[[], datetime]
#: Renders a label (a lot's, or a receiving label) to printer bytes: (data, template) -> payload.
LabelRender = Callable[[LabelData | ReceivingLabelData, str], bytes]


@dataclass
class LineMemory:
    """What the engine keeps between requests without storing it."""

    #: `#LE:AGAIN` was scanned: the next scan of the same label counts as another container.
    repeat_armed: bool = False


class UnitOfWork:
    """One request's connection, clock, ids and collected output; made by the engine."""

    def __init__(
        self,
        config: Config,
        conn: sqlite3.Connection,
        *,
        clock: Clock,
        memory: LineMemory,
        render_label: LabelRender | None = None,
        adapter_status: Mapping[str, Callable[[], object]] | None = None,
        mailboxes: Mapping[str, Callable[[object], None]] | None = None,
    ) -> None:
        self.config = config
        self.conn = conn
        self.memory = memory
        #: The status sections the adapters registered (printer, publisher, station).
        self.adapter_status = adapter_status or {}
        #: The adapters' mailboxes (the scale service takes tare, zero and re-read).
        self.mailboxes = mailboxes or {}
        self._clock = clock
        self._render_label = render_label
        self._pending = False  # output added in the open transaction
        self.wake_workers = False  # output committed

    def now(self) -> datetime:
        return self._clock()

    @staticmethod
    def new_id() -> str:
        """A fresh id for a new row (a batch)."""
        return str(uuid.uuid4())

    @staticmethod
    def new_event_id() -> str:
        """A fresh eventID, for an event built before it is emitted."""
        return f"urn:uuid:{uuid.uuid4()}"

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE ... COMMIT (a savepoint inside another); an exception undoes the
        rows and the output collected with them."""
        outermost = not self.conn.in_transaction
        try:
            with transaction(self.conn):
                yield
        except BaseException:
            if outermost:
                self._pending = False
            raise
        if outermost and self._pending:
            self._pending, self.wake_workers = False, True

    def wake(self) -> None:
        """Wake the adapters after this commit although it queued no output: something they
        read changed (a weighing began)."""
        self._inside()
        self._pending = True

    def _inside(self) -> None:
        if not self.conn.in_transaction:
            raise RuntimeError("output is collected inside uow.transaction(), with its change")

    # -- outbox --------------------------------------------------------------------------------
    def emit(self, topic: str, payload: dict[str, Any], at: datetime) -> str:
        """Queue `payload` on `topic` (relative to the agent's root). It carries an `eventID`:
        its own, or a new one put first. Returns the eventID."""
        self._inside()
        self._pending = True
        event_id = payload.get("eventID")
        if not isinstance(event_id, str):
            event_id = self.new_event_id()
            payload = {"eventID": event_id, **payload}
        outbox.enqueue(
            self.conn,
            topic=topic,
            payload=epcis.encode(payload),
            event_id=event_id,
            created_at=at.timestamp(),
        )
        return event_id

    # -- label jobs ----------------------------------------------------------------------------
    def queue_label(
        self,
        label: LabelData | ReceivingLabelData,
        template: str,
        *,
        batch_id: str | None,
        at: datetime,
        copies: int = 1,
        reprint: bool = False,
    ) -> int | None:
        """Render `label` and queue it for the configured printer; returns the job id, None
        without a printer. Raises `LabelError` when the label cannot be made."""
        printer = self.config.printer
        if printer is None or self._render_label is None:
            return None
        self._inside()
        payload = self._render_label(label, template)
        self._pending = True
        return print_jobs.enqueue(
            self.conn,
            lot=label.lot,
            batch_id=batch_id,
            printer=printer.name,
            payload=payload,
            copies=copies,
            reprint=reprint,
            now=at.timestamp(),
        )

    # -- alerts --------------------------------------------------------------------------------
    def raise_alert(self, kind: str, message: str, at: datetime, **details: Any) -> int:
        """Record an open alert and publish it on `alerts`; returns its id."""
        self._inside()
        alert_id = alerts.record(self.conn, kind, message, at, details)
        self.announce(
            {"id": alert_id, "type": kind, "message": message, "at": at.isoformat(), **details}, at
        )
        return alert_id

    def close_alert(self, alert_id: int, by: str, at: datetime) -> bool:
        """Close an open alert and publish that; False when no open alert has that id."""
        self._inside()
        closed = alerts.close(self.conn, alert_id, by, at)
        if closed:
            payload = {"id": alert_id, "type": "alert_acknowledged", "by": by}
            self.announce({**payload, "at": at.isoformat()}, at)
        return closed

    def resolve_alerts(self, kind: str, by: str, at: datetime, **match: str) -> int:
        """Close the open alerts of `kind` whose details hold every `match` item (the system
        saw the cause go away); returns how many were closed."""
        closed = 0
        for alert in alerts.open_alerts(self.conn):
            details = alert["details"]
            if alert["kind"] == kind and all(details.get(k) == v for k, v in match.items()):
                closed += self.close_alert(int(alert["id"]), by, at)
        return closed

    def announce(self, payload: dict[str, Any], at: datetime) -> None:
        """A message on `alerts` that is not an alert of its own (a printer is ready again)."""
        self.emit(topics.ALERTS, payload, at)
