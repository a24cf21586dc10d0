"""Trace store section (owned by the trace-store work; see docs/architecture.md)."""

from __future__ import annotations

from typing import ClassVar, Self

from paho.mqtt.client import topic_matches_sub
from pydantic import Field, model_validator

from lotedge.config.base import SecretRef
from lotedge.config.mqtt import BrokerConnection, MqttConnection
from lotedge.masterdata.section import Section
from lotedge.wire import topics


class StoreMqttConfig(MqttConnection):
    """The broker the store subscribes to for events: the connection settings (TLS on by
    default, credentials, plain-TCP rule) are those of the agent's [mqtt]."""

    table: ClassVar[str] = "store.mqtt"

    topic_filter: str = Field(
        default=topics.every_line(topics.DEFAULT_PREFIX, topics.EVENTS),
        description="Topic filter of the agents' event topics.",
    )
    rejections_topic_filter: str = Field(
        default=topics.every_line(topics.DEFAULT_PREFIX, topics.REJECTIONS),
        description="Topic filter of the agents' rejected scans (for the vendor report); "
        "an empty string does not subscribe to them.",
    )
    shared_group: str = Field(
        default="lotedge-store",
        pattern=r"^[^/+#]*$",
        description="MQTT 5 shared-subscription group; stores in one group split the load. "
        "An empty string subscribes plainly (every store gets every event).",
    )
    client_id: str | None = Field(
        default=None,
        description="MQTT client id, unique per store instance and stable across its restarts "
        "(it names the persistent session holding what the broker sent this instance "
        "unacknowledged); lotedge-store-<host name> when unset.",
    )
    session_expiry_seconds: int = Field(
        default=7 * 24 * 3600,
        ge=0,
        description="How long the broker keeps a store's session while it is down. 0: a "
        "clean session, and Mosquitto drops what it had sent a killed store unacknowledged.",
    )

    short_dated_topic: str | None = Field(
        default=None,
        min_length=1,
        description="Topic of the store's retained short-dated stock alert (`lotedge store "
        "expiring --publish`). Unset: `{prefix}/store/alerts/short-dated`, the prefix being "
        "topic_filter's levels before its first wildcard (`lotedge/v1` by default). No "
        "wildcard, and matched by neither topic filter (the store would take it for an event).",
    )

    @property
    def topic_filters(self) -> list[str]:
        """Every filter the store subscribes to."""
        return [f for f in (self.topic_filter, self.rejections_topic_filter) if f]

    @property
    def short_dated_alert_topic(self) -> str:
        """`short_dated_topic`, or the one derived from `topic_filter`. ValueError when it has
        a wildcard or an empty level, or a topic filter matches it."""
        topic = self.short_dated_topic
        if topic is None:
            levels = [*self.topic_filter.split("/"), "#"]
            prefix = levels[: next(i for i, level in enumerate(levels) if level in ("+", "#"))]
            topic = "/".join([*prefix, "store", "alerts", "short-dated"])
        if any(c in topic for c in "+#\0") or "" in topic.split("/"):
            raise ValueError(f"short_dated_topic {topic!r}: no wildcard (+ #) nor empty level")
        for name in ("topic_filter", "rejections_topic_filter"):
            pattern = getattr(self, name)
            if pattern and topic_matches_sub(pattern, topic):
                raise ValueError(
                    f"the short-dated alert topic {topic!r} matches {name} {pattern!r}: the "
                    "store would take its own alert for a line's message; set "
                    "[store.mqtt] short_dated_topic"
                )
        return topic

    @model_validator(mode="after")
    def _alert_topic_apart(self) -> Self:
        """A topic set is checked at load (a derived one when an alert is published)."""
        if self.short_dated_topic is not None:
            _ = self.short_dated_alert_topic
        return self


class StoreAmqpConfig(BrokerConnection):
    """Consume the events from a RabbitMQ quorum queue over AMQP 0-9-1 instead of MQTT: the
    agents publish over MQTT to RabbitMQ's MQTT plugin, which routes them to `exchange`; every
    store instance consumes the one queue (competing consumers), acknowledging after commit.
    The topics bound are [store.mqtt]'s filters; holds and commands still go out over MQTT."""

    table: ClassVar[str] = "store.amqp"
    default_ports: ClassVar[tuple[int, int]] = (5671, 5672)

    virtual_host: str = Field(default="/", description="RabbitMQ virtual host.")
    exchange: str = Field(
        default="amq.topic",
        description="The topic exchange the MQTT plugin publishes to (its mqtt.exchange).",
    )
    queue: str = Field(
        default="lotedge-store",
        min_length=1,
        max_length=255,
        description="The quorum queue the store instances share; declared (durable, "
        "replicated) and bound to the event topics when missing.",
    )
    prefetch: int = Field(
        default=2000,
        ge=1,
        le=65535,
        description="Events delivered to an instance and not yet acknowledged (at least "
        "[store] batch_size, for full batches).",
    )
    heartbeat_seconds: int = Field(
        default=30, ge=0, le=600, description="AMQP heartbeat; 0 turns it off."
    )


class StoreApiConfig(Section):
    """The HTTP API: read-only answers under /v1/, the EPCIS 2.0 REST binding under /epcis/."""

    bind: str = Field(
        default="127.0.0.1:8470",
        pattern=r"^[^:]*:\d{1,5}$",
        description="host:port to listen on.",
    )
    token: SecretRef = Field(description="Bearer token clients must send (env or file).")
    capture_limit: int = Field(
        default=5000,
        ge=1,
        description="Most events in one EPCIS capture (POST /epcis/capture); more: 413.",
    )
    capture_file_size_limit: int = Field(
        default=64 * 1024 * 1024, ge=1024, description="Largest capture body in bytes."
    )
    page_limit: int = Field(
        default=1000, ge=1, le=10_000, description="Most events in one page of an EPCIS query."
    )


class StoreForwardConfig(Section):
    """Forward every stored event to another EPCIS 2.0 repository's capture interface."""

    table: ClassVar[str] = "store.forward"

    url: str = Field(
        pattern=r"^https?://[^\s/]+(/\S*)?$",
        description="Base URL of the peer's EPCIS REST binding; documents go to {url}/capture.",
    )
    token: SecretRef | None = Field(default=None, description="Bearer token the peer wants.")
    batch_size: int = Field(
        default=500,
        ge=1,
        le=10_000,
        description="Most events per document (fewer when the peer's capture limit is lower).",
    )
    ca_file: str | None = Field(
        default=None, description="CA bundle for an https peer (the system CAs when unset)."
    )
    retry_min_seconds: float = Field(default=1.0, gt=0, description="First wait after a failure.")
    retry_max_seconds: float = Field(
        default=300.0, gt=0, description="Longest wait between attempts (doubling up to it)."
    )
    poll_seconds: float = Field(
        default=0.5, gt=0, description="How often to look for new events, and at a capture job."
    )
    timeout_seconds: float = Field(default=30.0, gt=0, description="Per HTTP request.")


class StoreConfig(Section):
    """The central trace store: where events are persisted and queried."""

    database_url: str = Field(
        default="sqlite:///trace.db",
        description="sqlite:///path (relative to the config file) or postgresql://...; "
        "default: trace.db in the agent's state directory (a store-only file: beside it).",
    )
    schema_path: str | None = Field(
        default=None,
        description="EPCIS 2.0 JSON Schema file (relative to the config file). Without it the "
        "store checks events structurally only.",
    )
    batch_size: int = Field(
        default=500, ge=1, le=10_000, description="Most events written in one transaction."
    )
    mqtt: StoreMqttConfig = Field(default_factory=StoreMqttConfig)
    amqp: StoreAmqpConfig | None = Field(
        default=None,
        description="Consume events over AMQP from a RabbitMQ quorum queue; MQTT when absent.",
    )
    api: StoreApiConfig | None = Field(default=None, description="HTTP API; off when absent.")
    forward: StoreForwardConfig | None = Field(
        default=None, description="Forwarding to another EPCIS repository; off when absent."
    )
    signing_key: SecretRef | None = Field(
        default=None,
        description="The master key the store signs its commands to the lines with ({file = "
        "PATH} or {env = NAME}); each line gets its own key from 'lotedge store line-key'.",
    )
