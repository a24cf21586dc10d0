"""Dispatch at the shipping dock: closed pallets shipped to a customer, and a dispatch voided.

A pallet is shipped only when it is closed, none of its lots is on hold now (a hold that
reached the line after the pallet was closed, the store's forward-trace hold say, is checked
against the contents the pallet was closed with) and every lot on it has the shelf life the
customer takes (docs/shipping.md).
"""

from __future__ import annotations

from lotedge.agent.replies import Done
from lotedge.agent.requests import Ship, ShipTo, ShipVoid
from lotedge.agent.unit_of_work import UnitOfWork
from lotedge.agent.workflows.shipping import (
    configured,
    find_pallet,
    held_refusal,
    unknown_customer,
)
from lotedge.config.shipping import ShippingConfig
from lotedge.core.batch import Refusal
from lotedge.core.reasons import Reason
from lotedge.core.shipping import short_shelf_life
from lotedge.core.shipping_events import References, ShipFrom, shipping_event
from lotedge.masterdata.customers import Customer
from lotedge.state import shipping as dock
from lotedge.state import stock
from lotedge.state.shipping import Pallet, Shipment
from lotedge.wire import topics


def _customer(uow: UnitOfWork, code: str) -> Customer | Refusal:
    """The customer `code` names, when shipping is configured."""
    shipping = configured(uow)
    if isinstance(shipping, Refusal):
        return shipping
    return uow.config.customer(code) or unknown_customer(uow, code)


def set_ship_to(uow: UnitOfWork, request: ShipTo) -> Done | Refusal:
    customer = _customer(uow, request.customer)
    if isinstance(customer, Refusal):
        return customer
    with uow.transaction():
        dock.set_ship_to(uow.conn, customer.code)
    message = f"Ship to {customer.name} ({customer.code}): scan the pallet labels."
    return Done(Reason.SHIP_TO_SET, message, {"ship_to": customer.code})


def customer_by_gln(uow: UnitOfWork, gln: str) -> Customer | None:
    return next((c for c in uow.config.customers if c.gln == gln), None)


def _ship_from(uow: UnitOfWork, shipping: ShippingConfig) -> ShipFrom:
    return ShipFrom(shipping.from_gln(uow.config.identity), shipping.company_prefix)


def _shippable(uow: UnitOfWork, sscc: str, customer: Customer) -> Pallet | Refusal:
    pallet = find_pallet(uow, sscc)
    if isinstance(pallet, Refusal):
        return pallet
    if pallet.status != "closed":
        hint = {
            "open": "close it first (#LE:CLOSE)",
            "shipped": "it was shipped already (void that first to ship it again)",
            "unpacked": "it was unpacked",
        }[pallet.status]
        return Refusal(
            Reason.PALLET_STATE, f"Not shipped: pallet {sscc} is {pallet.status}; {hint}."
        )
    lines = dock.contents(uow.conn, pallet.id)
    refused = held_refusal(uow, lines, f"Pallet {sscc} not shipped")
    today = uow.now().date()
    for line in lines:
        product = uow.config.product(line.product)
        name = product.name if product else line.product
        pushed = stock.pushed(uow.conn, line.product, line.lot) if line.expiry is None else None
        expiry = line.expiry or (pushed.expiry if pushed else None)
        what = f"Pallet {sscc} not shipped to {customer.code}"
        refused = refused or short_shelf_life(name, line.lot, expiry, customer, today, what)
    return refused or pallet


def ship(uow: UnitOfWork, request: Ship) -> Done | Refusal:
    """Dispatch every pallet of the request, or none (one refused pallet refuses all)."""
    customer = _customer(uow, request.customer)
    if isinstance(customer, Refusal):
        return customer
    shipping = uow.config.shipping
    assert shipping is not None  # checked by _customer
    ssccs = list(dict.fromkeys(request.ssccs))
    if not ssccs:
        return Refusal(Reason.BAD_REQUEST, "Nothing to ship: give at least one SSCC.")
    now = uow.now()
    references = References(request.po, request.desadv, request.bol)
    with uow.transaction():
        pallets = []
        for sscc in ssccs:
            found = _shippable(uow, sscc, customer)
            if isinstance(found, Refusal):
                return found
            pallets.append(found)
        event = shipping_event(
            uow.config.identity,
            ship_from=_ship_from(uow, shipping),
            customer=customer,
            ssccs=ssccs,
            references=references,
            event_id=uow.new_event_id(),
            when=now,
        )
        event_id = uow.emit(topics.EVENTS, event, now)
        shipment = Shipment(event_id, customer.code, request.po, request.desadv, request.bol, now)
        dock.record_shipment(uow.conn, shipment, [p.id for p in pallets])
    message = (
        f"{len(ssccs)} pallet(s) shipped to {customer.name} ({customer.code}): {', '.join(ssccs)}."
    )
    return Done(
        Reason.SHIPPED, message, {"ssccs": ssccs, "customer": customer.code, "event_id": event_id}
    )


def void(uow: UnitOfWork, request: ShipVoid) -> Done | Refusal:
    """The pallet's dispatch did not happen: void_shipping, and it is closed at the dock again."""
    shipping = configured(uow)
    if isinstance(shipping, Refusal):
        return shipping
    now = uow.now()
    with uow.transaction():
        pallet = find_pallet(uow, request.sscc)
        if isinstance(pallet, Refusal):
            return pallet
        shipment = dock.shipment(uow.conn, pallet.shipment_event_id or "")
        if shipment is None:
            message = f"Pallet {pallet.sscc} is {pallet.status}, not shipped: nothing to void."
            return Refusal(Reason.PALLET_STATE, message)
        customer = uow.config.customer(shipment.customer)
        if customer is None:
            return unknown_customer(uow, shipment.customer)
        event = shipping_event(
            uow.config.identity,
            ship_from=_ship_from(uow, shipping),
            customer=customer,
            ssccs=[pallet.sscc],
            references=References(shipment.po, shipment.desadv, shipment.bol),
            void=True,
            event_id=uow.new_event_id(),
            when=now,
        )
        uow.emit(topics.EVENTS, event, now)
        dock.unship(uow.conn, pallet.id)
    message = f"Shipment of pallet {pallet.sscc} to {customer.code} voided; it is at the dock."
    return Done(Reason.SHIPMENT_VOIDED, message, {"sscc": pallet.sscc, "customer": customer.code})


HANDLERS = {ShipTo: set_ship_to, Ship: ship, ShipVoid: void}
