"""Helpers the label tests share: decode a rendered label and read ZPL the way a printer does."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from pathlib import Path

import zplkit
import zxingcpp
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = REPO / "config" / "labels"
TEMPLATE = "lot_label.zpl.j2"
_FIXED = {"01": 14, "11": 6, "17": 6}
GS = "\x1d"


def png_of(zpl: bytes, dpi: int = 203) -> bytes:
    """Render one ZPL format to PNG with zplkit, as the simulator does."""
    doc = zplkit.render(zpl, zplkit.Options(dpi=dpi))
    assert len(doc.labels) == 1
    return doc.labels[0].png()


def decode(png: bytes) -> list[zxingcpp.Barcode]:
    """Every barcode zxing-cpp finds, keeping GS separators."""
    image = Image.open(io.BytesIO(png))
    return zxingcpp.read_barcodes(image, text_mode=zxingcpp.TextMode.Plain)


def parse_element_string(text: str) -> list[tuple[str, str]]:
    """Split a decoded GS1 element string into (AI, value) for the AIs our labels use."""
    out = []
    pos = 0
    while pos < len(text):
        ai = text[pos : pos + 2]
        if ai == "31":
            ai = text[pos : pos + 4]
        pos += len(ai)
        length = _FIXED.get(ai, 6 if ai.startswith("31") else None)
        if length is None:
            end = text.find(GS, pos)
            end = len(text) if end < 0 else end
            out.append((ai, text[pos:end]))
            pos = end + 1
        else:
            out.append((ai, text[pos : pos + length]))
            pos += length
    return out


def gs1_read(png: bytes) -> dict[str, list[tuple[str, str]]]:
    """GS1 symbols on a label by symbology identifier (]C1, ]d2); GS1-128 symbols joined."""
    found: dict[str, list[tuple[str, str]]] = {}
    for barcode in decode(png):
        if barcode.symbology_identifier in ("]C1", "]d2"):
            text = barcode.bytes.decode("utf-8")
            found.setdefault(barcode.symbology_identifier, []).extend(parse_element_string(text))
    return found


def field_texts(zpl: bytes) -> list[str]:
    """The text of every ^FD field after ^FH hex decoding, as the printer would print it."""
    fields = re.findall(rb"\^FH\^FD(.*?)\^FS", zpl, flags=re.S)
    return [
        re.sub(rb"_([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), f).decode("utf-8")
        for f in fields
    ]


def formats_in(zpl: bytes) -> int:
    """How many label formats (^XA...^XZ) zplkit renders from the bytes."""
    return len(zplkit.render(zpl, zplkit.Options(dpi=203)).labels)


def eventually(predicate: Callable[[], object], timeout: float = 10.0) -> None:
    """Wait (bounded) until `predicate()` is truthy; fails the test on timeout."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"condition not met within {timeout} s"
        time.sleep(0.01)


def escpos_images(data: bytes) -> list[Image.Image]:
    """The raster images (``GS v 0``) in an ESC/POS byte stream, as a printer would print them."""
    images = []
    for match in re.finditer(rb"\x1dv0(.)(..)(..)", data, flags=re.S):
        width_bytes = int.from_bytes(match.group(2), "little")
        height = int.from_bytes(match.group(3), "little")
        start = match.end()
        bits = data[start : start + width_bytes * height]
        image = Image.frombytes("1", (width_bytes * 8, height), bits)
        images.append(image.point(lambda v: 255 - v).convert("L"))
    return images
