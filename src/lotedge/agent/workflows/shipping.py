"""The shipping dock: pallets (an SSCC each), the cases packed on them, and their dispatch.

Packing and dispatch decisions are `core.shipping`'s; the rows are `state.shipping`'s. A pallet's
SSCC comes from the same never-reused numbering as lot numbers (docs/shipping.md).
"""

from __future__ import annotations

from lotedge.agent.replies import Done
from lotedge.agent.requests import PalletOpen
from lotedge.agent.unit_of_work import UnitOfWork
from lotedge.config.shipping import ShippingConfig
from lotedge.core.batch import Refusal
from lotedge.core.reasons import Reason
from lotedge.core.sscc import SerialRangeExhausted
from lotedge.masterdata.suggestions import suggest_known
from lotedge.state import shipping as dock


def _shipping(uow: UnitOfWork) -> ShippingConfig | Refusal:
    if uow.config.shipping is None:
        return Refusal(Reason.SHIPPING_OFF, "Shipping is not configured (no [shipping] section).")
    return uow.config.shipping


def unknown_customer(uow: UnitOfWork, code: str) -> Refusal:
    hint = suggest_known(code, [c.code for c in uow.config.customers])
    return Refusal(Reason.UNKNOWN_CUSTOMER, f"Unknown customer {code!r} ({hint}).")


def open_pallet(uow: UnitOfWork, request: PalletOpen) -> Done | Refusal:
    """A new pallet with the next SSCC; refused while another is open."""
    shipping = _shipping(uow)
    if isinstance(shipping, Refusal):
        return shipping
    if request.customer is not None and uow.config.customer(request.customer) is None:
        return unknown_customer(uow, request.customer)
    now = uow.now()
    pallet_id = uow.new_id()
    try:
        with uow.transaction():
            already = dock.open_pallet(uow.conn)
            if already is not None:
                message = f"Pallet {already.sscc} is open; close it (#LE:CLOSE) before the next."
                return Refusal(Reason.PALLET_ALREADY_OPEN, message)
            sscc = dock.allocate_sscc(uow.conn, shipping.sscc, pallet_id=pallet_id, now=now)
            dock.create_pallet(uow.conn, pallet_id, sscc, request.customer, now)
    except SerialRangeExhausted as exc:
        return Refusal(Reason.SSCC_EXHAUSTED, str(exc))
    to = f" for {request.customer}" if request.customer else ""
    message = f"Pallet {sscc} opened{to}: scan its cases."
    return Done(Reason.PALLET_OPENED, message, {"sscc": sscc, "customer": request.customer})


HANDLERS = {PalletOpen: open_pallet}
