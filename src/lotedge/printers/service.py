"""Wiring for the daemon: the label renderer and the print worker, built from the config."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from lotedge.agent.registry import AdapterHost
from lotedge.config.model import Config
from lotedge.ops import metrics
from lotedge.printers.renderer import LabelRenderer
from lotedge.printers.worker import PrintWorker
from lotedge.state.db import STATE_FILE

log = logging.getLogger(__name__)


def renderer_for(config: Config) -> LabelRenderer:
    """The renderer for `[labels]`, with the site's templates, if any, read now."""
    site = config.resolve(config.labels.dir) if config.labels.dir else None
    return LabelRenderer(config.labels, site)


def printer_metrics(state: dict[str, Any]) -> list[metrics.Metric]:
    """Printer readiness and counts, for Prometheus."""
    name = str(state["printer"])
    ready = 1.0 if state["ready"] else 0.0
    return [
        metrics.gauge(
            "lotedge_printer_ready", "1 when the printer has no fault", ready, printer=name
        ),
        metrics.gauge(
            "lotedge_printer_queued", "Label jobs waiting", state["queued"], printer=name
        ),
        metrics.counter("lotedge_labels_printed", "Labels printed", state["printed"], printer=name),
    ]


def start_printer(host: AdapterHost, stop: threading.Event) -> Callable[[], None]:
    """Daemon adapter: run a PrintWorker for `[printer]` if one is configured; returns its stop."""
    printer = host.config.printer
    if printer is None:
        log.info("printer: none configured")
        return lambda: None
    worker = PrintWorker(printer, host.config.state_dir / STATE_FILE, host.call).start()
    host.on_commit(worker.wake)
    host.status("printer", lambda: worker.state)
    host.metrics(lambda: printer_metrics(worker.state))
    log.info("printer %s at %s", printer.name, printer.url)
    return worker.stop
