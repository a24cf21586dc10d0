"""ZPL field escaping and GS1 barcode field data. Pure: text in, ZPL-safe text out.

Every field is sent as ``^FH^FD<escaped>^FS`` with ``^CI28`` (UTF-8). ``escape`` turns each
character that could end the field or start a command into a ``^FH`` hex escape, so no data can
inject ZPL:

>>> escape("A^XZ~JR_é")
'A_5EXZ_7EJR_5F_C3_A9'

Barcode data is built in two layers: the symbology's own escaping first (Code 128 invocation
codes, the Data Matrix escape character), then ``escape`` like every other field.
"""

from __future__ import annotations

from collections.abc import Sequence

#: The ^FH hex indicator; ZPL's default, written explicitly by templates as ``^FH``.
HEX_INDICATOR = "_"
_SPECIAL = frozenset("^~" + HEX_INDICATOR)

#: Data Matrix escape character given as the 7th ^BX parameter (``^BXN,h,200,,,,@``).
DATAMATRIX_ESCAPE = "@"

#: A GS1 element string: (application identifier, value) pairs, variable-length ones last.
Elements = Sequence[tuple[str, str]]


def escape(text: str) -> str:
    """Escape a field value for ``^FH^FD``: ``^ ~ _``, control and non-ASCII as ``_XX`` hex."""
    out: list[str] = []
    for ch in text:
        code = ord(ch)
        if ch in _SPECIAL or code < 0x20 or code == 0x7F:
            out.append(f"{HEX_INDICATOR}{code:02X}")
        elif code > 0x7F:
            out.extend(f"{HEX_INDICATOR}{b:02X}" for b in ch.encode("utf-8"))
        else:
            out.append(ch)
    return "".join(out)


def _fixed(ai: str) -> bool:
    """AIs with a predefined length need no FNC1 after them: (00), (01), (02), (11), (15),
    (17), (310n)-(316n)."""
    return ai in ("00", "01", "02", "11", "15", "17") or (
        len(ai) == 4 and ai[:2] == "31" and ai[2] in "0123456"
    )


def gs1_128(elements: Elements) -> str:
    """^BC (mode N) field data: FNC1 start, digit pairs in subset C, the rest in B (back to C
    for a run of four or more digits, so long data such as a pallet's contents stays short).

    >>> gs1_128([("01", "09501101530003"), ("10", "A>1")])
    '>;>8010950110153000310>6A>01'
    >>> gs1_128([("10", "L100001")])
    '>;>810>6L>5100001'
    """
    out = [">;>8"]
    subset = "C"
    for index, (ai, value) in enumerate(elements):
        _check_code128(ai, value)
        data = ai + value
        pos = 0
        while pos < len(data):
            run = _digit_run(data, pos)
            if subset == "C" and run < 2:
                out.append(">6")
                subset = "B"
            elif subset == "B" and run >= 4 and run % 2 == 0:
                out.append(">5")
                subset = "C"
            if subset == "C":
                out.append(data[pos : pos + 2])
                pos += 2
            else:
                out.append(">0" if data[pos] == ">" else data[pos])  # ">0" is a literal ">"
                pos += 1
        if not _fixed(ai) and index < len(elements) - 1:
            out.append(">8")
    return "".join(out)


def gs1_128_modules(data: str) -> int:
    """The width in modules of a `gs1_128` symbol: 11 per symbol character (start, FNC1, code
    switch, a digit pair in C, a character in B, the check character) and 13 for the stop.

    >>> gs1_128_modules(">;>80109501101530003")  # start, FNC1, 8 pairs, check, stop
    134
    """
    symbols, pos, subset = 0, 0, "C"
    while pos < len(data):
        if data[pos] == ">":  # an invocation (">0" is a literal ">" in B)
            subset = {"6": "B", "5": "C"}.get(data[pos + 1], subset)
            pos += 2
        else:
            pos += 2 if subset == "C" else 1
        symbols += 1
    return (symbols + 1) * 11 + 13


def _digit_run(data: str, pos: int) -> int:
    """How many ASCII digits `data` has from `pos` on."""
    end = pos
    while end < len(data) and data[end] in "0123456789":
        end += 1
    return end - pos


def _check_code128(ai: str, value: str) -> None:
    bad = sorted({ch for ch in value if not 0x20 <= ord(ch) < 0x7F})
    if bad:
        raise ValueError(f"AI ({ai}) value {value!r} has characters Code 128 cannot carry: {bad}")


def gs1_datamatrix(elements: Elements) -> str:
    """^BX (quality 200, escape ``@``) field data: FNC1 first, FNC1 after variable-length AIs.

    >>> gs1_datamatrix([("10", "A@1"), ("17", "270101")])
    '@110A@@1@117270101'
    """
    fnc1 = DATAMATRIX_ESCAPE + "1"
    out = [fnc1]
    for index, (ai, value) in enumerate(elements):
        out.append((ai + value).replace(DATAMATRIX_ESCAPE, DATAMATRIX_ESCAPE * 2))
        if not _fixed(ai) and index < len(elements) - 1:
            out.append(fnc1)
    return "".join(out)


def check_fields(zpl: str) -> None:
    """Raise ValueError unless every ^FD in a rendered format is preceded by ^FH."""
    fields = zpl.count("^FD")
    escaped = zpl.count("^FH^FD")
    if fields != escaped:
        raise ValueError(
            f"{fields - escaped} of {fields} fields lack ^FH before ^FD; "
            "write every field as ^FH^FD{{ value }}^FS"
        )
