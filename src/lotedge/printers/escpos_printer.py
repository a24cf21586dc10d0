"""ESC/POS printers through python-escpos: ``escpos+tcp://host[:port]``,
``escpos+serial:///dev/ttyUSB0[?baud=N]``, ``escpos+usb://<vendor>:<product>`` (hex ids).

Health comes from the real-time status queries (``DLE EOT 1`` online, ``DLE EOT 4`` paper); a
printer that does not answer counts as faulted (set ``check_status = false`` for printers without
a back channel).
"""

from __future__ import annotations

from urllib.parse import SplitResult, parse_qs

from escpos.escpos import Escpos
from escpos.exceptions import Error as EscposError

from lotedge.printers.transport import Health, PrinterError, PrinterTransport, PrinterUrlError


class EscposTransport(PrinterTransport):
    """An opened python-escpos printer; `send` writes raw ESC/POS bytes."""

    def __init__(self, device: Escpos, where: str) -> None:
        self.where = where
        self._device = device
        try:
            device.open()
        except (EscposError, OSError) as exc:
            raise PrinterError(f"cannot open ESC/POS printer {where}: {exc}") from None

    def send(self, data: bytes) -> None:
        try:
            self._device._raw(data)
        except (EscposError, OSError) as exc:
            raise PrinterError(f"write to ESC/POS printer {self.where} failed: {exc}") from None

    def health(self, timeout: float) -> Health:
        try:
            online = self._device.is_online()
            paper = self._device.paper_status()
        except (EscposError, OSError):
            return Health(("no_answer",))
        faults = ([] if online else ["offline"]) + (["paper_out"] if paper == 0 else [])
        return Health(tuple(faults))

    def close(self) -> None:
        self._device.close()


def open_url(parts: SplitResult, timeout: float) -> EscposTransport:
    kind = parts.scheme.partition("+")[2]
    query = parse_qs(parts.query)
    if kind == "tcp":
        from escpos.printer import Network

        if not parts.hostname:
            raise PrinterUrlError("host is missing")
        try:
            port = parts.port or 9100
        except ValueError as exc:
            raise PrinterUrlError(str(exc)) from None
        return EscposTransport(Network(parts.hostname, port, timeout=timeout), parts.netloc)
    if kind == "serial":
        from escpos.printer import Serial

        if not parts.path:
            raise PrinterUrlError("device path is missing")
        try:
            baudrate = int(query.get("baud", ["9600"])[0])
        except ValueError:
            raise PrinterUrlError("baud must be a number") from None
        return EscposTransport(Serial(parts.path, baudrate, timeout=timeout), parts.path)
    from escpos.printer import Usb

    if not Usb.is_usable():
        raise PrinterError("escpos+usb:// needs pyusb: pip install 'python-escpos[usb]'")
    try:
        vendor, product = (int(part, 16) for part in parts.netloc.split(":"))
    except ValueError:
        raise PrinterUrlError("vendor and product ids must be hex, like 04b8:0202") from None
    usb_timeout = int(timeout * 1000)
    return EscposTransport(Usb(vendor, product, timeout=usb_timeout), parts.netloc)
