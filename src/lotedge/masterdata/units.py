"""Units of measure: UN/ECE Recommendation 20 codes, as EPCIS quantities (`uom`) and GS1 write
them. Common spellings that are not Rec 20 codes are refused with the code meant.

>>> rec20_unit("KGM")
'KGM'
>>> rec20_unit("KG")
Traceback (most recent call last):
...
ValueError: 'KG' is not a UN/ECE Rec 20 unit code: write KGM (kilogram)
"""

from __future__ import annotations

import re

_CODE = re.compile(r"^[A-Z0-9]{2,3}$")
#: What people write instead of a Rec 20 code, and the code (and its name) they mean.
NOT_REC20 = {
    "KG": ("KGM", "kilogram"),
    "KGS": ("KGM", "kilogram"),
    "KILO": ("KGM", "kilogram"),
    "G": ("GRM", "gram"),
    "GR": ("GRM", "gram"),
    "L": ("LTR", "litre"),
    "LT": ("LTR", "litre"),
    "ML": ("MLT", "millilitre"),
    "M": ("MTR", "metre"),
    "T": ("TNE", "tonne"),
    "TON": ("TNE", "tonne"),
    "LB": ("LBR", "pound"),
    "LBS": ("LBR", "pound"),
    "OZ": ("ONZ", "ounce"),
    "PCS": ("H87", "piece"),
    "PC": ("H87", "piece"),
    "ST": ("H87", "piece"),
    "STK": ("H87", "piece"),
}


def rec20_unit(value: str | None) -> str | None:
    """`value` when it can be a Rec 20 code (or None); ValueError naming the code meant."""
    if value is None:
        return None
    meant = NOT_REC20.get(value.upper())
    if meant is not None:
        raise ValueError(
            f"{value!r} is not a UN/ECE Rec 20 unit code: write {meant[0]} ({meant[1]})"
        )
    if not _CODE.match(value):
        raise ValueError(
            f"{value!r} is not a UN/ECE Rec 20 unit code (2 or 3 capitals or digits, e.g. KGM, "
            "LTR, H87)"
        )
    return value
