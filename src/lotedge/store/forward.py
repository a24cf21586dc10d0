"""Forwarding (`[store.forward]`): every event the store stores goes on to another EPCIS 2.0
repository's capture interface, durably.

The ingest queues each stored (or retracted) event in `forward_outbox`, in the transaction that
stores it. One thread here takes the oldest events, in documents no larger than the peer's
capture limit (`OPTIONS {url}/capture`, `GS1-EPCIS-Capture-Limit`; a 413 halves the document),
posts each with `GS1-Capture-Error-Behaviour: proceed`, follows the capture job to its end, and
only then deletes the events from the outbox. A peer that is down, slow or failing (connection
refused, 5xx, 429, a job that does not finish) gets the same document again after a wait that
doubles from `retry_min_seconds` to `retry_max_seconds`; nothing is lost meanwhile. An event the
peer refuses (its job lists it: invalid there, or a conflict) goes to `dead_letters` (code
`forwarding`) with the peer's reason, so one bad event never blocks the rest.
"""

from __future__ import annotations

import json
import logging
import ssl
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from lotedge.config.store import StoreForwardConfig
from lotedge.store.db import Database
from lotedge.store.epcis_query import event_json
from lotedge.store.export import document_head
from lotedge.store.ingest import utc_now

log = logging.getLogger(__name__)
_OUTBOX = (
    "SELECT o.id, e.event_id, e.event_time, e.body, e.declaration FROM forward_outbox o"
    " JOIN events e ON e.id = o.event ORDER BY o.id LIMIT ?"
)


_REFUSED = (
    "INSERT INTO dead_letters (received_at, source, code, reason, payload)"
    " VALUES (?, ?, 'forwarding', ?, ?)"
)


class PeerUnavailable(Exception):
    """The peer cannot take the document now (down, failing, too slow): try again later."""


class TooLarge(Exception):
    """The peer refused the document's size (413)."""


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes


class Forwarder:
    """Sends the outbox to the peer until stopped."""

    def __init__(
        self, config: StoreForwardConfig, db: Database, token: str | None, base_dir: Path
    ) -> None:
        self.config = config
        self.db = db
        self.capture_url = config.url.rstrip("/") + "/capture"
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        ca_file = str(base_dir / config.ca_file) if config.ca_file else None
        self._tls = (
            ssl.create_default_context(cafile=ca_file) if config.url.startswith("https") else None
        )
        self.batch = config.batch_size
        self.forwarded = 0
        self._limit_known = False
        self._last_problem = ""

    def run(self, stop: threading.Event) -> None:
        """Forward until `stop` is set (the document in flight is finished or given up)."""
        delay = self.config.retry_min_seconds
        while not stop.is_set():
            try:
                sent = self.forward_once(stop)
            except PeerUnavailable as exc:
                self._problem(f"forwarding to {self.capture_url}: {exc}; retrying in {delay:.0f} s")
                stop.wait(delay)
                delay = min(delay * 2, self.config.retry_max_seconds)
                continue
            delay = self.config.retry_min_seconds
            if not sent:
                stop.wait(self.config.poll_seconds)

    def forward_once(self, stop: threading.Event | None = None) -> int:
        """Send one document of the oldest queued events and see it through; how many."""
        if not self._limit_known:
            self._discover_limit()
        rows = self.db.fetchall(_OUTBOX, (self.batch,))
        if not rows:
            return 0
        document = {
            **document_head(),
            "epcisBody": {"eventList": [event_json(*r[1:]) for r in rows]},
        }
        try:
            job = self._capture(json.dumps(document, ensure_ascii=False).encode(), stop)
        except TooLarge:
            self.batch = max(1, len(rows) // 2)
            log.warning(
                "peer %s refused %d events as too many: trying %d",
                self.capture_url,
                len(rows),
                self.batch,
            )
            return 0
        refused = [e for e in job.get("errors", []) if isinstance(e, dict)]
        with self.db.transaction():
            for problem in refused:
                reason = str(problem.get("detail") or problem.get("title"))[:1000]
                event = str(problem.get("instance") or "").encode()
                self.db.execute(_REFUSED, (utc_now(), self.capture_url, reason, event))
            marks = ", ".join("?" * len(rows))
            self.db.execute(
                f"DELETE FROM forward_outbox WHERE id IN ({marks})", [r[0] for r in rows]
            )
        if refused:
            log.error(
                "peer %s refused %d of %d events (see dead_letters, code forwarding)",
                self.capture_url,
                len(refused),
                len(rows),
            )
        self.forwarded += len(rows)
        self._last_problem = ""
        return len(rows)

    def _discover_limit(self) -> None:
        """The peer's capture limit lowers the batch size (a peer without OPTIONS: as set)."""
        reply = self._request("OPTIONS", self.capture_url)
        limit = reply.headers.get("gs1-epcis-capture-limit", "")
        if reply.status < 300 and limit.isdigit() and int(limit) > 0:
            self.batch = min(self.batch, int(limit))
        self._limit_known = True

    def _capture(self, body: bytes, stop: threading.Event | None) -> dict[str, Any]:
        headers = {"Content-Type": "application/json", "GS1-Capture-Error-Behaviour": "proceed"}
        reply = self._request("POST", self.capture_url, body, headers)
        if reply.status == 413:
            raise TooLarge
        if reply.status != 202 or "location" not in reply.headers:
            detail = reply.body[:300].decode("utf-8", "replace")
            raise PeerUnavailable(f"capture answered {reply.status}: {detail}")
        return self._follow(urljoin(self.capture_url, reply.headers["location"]), stop)

    def _follow(self, job_url: str, stop: threading.Event | None) -> dict[str, Any]:
        """The capture job once finished; PeerUnavailable when it does not finish in time."""
        deadline = time.monotonic() + self.config.retry_max_seconds
        while True:
            reply = self._request("GET", job_url)
            if reply.status != 200:
                raise PeerUnavailable(f"capture job {job_url} answered {reply.status}")
            job = json.loads(reply.body)
            if not job.get("running"):
                return job
            if time.monotonic() > deadline or (stop is not None and stop.is_set()):
                raise PeerUnavailable(f"capture job {job_url} still running")
            time.sleep(self.config.poll_seconds)

    def _request(
        self,
        method: str,
        url: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        request = urllib.request.Request(
            url, data=body, method=method, headers={**self._headers, **(headers or {})}
        )
        try:
            with urllib.request.urlopen(
                request, timeout=self.config.timeout_seconds, context=self._tls
            ) as response:
                reply = Reply(response.status, _lower(response.headers), response.read())
        except urllib.error.HTTPError as exc:
            reply = Reply(exc.code, _lower(exc.headers), exc.read())
        except (OSError, ValueError) as exc:
            raise PeerUnavailable(str(getattr(exc, "reason", exc))) from None
        if reply.status >= 500 or reply.status == 429:
            raise PeerUnavailable(f"{method} answered {reply.status}")
        if reply.status in (401, 403):
            raise PeerUnavailable(f"{method} answered {reply.status}: check [store.forward] token")
        return reply

    def _problem(self, message: str) -> None:
        """Log a problem as an error when it is new, then quietly while it lasts."""
        log.log(logging.DEBUG if message == self._last_problem else logging.ERROR, "%s", message)
        self._last_problem = message


def _lower(headers: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


@contextmanager
def forwarding(
    config: StoreForwardConfig | None, database_url: str, base_dir: Path
) -> Iterator[Forwarder | None]:
    """The forwarding thread while the block runs (nothing when not configured)."""
    if config is None:
        yield None
        return
    token = config.token.resolve() if config.token else None
    db = Database(database_url)
    forwarder = Forwarder(config, db, token, base_dir)
    stop = threading.Event()
    thread = threading.Thread(target=forwarder.run, args=(stop,), name="store-forward", daemon=True)
    thread.start()
    log.info("forwarding stored events to %s", forwarder.capture_url)
    try:
        yield forwarder
    finally:
        stop.set()
        thread.join()
        db.close()
