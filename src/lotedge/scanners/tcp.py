"""Fixed-mount readers over TCP: we connect to the reader (client) or it connects to us (server)."""

from __future__ import annotations

import socket
import threading

from lotedge.scanners.framing import Framing
from lotedge.scanners.stream import StreamSource
from lotedge.scanners.url import DeviceUrl

CLIENT_FORM = "tcp://host:port?suffix=auto|CR|LF|CRLF&gs=C&timeout=SECONDS"
LISTEN_FORM = "tcp-listen://address:port?suffix=auto|CR|LF|CRLF&gs=C"
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


def open_tcp_client(name: str, url: DeviceUrl) -> StreamSource:
    """``tcp://reader.local:4001``: connect to the reader, reconnecting with backoff."""
    with url.expecting(CLIENT_FORM):
        host, port = url.host_port()
        timeout = url.options.number("timeout", 5.0)
        framing = Framing.from_options(url.options)
    return StreamSource(name, TcpClientEndpoint(host, port, timeout), framing)


def open_tcp_listen(name: str, url: DeviceUrl) -> StreamSource:
    """``tcp-listen://0.0.0.0:4001``: accept the reader's connection, again after each loss."""
    with url.expecting(LISTEN_FORM):
        host, port = url.host_port()
        framing = Framing.from_options(url.options)
    return StreamSource(name, TcpListenEndpoint(host, port), framing)
