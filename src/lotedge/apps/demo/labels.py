"""Reading the demo's printed labels back, as a scanner would."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import zxingcpp
from PIL import Image

from lotedge.core.scan import RawScan, parse_scan


def label_scan(png: Path) -> str | None:
    """The GS1 DataMatrix of a rendered label as a scanner sends it (AIM prefix, GS
    separators), decoded with zxing-cpp."""
    image = Image.open(png)
    for barcode in zxingcpp.read_barcodes(image, text_mode=zxingcpp.TextMode.Plain):
        if barcode.symbology_identifier == "]d2":
            return barcode.symbology_identifier + barcode.bytes.decode("ascii")
    return None


def label_lot(png: Path) -> str | None:
    """The lot (AI 10) in the GS1 DataMatrix of a rendered label, read as a scanner would."""
    scan = label_scan(png)
    return scan_lot(scan) if scan else None


def scan_lot(scan: str) -> str | None:
    """The lot (AI 10) of a GS1 scan (the element string alone: no master data needed)."""
    return parse_scan(RawScan(scan.encode(), "label"), [], "#LE:").elements.get("10")


def output_lots(queries: Any, lots: list[tuple[str, str, str]]) -> list[str]:
    found = []
    for _, lot, _ in lots:
        if queries.find_lots(lot):
            found.append(lot)
    return found
