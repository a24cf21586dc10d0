"""zxing-cpp: the default backend. Reads the AIM identifier, the GS1 flag, GS1 data as element
strings (raw bytes, GS as FNC1) and other text as zxing-cpp decodes it (its ECI and character
set handling: Shift_JIS, UTF-8 ... QR codes come out right)."""

from __future__ import annotations

import numpy as np
import zxingcpp

from lotedge.camera.detection import Detection
from lotedge.camera.formats import zxing_formats


class ZxingDecoder:
    """zxing-cpp restricted to the configured formats (faster and fewer false reads).

    Downscaled passes are off: in `bench/decode` they produced false EAN-13 reads with valid
    check digits at 1080p and cost time; the camera's own resolution is what is decoded.
    Inverted (light-on-dark) codes are looked for only with `try_invert` (its cost:
    docs/benchmarks.md#decode).
    """

    name = "zxing"

    def __init__(self, formats: list[str], try_invert: bool = False) -> None:
        self.formats = zxing_formats(formats)
        self.try_invert = try_invert

    def decode(self, gray: np.ndarray) -> list[Detection]:
        results = zxingcpp.read_barcodes(
            gray,
            formats=self.formats,
            text_mode=zxingcpp.TextMode.Plain,
            try_invert=self.try_invert,
            try_downscale=False,
        )
        return [detection(result) for result in results if result.valid]


def detection(result: zxingcpp.Barcode) -> Detection:
    """What the agent keeps of a zxing-cpp result."""
    gs1 = result.content_type == zxingcpp.ContentType.GS1
    return Detection(
        data=result.bytes if gs1 else result.text.encode("utf-8"),
        symbology=result.symbology_identifier or None,
        format=str(result.format),
        gs1=gs1,
    )


def create(formats: list[str], try_invert: bool = False) -> ZxingDecoder:
    """Backend factory used by `make_decoder`."""
    return ZxingDecoder(formats, try_invert)
