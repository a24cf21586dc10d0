"""The print worker: drains one printer's durable jobs, checks its health, retries with backoff
and raises alerts when the printer faults and when it recovers.

Exactly once, as far as the transport allows: a job is claimed (``sending``, committed) after the
printer reported ready and before the first byte is written, and marked ``printed`` right after
every byte was written and, where the transport has a back channel, the printer answered ``~HS``
behind it. Nothing written -> the job stays queued and is retried. A crash or write error between
claim and confirmation leaves the label's fate unknown: the job becomes ``uncertain`` and an
alert asks the operator to check (it is never resent automatically, so never printed twice).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lotedge.config.printing import PrinterConfig
from lotedge.core import epcis
from lotedge.masterdata.identity import Identity
from lotedge.printers.transport import Health, PrinterError, PrinterTransport, open_printer
from lotedge.state import alerts, outbox, print_jobs, repo
from lotedge.state.db import connect, transaction
from lotedge.wire import topics

log = logging.getLogger(__name__)

#: Health fault when the printer cannot be connected to at all.
UNREACHABLE = "unreachable"


def _data_version(conn: sqlite3.Connection) -> int:
    """Changes whenever another connection commits to the database."""
    return conn.execute("PRAGMA data_version").fetchone()[0]


def backoff(attempts: int, initial: float, maximum: float) -> float:
    """Seconds to wait after `attempts` failed attempts: doubling from `initial`, capped.

    >>> [backoff(n, 2, 60) for n in range(7)]
    [2, 4, 8, 16, 32, 60, 60]
    """
    return min(initial * 2 ** min(attempts, 32), maximum)


class PrintWorker:
    """A thread that prints the queued jobs of one printer. ``start()``, ``wake()``, ``stop()``."""

    def __init__(
        self,
        printer: PrinterConfig,
        state_path: Path,
        *,
        identity: Identity | None = None,
        poll_seconds: float = 0.5,
        watch_seconds: float = 0.25,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """With `identity`, each printed label also queues a LabelPrinted message on `ops`."""
        self.printer = printer
        self._identity = identity
        self._state_path = state_path
        self._poll = poll_seconds
        self._watch = watch_seconds
        self._clock = clock
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._faults: tuple[str, ...] | None = None
        self._next_check = 0.0
        self._status: dict[str, Any] = {
            "printer": printer.name,
            "url": printer.url,
            "ready": None,
            "faults": [],
            "checked_at": None,
            "last_error": "",
            "printed": 0,
            "last_printed_lot": None,
            "queued": 0,
            "uncertain": 0,
        }

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> PrintWorker:
        self._thread = threading.Thread(
            target=self._run, name=f"print-{self.printer.name}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the job in hand (bounded by the printer timeout) and stop."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def wake(self) -> None:
        """Look for due jobs now. Optional: a commit by another connection wakes it too."""
        self._wake.set()

    @property
    def state(self) -> dict[str, Any]:
        """The printer as last seen: ready, faults, counts; for status and metrics."""
        with self._lock:
            return dict(self._status, faults=list(self._status["faults"]))

    def _set(self, **values: Any) -> None:
        with self._lock:
            self._status.update(values)

    # -- the loop --------------------------------------------------------------------------
    def _run(self) -> None:
        conn = connect(self._state_path)
        try:
            with transaction(conn):
                for record in print_jobs.interrupted(conn, self.printer.name):
                    self._uncertain_alert(conn, record["lot"], record["id"], record["last_error"])
            while not self._stop.is_set():
                self._wake.clear()
                version = _data_version(conn)  # before looking, so no commit goes unnoticed
                try:
                    busy = self._step(conn)
                except Exception as exc:  # keep the worker alive; the job stays in the state
                    log.exception("print worker %s failed; retrying", self.printer.name)
                    self._set(last_error=f"worker error: {exc}")
                    busy = False
                if not busy:
                    self._idle(conn, self._idle_seconds(conn), version)
        finally:
            conn.close()

    def _step(self, conn: sqlite3.Connection) -> bool:
        """Print one due job, or check health when that is due; True when a job was handled."""
        name = self.printer.name
        job = print_jobs.next_due(conn, name, self._clock())
        if job is not None:
            self._print(conn, job)
        elif self._clock() >= self._next_check:
            self._check(conn)
        self._set(
            queued=print_jobs.count(conn, name, "queued"),
            uncertain=print_jobs.count(conn, name, "uncertain"),
        )
        return job is not None

    def _idle_seconds(self, conn: sqlite3.Connection) -> float:
        now = self._clock()
        due = print_jobs.next_attempt_at(conn, self.printer.name)
        candidates = [self._poll, self._next_check - now]
        if due is not None:
            candidates.append(due - now)
        return max(0.0, min(candidates))

    def _idle(self, conn: sqlite3.Connection, seconds: float, version: int) -> None:
        """Wait up to `seconds`; return early on `wake()` or when another connection has
        committed since `version` was read (checked every `watch_seconds`), so a job the engine
        queues is seen within milliseconds without the engine knowing about this worker."""
        deadline = time.monotonic() + seconds
        while not self._wake.wait(max(0.0, min(self._watch, deadline - time.monotonic()))):
            if time.monotonic() >= deadline or _data_version(conn) != version:
                return

    def _open(self, conn: sqlite3.Connection) -> PrinterTransport | None:
        try:
            return open_printer(self.printer.url, self.printer.timeout_seconds)
        except (PrinterError, ValueError) as exc:
            self._observe(conn, Health((UNREACHABLE,)), str(exc))
            return None

    def _health(self, transport: PrinterTransport) -> Health:
        if not self.printer.check_status:
            return Health(checked=False)
        return transport.health(self.printer.timeout_seconds)

    def _check(self, conn: sqlite3.Connection) -> None:
        self._next_check = self._clock() + self.printer.status_interval_seconds
        transport = self._open(conn)
        if transport is not None:
            with transport:
                self._observe(conn, self._health(transport))

    def _print(self, conn: sqlite3.Connection, job: print_jobs.Job) -> None:
        transport = self._open(conn)
        if transport is None:
            self._retry(conn, job, str(self.state["last_error"]))
            return
        with transport:
            health = self._health(transport)
            self._observe(conn, health)
            if not health.ready:
                self._retry(conn, job, f"printer not ready: {', '.join(health.faults)}")
                return
            with transaction(conn):
                if not print_jobs.claim(conn, job.id):
                    return
            try:
                transport.send(job.payload * job.copies)
                after = self._health(transport)
            except PrinterError as exc:
                after, error = Health((UNREACHABLE,)), str(exc)
            else:
                error = "no status answer after sending" if "no_answer" in after.faults else ""
            with transaction(conn):
                if error:
                    print_jobs.mark_uncertain(conn, job.id, error)
                    self._uncertain_alert(conn, job.lot, job.id, error)
                else:
                    print_jobs.mark_printed(conn, job.id, self._clock())
                    self._label_printed(conn, job)
            self._observe(conn, after, error)
        if not error:
            log.info("printed lot %s (job %d) on %s", job.lot, job.id, self.printer.name)
            self._set(printed=self.state["printed"] + 1, last_printed_lot=job.lot)

    def _retry(self, conn: sqlite3.Connection, job: print_jobs.Job, error: str) -> None:
        delay = backoff(
            job.attempts, self.printer.retry_initial_seconds, self.printer.retry_max_seconds
        )
        with transaction(conn):
            print_jobs.retry_later(conn, job.id, error, self._clock() + delay)

    # -- health and alerts -----------------------------------------------------------------
    def _observe(self, conn: sqlite3.Connection, health: Health, error: str = "") -> None:
        """Record the printer's health; alert on a new fault and on recovery."""
        previous, self._faults = self._faults, health.faults
        self._set(
            ready=health.ready,
            faults=list(health.faults),
            checked_at=self._clock(),
            last_error=error or (", ".join(health.faults) if health.faults else ""),
        )
        if previous == health.faults:
            return
        name = self.printer.name
        with transaction(conn):
            if health.faults:
                waiting = print_jobs.count(conn, name, "queued")
                message = (
                    f"Printer {name}: {', '.join(f.replace('_', ' ') for f in health.faults)}."
                    f" Fix it; {waiting} label(s) wait and print when it is ready."
                )
                self._alert(conn, "printer_fault", message, faults=list(health.faults))
            elif previous:
                print_jobs.retry_now(conn, name, self._clock())
                self._recovered(conn, name)

    def _recovered(self, conn: sqlite3.Connection, name: str) -> None:
        """Close the fault alerts the operator no longer needs to act on; say it is ready."""
        message = f"Printer {name} is ready again."
        log.info("%s", message)
        now = self._now()
        alerts.resolve(conn, "printer_fault", "printer recovered", now, printer=name)
        payload = {"type": "printer_recovered", "printer": name, "message": message}
        alerts.publish(conn, {**payload, "at": now.isoformat()}, now)

    def _uncertain_alert(self, conn: sqlite3.Connection, lot: str, job_id: int, error: str) -> None:
        message = (
            f"The label for lot {lot} (print job {job_id}) may not have printed ({error}). "
            f"Check printer {self.printer.name}; if the label is missing run "
            f"'lotedge label reprint {lot}'."
        )
        self._alert(conn, "print_uncertain", message, lot=lot, job_id=job_id)

    def _label_printed(self, conn: sqlite3.Connection, job: print_jobs.Job) -> None:
        batch = repo.batch_by_lot(conn, job.lot)
        if self._identity is None or batch is None:
            return
        event_id = f"urn:uuid:{uuid.uuid4()}"
        message = epcis.batch_message(
            self._identity,
            kind="LabelPrinted",
            batch_id=batch.id,
            product=batch.product,
            event_id=event_id,
            when=datetime.fromtimestamp(self._clock()).astimezone(),
            lot=job.lot,
            copies=job.copies,
            printer=self.printer.name,
        )
        outbox.enqueue(
            conn,
            topic=topics.OPS,
            payload=epcis.encode(message),
            event_id=event_id,
            created_at=self._clock(),
        )

    def _alert(self, conn: sqlite3.Connection, kind: str, message: str, **details: Any) -> None:
        log.warning("%s", message)
        alerts.raise_alert(conn, kind, message, self._now(), printer=self.printer.name, **details)

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)
