"""A directory as a printer: ``dir:///var/spool/lotedge``. Each job becomes one ``.zpl`` file
named after its lot and print job (``26339L10001-job12.zpl``), written under a temporary name
and renamed, so a reader never sees half a job."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from lotedge.devices.kinds import Device
from lotedge.printers.transport import Health, PrinterError, PrinterTransport

#: Characters kept in a spool file's name; a lot may hold others (GS1 AI 10 allows / and more).
_SAFE = re.compile(r"[^A-Za-z0-9._-]")


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
        self._write(data, f"{time.time_ns()}-{os.getpid()}")

    def send_job(self, data: bytes, lot: str, job_id: int) -> str:
        """The job as ``<lot>-job<id>.zpl`` (characters a file name cannot hold as ``_``)."""
        return self._write(data, f"{_SAFE.sub('_', lot)}-job{job_id}")

    def _write(self, data: bytes, name: str) -> str:
        """Write `data` as `name` + suffix (a name already there gets a time stamp); returns the
        file's name."""
        if (self.directory / f"{name}{self.suffix}").exists():
            name = f"{name}-{time.time_ns()}"
        tmp = self.directory / f".{name}.tmp"
        try:
            with tmp.open("wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            tmp.rename(self.directory / f"{name}{self.suffix}")
        except OSError as exc:
            raise PrinterError(f"cannot write to spool directory {self.directory}: {exc}") from None
        return f"{name}{self.suffix}"

    def health(self, timeout: float) -> Health:
        return Health(checked=False)


def open_device(device: Device, timeout: float) -> DirectoryTransport:
    """``dir:///absolute/directory``."""
    return DirectoryTransport(Path(device.address))
