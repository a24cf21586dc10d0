"""Master data of the example bakery line that the shipped scan scripts and recordings use.

GTINs carry valid check digits (checked with biip): FLOUR 09501101530003, SUGAR 09501101530010.
YEAST has a non-GS1 vendor label ``YST-<lot>-<YYYYMMDD>`` (expiry date).
"""

from __future__ import annotations

from lotedge.config.masterdata import Material

COMMAND_PREFIX = "#LE:"
MATERIALS = [
    Material(code="FLOUR", name="Wheat flour T550", gtins=["09501101530003"], uom="KGM"),
    Material(code="SUGAR", name="Caster sugar", gtins=["09501101530010"], uom="KGM"),
    Material(
        code="YEAST",
        name="Fresh yeast",
        vendor="Hefe AG",
        vendor_pattern=r"YST-(?P<lot>[A-Z0-9]+)-(?P<expiry>\d{8})",
        expiry_format="%Y%m%d",
    ),
]
