"""The store's HTTP service: the `/v1/` answers and the EPCIS REST binding with its capture
worker, on one server in background threads while the store runs."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import HTTPServer

from lotedge.config.store import StoreApiConfig
from lotedge.masterdata.locations import LocationBook
from lotedge.store.api import TraceApi, make_server
from lotedge.store.capture import CaptureWorker
from lotedge.store.customers import CustomerBook
from lotedge.store.db import Database, open_database
from lotedge.store.epcis_api import EpcisApi, Limits
from lotedge.store.ingest import Ingestor
from lotedge.store.schema import SchemaValidator

log = logging.getLogger(__name__)


@contextmanager
def serve_http(
    config: StoreApiConfig | None,
    token: str | None,
    database_url: str,
    *,
    validator: SchemaValidator | None = None,
    forward: bool = False,
    customers: CustomerBook | None = None,
    locations: LocationBook | None = None,
) -> Iterator[HTTPServer | None]:
    """The API while the block runs (nothing when not configured). Captured events are
    checked with `validator` and, with `forward`, queued for the forwarding peer; recalls name
    `customers` and their spreadsheets fill places from `locations`."""
    if config is None:
        yield None
        return
    if not token:
        raise ValueError("store.api is configured but no token was given")
    open_database(database_url).close()  # its tables, before the first request
    api = TraceApi(lambda: Database(database_url), token, customers, locations)
    worker = CaptureWorker(
        lambda: Database(database_url), lambda db: Ingestor(db, validator, forward=forward)
    )
    limits = Limits(config.capture_limit, config.capture_file_size_limit, config.page_limit)
    server = make_server(config.bind, api, EpcisApi(api.queries, worker, limits))
    worker.start()
    threading.Thread(target=server.serve_forever, name="store-api", daemon=True).start()
    log.info("HTTP API on http://%s:%d/v1/ and /epcis/", *server.server_address[:2])
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        worker.stop()
        api.close()
