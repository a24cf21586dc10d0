"""EPCIS 2.0 events of the shipping dock, checked against our own models when built. Pure.

* Packing (pallet close): AggregationEvent ADD, bizStep `packing`, disposition
  `container_closed`, parentID the SSCC (`urn:epc:id:sscc:...`), childQuantityList one LGTIN
  class per GTIN + lot (+ unit) with its quantity.
* Unpacking: the same with action DELETE, bizStep `unpacking`, disposition `container_open`.
* Dispatch: ObjectEvent OBSERVE, bizStep `shipping`, disposition `in_transit`, epcList the
  SSCCs, sourceList (us: owning party and location), destinationList (the customer: owning
  party and location), bizTransactionList (po, desadv, bol).
* Void of a dispatch: the same with bizStep `void_shipping`, disposition `in_progress`.

The shapes are documented in docs/events.md ("Shipping dock"); the trace store reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from lotedge.core.epcis import _number, _time_fields, location
from lotedge.core.epcis_models import QuantityElement, Uri, _Event, _Strict
from lotedge.core.sscc import sscc_urn
from lotedge.masterdata.customers import Customer
from lotedge.masterdata.identity import Identity
from lotedge.wire import identifiers, keys

SsccUrn = Annotated[str, Field(pattern=r"^urn:epc:id:sscc:[0-9]{4,12}\.[0-9]{5,13}$")]


@dataclass(frozen=True)
class ShipFrom:
    """Where we ship from: our GLN (None: the site's own URNs) and site."""

    gln: str | None
    company_prefix: str


@dataclass(frozen=True)
class Content:
    """One class on a pallet: GTIN + lot, its quantity and unit (None: trade items)."""

    gtin: str
    lot: str
    quantity: Any
    uom: str | None


@dataclass(frozen=True)
class References:
    """The business documents of a dispatch: customer's PO, our despatch advice, bill of lading."""

    po: str | None = None
    desadv: str | None = None
    bol: str | None = None


class _Party(_Strict):
    type: Literal["owning_party", "location"]


class SourceEntry(_Party):
    source: Uri


class DestinationEntry(_Party):
    destination: Uri


class ShippingTransaction(_Strict):
    type: Literal["po", "desadv", "bol"]
    bizTransaction: Uri


class AggregationEvent(_Event):
    """A pallet closed (ADD, packing) or unpacked (DELETE, unpacking)."""

    type: Literal["AggregationEvent"]
    action: Literal["ADD", "DELETE"]
    bizStep: Literal["packing", "unpacking"]
    disposition: Literal["container_closed", "container_open"]
    parentID: SsccUrn
    childQuantityList: list[QuantityElement] = Field(min_length=1)
    customer: str | None = Field(default=None, alias=keys.CUSTOMER)


class ShippingEvent(_Event):
    """Pallets dispatched to a customer (shipping), or a dispatch taken back (void_shipping)."""

    type: Literal["ObjectEvent"]
    action: Literal["OBSERVE"]
    bizStep: Literal["shipping", "void_shipping"]
    disposition: Literal["in_transit", "in_progress"]
    epcList: list[SsccUrn] = Field(min_length=1)
    sourceList: list[SourceEntry] = Field(min_length=1, max_length=2)
    destinationList: list[DestinationEntry] = Field(min_length=2, max_length=2)
    bizTransactionList: list[ShippingTransaction] = Field(default_factory=list, max_length=3)
    customer: str = Field(alias=keys.CUSTOMER, min_length=1)


def _common(identity: Identity, event_id: str, when: datetime) -> dict[str, Any]:
    return {
        "@context": keys.context(),
        "eventID": event_id,
        **_time_fields(when),
        "readPoint": {"id": location(identity, identity.line)},
        "bizLocation": {"id": location(identity, None)},
    }


def packing_event(
    identity: Identity,
    *,
    sscc: str,
    company_prefix: str,
    contents: list[Content],
    customer: str | None,
    unpack: bool = False,
    event_id: str,
    when: datetime,
) -> dict[str, Any]:
    """The AggregationEvent of a pallet closed (or, `unpack`, taken apart)."""
    children = []
    for item in contents:
        child: dict[str, Any] = {
            "epcClass": identifiers.gtin_lot_class(item.gtin, item.lot),
            "quantity": _number(item.quantity),
        }
        if item.uom is not None:
            child["uom"] = item.uom
        children.append(child)
    event: dict[str, Any] = {
        **_common(identity, event_id, when),
        "type": "AggregationEvent",
        "action": "DELETE" if unpack else "ADD",
        "bizStep": "unpacking" if unpack else "packing",
        "disposition": "container_open" if unpack else "container_closed",
        "parentID": sscc_urn(sscc, company_prefix),
        "childQuantityList": children,
        keys.SITE: identity.site,
        keys.LINE: identity.line,
    }
    if customer is not None:
        event[keys.CUSTOMER] = customer
    AggregationEvent.model_validate(event)
    return event


def _ours(identity: Identity, gln: str | None) -> list[dict[str, str]]:
    """Us as a source: owning party and location by GLN; without one, our site's location."""
    if gln is None:
        return [{"type": "location", "source": identifiers.own_location(identity.site, None)}]
    return [
        {"type": "owning_party", "source": identifiers.gln_party(gln)},
        {"type": "location", "source": identifiers.gln_location(gln, None)},
    ]


def _theirs(customer: Customer) -> list[dict[str, str]]:
    """The customer as a destination: PGLN and SGLN, else `urn:lotedge:customer:{code}`."""
    if customer.gln is None:
        own = identifiers.own_customer(customer.code)
        party, place = own, own
    else:
        party, place = (
            identifiers.gln_party(customer.gln),
            identifiers.gln_location(customer.gln, None),
        )
    return [
        {"type": "owning_party", "destination": party},
        {"type": "location", "destination": place},
    ]


def _transactions(
    identity: Identity, gln: str | None, customer: Customer, refs: References
) -> list[dict[str, str]]:
    """The PO is the customer's document, the despatch advice and bill of lading ours: each is
    `urn:epcglobal:cbv:bt:{issuer GLN}:{number}`, else `urn:lotedge:bt:{site}:{type}:{number}`."""
    found = []
    for kind, number, issuer in (
        ("po", refs.po, customer.gln),
        ("desadv", refs.desadv, gln),
        ("bol", refs.bol, gln),
    ):
        if number is None:
            continue
        uri = (
            identifiers.cbv_transaction(issuer, number)
            if issuer is not None
            else identifiers.own_transaction(identity.site, kind, number)
        )
        found.append({"type": kind, "bizTransaction": uri})
    return found


def shipping_event(
    identity: Identity,
    *,
    ship_from: ShipFrom,
    customer: Customer,
    ssccs: list[str],
    references: References,
    void: bool = False,
    event_id: str,
    when: datetime,
) -> dict[str, Any]:
    """The ObjectEvent of pallets dispatched to `customer` (or, `void`, of that taken back)."""
    event: dict[str, Any] = {
        **_common(identity, event_id, when),
        "type": "ObjectEvent",
        "action": "OBSERVE",
        "bizStep": "void_shipping" if void else "shipping",
        "disposition": "in_progress" if void else "in_transit",
        "epcList": [sscc_urn(sscc, ship_from.company_prefix) for sscc in ssccs],
        "sourceList": _ours(identity, ship_from.gln),
        "destinationList": _theirs(customer),
    }
    transactions = _transactions(identity, ship_from.gln, customer, references)
    if transactions:
        event["bizTransactionList"] = transactions
    event |= {keys.SITE: identity.site, keys.LINE: identity.line, keys.CUSTOMER: customer.code}
    ShippingEvent.model_validate(event)
    return event


def private_customers(customers: list[Customer]) -> list[str]:
    """Customers that shipments name by lotedge's own URN (no GLN): one warning each."""
    return [
        f"customer {c.code} has no gln: shipments to it are written "
        f"{identifiers.own_customer(c.code)}; set its GLN (PGLN and SGLN destinations)"
        for c in customers
        if c.gln is None
    ]
