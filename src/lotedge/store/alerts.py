"""The store's own alerts over MQTT: the short-dated stock list, as one retained message on
`[store.mqtt]`'s alert topic (docs/trace-store.md, "The short-dated alert")."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from lotedge.config.store import StoreConfig
from lotedge.mqtt import session
from lotedge.store.line_commands import short_lived_client


def publish_short_dated(
    store: StoreConfig, base_dir: Path, body: dict[str, Any], timeout: float
) -> str:
    """Publish `body` as JSON, retained, QoS 1, on the short-dated alert topic, and wait up to
    `timeout` seconds for the broker's acknowledgement. Returns the topic. Raises ValueError
    (the topic; a TLS file or password), OSError or `session.ConnectFailed` (the broker)."""
    topic = store.mqtt.short_dated_alert_topic
    session.check(store.mqtt, base_dir)
    client = short_lived_client(store.mqtt, base_dir)
    try:
        sent = client.publish(topic, json.dumps(body).encode(), qos=1, retain=True)
        deadline = time.monotonic() + timeout
        while not sent.is_published():
            if time.monotonic() > deadline:
                raise session.ConnectFailed("the broker did not acknowledge the alert")
            session.pump(client, 0.05)
    finally:
        client.disconnect()
    return topic
