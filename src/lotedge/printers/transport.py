"""The printer transport interface, health checks, and opening a printer by URL.

A transport is one open connection to a printer: ``send`` writes label bytes, ``query`` writes a
request and reads the reply (where the medium has a back channel). ``open_printer(url)`` picks
the implementation by URL scheme through the device registry (`lotedge.devices.schemes`); each
lives in its own small module, imported on first use so a missing optional dependency only
matters to the scheme that needs it.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType

from lotedge.devices.kinds import Device, Probe
from lotedge.devices.registry import opener, resolve
from lotedge.printers.status import HOST_STATUS, host_status_complete, parse_host_status


class PrinterError(OSError):
    """The printer could not be reached, written to, or did not answer."""


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

    def send_job(self, data: bytes, lot: str, job_id: int) -> str | None:
        """Send one print job (of lot `lot`); returns where it went when the medium names it (a
        spool file), else None."""
        self.send(data)
        return None

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


def open_printer(url: str, timeout: float = 5.0) -> PrinterTransport:
    """Open the transport for a printer URL; raises UrlError (a ValueError) or PrinterError."""
    device = resolve(url, "printer")
    transport: PrinterTransport = opener(device)(device, timeout)
    return transport


def probe_printer(device: Device, timeout: float) -> Probe:
    """Connect and ask the printer's health (every printer scheme's probe)."""
    try:
        with opener(device)(device, timeout) as transport:
            health = transport.health(timeout)
    except (PrinterError, OSError, ValueError) as exc:
        return Probe("fail", f"{device.url}: {exc}", "powered on? cable or network? right URL?")
    if not health.checked:
        return Probe("ok", f"{device.url} reachable (no status channel)")
    if health.ready:
        return Probe("ok", f"{device.url} ready")
    hint = "check the printer: " + {
        "no_answer": "it does not answer ~HS; powered on? right port?",
    }.get(health.faults[0], "clear the fault on the printer")
    return Probe("fail", f"{device.url}: {', '.join(health.faults)}", hint)
