"""What a decoder backend finds in a frame, and how backends are chosen."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class Detection:
    """One barcode read from a frame."""

    data: bytes
    """GS1 codes: the element strings with GS separators (no brackets); other codes: their
    text as UTF-8 (zxing-cpp decodes ECI and character sets; zbar: its bytes)."""
    symbology: str | None
    """AIM symbology identifier such as ``]d2`` (GS1 DataMatrix), None if the backend has none."""
    format: str
    """The backend's name for the format, for logs and benchmarks."""
    gs1: bool | None = None
    """True when the symbol carries FNC1 in first position (GS1 data); None when the backend
    cannot tell (zbar, OpenCV)."""


class Decoder(Protocol):
    """A barcode decoding backend for grayscale frames."""

    name: str

    def decode(self, gray: np.ndarray) -> list[Detection]:
        """All codes of the configured formats found in an 8-bit grayscale image."""
        ...


#: backend -> (module, install hint if its library is missing)
BACKENDS: dict[str, tuple[str, str]] = {
    "zxing": ("lotedge.camera.zxing_backend", "pip install zxing-cpp"),
    "zbar": (
        "lotedge.camera.zbar_backend",
        "pip install 'lotedge[zbar]' and the system library (apt-get install libzbar0)",
    ),
    "opencv": ("lotedge.camera.opencv_backend", "pip install opencv-python-headless"),
}


class BackendUnavailable(RuntimeError):
    """A configured backend whose library is not installed; the message says how to install it."""


def make_decoder(backend: str, formats: list[str], try_invert: bool = False) -> Decoder:
    """A decoder for `formats` (zxing-cpp names, e.g. DataMatrix, Code128, EAN13, QRCode);
    `try_invert` also looks for light-on-dark codes (zxing-cpp only)."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown decoder backend {backend!r}; known: {', '.join(BACKENDS)}")
    module_name, hint = BACKENDS[backend]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise BackendUnavailable(
            f"decoder backend {backend!r} needs {exc.name}, which is not usable here: {hint}"
        ) from None
    if try_invert:
        return module.create(formats, try_invert=True)
    return module.create(formats)
