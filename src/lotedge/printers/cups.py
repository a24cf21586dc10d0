"""A raw CUPS queue through the ``zebra`` package: ``cups://<queue>``."""

from __future__ import annotations

from lotedge.devices.kinds import Device
from lotedge.printers.transport import Health, PrinterError, PrinterTransport

try:
    import zebra
except ImportError:  # optional: pip install 'lotedge[cups]'
    zebra = None  # type: ignore[assignment]


class CupsTransport(PrinterTransport):
    """Submits each job with ``lpr -o raw`` to a CUPS queue. CUPS gives no printer status, and
    the zebra package does not check lpr's exit status: only a missing ``lpr`` is an error."""

    def __init__(self, queue: str) -> None:
        if zebra is None:
            raise PrinterError(
                "cups:// printers need the zebra package: pip install 'lotedge[cups]'"
            )
        self.queue = queue
        self._printer = zebra.Zebra(queue)

    def send(self, data: bytes) -> None:
        try:
            self._printer.output(data)
        except OSError as exc:
            raise PrinterError(f"cannot submit to CUPS queue {self.queue}: {exc}") from None

    def health(self, timeout: float) -> Health:
        return Health(checked=False)


def open_device(device: Device, timeout: float) -> CupsTransport:
    """``cups://<queue>``."""
    return CupsTransport(device.address)
