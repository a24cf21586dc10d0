"""Cutting a byte stream into scans by a suffix, and mapping a GS substitute back to GS (0x1D)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from lotedge.scanners.url import Options, UrlError

log = logging.getLogger(__name__)

GS = b"\x1d"
#: Named suffixes; the default, "auto", ends a scan at CR or LF so CR, LF and CRLF scanners work.
SUFFIXES: dict[str, bytes] = {"AUTO": b"", "CR": b"\r", "LF": b"\n", "CRLF": b"\r\n", "TAB": b"\t"}
MAX_SCAN_BYTES = 4096


@dataclass(frozen=True)
class Framing:
    """How a device ends scans and which character stands in for GS."""

    suffix: bytes = b""
    """Bytes that end a scan; empty means CR or LF (any combination)."""
    gs_substitute: bytes = b""
    """A byte the scanner sends instead of GS (e.g. ``~``); empty when GS arrives as 0x1D."""

    @classmethod
    def from_options(cls, options: Options, default_suffix: str = "auto") -> Framing:
        """Read ``suffix=`` (auto, CR, LF, CRLF, TAB or hex like 0x03) and ``gs=`` (one char)."""
        name = options.text("suffix", default_suffix)
        if name.upper() in SUFFIXES:
            suffix = SUFFIXES[name.upper()]
        else:
            try:
                suffix = bytes.fromhex(name.removeprefix("0x"))
            except ValueError:
                raise UrlError(
                    f"option suffix={name!r} must be auto, CR, LF, CRLF, TAB or hex like 0x03"
                ) from None
        gs = options.text("gs", "").encode()
        if len(gs) > 1:
            raise UrlError(f"option gs={gs.decode()!r} must be a single ASCII character")
        return cls(suffix, gs)


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
