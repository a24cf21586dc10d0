"""Scanner and camera sections (owned by the devices work; see docs/architecture.md)."""

from __future__ import annotations

from pydantic import Field

from lotedge.config.base import Section


class ScannerConfig(Section):
    """One barcode scanner, addressed by URL (serial://, tcp://, tcp-listen://, hid://, stdin://)."""

    name: str = Field(min_length=1, description="Name used in logs, decisions and metrics.")
    url: str = Field(min_length=1, description="Device URL, e.g. serial:///dev/ttyACM0?baud=9600.")


class CameraConfig(Section):
    """One camera reading barcodes from frames."""

    name: str = Field(min_length=1, description="Name used in logs, decisions and metrics.")
    url: str = Field(min_length=1, description="camera://0, /dev/video0, file path, rtsp:// or http://.")
