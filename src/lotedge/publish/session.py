"""One MQTT connection to the broker: paho client set up from `MqttConfig` (TLS, auth, will).

A new client is made for every connection, so paho keeps no messages of its own between
connections: what was not acknowledged is sent again from the outbox, in order.
"""

from __future__ import annotations

import socket
import ssl
import threading
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from lotedge.config.mqtt import MqttConfig, TlsConfig

PROTOCOLS = {"5": MQTTProtocolVersion.MQTTv5, "3.1.1": MQTTProtocolVersion.MQTTv311}


class ConnectFailed(ConnectionError):
    """The broker did not accept the connection (CONNACK refused or never came)."""


def tls_context(tls: TlsConfig, base_dir: Path) -> ssl.SSLContext:
    """Verifying client context; the client certificate too for mutual TLS."""

    def path(name: str) -> str:
        return str(base_dir / Path(name).expanduser())

    context = ssl.create_default_context(cafile=path(tls.ca_file) if tls.ca_file else None)
    if tls.cert_file and tls.key_file:
        context.load_cert_chain(path(tls.cert_file), path(tls.key_file))
    if not tls.verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def new_client(
    config: MqttConfig,
    *,
    client_id: str,
    protocol: MQTTProtocolVersion,
    will: tuple[str, bytes],
    base_dir: Path,
    max_inflight: int,
) -> mqtt.Client:
    """A configured paho client, not yet connected. `will` is (topic, payload), retained."""
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=protocol,
        reconnect_on_failure=False,
    )
    if config.tls.enabled:
        client.tls_set_context(tls_context(config.tls, base_dir))
    if config.username is not None:
        password = config.password.resolve() if config.password is not None else None
        client.username_pw_set(config.username, password)
    client.will_set(will[0], will[1], qos=1, retain=True)
    client.connect_timeout = config.connect_timeout_seconds
    client.max_inflight_messages_set(max_inflight)
    client.on_socket_open = _no_delay
    return client


def _no_delay(_client: mqtt.Client, _userdata: object, sock: object) -> None:
    """Send each PUBLISH at once (no Nagle): one event should not wait for the previous ACK."""
    if isinstance(sock, socket.socket):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def connect(client: mqtt.Client, config: MqttConfig) -> None:
    """Connect, start paho's network thread and wait for a successful CONNACK.

    Raises OSError (refused, unreachable, TLS verification failed) or ConnectFailed; on
    failure the client is left stopped. The caller replaces on_connect/on_disconnect after.
    """
    accepted = threading.Event()
    outcome: list[str] = []

    def on_connect(_c: mqtt.Client, _u: object, _f: object, reason: object, _p: object) -> None:
        outcome.append(str(reason))
        accepted.set()

    def on_disconnect(_c: mqtt.Client, _u: object, _f: object, reason: object, _p: object) -> None:
        outcome.append(f"disconnected: {reason}")
        accepted.set()

    client.on_connect = on_connect
    client.on_disconnect = on_disconnect
    kwargs = {"clean_start": True} if client.protocol == MQTTProtocolVersion.MQTTv5 else {}
    client.connect(config.host, config.effective_port, config.keepalive, **kwargs)
    client.loop_start()
    accepted.wait(config.connect_timeout_seconds)
    if not client.is_connected():
        client.loop_stop()
        client.disconnect()
        reason = outcome[0] if outcome else "no CONNACK"
        raise ConnectFailed(f"broker {config.host}:{config.effective_port} refused: {reason}")
