"""Receiving events from a RabbitMQ quorum queue over AMQP 0-9-1 (pika): competing consumers,
each batch acknowledged after its commit.

The agents publish over MQTT to RabbitMQ's MQTT plugin, which routes each message to the topic
exchange (`amq.topic`) under the topic as routing key ('/' becomes '.'). The
store instances share one quorum queue, replicated over the cluster's nodes, bound to the event
topics. Each instance takes up to `prefetch` messages, stores them a batch at a time, and
acknowledges a batch (basic.ack, multiple) only once it is committed. What an instance took and
did not acknowledge (killed, its connection or node lost) goes back to the queue and to any
consumer, marked redelivered; its eventID makes it a duplicate if it was stored already. When a
node dies the consumer connects to the next of `host` and `failover_hosts`, and the queue
carries on from a surviving replica.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import pika
import pika.exceptions
from pika.adapters.blocking_connection import BlockingChannel

from lotedge.config.store import StoreAmqpConfig
from lotedge.mqtt.session import tls_context
from lotedge.store.delivery import store_until_committed
from lotedge.store.ingest import Ingestor, Message

log = logging.getLogger(__name__)
_IDLE_SECONDS = 0.2
#: What a lost broker or a refused operation raises.
BROKER_ERRORS = (pika.exceptions.AMQPError, OSError)


def binding_key(topic_filter: str) -> str:
    """The routing-key pattern of an MQTT topic filter, as RabbitMQ's MQTT plugin maps topics
    ('/' becomes '.', which separates words; '+' is '*').

    >>> binding_key("lotedge/v1/+/+/events")
    'lotedge.v1.*.*.events'
    """
    return ".".join("*" if level == "+" else level for level in topic_filter.split("/"))


def mqtt_topic(routing_key: str) -> str:
    """The MQTT topic of a routing key, as the MQTT plugin delivers it to MQTT subscribers.

    >>> mqtt_topic("lotedge.v1.PLANT1.L1.events")
    'lotedge/v1/PLANT1/L1/events'
    """
    return routing_key.replace(".", "/")


class QueueConsumer:
    """One AMQP connection at a time feeding one Ingestor; same interface as EventSubscriber."""

    def __init__(
        self,
        config: StoreAmqpConfig,
        topic_filters: list[str],
        ingestor: Ingestor,
        *,
        batch_size: int = 500,
        consumer_tag: str | None = None,
        base_dir: Path = Path("."),
    ) -> None:
        """`topic_filters`: the MQTT filters of the agents' topics ([store.mqtt]'s), bound to
        the queue; `base_dir` resolves relative TLS file names."""
        self.config = config
        self.ingestor = ingestor
        self.batch_size = batch_size
        self.consumer_tag = consumer_tag
        self.base_dir = base_dir
        self.keys = [binding_key(f) for f in topic_filters]
        self._endpoints = config.endpoints
        self._endpoint = 0
        self.where = self._describe(0)
        self.subscribed = threading.Event()
        #: monotonic time the receive loop last went round (the systemd watchdog checks it).
        self.heartbeat = time.monotonic()
        self._last_error = ""

    def _describe(self, index: int) -> str:
        host, port = self._endpoints[index]
        return f"{host}:{port}"

    def run(self, stop: threading.Event, *, leave: bool = False) -> None:
        """Consume and store until `stop` is set, then store what is in hand and close (what
        was delivered but not stored goes back to the queue). `leave` changes nothing here:
        the queue, not a session, holds an instance's share."""
        delay = self.config.reconnect_min_seconds
        while not stop.is_set():
            self.heartbeat = time.monotonic()
            try:
                connection = self._connect()
            except BROKER_ERRORS as exc:
                self._failed(f"cannot connect to {self.where}: {exc or type(exc).__name__}")
                self._endpoint = (self._endpoint + 1) % len(self._endpoints)
                self.where = self._describe(self._endpoint)
                if self._endpoint == 0 and stop.wait(delay):
                    break
                delay = min(delay * 2, self.config.reconnect_max_seconds)
                continue
            delay = self.config.reconnect_min_seconds
            try:
                self._consume(connection, stop)
            except BROKER_ERRORS as exc:
                self._failed(f"lost {self.where}: {exc or type(exc).__name__}; reconnecting")
            finally:
                self.subscribed.clear()
                if connection.is_open:
                    try:
                        connection.close()
                    except BROKER_ERRORS:
                        log.debug("closing %s failed", self.where, exc_info=True)

    def _connect(self) -> pika.BlockingConnection:
        host, port = self._endpoints[self._endpoint]
        config = self.config
        options: dict[str, object] = {}
        if config.username is not None:
            password = config.password.resolve() if config.password is not None else ""
            options["credentials"] = pika.PlainCredentials(config.username, password)
        if config.tls.enabled:
            options["ssl_options"] = pika.SSLOptions(tls_context(config.tls, self.base_dir), host)
        return pika.BlockingConnection(
            pika.ConnectionParameters(
                host=host,
                port=port,
                virtual_host=config.virtual_host,
                heartbeat=config.heartbeat_seconds,
                connection_attempts=1,
                socket_timeout=config.connect_timeout_seconds,
                blocked_connection_timeout=config.connect_timeout_seconds * 6,
                client_properties={"connection_name": self.consumer_tag or "lotedge-store"},
                **options,
            )
        )

    def _declare(self, channel: BlockingChannel) -> None:
        """The quorum queue (durable, replicated) and its bindings; a no-op when they exist."""
        config = self.config
        channel.queue_declare(config.queue, durable=True, arguments={"x-queue-type": "quorum"})
        for key in self.keys:
            channel.queue_bind(config.queue, config.exchange, routing_key=key)
        channel.basic_qos(prefetch_count=max(config.prefetch, self.batch_size))

    def _consume(self, connection: pika.BlockingConnection, stop: threading.Event) -> None:
        channel = connection.channel()
        self._declare(channel)
        self._last_error = ""
        log.info("consuming %s on %s (%s)", self.config.queue, self.where, ", ".join(self.keys))
        self.subscribed.set()
        batch: list[tuple[int, Message]] = []
        deliveries = channel.consume(
            self.config.queue, inactivity_timeout=_IDLE_SECONDS, consumer_tag=self.consumer_tag
        )
        for method, _properties, body in deliveries:
            self.heartbeat = time.monotonic()
            if method is not None and body is not None:
                batch.append((method.delivery_tag, Message(body, mqtt_topic(method.routing_key))))
            if batch and (method is None or len(batch) >= self.batch_size or stop.is_set()):
                self._store(connection, channel, batch, stop)
                batch = []
            if stop.is_set():
                break
        channel.cancel()  # what was delivered and not stored goes back to the queue

    def _store(
        self,
        connection: pika.BlockingConnection,
        channel: BlockingChannel,
        batch: list[tuple[int, Message]],
        stop: threading.Event,
    ) -> None:
        """Commit, then acknowledge the batch; heartbeats go on while the database is retried."""

        def wait(seconds: float) -> bool:
            connection.process_data_events(time_limit=seconds)
            return stop.is_set()

        if store_until_committed(self.ingestor, [m for _, m in batch], stop, wait):
            channel.basic_ack(delivery_tag=batch[-1][0], multiple=True)

    def _failed(self, message: str) -> None:
        """Log a connection problem: as an error when it is new, then quietly while it lasts."""
        log.log(logging.DEBUG if message == self._last_error else logging.ERROR, "%s", message)
        self._last_error = message
