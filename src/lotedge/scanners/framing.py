"""Cutting a byte stream into scans by a suffix, and mapping a GS substitute back to GS (0x1D)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from lotedge.devices.kinds import Device

log = logging.getLogger(__name__)

GS = b"\x1d"
MAX_SCAN_BYTES = 4096


@dataclass(frozen=True)
class Framing:
    """How a device ends scans and which character stands in for GS."""

    suffix: bytes = b""
    """Bytes that end a scan; empty means CR or LF (any combination)."""
    gs_substitute: bytes = b""
    """A byte the scanner sends instead of GS (e.g. ``~``); empty when GS arrives as 0x1D."""

    @classmethod
    def of(cls, device: Device) -> Framing:
        """The framing a scanner URL's ``suffix=`` and ``gs=`` options ask for."""
        return cls(device.options["suffix"], device.options["gs"])


class Framer:
    """Accumulates chunks and yields complete scans (suffix removed, GS restored)."""

    def __init__(self, framing: Framing) -> None:
        self._framing = framing
        self._buffer = bytearray()

    def feed(self, chunk: bytes) -> list[bytes]:
        """Add bytes; return the scans they complete, CR/LF trimmed; empty scans are skipped."""
        self._buffer += chunk
        scans: list[bytes] = []
        while (end := self._find_end()) is not None:
            stop, length = end
            scan = bytes(self._buffer[:stop])
            del self._buffer[: stop + length]
            if self._framing.gs_substitute:
                scan = scan.replace(self._framing.gs_substitute, GS)
            scan = scan.strip(b"\r\n")  # a CRLF scanner framed by CR leaves LF in front
            if scan:
                scans.append(scan)
        if len(self._buffer) > MAX_SCAN_BYTES:
            log.warning("discarding %d bytes without a scan suffix", len(self._buffer))
            self._buffer.clear()
        return scans

    @property
    def pending(self) -> bytes:
        """Bytes received since the last complete scan (lost if the link drops now)."""
        return bytes(self._buffer)

    def _find_end(self) -> tuple[int, int] | None:
        if self._framing.suffix:
            index = self._buffer.find(self._framing.suffix)
            return None if index < 0 else (index, len(self._framing.suffix))
        ends = [i for i in (self._buffer.find(b"\r"), self._buffer.find(b"\n")) if i >= 0]
        return (min(ends), 1) if ends else None
