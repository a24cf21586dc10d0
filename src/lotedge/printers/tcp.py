"""Raw TCP printers (Zebra port 9100): ``tcp://host[:port]``."""

from __future__ import annotations

import socket

from lotedge.devices.kinds import Device
from lotedge.printers.transport import PrinterError, PrinterTransport

DEFAULT_PORT = 9100


class TcpTransport(PrinterTransport):
    """A TCP connection to a printer, opened at construction."""

    def __init__(self, host: str, port: int = DEFAULT_PORT, timeout: float = 5.0) -> None:
        self.address = (host, port)
        self._timeout = timeout
        try:
            self._sock = socket.create_connection(self.address, timeout=timeout)
        except OSError as exc:
            raise PrinterError(f"cannot connect to printer {host}:{port}: {exc}") from None
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def send(self, data: bytes) -> None:
        try:
            self._sock.sendall(data)
        except OSError as exc:
            raise PrinterError(f"write to printer {self.address} failed: {exc}") from None

    def read(self, timeout: float) -> bytes:
        self._sock.settimeout(timeout)
        try:
            chunk = self._sock.recv(4096)
        except TimeoutError:
            return b""
        except OSError as exc:
            raise PrinterError(f"read from printer {self.address} failed: {exc}") from None
        finally:
            self._sock.settimeout(self._timeout)  # writes keep the full timeout
        if not chunk:
            raise PrinterError(f"printer {self.address} closed the connection")
        return chunk

    def close(self) -> None:
        self._sock.close()


def open_device(device: Device, timeout: float) -> TcpTransport:
    """``tcp://host[:port]`` (port 9100 unless given)."""
    host, port = device.address
    return TcpTransport(host, port, timeout)
