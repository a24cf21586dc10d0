"""Lots as genealogy nodes: every identifier form of one lot maps to one `key`.

The identifiers are read by the wire contract (`lotedge.wire.identifiers.parse_lot_class`), so a
lot published as a Digital Link by one line and as an LGTIN URN by another is one node.

>>> parse_class("urn:epc:class:lgtin:0614141.077777.A%2F1").key
'gs1:00614141777778:A/1'
>>> parse_class("https://id.gs1.org/01/00614141777778/10/A%2F1").key
'gs1:00614141777778:A/1'
>>> parse_class("urn:lotedge:class:PLANT1:SALT:L%2042").lot
'L 42'
"""

from __future__ import annotations

from dataclasses import dataclass

from lotedge.wire.identifiers import GtinLot, OwnLot, parse_lot_class


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


def parse_class(epc_class: str) -> LotClass:
    """Understand a class identifier; unknown forms become an opaque node keyed by the URI."""
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
