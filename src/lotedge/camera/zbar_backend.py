"""pyzbar (zbar), optional: for sites standardised on it, and for comparison.

What zbar cannot do: no DataMatrix (nor Aztec, MaxiCode), and no GS1 flag or AIM identifier: a
GS1-128 reads as its element strings with no way to tell it from plain Code 128, so the AIM
identifier is inferred only for EAN/UPC (``]E0``). Needs the system library (libzbar0).
"""

from __future__ import annotations

import numpy as np
from pyzbar import pyzbar

from lotedge.camera.detection import Detection

#: zxing-cpp format names -> zbar symbol types; formats zbar lacks are refused.
ZBAR_TYPES = {
    "QRCode": pyzbar.ZBarSymbol.QRCODE,
    "Code128": pyzbar.ZBarSymbol.CODE128,
    "Code39": pyzbar.ZBarSymbol.CODE39,
    "Code93": pyzbar.ZBarSymbol.CODE93,
    "EAN13": pyzbar.ZBarSymbol.EAN13,
    "EAN8": pyzbar.ZBarSymbol.EAN8,
    "UPCA": pyzbar.ZBarSymbol.UPCA,
    "UPCE": pyzbar.ZBarSymbol.UPCE,
    "ITF": pyzbar.ZBarSymbol.I25,
    "DataBar": pyzbar.ZBarSymbol.DATABAR,
    "DataBarExp": pyzbar.ZBarSymbol.DATABAR_EXP,
    "Codabar": pyzbar.ZBarSymbol.CODABAR,
    "PDF417": pyzbar.ZBarSymbol.PDF417,
}
_EAN = {"EAN13", "EAN8", "UPCA", "UPCE"}


class ZbarDecoder:
    """zbar restricted to the configured formats it supports."""

    name = "zbar"

    def __init__(self, formats: list[str]) -> None:
        unsupported = [f for f in formats if f not in ZBAR_TYPES]
        if unsupported:
            raise ValueError(
                f"zbar cannot read {', '.join(unsupported)}; use backend 'zxing' "
                f"(zbar reads {', '.join(ZBAR_TYPES)})"
            )
        self.symbols = [ZBAR_TYPES[f] for f in formats]

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
