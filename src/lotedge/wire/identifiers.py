"""Identifiers on the wire: EPC URNs, GS1 Digital Links and lotedge's own URNs.

The one place that writes and reads them: the agent's event builders (`lotedge.core.epcis`)
call the builders, the trace store calls `parse_lot_class`, and a property test holds that
every lot class built here parses back to the same GTIN (or site and material) and lot.

Class identifiers of a lot (an event's `epcClass`):

* GS1 lot, company prefix known to biip: `urn:epc:class:lgtin:{prefix}.{indicator}{item}.{lot}`
* GS1 lot, prefix unknown: `https://id.gs1.org/01/{gtin14}/10/{lot}` (GS1 Digital Link)
* non-GS1 lot: `urn:lotedge:class:{site}:{material}:{lot}`

>>> gtin_lot_class("00614141777778", "A/1")
'urn:epc:class:lgtin:0614141.077777.A%2F1'
>>> parse_lot_class("https://id.gs1.org/01/00614141777778/10/A%2F1")
GtinLot(gtin='00614141777778', lot='A/1')
>>> parse_lot_class(own_lot_class("PLANT1", "SALT 1:2", "S/7"))
OwnLot(site='PLANT1', material='SALT 1:2', lot='S/7')
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

from lotedge.wire.escaping import epc_escape, link_escape, segment_escape, unescape
from lotedge.wire.gs1 import gtin_14, join_gtin, split_gln, split_gtin

DIGITAL_LINK_ROOT = "https://id.gs1.org"
"""GS1's canonical Digital Link resolver, the root of every Digital Link lotedge emits."""

_LGTIN = re.compile(r"^urn:epc:class:lgtin:([0-9]{6,12})\.([0-9]{1,7})\.(.+)$")
_LINK_PATH = re.compile(r"^/(?:.*/)?01/([0-9]{14})/10/([^/?#]+)")
_OWN_CLASS = re.compile(r"^urn:lotedge:class:([^:]+):([^:]+):(.+)$")


@dataclass(frozen=True)
class GtinLot:
    """A GS1 lot: GTIN-14 (AI 01) and lot number (AI 10), decoded."""

    gtin: str
    lot: str


@dataclass(frozen=True)
class OwnLot:
    """A lot of a non-GS1 material, as lotedge names it: site, material code, lot, decoded."""

    site: str
    material: str
    lot: str


def lgtin_urn(gtin: str, lot: str) -> str | None:
    """The LGTIN class URN of a GS1 lot; None when biip does not know the GTIN's prefix."""
    parts = split_gtin(gtin)
    if parts is None:
        return None
    prefix, item = parts
    return f"urn:epc:class:lgtin:{prefix}.{item}.{epc_escape(lot)}"


def gtin_lot_link(gtin: str, lot: str, root: str = DIGITAL_LINK_ROOT) -> str:
    """The GS1 Digital Link of a GS1 lot under `root` (GTIN-14, lot percent-encoded).

    >>> gtin_lot_link("12345670", "A/B(1)")
    'https://id.gs1.org/01/00000012345670/10/A%2FB%281%29'
    """
    gtin14 = gtin_14(gtin)
    if gtin14 is None:
        raise ValueError(f"{gtin!r} is not a valid GTIN")
    return f"{root.rstrip('/')}/01/{gtin14}/10/{link_escape(lot)}"


def gtin_lot_class(gtin: str, lot: str) -> str:
    """A GS1 lot's epcClass: its LGTIN URN, else (prefix unknown) its Digital Link."""
    return lgtin_urn(gtin, lot) or gtin_lot_link(gtin, lot)


def own_lot_class(site: str, material: str, lot: str) -> str:
    """A non-GS1 lot's epcClass: `urn:lotedge:class:{site}:{material}:{lot}`."""
    return f"urn:lotedge:class:{segment_escape(site)}:{segment_escape(material)}:{epc_escape(lot)}"


def parse_lot_class(uri: str) -> GtinLot | OwnLot | None:
    """The lot a class identifier names, in any form above (the LGTIN's check digit computed,
    a Digital Link's checked); None for any other identifier or a value that does not decode."""
    if match := _LGTIN.match(uri):
        gtin, lot = join_gtin(match[1], match[2]), unescape(match[3])
        return GtinLot(gtin, lot) if gtin is not None and lot is not None else None
    if match := _OWN_CLASS.match(uri):
        site, material, lot = (unescape(part) for part in match.groups())
        if site is None or material is None or lot is None:
            return None
        return OwnLot(site, material, lot)
    if uri.startswith(("https://", "http://")):
        match = _LINK_PATH.match(urlsplit(uri).path)
        if match and gtin_14(match[1]) and (lot := unescape(match[2])) is not None:
            return GtinLot(match[1], lot)
    return None


def gln_location(gln: str, extension: str | None) -> str:
    """A location by GLN: `urn:epc:id:sgln:{prefix}.{ref}.{extension or 0}`, else (prefix
    unknown) `https://id.gs1.org/414/{gln}[/254/{extension}]`.

    >>> gln_location("7038010000003", "L1")
    'urn:epc:id:sgln:703801.000000.L1'
    """
    parts = split_gln(gln)
    if parts is None:
        suffix = f"/254/{link_escape(extension)}" if extension else ""
        return f"{DIGITAL_LINK_ROOT}/414/{gln}{suffix}"
    prefix, reference = parts
    return f"urn:epc:id:sgln:{prefix}.{reference}.{epc_escape(extension or '0')}"


def gln_party(gln: str) -> str:
    """A party by GLN: `urn:epc:id:pgln:{prefix}.{ref}`, else `https://id.gs1.org/417/{gln}`.

    >>> gln_party("7038010000010")
    'urn:epc:id:pgln:703801.000001'
    """
    parts = split_gln(gln)
    if parts is None:
        return f"{DIGITAL_LINK_ROOT}/417/{gln}"
    return f"urn:epc:id:pgln:{parts[0]}.{parts[1]}"


def own_location(site: str, extension: str | None) -> str:
    """A location of a site without GLN: `urn:lotedge:loc:{site}[:{extension}]`."""
    suffix = f":{epc_escape(extension)}" if extension else ""
    return f"urn:lotedge:loc:{segment_escape(site)}{suffix}"


def own_party(name: str) -> str:
    """A vendor without GLN, by name: `urn:lotedge:vendor:{name}`.

    >>> own_party("Mill AS")
    'urn:lotedge:vendor:Mill%20AS'
    """
    return f"urn:lotedge:vendor:{epc_escape(name)}"


def own_customer(code: str) -> str:
    """A customer without GLN, by its code: `urn:lotedge:customer:{code}` (the destination party
    and location of a shipment to it).

    >>> own_customer("CORNER")
    'urn:lotedge:customer:CORNER'
    """
    return f"urn:lotedge:customer:{epc_escape(code)}"


def cbv_transaction(issuer_gln: str, number: str) -> str:
    """A business transaction (PO, delivery note) by its issuer's GLN, as CBV writes it:
    `urn:epcglobal:cbv:bt:{gln}:{number}`."""
    return f"urn:epcglobal:cbv:bt:{issuer_gln}:{epc_escape(number)}"


def own_transaction(site: str, kind: str, number: str) -> str:
    """A business transaction whose issuer has no GLN: `urn:lotedge:bt:{site}:{kind}:{number}`."""
    return f"urn:lotedge:bt:{segment_escape(site)}:{segment_escape(kind)}:{epc_escape(number)}"


def transaction_number(uri: str) -> str:
    """The document number of a business transaction written by `cbv_transaction` or
    `own_transaction`; any other identifier as it is.

    >>> transaction_number("urn:epcglobal:cbv:bt:0614141000005:PO%2F1")
    'PO/1'
    >>> transaction_number("urn:lotedge:bt:PLANT1:bol:B-7"), transaction_number("https://x/po/9")
    ('B-7', 'https://x/po/9')
    """
    for prefix, fields in (("urn:epcglobal:cbv:bt:", 2), ("urn:lotedge:bt:", 3)):
        parts = uri[len(prefix) :].split(":") if uri.startswith(prefix) else []
        if len(parts) == fields:
            return unescape(parts[-1]) or uri
    return uri


def batch_uuid_urn(batch_id: str) -> str | None:
    """A batch whose id is a UUID: `urn:uuid:{uuid}` (RFC 4122); None for any other id."""
    try:
        return uuid.UUID(batch_id).urn if len(batch_id) == 36 else None
    except ValueError:
        return None


def batch_urn(site: str, line: str, batch_id: str) -> str:
    """A batch (an event's transformationID): `urn:lotedge:batch:{site}:{line}:{batch_id}`."""
    return f"urn:lotedge:batch:{segment_escape(site)}:{segment_escape(line)}:{epc_escape(batch_id)}"


def same_batch(transformation_id: str) -> str:
    """The batch's identity for the store: an older agent's `urn:lotedge:batch:...:{uuid}` is
    the same batch as the `urn:uuid:{uuid}` agents write now (a batch running across an
    upgrade stays one); any other ID as it is.

    >>> same_batch("urn:lotedge:batch:P1:L1:0b6c9f4e-2d0a-4c1e-9f43-5d2a8c7e1b10")
    'urn:uuid:0b6c9f4e-2d0a-4c1e-9f43-5d2a8c7e1b10'
    """
    if transformation_id.startswith("urn:lotedge:batch:"):
        return batch_uuid_urn(transformation_id.rsplit(":", 1)[1]) or transformation_id
    return transformation_id


_CUSTOMER = "urn:lotedge:customer:"


def customer_code(uri: str) -> str | None:
    """The code of a customer named by `own_customer`; None for any other identifier.

    >>> customer_code("urn:lotedge:customer:C%20100"), customer_code("urn:epc:id:pgln:952.1")
    ('C 100', None)
    """
    if not uri.startswith(_CUSTOMER):
        return None
    return unescape(uri.removeprefix(_CUSTOMER)) or None
