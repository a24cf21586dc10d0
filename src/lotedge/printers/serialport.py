"""Serial printers through pyserial: ``serial:///dev/ttyUSB0?baud=9600`` and pyserial URLs
(``serial://loop://``, ``serial://socket://host:port``, ``serial://spy:///dev/ttyUSB0``)."""

from __future__ import annotations

from typing import Any

import serial

from lotedge.devices.kinds import Device
from lotedge.devices.schemes import serial_settings
from lotedge.printers.transport import PrinterError, PrinterTransport


class SerialTransport(PrinterTransport):
    """A serial port opened with ``serial.serial_for_url``."""

    def __init__(self, url: str, settings: dict[str, Any], timeout: float = 5.0) -> None:
        self.url = url
        try:
            self._port = serial.serial_for_url(
                url, timeout=timeout, write_timeout=timeout, **settings
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


def open_device(device: Device, timeout: float) -> SerialTransport:
    """``serial://<device or pyserial URL>?baud=N&parity=N&bytesize=8&stopbits=1``."""
    return SerialTransport(device.address, serial_settings(device.options), timeout)
