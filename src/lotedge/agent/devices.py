"""Starting the configured scanners and cameras, each on its own thread, feeding the engine."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from lotedge.agent.registry import AdapterHost
from lotedge.ops import metrics
from lotedge.scanners.base import ScanSource, open_source

if TYPE_CHECKING:
    from lotedge.camera.source import CameraSource

log = logging.getLogger(__name__)


def camera_metrics(camera: CameraSource) -> metrics.MetricSource:
    """Frames, drops and decode time of one camera, for Prometheus."""

    def collect() -> list[metrics.Metric]:
        stats, name = camera.stats, camera.name
        return [
            metrics.counter("lotedge_camera_frames", "Frames captured", stats.frames, camera=name),
            metrics.counter(
                "lotedge_camera_dropped_frames",
                "Frames dropped before decoding",
                stats.dropped,
                camera=name,
            ),
            metrics.counter(
                "lotedge_camera_decoded_frames", "Frames decoded", stats.decoded, camera=name
            ),
            metrics.counter(
                "lotedge_camera_decode_seconds",
                "Time spent decoding",
                stats.decode_seconds,
                camera=name,
            ),
        ]

    return collect


def start_devices(host: AdapterHost, stop: threading.Event) -> Callable[[], None]:
    """Open every scanner and camera in the config; returns a function that joins them."""
    config = host.config
    sources: list[ScanSource] = [open_source(s.name, s.url) for s in config.scanners]
    cameras: list[CameraSource] = []
    if config.cameras:  # OpenCV and numpy only when there is a camera (memory: bench/cli)
        from lotedge.camera.source import open_camera

        cameras = [open_camera(c) for c in config.cameras]
    sources += cameras
    for camera in cameras:
        host.metrics(camera_metrics(camera))
    threads = [
        threading.Thread(
            target=source.run,
            args=(host.submit_scan, stop),
            name=f"source-{source.name}",
            daemon=True,
        )
        for source in sources
    ]
    for thread in threads:
        thread.start()
    log.info("devices: %s", ", ".join(s.name for s in sources) or "none configured")

    def join() -> None:
        stop.set()
        for thread in threads:
            thread.join(10)

    return join
