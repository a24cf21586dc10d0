"""The lot label for ESC/POS printers: the same fields and barcodes as the ZPL label.

Text goes through python-escpos (code pages, sizes); the barcodes are drawn by zxing-cpp's
writer in GS1 mode and sent as raster images (``GS v 0``), which every ESC/POS printer prints,
unlike the native GS1-128 / Data Matrix commands that vary by model. Control characters in text
are shown as ``\\xNN`` so no field can inject ESC/POS commands.
"""

from __future__ import annotations

import re

import numpy as np
import zxingcpp
from escpos.printer import Dummy
from PIL import Image

from lotedge.core.labels import LabelData, LabelError, digital_link, gs1_elements

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def inert(text: str) -> str:
    r"""Text with control characters shown literally: ``a\x1bb`` -> ``a\\x1Bb``.

    >>> inert("A\x1b@B")
    'A\\x1B@B'
    """
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02X}", text)


def _symbol(content: str, symbology: zxingcpp.BarcodeFormat, scale: int, gs1: bool) -> Image.Image:
    try:
        barcode = zxingcpp.create_barcode(content, symbology, gs1=gs1)
    except (ValueError, RuntimeError) as exc:
        raise LabelError(f"cannot encode {content!r} as {symbology.name}: {exc}") from None
    return Image.fromarray(np.array(zxingcpp.write_barcode_to_image(barcode, scale=scale)))


def _bracketed(elements: list[tuple[str, str]]) -> str:
    """GS1 data in the writer's ``[AI]value`` syntax (brackets are not valid in AI values)."""
    for ai, value in elements:
        if "[" in value or "]" in value:
            raise LabelError(f"AI ({ai}) value {value!r} contains a bracket, which GS1 forbids")
    return "".join(f"[{ai}]{value}" for ai, value in elements)


def render_escpos(data: LabelData, profile: str, digital_link_base: str | None) -> bytes:
    """The label as ESC/POS bytes for a printer of the given python-escpos `profile`."""
    elements = gs1_elements(data)
    printer = Dummy(profile=profile)
    printer.hw("INIT")
    printer.set(bold=True, double_height=True, double_width=True)
    printer.textln(inert(data.product_name))
    printer.set_with_default()
    printer.textln(inert(f"Product {data.product_code}   GTIN {data.gtin}"))
    printer.textln("LOT")
    printer.set(bold=True, double_height=True, double_width=True)
    printer.textln(inert(data.lot))
    printer.set_with_default()
    lines = [
        f"Qty {data.quantity} {data.unit_text}",
        f"Produced {data.produced}   Expiry {data.expiry}",
        f"Site {data.site}   Line {data.line}",
        f"Operator {data.operator}",
    ]
    for line in lines:
        printer.textln(inert(line))
    for part in (elements[:3], elements[3:]):
        printer.image(_symbol(_bracketed(part), zxingcpp.BarcodeFormat.Code128, 2, True))
        printer.textln("".join(f"({ai}){value}" for ai, value in part))
    printer.image(_symbol(_bracketed(elements), zxingcpp.BarcodeFormat.DataMatrix, 6, True))
    if digital_link_base:
        link = digital_link(digital_link_base, data)
        printer.image(_symbol(link, zxingcpp.BarcodeFormat.QRCode, 4, False))
    printer.cut()
    return printer.output
