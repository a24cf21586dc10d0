"""`lotedge label test-sheet`: the scanner test sheet as a PNG page, its codes made by
zxing-cpp's writer (so what a scanner should read is what was encoded), laid out with Pillow."""

from __future__ import annotations

from pathlib import Path

import zxingcpp
from PIL import Image, ImageDraw, ImageFont

from lotedge.scanners.test_sheet import SHEET, SheetCode

#: A4 at 200 dpi.
PAGE = (1654, 2339)
MARGIN = 110
_MODULE_PX = {"Code128": 4, "DataMatrix": 14, "QRCode": 9}


def symbol(code: SheetCode) -> zxingcpp.Barcode:
    """The code as zxing-cpp encodes it."""
    return zxingcpp.create_barcode(
        code.content, zxingcpp.barcode_format_from_str(code.format), gs1=code.gs1
    )


def render() -> Image.Image:
    """The sheet: a title, how to use it, and the four codes with their titles."""
    page = Image.new("L", PAGE, 255)
    draw = ImageDraw.Draw(page)
    title, body = ImageFont.load_default(size=52), ImageFont.load_default(size=30)
    draw.text((MARGIN, MARGIN), "lotedge scanner test sheet", font=title, fill=0)
    draw.text(
        (MARGIN, MARGIN + 80),
        "Run 'lotedge scanner test -c CONFIG', then scan each code once with each scanner.",
        font=body,
        fill=0,
    )
    top = MARGIN + 190
    height = (PAGE[1] - top - MARGIN) // len(SHEET)
    for index, code in enumerate(SHEET):
        y = top + index * height
        draw.text((MARGIN, y), f"{code.number}. {code.title}", font=body, fill=0)
        draw.text((MARGIN, y + 40), _caption(code), font=body, fill=80)
        image = symbol(code).to_image(scale=_MODULE_PX[code.format])
        picture = Image.fromarray(image, "L") if not isinstance(image, Image.Image) else image
        page.paste(picture, (MARGIN, y + 95))
    return page


def write(path: str | Path) -> Path:
    """Render the sheet to `path` (PNG)."""
    target = Path(path)
    render().save(target, format="PNG")
    return target


def _caption(code: SheetCode) -> str:
    return code.content if len(code.content) <= 80 else code.content[:77] + "..."
