"""Genealogy nodes: lots, and any other GS1-identified object (a serialised item, a logistic
unit, an asset ...): every identifier form of one object maps to one `key`.

The identifiers are read by the wire contract (`lotedge.wire.identifiers.parse_lot_class` for
lots, `lotedge.wire.epc.parse_epc` for the rest), so a lot published as a Digital Link by one
line and as an LGTIN URN by another is one node, and so is an SSCC written either way.

>>> parse_class("urn:epc:class:lgtin:0614141.077777.A%2F1").key
'gs1:00614141777778:A/1'
>>> parse_class("https://id.gs1.org/01/00614141777778/10/A%2F1").key
'gs1:00614141777778:A/1'
>>> parse_class("urn:lotedge:class:PLANT1:SALT:L%2042").lot
'L 42'
>>> parse_class("urn:epc:id:sscc:0614141.1234567890").key
'https://id.gs1.org/00/106141412345678908'
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from lotedge.wire.epc import parse_epc
from lotedge.wire.identifiers import GtinLot, OwnLot, parse_lot_class

_LOT_URNS = ("urn:epc:class:lgtin:", "urn:lotedge:")


@dataclass(frozen=True)
class LotClass:
    """One lot (class-level identifier) as found in an event."""

    key: str
    """Canonical identity: `gs1:{gtin14}:{lot}`, `lotedge:{site}:{material}:{lot}`, the
    canonical Digital Link of any other GS1 key, or the URI."""
    epc_class: str
    """The identifier as written in the event."""
    scheme: str
    """`gs1` (a GS1 lot), `lotedge` (a lot of a non-GS1 material), an EPC scheme (`sgtin`,
    `sscc`, `grai`, `gtin` for every instance of a GTIN ...) or `other`."""
    lot: str | None = None
    """Decoded lot number (None for identifiers that are not understood)."""
    gtin: str | None = None
    """GTIN-14 of GS1 lots."""
    site: str | None = None
    """Site of lotedge URNs."""
    material: str | None = None
    """Material code of lotedge URNs."""


@functools.lru_cache(maxsize=65536)
def parse_class(epc_class: str) -> LotClass:
    """Understand an identifier (a class or an instance); unknown forms become an opaque node
    keyed by the URI."""
    if not epc_class.startswith(_LOT_URNS):
        epc = parse_epc(epc_class)
        if epc is not None and epc.scheme != "lgtin":
            return LotClass(epc.link, epc_class, epc.scheme, gtin=epc.gtin)
    match parse_lot_class(epc_class):
        case GtinLot(gtin, lot):
            return LotClass(gs1_key(gtin, lot), epc_class, "gs1", lot, gtin=gtin)
        case OwnLot(site, material, lot):
            key = own_key(site, material, lot)
            return LotClass(key, epc_class, "lotedge", lot, site=site, material=material)
    return LotClass(epc_class, epc_class, "other")


def gs1_key(gtin: str, lot: str) -> str:
    """The key of a GS1 lot given as GTIN-14 and lot."""
    return f"gs1:{gtin}:{lot}"


def own_key(site: str, material: str, lot: str) -> str:
    """The key of a non-GS1 lot: the site and material code that name it, and the lot."""
    return f"lotedge:{site}:{material}:{lot}"
