"""The print worker: drains one printer's durable jobs, checks its health, retries with backoff
and reports faults and recoveries (the engine raises and closes the alerts).

Exactly once, as far as the transport allows: a job is claimed (``sending``, committed) after the
printer reported ready and before the first byte is written, and marked ``printed`` right after
every byte was written and, where the transport has a back channel, the printer answered ``~HS``
behind it. Nothing written -> the job stays queued and is retried. A crash or write error between
claim and confirmation leaves the label's fate unknown: the job becomes ``uncertain`` and an
alert asks the operator to check (it is never resent automatically, so never printed twice).

The worker only reads the state (due jobs, on its own read-only connection). Every change — the
claim, the outcome, a retry, a fault or recovery — is a request to the engine, the one writer,
and the claim's reply comes only after its commit.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lotedge.agent.requests import (
    PrintClaim,
    PrintDone,
    PrinterHealth,
    PrinterStarted,
    PrintRetry,
    PrintUncertain,
    Reply,
    Request,
)
from lotedge.config.printing import PrinterConfig
from lotedge.printers.transport import Health, PrinterError, PrinterTransport, open_printer
from lotedge.state import print_jobs
from lotedge.state.db import connect_readonly

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
        call: Callable[[Request], Reply],
        *,
        poll_seconds: float = 0.5,
        watch_seconds: float = 0.25,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`call` hands a request to the engine and returns its reply (`Engine.call`)."""
        self.printer = printer
        self._call = call
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
    def _tell(self, request: Request) -> Reply:
        """Hand a fact to the engine; a refusal is an error (the job stays as the state has it)."""
        reply = self._call(request)
        if not reply.ok:
            raise RuntimeError(f"the engine did not record {type(request).__name__}: {reply.error}")
        return reply

    def _run(self) -> None:
        conn = connect_readonly(self._state_path)
        try:
            self._tell(PrinterStarted(self.printer.name, self._clock()))
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
            self._print(job)
        elif self._clock() >= self._next_check:
            self._check()
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

    def _open(self) -> PrinterTransport | None:
        try:
            return open_printer(self.printer.url, self.printer.timeout_seconds)
        except (PrinterError, ValueError) as exc:
            self._observe(Health((UNREACHABLE,)), str(exc))
            return None

    def _health(self, transport: PrinterTransport) -> Health:
        if not self.printer.check_status:
            return Health(checked=False)
        return transport.health(self.printer.timeout_seconds)

    def _check(self) -> None:
        self._next_check = self._clock() + self.printer.status_interval_seconds
        transport = self._open()
        if transport is not None:
            with transport:
                self._observe(self._health(transport))

    def _print(self, job: print_jobs.Job) -> None:
        transport = self._open()
        if transport is None:
            self._retry(job, str(self.state["last_error"]))
            return
        with transport:
            health = self._health(transport)
            self._observe(health)
            if not health.ready:
                self._retry(job, f"printer not ready: {', '.join(health.faults)}")
                return
            if not self._tell(PrintClaim(job.id)).data["claimed"]:
                return
            try:
                output = transport.send_job(job.payload * job.copies, job.lot, job.id)
                after = self._health(transport)
            except PrinterError as exc:
                after, error = Health((UNREACHABLE,)), str(exc)
            else:
                error = "no status answer after sending" if "no_answer" in after.faults else ""
            if error:
                self._tell(PrintUncertain(job.id, error, self._clock()))
            else:
                self._tell(PrintDone(job.id, self._clock(), output))
            self._observe(after, error)
        if not error:
            log.info("printed lot %s (job %d) on %s", job.lot, job.id, self.printer.name)
            self._set(printed=self.state["printed"] + 1, last_printed_lot=job.lot)

    def _retry(self, job: print_jobs.Job, error: str) -> None:
        delay = backoff(
            job.attempts, self.printer.retry_initial_seconds, self.printer.retry_max_seconds
        )
        self._tell(PrintRetry(job.id, error, self._clock() + delay))

    # -- health ----------------------------------------------------------------------------
    def _observe(self, health: Health, error: str = "") -> None:
        """Note the printer's health; tell the engine when its faults changed (it alerts on a new
        fault and closes the alert on recovery)."""
        previous, self._faults = self._faults, health.faults
        self._set(
            ready=health.ready,
            faults=list(health.faults),
            checked_at=self._clock(),
            last_error=error or (", ".join(health.faults) if health.faults else ""),
        )
        if previous != health.faults:
            self._tell(PrinterHealth(self.printer.name, health.faults, previous, self._clock()))
