"""The scanner test sheet: four codes of known content that show what a scanner sends.

Each GS1 code carries a lot followed by an expiry, so exactly one separator (GS) is needed, after
the lot; the lot holds characters that keyboard layouts type differently (``y``/``z``, ``-``,
``_``), so a wedge typing in the wrong layout shows; the serial number (21) tells the codes
apart. The GTIN is GS1's example GTIN, which no site's master data holds, so a scan of the sheet
at a running line is refused as an unknown material and changes nothing.

>>> [code.aim + code.lead for code in SHEET][:1]
[']C1010950600013435210Zy-1.5_Q']
>>> SHEET[0].sent()
']C1010950600013435210Zy-1.5_Q\\x1d17271231211'
"""

from __future__ import annotations

from dataclasses import dataclass

GS = "\x1d"
GTIN = "09506000134352"
LOT = "Zy-1.5_Q"
EXPIRY = "271231"


@dataclass(frozen=True)
class SheetCode:
    """One code of the sheet."""

    number: int
    title: str
    format: str
    """zxing-cpp's name of the format."""
    content: str
    """What the writer encodes: bracketed AIs (a GS1 symbol) or the text."""
    gs1: bool
    aim: str
    """The AIM identifier a scanner set to send it should send."""
    lead: str
    """The data up to the separator (a Digital Link: all of it)."""
    trail: str
    """The data after the separator (empty for a Digital Link: it needs none)."""

    def sent(self, separator: str = GS, aim: bool = True) -> str:
        """What a scanner sends for this code (without the suffix), the separator as given."""
        data = self.lead + (separator + self.trail if self.trail else "")
        return (self.aim if aim else "") + data


def _gs1(number: int, title: str, format: str, aim: str) -> SheetCode:
    return SheetCode(
        number,
        title,
        format,
        f"(01){GTIN}(10){LOT}(17){EXPIRY}(21){number}",
        True,
        aim,
        f"01{GTIN}10{LOT}",
        f"17{EXPIRY}21{number}",
    )


_LINK = f"https://id.gs1.org/01/{GTIN}/10/{LOT}/21/4?17={EXPIRY}"
SHEET = (
    _gs1(1, "GS1-128", "Code128", "]C1"),
    _gs1(2, "GS1 DataMatrix", "DataMatrix", "]d2"),
    _gs1(3, "GS1 QR Code", "QRCode", "]Q3"),
    SheetCode(4, "GS1 Digital Link (QR)", "QRCode", _LINK, False, "]Q1", _LINK, ""),
)
