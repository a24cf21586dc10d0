"""Prometheus metrics (optional endpoint: `[metrics] port = 9464`).

Counters are module-level, as prometheus-client intends. Live state (outbox depth and age,
printer state, camera counters) is read at scrape time from sources the daemon registers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from prometheus_client import CollectorRegistry, Counter, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

REGISTRY = CollectorRegistry(auto_describe=True)

SCANS = Counter(
    "lotedge_scans",
    "Scans judged, by outcome and reason code",
    ["outcome", "reason"],
    registry=REGISTRY,
)
BATCHES = Counter("lotedge_batches", "Batches by transition", ["transition"], registry=REGISTRY)
LOTS = Counter("lotedge_lots_issued", "Lot numbers issued", ["product"], registry=REGISTRY)
DISCARDED_FRAMES = Counter(
    "lotedge_scanner_discarded_frames",
    "Over-long scanner frames discarded up to the next scan suffix, by scanner",
    ["scanner"],
    registry=REGISTRY,
)


MetricSource = Callable[[], Iterable[Metric]]


class LiveState(Collector):
    """Metrics read from live state when Prometheus scrapes."""

    def __init__(self, sources: list[MetricSource]) -> None:
        self.sources = sources

    def collect(self) -> Iterator[Metric]:
        for source in self.sources:
            yield from source()


def gauge(name: str, documentation: str, value: float, **labels: str) -> GaugeMetricFamily:
    metric = GaugeMetricFamily(name, documentation, labels=list(labels))
    metric.add_metric(list(labels.values()), value)
    return metric


def counter(name: str, documentation: str, value: float, **labels: str) -> CounterMetricFamily:
    metric = CounterMetricFamily(name, documentation, labels=list(labels))
    metric.add_metric(list(labels.values()), value)
    return metric


def serve(sources: list[MetricSource], port: int, address: str = "127.0.0.1") -> None:
    """Expose /metrics (the counters and the live `sources`) over HTTP on a background thread."""
    REGISTRY.register(LiveState(sources))
    start_http_server(port, addr=address, registry=REGISTRY)
