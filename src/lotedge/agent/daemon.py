"""`lotedge run`: open the state, start the engine and the adapters, serve until told to stop."""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from lotedge.agent.control import ControlServer
from lotedge.agent.engine import Engine
from lotedge.agent.registry import AdapterHost, Registry
from lotedge.agent.unit_of_work import LabelRender
from lotedge.config.model import Config
from lotedge.ops import metrics, systemd
from lotedge.ops.lock import StateLock
from lotedge.state import outbox
from lotedge.state.db import STATE_FILE, connect, open_state

log = logging.getLogger(__name__)

#: Starts an adapter, which registers with the host's registry; returns its stop function.
Adapter = Callable[[AdapterHost, threading.Event], Callable[[], None]]


def outbox_metrics(path: Path) -> metrics.MetricSource:
    """Outbox depth and oldest age, read on the scraping thread with its own connection."""
    conn = connect(path)

    def collect() -> list[metrics.Metric]:
        stats = outbox.stats(conn, now=time.time())
        return [
            metrics.gauge("lotedge_outbox_depth", "Events waiting to be published", stats.depth),
            metrics.gauge(
                "lotedge_outbox_oldest_age_seconds",
                "Age of the oldest waiting event",
                stats.oldest_age,
            ),
        ]

    return collect


class Daemon:
    """The agent process: lifecycle, signals and the systemd watchdog."""

    def __init__(
        self,
        config: Config,
        adapters: list[Adapter] | None = None,
        render_label: LabelRender | None = None,
    ) -> None:
        self.config = config
        self.adapters = adapters or []
        self.render_label = render_label
        self.stop_event = threading.Event()

    def run(self) -> int:
        """Serve until SIGTERM/SIGINT; returns the process exit code."""
        state_dir = self.config.state_dir
        self._install_signals()  # first: a SIGTERM during start-up still stops in order
        # Stops run in reverse order of starting, also when a later part fails to start: the
        # inputs first (the control socket finishes the request in hand, devices their scan),
        # then the publisher's last flush sees every commit; the engine last.
        with StateLock(state_dir), contextlib.ExitStack() as running:
            conn = open_state(state_dir)
            running.callback(conn.close)
            registry = Registry()
            engine = Engine(self.config, conn, render_label=self.render_label, registry=registry)
            engine.start()
            running.callback(engine.stop)
            host = AdapterHost(self.config, engine.call, registry)
            for adapter in self.adapters:
                running.callback(adapter(host, self.stop_event))
            # The control socket last: once it answers, every adapter is up and in the status.
            control = ControlServer(state_dir / self.config.control.socket, engine.call)
            control.start()
            running.callback(control.stop)
            if self.config.metrics is not None:
                registry.metrics(outbox_metrics(state_dir / STATE_FILE))
                metrics.serve(
                    registry.metric_sources, self.config.metrics.port, self.config.metrics.bind
                )
            systemd.notify("READY=1\nSTATUS=serving")
            log.info(
                "lotedge ready: site %s line %s, state in %s",
                self.config.identity.site,
                self.config.identity.line,
                state_dir,
            )
            systemd.serve_watchdog(lambda: engine.heartbeat, self.stop_event)
            systemd.notify("STOPPING=1")
            log.info("stopping")
        log.info("stopped")
        return 0

    def _install_signals(self) -> None:
        def on_signal(signum: int, _frame: FrameType | None) -> None:
            log.info("received %s", signal.Signals(signum).name)
            self.stop_event.set()

        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, on_signal)
