"""Scanner and camera sections (owned by the devices work; see docs/architecture.md)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from lotedge.devices.schemes import DEFAULT_FORMATS
from lotedge.masterdata.section import Section


class ScannerConfig(Section):
    """One barcode scanner, addressed by URL (serial://, tcp://, tcp-listen://, hid://, stdin://)."""

    device_kind: ClassVar[str] = "scanner"

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

    device_kind: ClassVar[str] = "camera"

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
    try_invert: bool = Field(
        default=False,
        description="Also read light-on-dark (inverted) codes; costs decode time "
        "(docs/benchmarks.md#decode). zxing only.",
    )
