"""ESC/POS printers through python-escpos: ``escpos+tcp://host[:port]``,
``escpos+serial:///dev/ttyUSB0[?baud=N]``, ``escpos+usb://<vendor>:<product>`` (hex ids).

Health comes from the real-time status queries (``DLE EOT 1`` online, ``DLE EOT 4`` paper); a
printer that does not answer counts as faulted (set ``check_status = false`` for printers without
a back channel).
"""

from __future__ import annotations

from escpos.escpos import Escpos
from escpos.exceptions import Error as EscposError

from lotedge.devices.kinds import Device
from lotedge.devices.schemes import serial_settings
from lotedge.printers.transport import Health, PrinterError, PrinterTransport


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


def open_network(device: Device, timeout: float) -> EscposTransport:
    """``escpos+tcp://host[:port]``."""
    from escpos.printer import Network

    host, port = device.address
    return EscposTransport(Network(host, port, timeout=timeout), device.location)


def open_serial(device: Device, timeout: float) -> EscposTransport:
    """``escpos+serial:///dev/ttyS0?baud=N``."""
    from escpos.printer import Serial

    settings = serial_settings(device.options)
    return EscposTransport(Serial(device.address, timeout=timeout, **settings), device.address)


def open_usb(device: Device, timeout: float) -> EscposTransport:
    """``escpos+usb://<vendor>:<product>`` (hex ids)."""
    from escpos.printer import Usb

    if not Usb.is_usable():
        raise PrinterError("escpos+usb:// needs pyusb: pip install 'python-escpos[usb]'")
    vendor, product = device.address
    usb_timeout = int(timeout * 1000)
    return EscposTransport(Usb(vendor, product, timeout=usb_timeout), device.location)
