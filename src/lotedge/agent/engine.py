"""The engine: the single writer of the agent's state, serving requests from a queue.

Scanner threads, the control socket, MQTT commands, the station and the print worker call
`call()` / `submit()`; one thread applies requests in order, each through its workflow's
handler (`lotedge.agent.workflows`) with a fresh unit of work, so a decision, its rows and the
output they queue always commit together. A request is answered only after its transaction is
on disk; then the adapters registered for it are woken.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
from concurrent.futures import Future
from datetime import datetime, timedelta

from lotedge.agent.registry import Registry
from lotedge.agent.replies import result_reply
from lotedge.agent.requests import Once, Reply, Request, ScanRequest
from lotedge.agent.unit_of_work import Clock, LabelRender, LineMemory, UnitOfWork
from lotedge.agent.workflows import HANDLERS
from lotedge.config.model import Config
from lotedge.core.reasons import Reason
from lotedge.core.scan import RawScan
from lotedge.state import repo

log = logging.getLogger(__name__)

#: How long a remote caller's transaction id is remembered for at-most-once commands.
REMEMBER_COMMANDS = timedelta(days=30)


def local_now() -> datetime:
    """Wall-clock time with the local UTC offset (events carry it)."""
    return datetime.now().astimezone()


class Engine:
    """Owns the state connection; every state change goes through `handle` on one thread."""

    def __init__(
        self,
        config: Config,
        conn: sqlite3.Connection,
        *,
        render_label: LabelRender | None = None,
        clock: Clock = local_now,
        registry: Registry | None = None,
    ) -> None:
        self.config = config
        self._conn = conn
        self._render_label = render_label
        self._clock = clock
        self._registry = registry or Registry()
        self._memory = LineMemory()
        self._queue: queue.Queue[tuple[Request, Future[Reply]] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        #: monotonic time the loop last went round; the systemd watchdog checks it.
        self.heartbeat = time.monotonic()

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="engine", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish every request already queued, then stop."""
        if self._thread is None:
            return
        self._queue.put(None)
        self._thread.join(timeout)
        self._thread = None

    def _loop(self) -> None:
        while True:
            try:
                item = self._queue.get(timeout=1.0)
            except queue.Empty:
                self.heartbeat = time.monotonic()
                continue
            self.heartbeat = time.monotonic()
            if item is None:
                return
            request, future = item
            if future.set_running_or_notify_cancel():
                future.set_result(self.handle(request))

    # -- entry points for adapters -----------------------------------------------------------
    def submit(self, request: Request) -> Future[Reply]:
        future: Future[Reply] = Future()
        self._queue.put((request, future))
        return future

    def call(self, request: Request, timeout: float | None = 30.0) -> Reply:
        return self.submit(request).result(timeout)

    def submit_scan(self, raw: RawScan) -> Reply:
        """The ScanSink given to scanner and camera sources."""
        return self.call(ScanRequest(raw))

    # -- request handling (engine thread only, or direct use in tests) --------------------------
    def handle(self, request: Request) -> Reply:
        """Apply one request. Never raises: failures become an error reply and nothing commits."""
        uow = UnitOfWork(
            self.config,
            self._conn,
            clock=self._clock,
            memory=self._memory,
            render_label=self._render_label,
            adapter_status=self._registry.sections,
            mailboxes=self._registry.mailboxes,
        )
        try:
            return self._apply(uow, request)
        except Exception:
            log.exception("request %r failed", request)
            error = "not recorded: the agent failed to apply it; its log says why"
            return Reply(False, error=error, code=Reason.NOT_RECORDED.value)
        finally:
            if uow.wake_workers:
                self._registry.wake()

    def _apply(self, uow: UnitOfWork, request: Request) -> Reply:
        if isinstance(request, Once):
            return self._once(uow, request)
        handler = HANDLERS.get(type(request))
        if handler is None:
            raise TypeError(f"unknown request {request!r}")
        return result_reply(handler(uow, request))

    def _once(self, uow: UnitOfWork, once: Once) -> Reply:
        """Apply the request unless its key was seen; effect and stored reply commit together."""
        stored = repo.stored_reply(uow.conn, once.key)
        if stored is not None:
            return Reply(stored["ok"], stored["data"], stored["error"], stored["code"])
        with uow.transaction():
            reply = self._apply(uow, once.request)
            if reply.remember:
                record = {
                    "ok": reply.ok,
                    "data": reply.data,
                    "error": reply.error,
                    "code": reply.code,
                }
                repo.store_reply(uow.conn, once.key, record, uow.now(), REMEMBER_COMMANDS)
        return reply
