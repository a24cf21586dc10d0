"""Storing a batch received from a broker before acknowledging it: shared by the MQTT
subscriber and the AMQP consumer."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

from lotedge.store.ingest import Ingestor, Message

log = logging.getLogger(__name__)


def store_until_committed(
    ingestor: Ingestor,
    messages: Sequence[Message],
    stop: threading.Event,
    wait: Callable[[float], bool] | None = None,
) -> bool:
    """Store `messages` in one transaction, retrying with backoff while the database fails.

    True once committed: the caller may acknowledge them. False when `stop` was set while
    retrying: nothing is acknowledged, so the broker delivers them again. `wait(seconds)`
    (stop.wait by default; True means stop) lets the caller keep its connection alive
    meanwhile."""
    pause = wait or stop.wait
    delay = 0.5
    while True:
        try:
            ingestor.ingest(messages)
            return True
        except Exception:
            log.exception("storing %d events failed; retrying in %.1f s", len(messages), delay)
            if pause(delay) or stop.is_set():
                return False
            delay = min(delay * 2, 30.0)
