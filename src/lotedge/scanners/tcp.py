"""Fixed-mount readers over TCP: we connect to the reader (client) or it connects to us (server)."""

from __future__ import annotations

import socket
import threading

from lotedge.devices.kinds import Device, Probe
from lotedge.scanners.framing import Framing
from lotedge.scanners.stream import StreamSource

_READ_TIMEOUT = 0.2


class SocketStream:
    """A connected socket; the peer closing or resetting raises ConnectionError (an OSError)."""

    def __init__(self, sock: socket.socket) -> None:
        sock.settimeout(_READ_TIMEOUT)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)  # notice dead readers
        self._sock = sock

    def read(self) -> bytes:
        try:
            data = self._sock.recv(4096)
        except TimeoutError:
            return b""
        if not data:
            raise ConnectionError("the reader closed the connection")
        return data

    def close(self) -> None:
        self._sock.close()


class TcpClientEndpoint:
    """Connects out to a reader's TCP server."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.address = (host, port)
        self.timeout = timeout
        self.description = f"tcp://{host}:{port}"

    def connect(self, stop: threading.Event) -> SocketStream:
        return SocketStream(socket.create_connection(self.address, timeout=self.timeout))

    def close(self) -> None:
        """Nothing is kept between connections."""


class TcpListenEndpoint:
    """Listens for a reader to connect; serves one reader connection at a time."""

    def __init__(self, host: str, port: int) -> None:
        self.address = (host, port)
        self.description = f"tcp-listen://{host}:{port}"
        self._server: socket.socket | None = None

    def connect(self, stop: threading.Event) -> SocketStream | None:
        if self._server is None:
            self._server = socket.create_server(self.address)
            self._server.settimeout(_READ_TIMEOUT)
        while not stop.is_set():
            try:
                conn, _peer = self._server.accept()
            except TimeoutError:
                continue
            return SocketStream(conn)
        return None

    def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None


def open_tcp_client(name: str, device: Device) -> StreamSource:
    """``tcp://reader.local:4001``: connect to the reader, reconnecting with backoff."""
    host, port = device.address
    endpoint = TcpClientEndpoint(host, port, device.options["timeout"])
    return StreamSource(name, endpoint, Framing.of(device))


def open_tcp_listen(name: str, device: Device) -> StreamSource:
    """``tcp-listen://0.0.0.0:4001``: accept the reader's connection, again after each loss."""
    host, port = device.address
    return StreamSource(name, TcpListenEndpoint(host, port), Framing.of(device))


def probe_tcp_client(device: Device, timeout: float) -> Probe:
    """Connect to the reader once."""
    host, port = device.address
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        return Probe(
            "fail",
            f"cannot connect to {host}:{port}: {exc.strerror or exc}",
            "reader powered and on the network? right port?",
        )
    return Probe("ok", f"reader answers at {host}:{port}")


def probe_tcp_listen(device: Device, timeout: float) -> Probe:
    """Nothing to reach: the reader connects to the agent."""
    host, port = device.address
    return Probe("ok", f"waits for the reader on {host}:{port}")
