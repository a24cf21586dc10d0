"""MQTT and outbox sections (owned by the publishing work; see docs/publishing.md)."""

from __future__ import annotations

import re
from typing import ClassVar, Literal, Self

from pydantic import Field, field_validator, model_validator

from lotedge.config.base import SecretRef, is_loopback
from lotedge.masterdata.section import Section
from lotedge.wire.topics import DEFAULT_PREFIX

#: 'host', 'host:port', '[v6 address]:port'.
_ENDPOINT = re.compile(
    r"(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<host>[^\s:/\[\]]+))(?::(?P<port>\d{1,5}))?"
)


class TlsConfig(Section):
    """TLS to the broker. On by default, with the server's certificate verified."""

    enabled: bool = Field(default=True, description="Use TLS. Off only for a loopback broker.")
    ca_file: str | None = Field(
        default=None,
        description="CA bundle (PEM) the broker's certificate must chain to; "
        "the system CAs when unset.",
    )
    cert_file: str | None = Field(
        default=None, description="Client certificate (PEM) for mutual TLS; needs key_file."
    )
    key_file: str | None = Field(default=None, description="Private key (PEM) of cert_file.")
    verify: bool = Field(
        default=True,
        description="Verify the broker's certificate and host name. Turn off only to debug.",
    )

    @model_validator(mode="after")
    def _pair(self) -> TlsConfig:
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("give both cert_file and key_file for mutual TLS, or neither")
        return self


class OutboxConfig(Section):
    """How the publisher drains the outbox. Nothing is ever dropped; the cap only alerts."""

    window: int = Field(
        default=256,
        ge=1,
        le=65535,
        description="Messages sent but not yet acknowledged (PUBACK); lowered to fit the "
        "broker's Receive Maximum.",
    )
    cap: int = Field(
        default=500_000, ge=1, description="Outbox depth considered full (alert, never drop)."
    )
    warn_ratio: float = Field(
        default=0.8, gt=0, le=1, description="Raise the outbox alert at this fraction of cap."
    )
    poll_seconds: float = Field(
        default=0.2, gt=0, le=10, description="Check for new rows at least this often."
    )
    flush_seconds: float = Field(
        default=2.0,
        ge=0,
        le=60,
        description="On stop, keep draining (when connected) until the outbox is empty or "
        "this time is up; what is left is sent after the next start.",
    )


class BrokerConnection(Section):
    """How to reach a broker (or the nodes of a cluster): TLS, credentials, timeouts. MQTT
    (`MqttConnection`) and the store's AMQP consumer ([store.amqp]) build on it."""

    #: The TOML table of the subclass, for messages.
    table: ClassVar[str] = "mqtt"
    #: The default port with TLS and without.
    default_ports: ClassVar[tuple[int, int]] = (8883, 1883)

    host: str = Field(default="127.0.0.1", description="Broker host name.")
    port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="Broker port; MQTT: 8883 with TLS, else 1883 (AMQP: 5671, 5672).",
    )
    failover_hosts: list[str] = Field(
        default_factory=list,
        description="More brokers of the same cluster, 'host' or 'host:port' (port as above "
        "when left out), tried in turn after `host` when a connection fails or is lost.",
    )
    connect_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Give up a connection attempt without an answer after this."
    )
    tls: TlsConfig = Field(default_factory=TlsConfig)
    username: str | None = Field(default=None, description="User name, if the broker wants one.")
    password: SecretRef | None = Field(
        default=None, description="Password from {env = NAME} or {file = PATH}."
    )
    allow_plain_tcp: bool = Field(
        default=False,
        description="Allow a connection without TLS to a broker that is not on this machine.",
    )
    reconnect_min_seconds: float = Field(
        default=0.5, gt=0, description="First reconnect delay; doubles up to the max."
    )
    reconnect_max_seconds: float = Field(default=60.0, gt=0, description="Longest reconnect delay.")
    session_expiry_seconds: int = Field(
        default=0, ge=0, le=2**32 - 1, description="MQTT 5: how long the broker keeps the session."
    )

    @field_validator("failover_hosts")
    @classmethod
    def _host_and_port(cls, hosts: list[str]) -> list[str]:
        for entry in hosts:
            match = _ENDPOINT.fullmatch(entry)
            if not match or not 1 <= int(match["port"] or 1) <= 65535:
                raise ValueError(f"{entry!r} is not 'host' or 'host:port' (IPv6 as '[::1]:1883')")
        return hosts

    @model_validator(mode="after")
    def _plain_tcp(self) -> Self:
        remote = [host for host, _ in self.endpoints if not is_loopback(host)]
        if not self.tls.enabled and not self.allow_plain_tcp and remote:
            raise ValueError(
                f"plain TCP to {remote[0]} would send events and passwords unencrypted; "
                f"enable [{self.table}.tls] or set allow_plain_tcp = true"
            )
        if self.password is not None and self.username is None:
            raise ValueError("password is set but username is not")
        return self

    @property
    def effective_port(self) -> int:
        """The port to connect to."""
        if self.port is not None:
            return self.port
        return self.default_ports[0] if self.tls.enabled else self.default_ports[1]

    @property
    def endpoints(self) -> list[tuple[str, int]]:
        """(host, port) of `host`, then of each of `failover_hosts`, in the order tried."""
        found = [(self.host, self.effective_port)]
        for entry in self.failover_hosts:
            match = _ENDPOINT.fullmatch(entry)
            assert match is not None  # checked by the validator
            port = match["port"]
            found.append((match["v6"] or match["host"], int(port) if port else found[0][1]))
        return found


class MqttConnection(BrokerConnection):
    """An MQTT broker: shared by the agent's publisher ([mqtt], `MqttConfig`) and the trace
    store's subscriber ([store.mqtt], `StoreMqttConfig`)."""

    protocol: Literal["auto", "5", "3.1.1"] = Field(
        default="auto", description="MQTT version; 'auto' tries 5, then falls back to 3.1.1."
    )
    keepalive: int = Field(default=30, ge=5, le=3600, description="Keepalive in seconds.")


class MqttConfig(MqttConnection):
    """Connection to the broker that carries events to the trace store."""

    topic_prefix: str = Field(
        default=DEFAULT_PREFIX,
        pattern=r"^[^+#]+$",
        description="Prefix of every topic: {prefix}/{site}/{line}/...",
    )
    client_id: str | None = Field(
        default=None, description="MQTT client id; lotedge-{site}-{line}-{device_id} when unset."
    )
    session_expiry_seconds: int = Field(
        default=600,
        ge=0,
        le=2**32 - 1,
        description="MQTT 5: the broker keeps the command subscription this long after a "
        "disconnect and queues QoS 1 commands sent meanwhile (delivered on reconnect). "
        "0: clean start, commands sent while offline are lost (the caller retries). "
        "MQTT 3.1.1 has no expiry: any other value asks for a persistent session "
        "(clean_session false) that lasts as long as the broker keeps it.",
    )
    status_seconds: float = Field(
        default=30.0, gt=0, description="How often the retained status is refreshed."
    )
    outbox: OutboxConfig = Field(default_factory=OutboxConfig)
