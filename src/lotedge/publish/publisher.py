"""The publisher: drains the outbox to the broker in order, deleting a row only after its PUBACK.

One thread (`lotedge-publisher`) owns its own state-database connection and one paho client per
connection, and runs that client's network loop itself (select on the broker socket and a
wake-up socket): reading the outbox, publishing, PUBACKs and deletes all happen on it, with no
hand-off between threads per message. It keeps at most `outbox.window` messages in flight,
reconnects (to the next of `host` and `failover_hosts` at once; with exponential backoff and
jitter after a full round), keeps a retained status (online / stopped /
offline as the last will) with the outbox depth, raises an alert when the outbox nears its
cap, and answers MQTT commands (run on a worker thread).
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import socket
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import MQTTProtocolVersion

from lotedge.agent.requests import Reply, Request
from lotedge.config.mqtt import MqttConfig
from lotedge.masterdata.identity import Identity
from lotedge.mqtt import session
from lotedge.publish import commands
from lotedge.state import db, outbox
from lotedge.wire import topics
from lotedge.wire.topics import Topics

log = logging.getLogger(__name__)

#: Slots of the broker's Receive Maximum kept for status, alerts and command replies.
CONTROL_SLOTS = 4


@dataclass(frozen=True)
class PublisherStatus:
    """What `status()` reports (depth and age as of the last status report)."""

    connected: bool
    protocol: str
    #: host:port of the broker connected to (or tried last), one of host and failover_hosts.
    broker: str
    #: Messages allowed in flight: outbox.window, lowered to fit the broker's Receive Maximum.
    window: int
    inflight: int
    delivered: int
    depth: int
    oldest_age: float
    last_error: str


class Publisher:
    """Drains the state database's outbox to MQTT: `start()`, `wake()` after commits, `stop()`."""

    def __init__(
        self,
        config: MqttConfig,
        identity: Identity,
        db_path: Path,
        *,
        base_dir: Path = Path("."),
        call: Callable[[Request], Reply] | None = None,
        on_acked: Callable[[list[outbox.Row]], None] | None = None,
    ) -> None:
        """`call` serves MQTT commands (none if unset); `on_acked` sees each acknowledged batch."""
        self.config = config
        self.identity = identity
        self.topics = Topics.for_agent(config.topic_prefix, identity)
        self._db_path = db_path
        self._base_dir = base_dir
        self._call = call
        self._on_acked = on_acked
        self._client_id = config.client_id or (
            f"lotedge-{identity.site}-{identity.line}-{identity.device_id}"
        )
        auto = config.protocol == "auto"
        self._protocol = session.PROTOCOLS["5" if auto else config.protocol]
        self._endpoints = config.endpoints
        self._endpoint = 0  # the one connected to, or to try next
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._stop = threading.Event()
        #: Command replies from the worker thread, published by the publisher thread.
        self._replies: deque[tuple[str, bytes]] = deque()
        self._acks: deque[tuple[int, bool]] = deque()
        self._thread: threading.Thread | None = None
        self._commands: ThreadPoolExecutor | None = None
        self._client: mqtt.Client | None = None
        self._inflight: dict[int, outbox.Row] = {}
        self._window = config.outbox.window
        self._acked: list[outbox.Row] = []
        self._delivered = 0
        self._stats = outbox.Stats(0, 0.0)
        self._alerting = False
        self._pending_alerts: list[dict[str, Any]] = []
        self._last_error = ""

    # -- public -----------------------------------------------------------------------------

    def start(self) -> None:
        """Start the publisher thread (and the command worker when `call` is set)."""
        if self._call is not None:
            self._commands = ThreadPoolExecutor(1, thread_name_prefix="lotedge-commands")
        self._thread = threading.Thread(target=self._run, name="lotedge-publisher", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Tell the publisher new rows were committed (else it notices within poll_seconds)."""
        with contextlib.suppress(BlockingIOError, OSError):  # already woken, or stopped
            self._wake_w.send(b"\0")

    def stop(self, timeout: float | None = None) -> None:
        """Last flush, then the retained `stopped` status; disconnect and join the thread.

        When connected, the publisher keeps draining until the outbox is empty or
        `outbox.flush_seconds` are up (what is left stays queued for the next start), then
        publishes `stopped` and disconnects. `timeout` bounds the join (default: the flush
        time plus 8 s)."""
        self._stop.set()
        self.wake()
        if timeout is None:
            timeout = self.config.outbox.flush_seconds + 8.0
        if self._thread is not None:
            self._thread.join(timeout)
        if self._commands is not None:
            self._commands.shutdown(wait=False, cancel_futures=True)
        self._wake_r.close()
        self._wake_w.close()

    def status(self) -> PublisherStatus:
        """A snapshot for the control socket and the status message."""
        client = self._client
        return PublisherStatus(
            connected=client is not None and client.is_connected(),
            protocol="5" if self._protocol == MQTTProtocolVersion.MQTTv5 else "3.1.1",
            broker=self._where(),
            window=self._window,
            inflight=len(self._inflight),
            delivered=self._delivered,
            depth=self._stats.depth,
            oldest_age=round(self._stats.oldest_age, 3),
            last_error=self._last_error,
        )

    # -- the thread -------------------------------------------------------------------------

    def _run(self) -> None:
        conn = db.connect(self._db_path)
        # Losing a delete to power loss only means sending that event again (deduped by
        # eventID); the engine's commits stay FULL on its own connection.
        conn.execute("PRAGMA synchronous=NORMAL")
        delay = self.config.reconnect_min_seconds
        failures = 0  # connection attempts failed in a row
        try:
            while not self._stop.is_set():
                try:
                    self._check_cap(outbox.stats(conn, now=time.time()))
                    client = self._connect()
                except (OSError, ValueError, session.ConnectFailed) as exc:  # ValueError: secret
                    self._failed(f"cannot connect to {self._where()}: {exc}")
                    # The next broker of the cluster at once; the backoff after a full round.
                    self._endpoint = (self._endpoint + 1) % len(self._endpoints)
                    failures += 1
                    if failures % len(self._endpoints):
                        continue
                else:
                    delay, failures = self.config.reconnect_min_seconds, 0
                    try:
                        self._serve(client, conn)
                    except Exception as exc:  # never let the publisher die: rows stay queued
                        log.exception("publisher failed; retrying")
                        self._last_error = f"publisher failed: {exc}"
                # Exponential backoff with jitter, so that a fleet does not reconnect in step.
                self._stop.wait(random.uniform(delay / 2, delay))
                delay = min(delay * 2, self.config.reconnect_max_seconds)
        finally:
            conn.close()

    def _where(self) -> str:
        host, port = self._endpoints[self._endpoint]
        return f"{host}:{port}"

    def _failed(self, message: str) -> None:
        if message != self._last_error:
            log.warning("%s", message)
        self._last_error = message

    def _connect(self) -> mqtt.Client:
        client = session.new_client(
            self.config,
            client_id=self._client_id,
            protocol=self._protocol,
            will=(self.topics.status, self._status_payload("offline")),
            base_dir=self._base_dir,
        )
        client.on_publish = self._on_publish
        if self._call is not None:  # before CONNACK: a resumed session delivers at once
            client.on_message = self._on_message
        try:
            receive_maximum = session.connect(client, self.config, self._endpoints[self._endpoint])
        except session.ConnectFailed:
            if self.config.protocol == "auto":  # an MQTT 3.1.1-only broker: try the other one
                self._protocol = (
                    MQTTProtocolVersion.MQTTv311
                    if self._protocol == MQTTProtocolVersion.MQTTv5
                    else MQTTProtocolVersion.MQTTv5
                )
            raise
        client.on_disconnect = None
        if self._call is not None:
            client.subscribe(self.topics.requests, qos=1)
        self._window = max(1, min(self.config.outbox.window, receive_maximum - CONTROL_SLOTS))
        if self._window < self.config.outbox.window:
            log.info(
                "broker accepts %d messages in flight: window %d", receive_maximum, self._window
            )
        self._client = client
        self._last_error = ""
        log.info("connected to %s as %s", self._where(), self._client_id)
        return client

    def _serve(self, client: mqtt.Client, conn: sqlite3.Connection) -> None:
        """Drain while connected; on return the client is closed and in-flight rows forgotten."""
        self._acks.clear()
        self._inflight.clear()
        sent_up_to = 0
        next_report = 0.0
        full_topics: dict[str, str] = {}  # relative topic -> full topic
        batch = max(1, self._window // 2)
        flush_until: float | None = None  # set when stop() is called: the last flush
        caught_up = False  # the last peek found every committed row already sent
        try:
            while client.is_connected():
                if self._stop.is_set():
                    if flush_until is None:
                        flush_until = time.monotonic() + self.config.outbox.flush_seconds
                        caught_up = False  # peek once more: rows committed just before stop
                    elif caught_up and not self._inflight:
                        break  # everything committed is acknowledged
                    if time.monotonic() >= flush_until:
                        break
                if not self._collect_acks():
                    break
                now = time.time()
                if now >= next_report:
                    self._report(client, conn, now)
                    next_report = now + self.config.status_seconds
                while self._replies:
                    client.publish(*self._replies.popleft(), qos=1)
                free = self._window - len(self._inflight)
                rows = outbox.peek(conn, after=sent_up_to, limit=free) if free else []
                for row in rows:
                    if row.topic not in full_topics:
                        full_topics[row.topic] = self.topics.of(row.topic)
                    info = client.publish(full_topics[row.topic], row.payload, qos=1)
                    self._inflight[info.mid] = row
                    sent_up_to = row.seq
                caught_up = len(rows) < free
                # Refill at every PUBACK (keeps the pipe full); delete in batches while a
                # backlog drains, at once when caught up.
                if len(self._acked) >= batch or len(rows) < free:
                    self._delete_acked(conn)
                session.pump(client, self.config.outbox.poll_seconds, self._wake_r)
            self._collect_acks()
            self._delete_acked(conn)
            if self._stop.is_set() and client.is_connected():
                if self._inflight or not caught_up:
                    log.warning(
                        "stopping with events still queued (%d in flight unacknowledged); "
                        "they are sent after the next start",
                        len(self._inflight),
                    )
                self._send_stopped(client)
            elif not client.is_connected():
                self._failed(f"lost connection to {self._where()}")
        finally:
            client.disconnect()
            self._client = None

    def _send_stopped(self, client: mqtt.Client) -> None:
        """Publish the retained `stopped` status and wait (briefly) for its PUBACK."""
        info = client.publish(self.topics.status, self._status_payload("stopped"), 1, True)
        deadline = time.monotonic() + 2.0
        while not info.is_published() and client.is_connected() and time.monotonic() < deadline:
            session.pump(client, 0.05, self._wake_r)

    def _on_publish(self, _c: mqtt.Client, _u: object, mid: int, reason: Any, _p: object) -> None:
        """A PUBACK (on the publisher thread, inside `pump`); handled by `_collect_acks`."""
        self._acks.append((mid, bool(getattr(reason, "is_failure", False))))

    def _collect_acks(self) -> bool:
        """Move PUBACKed rows to the delete list; False when the broker refused one (the
        publisher then reconnects and sends it again)."""
        refused = False
        while self._acks:
            mid, failed = self._acks.popleft()
            row = self._inflight.pop(mid, None)
            if row is None:  # status, alert or command reply
                continue
            if failed:
                refused = True
                self._failed(f"broker refused event {row.event_id} on {row.topic}; will retry")
            else:
                self._acked.append(row)
        return not refused

    def _delete_acked(self, conn: sqlite3.Connection) -> None:
        """Delete the acknowledged rows in one transaction."""
        if not self._acked:
            return
        done, self._acked = self._acked, []
        with db.transaction(conn):
            outbox.delete(conn, (row.seq for row in done))
        self._delivered += len(done)
        if self._on_acked is not None:
            self._on_acked(done)

    # -- status, alerts and commands --------------------------------------------------------

    def _status_payload(self, state: str) -> bytes:
        body: dict[str, Any] = {
            "state": state,
            "device": self.identity.device_id,
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        if state == "online":
            body["outbox"] = {
                "depth": self._stats.depth,
                "oldest_age_seconds": round(self._stats.oldest_age, 3),
                "cap": self.config.outbox.cap,
            }
        return json.dumps(body).encode()

    def _report(self, client: mqtt.Client, conn: sqlite3.Connection, now: float) -> None:
        """Refresh the retained status; send the outbox alert if it was raised or cleared."""
        self._check_cap(outbox.stats(conn, now=now))
        self._publish(client, topics.STATUS, self._status_payload("online"), retain=True)
        while self._pending_alerts:
            self._publish(client, topics.ALERTS, json.dumps(self._pending_alerts.pop(0)).encode())

    def _check_cap(self, stats: outbox.Stats) -> None:
        """Note the outbox figures; raise or clear the alert when it crosses warn_ratio x cap."""
        self._stats = stats
        cap = self.config.outbox
        filling = stats.depth >= cap.warn_ratio * cap.cap
        if filling == self._alerting:
            return
        self._alerting = filling
        message = (
            f"outbox holds {stats.depth} of {cap.cap} events; oldest is "
            f"{stats.oldest_age:.0f} s old. Events are kept, never dropped: check the "
            "link to the broker and the trace store."
            if filling
            else f"outbox back to {stats.depth} events"
        )
        (log.warning if filling else log.info)("%s", message)
        self._pending_alerts.append(
            {
                "type": "outbox_filling",
                "state": "raised" if filling else "cleared",
                "depth": stats.depth,
                "cap": cap.cap,
                "oldest_age_seconds": round(stats.oldest_age, 3),
                "message": message,
                "time": datetime.now(UTC).isoformat(timespec="seconds"),
            }
        )

    def _publish(self, client: mqtt.Client, relative: str, payload: bytes, **kw: Any) -> None:
        client.publish(self.topics.of(relative), payload, qos=1, **kw)

    def _on_message(self, _c: mqtt.Client, _u: object, message: mqtt.MQTTMessage) -> None:
        name = self.topics.command_name(message.topic)
        if name is None or self._commands is None or self._call is None:
            return
        with contextlib.suppress(RuntimeError):  # the worker is already shut down: stopping
            self._commands.submit(self._answer, name, bytes(message.payload), self._call)

    def _answer(self, name: str, payload: bytes, call: Callable[[Request], Reply]) -> None:
        """On the command worker: run the request, queue the answer for the publisher thread."""
        answer = commands.handle(name, payload, call)
        self._replies.append((self.topics.response(name), json.dumps(answer, default=str).encode()))
        self.wake()
