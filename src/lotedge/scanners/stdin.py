"""A keyboard-wedge scanner typing into the agent's own terminal (or any piped input)."""

from __future__ import annotations

import os
import select
import sys
import threading

from lotedge.devices.kinds import Device, Probe
from lotedge.scanners.framing import Framing
from lotedge.scanners.stream import StreamSource

_READ_TIMEOUT = 0.2


class FdStream:
    """Reads a descriptor with a short timeout; end of input raises ConnectionAbortedError."""

    def __init__(self, fd: int) -> None:
        self._fd = fd

    def read(self) -> bytes:
        ready, _, _ = select.select([self._fd], [], [], _READ_TIMEOUT)
        if not ready:
            return b""
        data = os.read(self._fd, 4096)
        if not data:
            raise ConnectionAbortedError("end of input")
        return data

    def close(self) -> None:
        """The descriptor belongs to the process; it stays open."""


class StdinEndpoint:
    """Standard input (or another descriptor). End of input is a loss, retried with backoff."""

    description = "stdin"

    def __init__(self, fd: int | None = None) -> None:
        self.fd = fd

    def connect(self, stop: threading.Event) -> FdStream:
        return FdStream(sys.stdin.fileno() if self.fd is None else self.fd)

    def close(self) -> None:
        """Nothing is kept between connections."""


def open_stdin(name: str, device: Device) -> StreamSource:
    """``stdin://``: one scan per line typed (or piped) into the agent."""
    return StreamSource(name, StdinEndpoint(), Framing.of(device))


def probe_stdin(device: Device, timeout: float) -> Probe:
    """Nothing to reach: the agent's own standard input."""
    return Probe("ok", "reads the agent's standard input")
