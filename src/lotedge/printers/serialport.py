"""Serial printers through pyserial: ``serial:///dev/ttyUSB0?baud=9600`` and pyserial URLs
(``serial+loop://``, ``serial+socket://host:port``, ``serial+spy:///dev/ttyUSB0``)."""

from __future__ import annotations

from urllib.parse import SplitResult, parse_qs

import serial

from lotedge.printers.transport import PrinterError, PrinterTransport, PrinterUrlError


class SerialTransport(PrinterTransport):
    """A serial port opened with ``serial.serial_for_url``."""

    def __init__(self, url: str, baudrate: int = 9600, timeout: float = 5.0) -> None:
        self.url = url
        try:
            self._port = serial.serial_for_url(
                url, baudrate=baudrate, timeout=timeout, write_timeout=timeout
            )
        except (serial.SerialException, ValueError) as exc:
            raise PrinterError(f"cannot open serial printer {url}: {exc}") from None

    def send(self, data: bytes) -> None:
        try:
            self._port.write(data)
            self._port.flush()
        except serial.SerialException as exc:
            raise PrinterError(f"write to serial printer {self.url} failed: {exc}") from None

    def read(self, timeout: float) -> bytes:
        self._port.timeout = timeout
        try:
            return self._port.read(max(1, self._port.in_waiting))
        except serial.SerialException as exc:
            raise PrinterError(f"read from serial printer {self.url} failed: {exc}") from None

    def close(self) -> None:
        self._port.close()


def open_url(parts: SplitResult, timeout: float) -> SerialTransport:
    query = parse_qs(parts.query)
    try:
        baudrate = int(query.pop("baud", ["9600"])[0])
    except ValueError:
        raise PrinterUrlError("baud must be a number") from None
    if query:
        raise PrinterUrlError(f"unknown parameters {sorted(query)}; only baud is known")
    inner = parts.scheme.partition("+")[2]
    if inner:
        url = f"{inner}://{parts.netloc}{parts.path}"
    elif parts.path:
        url = parts.path
    else:
        raise PrinterUrlError("device path is missing")
    return SerialTransport(url, baudrate, timeout)
