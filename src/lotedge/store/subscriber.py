"""Receiving events from MQTT: QoS 1, acknowledged only after the batch holding them is committed.

paho runs the network loop in its own thread and puts messages on a bounded queue (a full queue
blocks the loop, which stops reading from the socket: back-pressure, nothing dropped). The
calling thread takes batches off the queue, stores them, then sends the PUBACKs. An event is
never acknowledged before it is in the database; one stored but not acknowledged comes again
and is recognised by its eventID.

The session is persistent by default, under a stable client id (`lotedge-store-<host>` unless
set): the broker keeps what it sent this store unacknowledged, and Mosquitto sends it again to
this client id only, never to a sibling in the shared group (docs/operations.md, "Many
lines"). A store instance is stateless apart from the database and that client id.
"""

from __future__ import annotations

import logging
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
from lotedge.store.delivery import store_until_committed
from lotedge.store.ingest import Ingestor, Message

log = logging.getLogger(__name__)
_DRAIN_QUIET_SECONDS = 0.5


_UNSUPPORTED_PROTOCOL_VERSION = 0x84


def default_client_id() -> str:
    """The client id of a store that sets none: stable across restarts on one host, so its
    persistent session (and what the broker holds in it) outlives a crash."""
    return f"lotedge-store-{socket.gethostname()}"


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
        self._endpoints = config.endpoints
        self._endpoint = 0  # the broker of host and failover_hosts connected to or tried next
        self.where = f"{config.host}:{config.effective_port}"
        self.ingestor = ingestor
        self.batch_size = batch_size
        self.protocol = "3.1.1" if config.protocol == "3.1.1" else "5"
        self.topics = subscriptions(config, self.protocol)
        self.client_id = client_id or config.client_id or default_client_id()
        self.persistent = config.session_expiry_seconds > 0
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
        self._failover = threading.Event()
        self._failover_delay = config.reconnect_min_seconds  # doubles while none answers
        self._answered = False  # a CONNACK came on the current connection
        self._opened: float | None = None  # when the current connection's socket opened
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
        client.on_disconnect = self._on_disconnect
        client.on_socket_open = self._on_socket_open
        client.on_connect_fail = self._on_connect_fail
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        properties = None
        if v5 and self.persistent:  # expiry 0 is the default: no properties at all otherwise
            properties = Properties(PacketTypes.CONNECT)
            properties.SessionExpiryInterval = self.config.session_expiry_seconds
        host, port = self._endpoints[self._endpoint]
        client.connect_async(
            host,
            port,
            self.config.keepalive,
            clean_start=not self.persistent,
            properties=properties,
        )
        client.loop_start()
        return client

    def run(self, stop: threading.Event, *, leave: bool = False) -> None:
        """Receive and store until `stop` is set, then store what was received and disconnect.

        The subscription stays in the persistent session, so the broker keeps this store's
        share of the events until it is back (a store that is the only one loses nothing over
        a restart). `leave`: unsubscribe first, store until nothing more comes, and end the
        session: for an instance taken out of the group for good (its share goes to the
        others from then on)."""
        self._stop = stop
        self._client = self._start()
        properties = None
        try:
            while not stop.is_set():
                self.heartbeat = time.monotonic()
                if self._downgrade.is_set() or self._no_connack():
                    self._switch_protocol()
                if self._failover.is_set():
                    self._next_broker()
                self._store(self._take(timeout=0.2), stop)
            if leave:
                self._client.unsubscribe(self.topics)
                while batch := self._take(timeout=_DRAIN_QUIET_SECONDS):
                    self._store(batch, stop)
                if self.protocol == "5":
                    properties = Properties(PacketTypes.DISCONNECT)
                    properties.SessionExpiryInterval = 0
            else:  # what was received by now; anything later comes again after a restart
                for _ in range(0, self._queue.qsize(), self.batch_size):
                    self._store(self._take(timeout=0), stop)
        finally:
            self._client.disconnect(properties=properties)
            self._client.loop_stop()

    def _next_broker(self) -> None:
        """The broker could not be reached: a new client for the next of host and
        failover_hosts, after the reconnect delay."""
        self._stop_client()
        self._failover.clear()
        self._endpoint = (self._endpoint + 1) % len(self._endpoints)
        host, port = self._endpoints[self._endpoint]
        self.where = f"{host}:{port}"
        if not self._stop.wait(self._failover_delay):
            self._client = self._start()
        self._failover_delay = min(self._failover_delay * 2, self.config.reconnect_max_seconds)

    def _stop_client(self) -> None:
        self._client.loop_stop()
        self._client.on_disconnect = None
        self._client.disconnect()
        self._opened = None

    def _switch_protocol(self) -> None:
        """Protocol "auto": the broker refused or dropped the CONNECT of one MQTT version, so
        try the other (a 3.1.1-only broker gets a plain subscription; a broker that was only
        restarting gets MQTT 5 again on the next failure)."""
        self._stop_client()
        self.protocol = "3.1.1" if self.protocol == "5" else "5"
        self.topics = subscriptions(self.config, self.protocol)
        if self.protocol == "3.1.1":
            log.warning("broker does not speak MQTT 5: MQTT 3.1.1, no shared subscription")
        self._downgrade.clear()
        self._client = self._start()

    def _take(self, timeout: float) -> list[tuple[int, mqtt.MQTTMessage]]:
        try:
            batch = [self._queue.get(timeout=timeout) if timeout else self._queue.get_nowait()]
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
        messages = [Message(bytes(m.payload), m.topic) for _, m in batch]
        if not store_until_committed(self.ingestor, messages, stop):
            return  # not acknowledged: the broker sends them again
        with self._ack_lock:
            for connection, message in batch:
                if connection == self._connection:
                    self._client.ack(message.mid, message.qos)

    def _on_connect(
        self, client: mqtt.Client, _u: object, _f: object, reason: object, _p: object
    ) -> None:
        self._answered = True
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
        self._failover_delay = self.config.reconnect_min_seconds
        log.info("connected to %s as %s", self.where, self.client_id)
        client.subscribe([(topic, 1) for topic in self.topics])

    def _on_disconnect(
        self, client: mqtt.Client, _u: object, _f: object, reason: object, _p: object
    ) -> None:
        """A connection closed before its CONNACK with protocol "auto": the broker dropped
        this MQTT version's CONNECT."""
        answered, self._answered, self._opened = self._answered, False, None
        if not answered and self.config.protocol == "auto" and not self._stop.is_set():
            self._downgrade.set()

    def _on_socket_open(self, _client: object, _userdata: object, _sock: object) -> None:
        self._opened = time.monotonic()

    def _no_connack(self) -> bool:
        """Protocol "auto" and a CONNECT unanswered for connect_timeout_seconds: a broker that
        ignores this MQTT version's CONNECT (amqtt, with MQTT 5 session properties)."""
        opened = self._opened
        return (
            self.config.protocol == "auto"
            and opened is not None
            and not self._answered
            and time.monotonic() - opened > self.config.connect_timeout_seconds
        )

    def _on_connect_fail(self, _client: object, _userdata: object) -> None:
        """No connection (refused, unreachable, TLS failed): paho tries again after its
        backoff, or the receive loop goes to the next of host and failover_hosts. Called inside
        paho's `except OSError`, so the error is the one handled."""
        error = sys.exc_info()[1]
        if isinstance(error, ssl.SSLCertVerificationError):
            why = f"TLS: certificate verify failed: {error.verify_message or error}"
        elif isinstance(error, ssl.SSLError):
            why = f"TLS handshake failed: {error.reason or error}"
        else:
            why = str(error or "connection failed")
        self._failed(f"cannot connect to {self.where}: {why}; retrying")
        if len(self._endpoints) > 1:
            self._failover.set()

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
