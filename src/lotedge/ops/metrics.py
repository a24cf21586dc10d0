"""Prometheus metrics (optional endpoint: `[metrics] port = 9464`).

Counters are module-level, as prometheus-client intends; gauges that read live state (outbox
depth, printer state, camera fps) are bound to callbacks when the daemon starts.
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, start_http_server

REGISTRY = CollectorRegistry(auto_describe=True)

SCANS = Counter(
    "lotedge_scans",
    "Scans judged, by outcome and reason code",
    ["outcome", "reason"],
    registry=REGISTRY,
)
BATCHES = Counter("lotedge_batches", "Batches by transition", ["transition"], registry=REGISTRY)
LOTS = Counter("lotedge_lots_issued", "Lot numbers issued", ["product"], registry=REGISTRY)


def gauge(name: str, documentation: str, read: Callable[[], float]) -> Gauge:
    """A gauge whose value is read from live state at scrape time."""
    metric = Gauge(name, documentation, registry=REGISTRY)
    metric.set_function(read)
    return metric


def serve(port: int, address: str = "127.0.0.1") -> None:
    """Expose /metrics over HTTP on a background thread."""
    start_http_server(port, addr=address, registry=REGISTRY)
