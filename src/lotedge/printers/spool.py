"""A directory as a printer: ``dir:///var/spool/lotedge``. Each job becomes one ``.zpl`` file,
written under a temporary name and renamed, so a reader never sees half a job."""

from __future__ import annotations

import os
import time
from pathlib import Path

from lotedge.devices.kinds import Device
from lotedge.printers.transport import Health, PrinterError, PrinterTransport


class DirectoryTransport(PrinterTransport):
    """Writes each `send` to a new file in `directory` (created when missing)."""

    def __init__(self, directory: Path, suffix: str = ".zpl") -> None:
        self.directory = directory
        self.suffix = suffix
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PrinterError(f"cannot create spool directory {directory}: {exc}") from None

    def send(self, data: bytes) -> None:
        name = f"{time.time_ns()}-{os.getpid()}"
        tmp = self.directory / f".{name}.tmp"
        try:
            with tmp.open("wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            tmp.rename(self.directory / f"{name}{self.suffix}")
        except OSError as exc:
            raise PrinterError(f"cannot write to spool directory {self.directory}: {exc}") from None

    def health(self, timeout: float) -> Health:
        return Health(checked=False)


def open_device(device: Device, timeout: float) -> DirectoryTransport:
    """``dir:///absolute/directory``."""
    return DirectoryTransport(Path(device.address))
