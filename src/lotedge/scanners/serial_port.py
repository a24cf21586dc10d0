"""Serial and USB-CDC scanners through pyserial's `serial_for_url` (so loop:// and spy:// work)."""

from __future__ import annotations

import threading

import serial

from lotedge.scanners.framing import Framing
from lotedge.scanners.stream import StreamSource
from lotedge.scanners.url import DeviceUrl, UrlError

FORM = "serial:///dev/ttyX?baud=N&parity=N|E|O&bytesize=8&stopbits=1&suffix=auto|CR|LF|CRLF&gs=C"
_READ_TIMEOUT = 0.2
_STOPBITS = {
    "1": serial.STOPBITS_ONE,
    "1.5": serial.STOPBITS_ONE_POINT_FIVE,
    "2": serial.STOPBITS_TWO,
}


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


def open_serial(name: str, url: DeviceUrl) -> StreamSource:
    """``serial:///dev/ttyACM0?baud=9600`` or ``serial://loop://``: a port path or pyserial URL."""
    with url.expecting(FORM):
        if not url.location:
            raise UrlError("no port given")
        options = url.options
        settings: dict[str, object] = {
            "baudrate": options.integer("baud", 9600),
            "parity": options.choice("parity", "N", ("N", "E", "O", "M", "S")),
            "bytesize": int(options.choice("bytesize", "8", ("5", "6", "7", "8"))),
            "stopbits": _STOPBITS[options.choice("stopbits", "1", tuple(_STOPBITS))],
        }
        framing = Framing.from_options(options)
    return StreamSource(name, SerialEndpoint(url.location, settings), framing)
