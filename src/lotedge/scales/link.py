"""A scale's line: a serial port or a TCP connection through pyserial's `serial_for_url`
(``socket://host:port``), read a line at a time with a deadline.

A closed port or connection raises `ScaleGone` (an OSError), so a disconnect mid-weigh ends the
weighing with nothing recorded; a reply that does not come in time raises `ScaleTimeout`.
"""

from __future__ import annotations

import time

import serial

from lotedge.devices.kinds import Device
from lotedge.devices.schemes import serial_settings

#: The longest line a scale sends; a longer one is garbage and is dropped.
LONGEST_LINE = 256
_POLL = 0.05


class ScaleGone(OSError):
    """The port closed or the connection dropped."""


class ScaleTimeout(TimeoutError):
    """No complete line within the deadline."""


def port_url(device: Device) -> str:
    """What pyserial opens: the serial path or URL, or ``socket://host:port`` for tcp://."""
    if device.scheme.name == "tcp":
        host, port = device.address
        return f"socket://{host}:{port}"
    return str(device.address)


class ScaleLink:
    """One open line to a scale: `send` a command, `read_line` its reply (CR LF framed)."""

    def __init__(self, device: Device) -> None:
        self.description = port_url(device)
        settings = serial_settings(device.options) if device.scheme.name == "serial" else {}
        try:
            self._port = serial.serial_for_url(
                self.description,
                timeout=_POLL,
                exclusive=device.scheme.name == "serial",
                **settings,
            )
        except (serial.SerialException, ValueError) as exc:
            raise ScaleGone(f"cannot open {self.description}: {exc}") from exc
        self._buffer = bytearray()

    def send(self, command: str) -> None:
        """Write `command` with the CR LF MT-SICS ends commands with."""
        try:
            self._port.write(command.encode("ascii") + b"\r\n")
            self._port.flush()
        except (serial.SerialException, OSError) as exc:
            raise ScaleGone(f"{self.description}: {exc}") from exc

    def discard_input(self) -> None:
        """Forget what arrived unasked (a stale reply, stream lines before a fresh look)."""
        self._buffer.clear()
        try:
            self._port.reset_input_buffer()
        except (serial.SerialException, OSError) as exc:
            raise ScaleGone(f"{self.description}: {exc}") from exc

    def read_line(self, timeout: float) -> str:
        """The next non-empty line (without CR/LF); ScaleTimeout after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            line = self._take_line()
            if line is not None:
                return line
            if time.monotonic() > deadline:
                raise ScaleTimeout(f"{self.description}: no reply within {timeout:g} s")
            self._fill()

    def _take_line(self) -> str | None:
        while True:
            end = next((i for i, b in enumerate(self._buffer) if b in b"\r\n"), -1)
            if end < 0:
                if len(self._buffer) > LONGEST_LINE:
                    self._buffer.clear()
                return None
            raw = bytes(self._buffer[:end])
            del self._buffer[: end + 1]
            if raw.strip() and len(raw) <= LONGEST_LINE:
                return raw.decode("ascii", "replace")

    def _fill(self) -> None:
        try:
            chunk = self._port.read(max(1, self._port.in_waiting))
        except (serial.SerialException, OSError) as exc:
            raise ScaleGone(f"{self.description}: {exc}") from exc
        if not chunk and not self._port.is_open:
            raise ScaleGone(f"{self.description}: closed")
        self._buffer += chunk

    def close(self) -> None:
        self._port.close()
