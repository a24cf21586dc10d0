"""The printer transport interface, health checks and the URL scheme registry.

A transport is one open connection to a printer: ``send`` writes label bytes, ``query`` writes a
request and reads the reply (where the medium has a back channel). ``open_printer(url)`` picks
the implementation by URL scheme; each lives in its own small module, imported on first use so a
missing optional dependency only matters to the scheme that needs it.
"""

from __future__ import annotations

import importlib
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import SplitResult, urlsplit

from lotedge.printers.status import HOST_STATUS, host_status_complete, parse_host_status


class PrinterError(OSError):
    """The printer could not be reached, written to, or did not answer."""


class PrinterUrlError(ValueError):
    """A printer URL that cannot be used; the message shows the expected form."""


@dataclass(frozen=True)
class Health:
    """The outcome of a health check."""

    #: Active faults (``paper_out``, ``head_open``, ``no_answer`` ...); empty means ready.
    faults: tuple[str, ...] = ()
    #: False when the transport has no back channel (dir://, cups://): assumed ready.
    checked: bool = True

    @property
    def ready(self) -> bool:
        return not self.faults


class PrinterTransport(ABC):
    """One open connection to a printer. Use as a context manager; ``close`` is idempotent."""

    @abstractmethod
    def send(self, data: bytes) -> None:
        """Write all of `data`; raises PrinterError when not every byte was accepted."""

    def read(self, timeout: float) -> bytes:
        """Bytes the printer sent (b"" when none arrived within `timeout`); no back channel here."""
        raise PrinterError(f"{type(self).__name__} cannot read replies from the printer")

    def query(
        self, request: bytes, timeout: float, complete: Callable[[bytes], bool] = bool
    ) -> bytes:
        """Send `request` and read until `complete(reply)`; raises PrinterError on timeout."""
        self.send(request)
        deadline = time.monotonic() + timeout
        reply = b""
        while not complete(reply):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PrinterError(f"no complete answer to {request!r} within {timeout:g} s")
            reply += self.read(remaining)
        return reply

    def health(self, timeout: float) -> Health:
        """Zebra host status (``~HS``); a printer that does not answer is faulted."""
        try:
            reply = self.query(HOST_STATUS, timeout, host_status_complete)
        except PrinterError:
            return Health(("no_answer",))
        try:
            return Health(parse_host_status(reply).faults)
        except ValueError:
            return Health(("bad_status_reply",))

    def close(self) -> None:  # noqa: B027 - transports without a connection have nothing to close
        """Release the connection."""

    def __enter__(self) -> PrinterTransport:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


#: scheme -> (module under lotedge.printers, the expected URL form shown in errors)
SCHEMES: dict[str, tuple[str, str]] = {
    "tcp": ("tcp", "tcp://<host>[:<port>] (port 9100 by default)"),
    "serial": (
        "serialport",
        "serial://<device>[?baud=<rate>], e.g. serial:///dev/ttyUSB0?baud=9600",
    ),
    "serial+loop": ("serialport", "serial+loop://"),
    "serial+socket": ("serialport", "serial+socket://<host>:<port>"),
    "serial+spy": ("serialport", "serial+spy://<device>[?baud=<rate>]"),
    "cups": ("cups", "cups://<queue> (a raw CUPS queue)"),
    "dir": ("spool", "dir://<absolute directory>, e.g. dir:///var/spool/lotedge"),
    "escpos+tcp": ("escpos_printer", "escpos+tcp://<host>[:<port>]"),
    "escpos+serial": ("escpos_printer", "escpos+serial://<device>[?baud=<rate>]"),
    "escpos+usb": (
        "escpos_printer",
        "escpos+usb://<vendor id hex>:<product id hex>, e.g. escpos+usb://04b8:0202",
    ),
}


def open_printer(url: str, timeout: float = 5.0) -> PrinterTransport:
    """Open the transport for a printer URL; raises PrinterUrlError or PrinterError."""
    parts = urlsplit(url)
    entry = SCHEMES.get(parts.scheme)
    if entry is None:
        known = ", ".join(f"{s}://" for s in SCHEMES)
        raise PrinterUrlError(f"unknown printer URL scheme in {url!r}; known: {known}")
    module_name, form = entry
    module = importlib.import_module(f"lotedge.printers.{module_name}")
    opener: Callable[[SplitResult, float], PrinterTransport] = module.open_url
    try:
        return opener(parts, timeout)
    except PrinterUrlError as exc:
        raise PrinterUrlError(f"expected {form!r}: {exc} (got {url!r})") from None
