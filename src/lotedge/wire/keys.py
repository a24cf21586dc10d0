"""Field names of lotedge's events that are not EPCIS's own: the JSON-LD context, lotedge's
extension keys (namespace `urn:lotedge:ns:`) and the CBV master-data keys it writes in `ilmd`.

The agent writes events with these names and the trace store reads them with the same ones.
"""

from __future__ import annotations

from typing import Any

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
NAMESPACE = "urn:lotedge:ns:"
"""What the `lotedge:` prefix of an extension key stands for."""


def context() -> list[Any]:
    """An event's `@context`: GS1's EPCIS 2.0 context and lotedge's prefix (a new list each
    time, so no event shares it)."""
    return [EPCIS_CONTEXT, {"lotedge": NAMESPACE}]


SITE = "lotedge:site"
LINE = "lotedge:line"
MATERIAL = "lotedge:material"
"""The material code of a consumed or received lot, as the line knows it."""
VENDOR = "lotedge:vendor"
"""The vendor's name, from the material's master data."""
PRODUCT = "lotedge:product"
"""The product code of a batch's output."""
PRODUCTION_DATE = "lotedge:productionDate"
"""In `ilmd`: the day the output lot was made."""
RECEIPT = "lotedge:receipt"
"""The purchase order or delivery note number of a receipt, as scanned or typed."""
VENDOR_LOT = "lotedge:vendorLot"
INTERNAL_LOT = "lotedge:internalLot"
"""A lot number lotedge created for unlabelled material at receipt."""
TLC_SOURCE_REFERENCE = "lotedge:tlcSourceReference"
"""Where a received lot's code was assigned (FSMA 204's traceability lot code source
reference): `FEI ...`, `FFRN ...`, a GLN or an https:// address."""

CUSTOMER = "lotedge:customer"
"""The customer code of a shipment (and of a pallet packed for a customer), as configured."""

LOT_NUMBER = "cbvmda:lotNumber"
EXPIRY = "cbvmda:itemExpirationDate"
BEST_BEFORE = "cbvmda:bestBeforeDate"
"""GS1 AI 15: the date until which the item keeps its quality (not its expiry, AI 17)."""
