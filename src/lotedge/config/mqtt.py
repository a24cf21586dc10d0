"""MQTT and outbox sections (owned by the publishing work; see docs/architecture.md)."""

from __future__ import annotations

from pydantic import Field

from lotedge.config.base import Section


class MqttConfig(Section):
    """Connection to the broker that carries events to the trace store."""

    host: str = Field(default="127.0.0.1", description="Broker host name.")
    port: int = Field(default=1883, ge=1, le=65535, description="Broker port.")
    topic_prefix: str = Field(default="lotedge/v1", description="Prefix of every topic.")
