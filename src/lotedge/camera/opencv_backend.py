"""OpenCV's own detectors, for the benchmark: 1D EAN/UPC only (cv2.barcode), and plain QR.

OpenCV's QR decoder refuses FNC1 (GS1) symbols and has no DataMatrix or Code 128 reader, so it is
not offered for production configs; `bench/decode` uses it as a baseline.
"""

from __future__ import annotations

import cv2
import numpy as np

from lotedge.camera.detection import Detection

#: zxing-cpp format names -> the OpenCV type names cv2.barcode reports.
OPENCV_TYPES = {"EAN13": "EAN_13", "EAN8": "EAN_8", "UPCA": "UPC_A", "UPCE": "UPC_E"}


class OpenCvDecoder:
    """cv2.barcode.BarcodeDetector for EAN/UPC, cv2.QRCodeDetector for QR."""

    name = "opencv"

    def __init__(self, formats: list[str]) -> None:
        unsupported = [f for f in formats if f not in OPENCV_TYPES and f != "QRCode"]
        if unsupported:
            raise ValueError(f"OpenCV cannot read {', '.join(unsupported)}")
        self.types = {OPENCV_TYPES[f] for f in formats if f in OPENCV_TYPES}
        self.linear = cv2.barcode.BarcodeDetector() if self.types else None
        self.qr = cv2.QRCodeDetector() if "QRCode" in formats else None

    def decode(self, gray: np.ndarray) -> list[Detection]:
        found: list[Detection] = []
        if self.linear is not None:
            ok, texts, types, _points = self.linear.detectAndDecodeWithType(gray)
            if ok:
                found += [
                    Detection(text.encode(), "]E0", kind)
                    for text, kind in zip(texts, types, strict=True)
                    if text and kind in self.types
                ]
        if self.qr is not None:
            text, _points, _ = self.qr.detectAndDecode(gray)
            if text:
                found.append(Detection(text.encode(), "]Q1", "QR_CODE"))
        return found


def create(formats: list[str]) -> OpenCvDecoder:
    """Backend factory used by `make_decoder`."""
    return OpenCvDecoder(formats)
