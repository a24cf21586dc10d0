"""`lotedge store`: ingest events from MQTT and, when configured, serve the HTTP API."""

from __future__ import annotations

import json
import logging
import signal
import threading
from pathlib import Path

from lotedge.config.store import StoreConfig
from lotedge.store.api import TraceApi, make_server
from lotedge.store.db import Database, open_database
from lotedge.store.ingest import Ingestor, Outcome
from lotedge.store.schema import SchemaValidator
from lotedge.store.subscriber import EventSubscriber

log = logging.getLogger(__name__)


def run_store(
    config: StoreConfig,
    *,
    base_dir: Path,
    client_id: str | None = None,
    database_url: str | None = None,
    stop: threading.Event | None = None,
) -> dict[str, int]:
    """Run until SIGTERM/SIGINT (or `stop`); returns how many events were stored, duplicate, bad."""
    stop = stop or _stop_on_signals()
    url = database_url or config.database_url

    def connect() -> Database:
        return Database(url, base_dir=base_dir)

    validator = None
    if config.schema_path is not None:
        validator = SchemaValidator.load(base_dir / config.schema_path)
        log.info("checking events against %s (%s)", config.schema_path, validator.backend)
    else:
        log.warning("no store.schema_path: events are checked structurally only")
    db = open_database(url, base_dir)
    ingestor = Ingestor(db, validator)
    server = None
    if config.api is not None:
        server = make_server(config.api.bind, TraceApi(connect, config.api.token.resolve()))
        threading.Thread(target=server.serve_forever, name="store-api", daemon=True).start()
        log.info("HTTP API on http://%s:%d/v1/", *server.server_address[:2])
    try:
        EventSubscriber(
            config.mqtt, ingestor, batch_size=config.batch_size, client_id=client_id
        ).run(stop)
    finally:
        if server is not None:
            server.shutdown()
        db.close()
    return {outcome.value: ingestor.counts[outcome] for outcome in Outcome}


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    return stop


def summary_line(counts: dict[str, int]) -> str:
    """The one JSON line `lotedge store` prints when it stops."""
    return json.dumps({"store": counts}, sort_keys=True)
