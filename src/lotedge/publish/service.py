"""Wiring for the daemon: the publisher that drains the outbox and serves MQTT commands."""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from lotedge.publish.publisher import Publisher
from lotedge.state.db import STATE_FILE

if TYPE_CHECKING:
    from lotedge.agent.engine import Engine

log = logging.getLogger(__name__)


def start_publisher(engine: Engine, stop: threading.Event) -> Callable[[], None]:
    """Daemon adapter: publish the outbox to `[mqtt]` if configured; returns its stop."""
    config = engine.config
    if config.mqtt is None:
        log.info("mqtt: not configured; events stay in the outbox")
        return lambda: None
    publisher = Publisher(
        config.mqtt,
        config.identity,
        config.state_dir / STATE_FILE,
        base_dir=config.base_dir,
        call=engine.call,
    )
    publisher.start()
    engine.after_commit.append(publisher.wake)
    engine.status_providers["publisher"] = lambda: dataclasses.asdict(publisher.status())
    log.info("mqtt: publishing to %s:%d", config.mqtt.host, config.mqtt.effective_port)
    return publisher.stop
