"""Cutting a byte stream into scans by a suffix, and turning a scanner's stand-in for GS (a
text token, or Alt+029 arrived as digits) back into GS (0x1D).

A frame longer than `MAX_SCAN_BYTES` is discarded up to and including the next suffix, so no
part of it becomes a scan; it is logged once and counted (`Framer.discarded`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from lotedge.core.scan import split_aim
from lotedge.core.separators import restore_alt029
from lotedge.devices.kinds import Device

log = logging.getLogger(__name__)

GS = b"\x1d"
MAX_SCAN_BYTES = 4096


@dataclass(frozen=True)
class Framing:
    """How a device ends scans and what it sends in place of GS."""

    suffix: bytes = b""
    """Bytes that end a scan; empty means CR or LF (any combination)."""
    gs_substitute: bytes = b""
    """Text the scanner sends instead of GS (e.g. ``~`` or ``<GS>``); empty when GS arrives."""
    alt029: bool = False
    """GS typed as Alt+029 arrives as the digits 029 (or 0029) between fields."""

    @classmethod
    def of(cls, device: Device) -> Framing:
        """The framing a scanner URL's ``suffix=``, ``gs=`` and ``alt029=`` options ask for."""
        options = device.options
        return cls(options["suffix"], options["gs"], options["alt029"])

    def restore(self, scan: bytes) -> bytes:
        """A framed scan with the scanner's stand-ins for GS made GS again."""
        if self.gs_substitute:
            scan = scan.replace(self.gs_substitute, GS)
        if self.alt029:
            body, aim = split_aim(scan.decode("latin-1"), None)
            prefix = aim or ""
            scan = (prefix + restore_alt029(body)).encode("latin-1")
        return scan


class Framer:
    """Accumulates chunks and yields complete scans (suffix removed, GS restored)."""

    def __init__(self, framing: Framing, who: str = "scanner") -> None:
        self._framing = framing
        self._who = who
        self._buffer = bytearray()
        self._discarding = False
        self.discarded = 0
        """Over-long frames discarded so far."""

    def feed(self, chunk: bytes) -> list[bytes]:
        """Add bytes; return the scans they complete, CR/LF trimmed; empty scans are skipped."""
        self._buffer += chunk
        scans: list[bytes] = []
        while (end := self._find_end()) is not None:
            stop, length = end
            frame = bytes(self._buffer[:stop])
            del self._buffer[: stop + length]
            if self._discarding:  # the end of an over-long frame
                self._discarding = False
                continue
            if len(frame) > MAX_SCAN_BYTES:
                self._discard(len(frame))
                self._discarding = False
                continue
            scan = self._framing.restore(frame).strip(b"\r\n")  # CRLF framed by CR leaves LF
            if scan:
                scans.append(scan)
        if len(self._buffer) > MAX_SCAN_BYTES:
            if not self._discarding:
                self._discard(len(self._buffer))
            self._buffer.clear()
        return scans

    @property
    def pending(self) -> bytes:
        """Bytes received since the last complete scan (lost if the link drops now); nothing
        while an over-long frame is being discarded."""
        return b"" if self._discarding else bytes(self._buffer)

    def _discard(self, size: int) -> None:
        self.discarded += 1
        self._discarding = True
        log.warning(
            "%s: a frame of more than %d bytes (%d so far) without a scan suffix: discarding "
            "it up to the next suffix; check the scanner's suffix setting",
            self._who,
            MAX_SCAN_BYTES,
            size,
        )

    def _find_end(self) -> tuple[int, int] | None:
        if self._framing.suffix:
            index = self._buffer.find(self._framing.suffix)
            return None if index < 0 else (index, len(self._framing.suffix))
        ends = [i for i in (self._buffer.find(b"\r"), self._buffer.find(b"\n")) if i >= 0]
        return (min(ends), 1) if ends else None
