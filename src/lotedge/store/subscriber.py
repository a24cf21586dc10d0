"""Receiving events from MQTT: QoS 1, acknowledged only after the batch holding them is committed.

paho runs the network loop in its own thread and puts messages on a bounded queue (a full queue
blocks the loop, which stops reading from the socket: back-pressure, nothing dropped). The
calling thread takes batches off the queue, stores them, then sends the PUBACKs. An event is
never acknowledged before it is in the database; one stored but not acknowledged comes again
and is recognised by its eventID.
"""

from __future__ import annotations

import logging
import os
import queue
import socket
import ssl
import sys
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from lotedge.config.store import StoreMqttConfig
from lotedge.mqtt import session
from lotedge.store.ingest import Ingestor, Message

log = logging.getLogger(__name__)
_DRAIN_QUIET_SECONDS = 0.5


_UNSUPPORTED_PROTOCOL_VERSION = 0x84


def subscriptions(config: StoreMqttConfig, protocol: str) -> list[str]:
    """The topic filters to subscribe to: shared with MQTT 5 and a group, plain otherwise."""
    if protocol == "5" and config.shared_group:
        return [f"$share/{config.shared_group}/{f}" for f in config.topic_filters]
    return config.topic_filters


class EventSubscriber:
    """One MQTT session feeding one Ingestor."""

    def __init__(
        self,
        config: StoreMqttConfig,
        ingestor: Ingestor,
        *,
        batch_size: int = 500,
        client_id: str | None = None,
        base_dir: Path = Path("."),
    ) -> None:
        """`base_dir`: where relative TLS file names in `config` are resolved (the config
        file's directory)."""
        self.config = config
        self.base_dir = base_dir
        self.where = f"{config.host}:{config.effective_port}"
        self.ingestor = ingestor
        self.batch_size = batch_size
        self.protocol = "3.1.1" if config.protocol == "3.1.1" else "5"
        self.topics = subscriptions(config, self.protocol)
        client_id = client_id or config.client_id
        self.persistent = client_id is not None
        self.client_id = client_id or f"lotedge-store-{socket.gethostname()}-{os.getpid()}"
        self.subscribed = threading.Event()
        #: monotonic time the receive loop last went round (the systemd watchdog checks it).
        self.heartbeat = time.monotonic()
        # Messages with the number of the connection that brought them: a message id means
        # something only on its own connection, so older ones are never acknowledged.
        self._queue: queue.Queue[tuple[int, mqtt.MQTTMessage]] = queue.Queue(batch_size * 4)
        self._connection = 0
        self._ack_lock = threading.Lock()
        self._stop = threading.Event()
        self._downgrade = threading.Event()
        self._last_error = ""
        self._client: mqtt.Client

    def _start(self) -> mqtt.Client:
        """A client for `self.protocol`, connecting in its own network thread."""
        v5 = self.protocol == "5"
        client = session.make_client(
            self.config,
            client_id=self.client_id,
            protocol=session.PROTOCOLS[self.protocol],
            base_dir=self.base_dir,
            clean_session=None if v5 else not self.persistent,
            manual_ack=True,
        )
        client.reconnect_delay_set(  # paho's stubs say int; it computes with floats
            self.config.reconnect_min_seconds,  # type: ignore[arg-type]
            self.config.reconnect_max_seconds,  # type: ignore[arg-type]
        )
        client.on_connect = self._on_connect
        client.on_connect_fail = self._on_connect_fail
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        properties = None
        if v5 and self.persistent:  # expiry 0 is the default: no properties at all otherwise
            properties = Properties(PacketTypes.CONNECT)
            properties.SessionExpiryInterval = self.config.session_expiry_seconds
        client.connect_async(
            self.config.host,
            self.config.effective_port,
            self.config.keepalive,
            clean_start=not self.persistent,
            properties=properties,
        )
        client.loop_start()
        return client

    def run(self, stop: threading.Event) -> None:
        """Receive and store until `stop` is set, then drain what was received and disconnect."""
        self._stop = stop
        self._client = self._start()
        try:
            while not stop.is_set():
                self.heartbeat = time.monotonic()
                if self._downgrade.is_set():
                    self._fall_back_to_311()
                self._store(self._take(timeout=0.2), stop)
            self._client.unsubscribe(self.topics)
            while batch := self._take(timeout=_DRAIN_QUIET_SECONDS):
                self._store(batch, stop)
        finally:
            self._client.disconnect()
            self._client.loop_stop()

    def _fall_back_to_311(self) -> None:
        """The broker refused MQTT 5 (protocol "auto"): plain subscription over 3.1.1."""
        self._client.loop_stop()
        self.protocol = "3.1.1"
        self.topics = subscriptions(self.config, self.protocol)
        log.warning("broker does not speak MQTT 5: MQTT 3.1.1, no shared subscription")
        self._downgrade.clear()
        self._client = self._start()

    def _take(self, timeout: float) -> list[tuple[int, mqtt.MQTTMessage]]:
        try:
            batch = [self._queue.get(timeout=timeout)]
        except queue.Empty:
            return []
        while len(batch) < self.batch_size:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return batch

    def _store(self, batch: list[tuple[int, mqtt.MQTTMessage]], stop: threading.Event) -> None:
        """Commit, then acknowledge; on database trouble retry until stopped, never ack unstored."""
        if not batch:
            return
        delay = 0.5
        while True:
            try:
                self.ingestor.ingest([Message(bytes(m.payload), m.topic) for _, m in batch])
                break
            except Exception:
                log.exception("storing %d events failed; retrying in %.1f s", len(batch), delay)
                if stop.wait(delay):
                    return  # not acknowledged: the broker sends them again
                delay = min(delay * 2, 30.0)
        with self._ack_lock:
            for connection, message in batch:
                if connection == self._connection:
                    self._client.ack(message.mid, message.qos)

    def _on_connect(
        self, client: mqtt.Client, _u: object, _f: object, reason: object, _p: object
    ) -> None:
        if getattr(reason, "is_failure", False):
            if (
                self.config.protocol == "auto"
                and self.protocol == "5"
                and getattr(reason, "value", None) == _UNSUPPORTED_PROTOCOL_VERSION
            ):
                self._downgrade.set()
                client.disconnect()
                return
            self._failed(f"broker {self.where} refused the connection: {reason}")
            return
        with self._ack_lock:
            self._connection += 1
        self._last_error = ""
        log.info("connected to %s as %s", self.where, self.client_id)
        client.subscribe([(topic, 1) for topic in self.topics])

    def _on_connect_fail(self, _client: object, _userdata: object) -> None:
        """No connection (refused, unreachable, TLS failed): paho tries again after its
        backoff. Called inside paho's `except OSError`, so the error is the one handled."""
        error = sys.exc_info()[1]
        if isinstance(error, ssl.SSLCertVerificationError):
            why = f"TLS: certificate verify failed: {error.verify_message or error}"
        elif isinstance(error, ssl.SSLError):
            why = f"TLS handshake failed: {error.reason or error}"
        else:
            why = str(error or "connection failed")
        self._failed(f"cannot connect to {self.where}: {why}; retrying")

    def _failed(self, message: str) -> None:
        """Log a connection problem: as an error when it is new, then quietly while it lasts."""
        log.log(logging.DEBUG if message == self._last_error else logging.ERROR, "%s", message)
        self._last_error = message

    def _on_subscribe(self, _c: object, _u: object, _mid: int, reasons: list, _p: object) -> None:
        if any(getattr(r, "is_failure", False) for r in reasons):
            log.error("subscription to %s refused: %s", ", ".join(self.topics), reasons)
            return
        log.info("subscribed to %s", ", ".join(self.topics))
        self.subscribed.set()

    def _on_message(self, _c: object, _u: object, message: mqtt.MQTTMessage) -> None:
        item = (self._connection, message)
        while True:
            try:
                self._queue.put(item, timeout=0.5)
                return
            except queue.Full:
                if self._stop.is_set():
                    return  # stopping with a full queue: not acknowledged, so sent again
