"""Wiring for the daemon: the label renderer and the print worker, built from the config."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from lotedge.config.model import Config
from lotedge.printers.renderer import LabelRenderer
from lotedge.printers.worker import PrintWorker
from lotedge.state.db import STATE_FILE

if TYPE_CHECKING:
    from lotedge.agent.engine import Engine

log = logging.getLogger(__name__)


def renderer_for(config: Config) -> LabelRenderer:
    """The renderer for `[labels]`, with templates from its directory (read now)."""
    return LabelRenderer(config.labels, config.resolve(config.labels.dir))


def start_printer(engine: Engine, stop: threading.Event) -> Callable[[], None]:
    """Daemon adapter: run a PrintWorker for `[printer]` if one is configured; returns its stop."""
    printer = engine.config.printer
    if printer is None:
        log.info("printer: none configured")
        return lambda: None
    worker = PrintWorker(
        printer, engine.config.state_dir / STATE_FILE, identity=engine.config.identity
    ).start()
    engine.status_providers["printer"] = lambda: worker.state
    log.info("printer %s at %s", printer.name, printer.url)
    return worker.stop
