"""Class identifiers of lots: LGTIN URNs, GS1 Digital Link URIs and lotedge's own URNs.

Every form of the same lot maps to one `key`, so a lot published as a Digital Link by one line
and as an LGTIN URN by another is one node of the genealogy.

>>> parse_class("urn:epc:class:lgtin:0614141.077777.A%2F1").key
'gs1:00614141777778:A/1'
>>> parse_class("https://id.gs1.org/01/00614141777778/10/A%2F1").key
'gs1:00614141777778:A/1'
>>> parse_class("urn:lotedge:class:PLANT1:SALT:L%2042").lot
'L 42'
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

_LGTIN = re.compile(r"^urn:epc:class:lgtin:(\d{6,12})\.(\d{1,7})\.(.+)$")
_DIGITAL_LINK = re.compile(r"^/(?:.*/)?01/(\d{14})/10/([^/?#]+)")
_LOTEDGE = re.compile(r"^urn:lotedge:class:([^:]+):([^:]+):(.+)$")


@dataclass(frozen=True)
class LotClass:
    """One lot (class-level identifier) as found in an event."""

    key: str
    """Canonical identity: `gs1:{gtin14}:{lot}`, `lotedge:{site}:{material}:{lot}` or the URI."""
    epc_class: str
    """The identifier as written in the event."""
    scheme: str
    """`gs1`, `lotedge` or `other`."""
    lot: str | None = None
    """Decoded lot number (None for identifiers that are not understood)."""
    gtin: str | None = None
    """GTIN-14 of GS1 lots."""
    site: str | None = None
    """Site of lotedge URNs."""
    material: str | None = None
    """Material code of lotedge URNs."""


@functools.lru_cache(maxsize=4096)
def gtin_check_digit(body: str) -> str:
    """The GS1 mod-10 check digit of a GTIN without its check digit.

    >>> gtin_check_digit("0061414177777")
    '8'
    """
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def normalize_gtin(value: str) -> str | None:
    """A GTIN-8/12/13/14 as GTIN-14, or None when it is not one (wrong length or check digit)."""
    digits = value.strip()
    if not digits.isdigit() or len(digits) not in (8, 12, 13, 14):
        return None
    gtin = digits.zfill(14)
    return gtin if gtin_check_digit(gtin[:-1]) == gtin[-1] else None


def parse_class(epc_class: str) -> LotClass:
    """Understand a class identifier; unknown forms become an opaque node keyed by the URI."""
    if match := _LGTIN.match(epc_class):
        company, item, lot = match.groups()
        if len(company) + len(item) == 13:
            body = item[0] + company + item[1:]
            return _gs1(epc_class, body + gtin_check_digit(body), unquote(lot))
    elif match := _LOTEDGE.match(epc_class):
        site, material, lot = (unquote(part) for part in match.groups())
        return LotClass(
            f"lotedge:{site}:{material}:{lot}",
            epc_class,
            "lotedge",
            lot,
            site=site,
            material=material,
        )
    elif epc_class.startswith(("https://", "http://")):
        match = _DIGITAL_LINK.match(urlsplit(epc_class).path)
        if match and normalize_gtin(match.group(1)):
            return _gs1(epc_class, match.group(1), unquote(match.group(2)))
    return LotClass(epc_class, epc_class, "other")


def _gs1(epc_class: str, gtin: str, lot: str) -> LotClass:
    return LotClass(gs1_key(gtin, lot), epc_class, "gs1", lot, gtin=gtin)


def gs1_key(gtin: str, lot: str) -> str:
    """The key of a GS1 lot given as GTIN (already normalized) and lot."""
    return f"gs1:{gtin}:{lot}"
