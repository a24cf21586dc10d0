"""`lotedge store`: ingest events from MQTT (or from a RabbitMQ queue over AMQP) and, when
configured, serve the HTTP API."""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path

from lotedge.config.store import StoreConfig
from lotedge.masterdata.locations import LocationBook
from lotedge.ops import systemd
from lotedge.store.amqp_consumer import QueueConsumer
from lotedge.store.customers import CustomerBook
from lotedge.store.db import open_database
from lotedge.store.forward import forwarding
from lotedge.store.http_service import serve_http
from lotedge.store.ingest import Ingestor, IngestOutcome
from lotedge.store.schema import SchemaValidator
from lotedge.store.subscriber import EventSubscriber

log = logging.getLogger(__name__)
MQTT_OUTCOMES = (
    IngestOutcome.STORED,
    IngestOutcome.DUPLICATE,
    IngestOutcome.CONFLICT,
    IngestOutcome.RETRACTED,
    IngestOutcome.DEAD_LETTERED,
)
"""What can become of an event from MQTT (the summary line counts them)."""


def run_store(
    config: StoreConfig,
    *,
    database_url: str,
    validator: SchemaValidator | None,
    api_token: str | None = None,
    client_id: str | None = None,
    stop: threading.Event | None = None,
    base_dir: Path = Path("."),
    customers: CustomerBook | None = None,
    leave: bool = False,
    locations: LocationBook | None = None,
) -> dict[str, int]:
    """Run until SIGTERM/SIGINT (or `stop`); returns how many events were stored, duplicate, bad.

    `database_url` is resolved against the config's directory; `api_token` is needed when
    `config.api` is set. `base_dir` (the config's directory) resolves relative TLS file names.
    The API's recall reports name `customers`.
    `leave`: on stop, leave the shared group for good (`EventSubscriber.run`).
    """
    stop = stop or _stop_on_signals()
    if validator is None:
        log.warning("no store.schema_path: events are checked structurally only")
    db = open_database(database_url)
    forward = config.forward is not None
    ingestor = Ingestor(db, validator, forward=forward)
    subscriber: EventSubscriber | QueueConsumer
    if config.amqp is not None:
        subscriber = QueueConsumer(
            config.amqp,
            config.mqtt.topic_filters,
            ingestor,
            batch_size=config.batch_size,
            consumer_tag=client_id,
            base_dir=base_dir,
        )
    else:
        subscriber = EventSubscriber(
            config.mqtt,
            ingestor,
            batch_size=config.batch_size,
            client_id=client_id,
            base_dir=base_dir,
        )
    stopped = threading.Event()
    watchdog = threading.Thread(
        target=systemd.serve_watchdog, args=(lambda: subscriber.heartbeat, stopped), daemon=True
    )
    try:
        with (
            serve_http(
                config.api,
                api_token,
                database_url,
                validator=validator,
                forward=forward,
                customers=customers,
                locations=locations,
            ),
            forwarding(config.forward, database_url, base_dir),
        ):
            systemd.notify("READY=1\nSTATUS=ingesting")
            watchdog.start()
            subscriber.run(stop, leave=leave)
            systemd.notify("STOPPING=1")
    finally:
        stopped.set()
        db.close()
    return {outcome.value: ingestor.counts[outcome] for outcome in MQTT_OUTCOMES}


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    return stop


def summary_line(counts: dict[str, int]) -> str:
    """The one line `lotedge store` prints when it stops: what it did with the events.

    >>> summary_line({"stored": 3, "duplicate": 1, "conflict": 0})
    'store stopped: events stored 3, duplicate 1, conflict 0'
    """
    return "store stopped: events " + ", ".join(f"{k} {v}" for k, v in counts.items())
