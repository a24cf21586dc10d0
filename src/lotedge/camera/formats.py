"""Barcode format names (zxing-cpp's) and what each decoder backend reads, checked before a
camera opens so `lotedge config check` catches a misspelt format. Imports zxing-cpp only."""

from __future__ import annotations

import zxingcpp

from lotedge.devices.kinds import Device
from lotedge.devices.url import UrlError

#: zxing-cpp format names -> zbar symbol names; zbar cannot read the others (no DataMatrix).
ZBAR_SYMBOLS = {
    "QRCode": "QRCODE",
    "Code128": "CODE128",
    "Code39": "CODE39",
    "Code93": "CODE93",
    "EAN13": "EAN13",
    "EAN8": "EAN8",
    "UPCA": "UPCA",
    "UPCE": "UPCE",
    "ITF": "I25",
    "DataBar": "DATABAR",
    "DataBarExp": "DATABAR_EXP",
    "Codabar": "CODABAR",
    "PDF417": "PDF417",
}


def zxing_formats(formats: list[str]) -> zxingcpp.BarcodeFormats:
    """zxing-cpp formats from names; raises ValueError naming an unknown one."""
    try:
        return zxingcpp.barcode_formats_from_str(",".join(formats))
    except Exception as exc:  # nanobind raises a plain ValueError/RuntimeError with its own text
        raise ValueError(f"unknown barcode format in {formats}: {exc}") from None


def not_for_zbar(formats: list[str]) -> str:
    """Why zbar cannot decode `formats`, or empty when it can."""
    unsupported = [f for f in formats if f not in ZBAR_SYMBOLS]
    if not unsupported:
        return ""
    return (
        f"zbar cannot read {', '.join(unsupported)}; use backend 'zxing' "
        f"(zbar reads {', '.join(ZBAR_SYMBOLS)})"
    )


def check_formats(device: Device) -> None:
    """The camera's formats are known, and its backend reads them (the registry's check)."""
    formats: list[str] = device.options["formats"]
    try:
        zxing_formats(formats)
    except ValueError as exc:
        raise UrlError(str(exc), option="formats") from None
    if device.options["backend"] == "zbar" and (problem := not_for_zbar(formats)):
        raise UrlError(problem, option="formats")
    if device.options["backend"] == "zbar" and device.options["try_invert"]:
        problem = "zbar cannot read light-on-dark codes; use backend 'zxing'"
        raise UrlError(problem, option="try_invert")
