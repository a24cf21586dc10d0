"""Wiring for the daemon: the publisher that drains the outbox and serves MQTT commands."""

from __future__ import annotations

import dataclasses
import functools
import logging
import threading
from collections.abc import Callable

from lotedge.agent.daemon import Adapter
from lotedge.agent.registry import AdapterHost
from lotedge.config.model import Config
from lotedge.publish.authorization import RemotePolicy
from lotedge.publish.publisher import Publisher
from lotedge.state import outbox
from lotedge.state.db import STATE_FILE

log = logging.getLogger(__name__)


def publisher_adapter(config: Config) -> Adapter:
    """The daemon adapter for `[mqtt]`, with the `[remote]` rules read now: a missing or bad
    signing key stops `lotedge run` before anything starts (ValueError)."""
    policy = RemotePolicy.from_config(config.remote)
    return functools.partial(start_publisher, policy=policy)


def start_publisher(
    host: AdapterHost,
    stop: threading.Event,
    *,
    on_acked: Callable[[list[outbox.Row]], None] | None = None,
    policy: RemotePolicy | None = None,
) -> Callable[[], None]:
    """Daemon adapter: publish the outbox to `[mqtt]` if configured; returns its stop.

    `on_acked` (the bench uses it) sees each batch of rows acknowledged and deleted; `policy`
    is the `[remote]` rules (read from the config when not given)."""
    config = host.config
    if config.mqtt is None:
        log.info("mqtt: not configured; events stay in the outbox")
        return lambda: None
    publisher = Publisher(
        config.mqtt,
        config.identity,
        config.state_dir / STATE_FILE,
        base_dir=config.base_dir,
        call=host.call,
        on_acked=on_acked,
        policy=policy or RemotePolicy.from_config(config.remote),
    )
    publisher.start()
    host.on_commit(publisher.wake)
    host.status("publisher", lambda: dataclasses.asdict(publisher.status()))
    log.info("mqtt: publishing to %s:%d", config.mqtt.host, config.mqtt.effective_port)
    return publisher.stop
