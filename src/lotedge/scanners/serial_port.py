"""Serial and USB-CDC scanners through pyserial's `serial_for_url` (so loop:// and spy:// work)."""

from __future__ import annotations

import threading

import serial

from lotedge.devices.kinds import Device, Probe
from lotedge.devices.schemes import serial_settings
from lotedge.scanners.framing import Framing
from lotedge.scanners.stream import StreamSource

_READ_TIMEOUT = 0.2


class SerialStream:
    """An open port; a vanished device (USB unplug, pty closed) raises SerialException (OSError)."""

    def __init__(self, port: serial.SerialBase) -> None:
        self._port = port

    def read(self) -> bytes:
        return self._port.read(max(1, self._port.in_waiting))

    def close(self) -> None:
        self._port.close()


class SerialEndpoint:
    """A port by path or pyserial URL, opened exclusively with the given line settings."""

    def __init__(self, port: str, settings: dict[str, object]) -> None:
        self.port = port
        self.settings = settings
        self.description = port

    def connect(self, stop: threading.Event) -> SerialStream:
        return SerialStream(
            serial.serial_for_url(self.port, timeout=_READ_TIMEOUT, exclusive=True, **self.settings)
        )

    def close(self) -> None:
        """Nothing is kept between connections."""


def open_serial(name: str, device: Device) -> StreamSource:
    """``serial:///dev/ttyACM0?baud=9600`` or ``serial://loop://``: a port path or pyserial URL."""
    endpoint = SerialEndpoint(device.address, serial_settings(device.options))
    return StreamSource(name, endpoint, Framing.of(device))


def probe_serial(device: Device, timeout: float) -> Probe:
    """Open the port and close it again."""
    try:
        serial.serial_for_url(device.address, timeout=0).close()
    except (serial.SerialException, OSError, ValueError) as exc:
        return Probe(
            "fail", f"cannot open {device.address}: {exc}", "plugged in? user in the dialout group?"
        )
    return Probe("ok", f"{device.address} opens")
