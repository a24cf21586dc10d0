"""Wiring for the daemon: the operator station, built from `[station]`."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from lotedge.agent.daemon import Adapter
from lotedge.agent.registry import AdapterHost
from lotedge.config.model import Config
from lotedge.state.db import STATE_FILE
from lotedge.station.access import Access
from lotedge.station.hub import Hub
from lotedge.station.server import StationServer
from lotedge.station.snapshot import SnapshotReader

log = logging.getLogger(__name__)


class StationUnavailable(RuntimeError):
    """The station cannot listen where `[station]` says (the port is taken, the address is not
    this machine's)."""


def station_adapter(config: Config) -> Adapter:
    """The daemon adapter for `[station]` (a no-op without it). Reads the token now, so a
    missing secret stops `lotedge run` before anything starts; raises ValueError then."""
    station = config.station
    if station is None:
        return _no_station
    token = station.token.resolve() if station.token is not None else None
    if token == "":
        raise ValueError("[station] token is empty")
    access = Access(token, tuple(station.networks))

    def start_station(host: AdapterHost, stop: threading.Event) -> Callable[[], None]:
        reader = SnapshotReader(
            host.config, host.config.state_dir / STATE_FILE, host.registry.sections
        )
        hub = Hub(reader).start()
        host.on_commit(hub.wake)
        try:
            server = StationServer(station.bind, station.port, access, hub, host.call).start()
        except OSError as exc:
            hub.stop()
            raise StationUnavailable(
                f"[station] cannot listen on {station.bind} port {station.port}: "
                f"{exc.strerror or exc}; choose another port or bind address"
            ) from None
        host.status("station", lambda: {"url": server.url})
        log.info("station: operator page at %s", server.url)
        return server.stop

    return start_station


def _no_station(host: AdapterHost, stop: threading.Event) -> Callable[[], None]:
    log.info("station: not configured")
    return lambda: None
