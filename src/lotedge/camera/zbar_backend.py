"""pyzbar (zbar), optional: for sites standardised on it, and for comparison.

What zbar cannot do: no DataMatrix (nor Aztec, MaxiCode), and no GS1 flag or AIM identifier: a
GS1-128 reads as its element strings with no way to tell it from plain Code 128, so the AIM
identifier is inferred only for EAN/UPC (``]E0``). Needs the system library (libzbar0).
"""

from __future__ import annotations

import numpy as np
from pyzbar import pyzbar

from lotedge.camera.detection import Detection
from lotedge.camera.formats import ZBAR_SYMBOLS, not_for_zbar

_EAN = {"EAN13", "EAN8", "UPCA", "UPCE"}


class ZbarDecoder:
    """zbar restricted to the configured formats it supports."""

    name = "zbar"

    def __init__(self, formats: list[str]) -> None:
        if problem := not_for_zbar(formats):
            raise ValueError(problem)
        self.symbols = [pyzbar.ZBarSymbol[ZBAR_SYMBOLS[f]] for f in formats]

    def decode(self, gray: np.ndarray) -> list[Detection]:
        return [
            Detection(
                data=found.data,
                symbology="]E0" if found.type in _EAN else None,
                format=found.type,
            )
            for found in pyzbar.decode(gray, symbols=self.symbols)
        ]


def create(formats: list[str]) -> ZbarDecoder:
    """Backend factory used by `make_decoder`."""
    return ZbarDecoder(formats)
