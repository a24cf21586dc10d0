"""One MQTT connection to the broker: paho client set up from `MqttConfig` (TLS, auth, will).

A new client is made for every connection, so paho keeps no messages of its own between
connections: what was not acknowledged is sent again from the outbox, in order. With MQTT 5 the
broker keeps the session (the command subscription and QoS 1 commands queued for us) for
`session_expiry_seconds` under the stable client id.

`make_client`, `tls_context` and `check` serve any `MqttConnection`: the trace store's
subscriber builds its client with them too.
"""

from __future__ import annotations

import contextlib
import errno
import select
import socket
import ssl
import time
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from lotedge.config.mqtt import BrokerConnection, MqttConfig, MqttConnection, TlsConfig

PROTOCOLS = {"5": MQTTProtocolVersion.MQTTv5, "3.1.1": MQTTProtocolVersion.MQTTv311}


class ConnectFailed(ConnectionError):
    """The broker did not accept the connection (CONNACK refused or never came)."""


def tls_context(tls: TlsConfig, base_dir: Path) -> ssl.SSLContext:
    """Verifying client context; the client certificate too for mutual TLS."""

    def path(name: str) -> str:
        full = base_dir / Path(name).expanduser()
        if not full.is_file():  # ssl's own error does not say which file
            raise FileNotFoundError(errno.ENOENT, "TLS file not found", str(full))
        return str(full)

    context = ssl.create_default_context(cafile=path(tls.ca_file) if tls.ca_file else None)
    if tls.cert_file and tls.key_file:
        context.load_cert_chain(path(tls.cert_file), path(tls.key_file))
    if not tls.verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def make_client(
    config: MqttConnection,
    *,
    client_id: str,
    protocol: MQTTProtocolVersion,
    base_dir: Path,
    **options: Any,
) -> mqtt.Client:
    """A paho client with the connection's TLS, credentials and connect timeout, not yet
    connected. `options` go to `mqtt.Client` (e.g. manual_ack). Raises OSError or ValueError
    when a certificate, key or password cannot be read."""
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=protocol,
        **options,
    )
    if config.tls.enabled:
        client.tls_set_context(tls_context(config.tls, base_dir))
    if config.username is not None:
        password = config.password.resolve() if config.password is not None else None
        client.username_pw_set(config.username, password)
    client.connect_timeout = config.connect_timeout_seconds
    return client


def check(config: BrokerConnection, base_dir: Path) -> None:
    """Read the password and the TLS files now (at start-up, not in a network thread).
    Raises OSError (ssl.SSLError included) or ValueError naming what is wrong."""
    if config.password is not None:
        config.password.resolve()
    if config.tls.enabled:
        tls_context(config.tls, base_dir)


def new_client(
    config: MqttConfig,
    *,
    client_id: str,
    protocol: MQTTProtocolVersion,
    will: tuple[str, bytes],
    base_dir: Path,
) -> mqtt.Client:
    """The publisher's client, not yet connected. `will` is (topic, payload), retained."""
    # MQTT 3.1.1 has no session expiry: a persistent session (clean_session false) lasts as
    # long as the broker's own limit (Mosquitto persistent_client_expiration, RabbitMQ
    # mqtt.subscription_ttl). session_expiry_seconds = 0 asks for a clean session on both.
    options: dict[str, Any] = {}
    if protocol != MQTTProtocolVersion.MQTTv5:
        options["clean_session"] = config.session_expiry_seconds == 0
    client = make_client(
        config,
        client_id=client_id,
        protocol=protocol,
        base_dir=base_dir,
        reconnect_on_failure=False,
        **options,
    )
    client.will_set(will[0], will[1], qos=1, retain=True)
    # No paho limit (nor paho queue): the publisher's own window keeps within the broker's.
    client.max_inflight_messages_set(0)
    client.on_socket_open = _no_delay
    return client


def _no_delay(_client: mqtt.Client, _userdata: object, sock: object) -> None:
    """Send each PUBLISH at once (no Nagle): one event should not wait for the previous ACK."""
    if isinstance(sock, socket.socket):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def connect(
    client: mqtt.Client, config: MqttConnection, endpoint: tuple[str, int] | None = None
) -> int:
    """Connect to `endpoint` (host, port; the config's first when None) and wait for a
    successful CONNACK, running paho's loop on this thread (the caller keeps running it with
    `pump`: no paho thread is started).

    Returns how many QoS 1 messages the broker accepts in flight (its MQTT 5 Receive Maximum;
    65535 when it sets none): the caller keeps within it. Raises OSError (refused, unreachable,
    TLS verification failed) or ConnectFailed. The caller replaces on_connect/on_disconnect;
    set on_message before: commands queued in the session may arrive with the CONNACK.
    """
    outcome: list[str] = []
    receive_maximum = [65535]

    def on_connect(_c: mqtt.Client, _u: object, _f: object, reason: object, props: object) -> None:
        outcome.append(str(reason))
        receive_maximum[0] = getattr(props, "ReceiveMaximum", receive_maximum[0])

    def on_disconnect(_c: mqtt.Client, _u: object, _f: object, reason: object, _p: object) -> None:
        outcome.append(f"disconnected: {reason}")

    client.on_connect = on_connect
    client.on_disconnect = on_disconnect
    kwargs: dict[str, Any] = {}
    if client.protocol == MQTTProtocolVersion.MQTTv5:
        # Outgoing messages never rely on the session (each connection is a new client and
        # resends from the outbox). The session keeps the command subscription, so QoS 1
        # commands sent while we were away are queued by the broker and delivered on reconnect.
        expiry = config.session_expiry_seconds
        kwargs["clean_start"] = expiry == 0
        if expiry:
            properties = Properties(PacketTypes.CONNECT)
            properties.SessionExpiryInterval = expiry
            kwargs["properties"] = properties
    host, port = endpoint or config.endpoints[0]
    client.connect(host, port, config.keepalive, **kwargs)
    deadline = time.monotonic() + config.connect_timeout_seconds
    while not outcome and time.monotonic() < deadline and client.socket() is not None:
        pump(client, 0.05)
    if not client.is_connected():
        client.disconnect()
        reason = outcome[0] if outcome else "no CONNACK"
        raise ConnectFailed(f"broker {host}:{port} refused: {reason}")
    return receive_maximum[0]


def pump(client: mqtt.Client, timeout: float, wake: socket.socket | None = None) -> None:
    """One turn of paho's network loop, run by the caller's thread: wait until the broker
    socket (or `wake`) is readable or `timeout` passes, then read (callbacks run here), write
    and keep alive. Unlike `client.loop()`, it makes paho no wake-up socket to signal on every
    publish."""
    sock = client.socket()
    if sock is None:
        return
    pending = sock.pending() if isinstance(sock, ssl.SSLSocket) else 0  # decrypted, unread
    reads = [sock] if wake is None else [sock, wake]
    writes = [sock] if client.want_write() else []
    try:
        readable, _, _ = select.select(reads, writes, [], 0 if pending else timeout)
    except (OSError, ValueError):  # the socket was closed under us: connection lost
        return
    if wake is not None and wake in readable:
        with contextlib.suppress(BlockingIOError):
            wake.recv(4096)
    if (sock in readable or pending) and client.loop_read() != mqtt.MQTT_ERR_SUCCESS:
        return
    if client.want_write():
        client.loop_write()
    client.loop_misc()
