"""FSMA 204 key data elements at capture: what a receipt would leave empty, and which master
data leaves a key data element of every receipt of a material empty. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable

from lotedge.masterdata.items import Material
from lotedge.masterdata.locations import LocationBook


def vendor_gaps(material: Material, locations: LocationBook) -> list[str]:
    """The key data elements a receipt of `material` would lack because of its vendor's master
    data: its location description, and where its lot codes are assigned."""
    vendor = locations.find(material.vendor, material.vendor_gln)
    if vendor is None:
        named = repr(material.vendor) if material.vendor else "(no vendor given)"
        return [f"the vendor {named} has no [[locations]] entry (its location description)"]
    gaps = [f"vendor {vendor.code}'s {field.replace('_', ' ')}" for field in vendor.missing()]
    if not vendor.tlc_source_reference:
        gaps.append(f"vendor {vendor.code}'s tlc_source_reference (the TLC source)")
    return gaps


def site_gaps(site: str, locations: LocationBook) -> list[str]:
    """The key data elements this site's master data leaves empty (the receiving location)."""
    here = locations.find(site)
    if here is None:
        return [f"the site {site!r} has no [[locations]] entry (the receiving location)"]
    return [f"site {site}'s {field.replace('_', ' ')}" for field in here.missing()]


def receipt_gaps(
    material: Material, uom: str | None, internal: bool, site: str, locations: LocationBook
) -> list[str]:
    """Every key data element a receipt would leave empty (21 CFR 1.1345): the unit of measure,
    the immediate previous source, the receiving location, the TLC source (an internal lot's
    is this site, which assigned it)."""
    gaps = [] if uom else [f"the unit of measure (the label has none, nor {material.code}'s uom)"]
    vendor = vendor_gaps(material, locations)
    if internal:
        vendor = [g for g in vendor if "tlc_source_reference" not in g]
    return [*gaps, *vendor, *site_gaps(site, locations)]


def master_data_warnings(
    site: str, materials: Iterable[Material], locations: LocationBook
) -> list[str]:
    """What `config check` warns about under `[compliance] fsma204`: each gap once, with the
    materials it concerns."""
    found: dict[str, list[str]] = {gap: [] for gap in site_gaps(site, locations)}
    for material in materials:
        gaps = vendor_gaps(material, locations)
        if material.uom is None:
            gaps.append("the material's uom (the unit when a label has none)")
        for gap in gaps:
            found.setdefault(gap, []).append(material.code)
    return [
        f"FSMA 204 key data element empty: {gap}"
        + (f"; receipts of {', '.join(codes)} would be refused" if codes else "")
        for gap, codes in found.items()
    ]
