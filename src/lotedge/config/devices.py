"""Scanner and camera sections (owned by the devices work; see docs/architecture.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from lotedge.masterdata.section import Section

#: Formats a line usually needs (zxing-cpp names); fewer formats decode faster.
DEFAULT_FORMATS = ["DataMatrix", "QRCode", "Code128", "EAN13", "EAN8", "UPCA", "ITF", "DataBar"]


class ScannerConfig(Section):
    """One barcode scanner, addressed by URL (serial://, tcp://, tcp-listen://, hid://, stdin://)."""

    name: str = Field(min_length=1, description="Name used in logs, decisions and metrics.")
    url: str = Field(
        min_length=1,
        description=(
            "Device URL with options in the query, e.g. serial:///dev/ttyACM0?baud=9600&suffix=CR, "
            "tcp://reader:4001, hid:///dev/input/by-id/usb-X-event-kbd?layout=us. "
            "See docs/devices.md."
        ),
    )


class CameraConfig(Section):
    """One camera reading barcodes from frames."""

    name: str = Field(min_length=1, description="Name used in logs, decisions and metrics.")
    url: str = Field(
        min_length=1,
        description="camera://0, camera:///dev/video0, file:///path.avi, rtsp:// or http:// URL.",
    )
    formats: list[str] = Field(
        default_factory=lambda: list(DEFAULT_FORMATS),
        min_length=1,
        description="Barcode formats to decode (zxing-cpp names, e.g. DataMatrix, Code128, EAN13).",
    )
    backend: Literal["zxing", "zbar"] = Field(
        default="zxing",
        description="Decoder: zxing (zxing-cpp) or zbar (pyzbar; no DataMatrix, no GS1 flag).",
    )
    dedupe_seconds: float = Field(
        default=2.0,
        ge=0,
        description="Seconds a code must be out of sight before it counts as a new scan.",
    )
    max_fps: float = Field(
        default=0.0, ge=0, description="Decode at most this many frames per second; 0 = no limit."
    )
