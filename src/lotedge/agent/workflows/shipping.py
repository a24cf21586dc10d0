"""The shipping dock's packing: pallets (an SSCC each), the cases packed on them, their
AggregationEvents and logistic labels. Dispatch is `dispatch`, dock scans `dock`.

Packing decisions are `core.shipping`'s, the rows `state.shipping`'s. A pallet's SSCC comes from
the same never-reused numbering as lot numbers (docs/shipping.md).
"""

from __future__ import annotations

from datetime import datetime

from lotedge.agent.replies import Done
from lotedge.agent.requests import PalletClose, PalletOpen, PalletRepeat, PalletUnpack
from lotedge.agent.unit_of_work import UnitOfWork
from lotedge.config.shipping import ShippingConfig
from lotedge.core.batch import Refusal
from lotedge.core.labels import LabelError
from lotedge.core.logistic_label import LogisticLabelData, PalletContent
from lotedge.core.reasons import Reason
from lotedge.core.shipping import Cases, dock_hold, repeat_count
from lotedge.core.shipping_events import Content, packing_event
from lotedge.core.sscc import SerialRangeExhausted
from lotedge.masterdata.suggestions import suggest_known
from lotedge.state import holds as hold_list
from lotedge.state import shipping as dock
from lotedge.state.shipping import Pallet, PalletLine
from lotedge.wire import topics


def configured(uow: UnitOfWork) -> ShippingConfig | Refusal:
    if uow.config.shipping is None:
        return Refusal(Reason.SHIPPING_OFF, "Shipping is not configured (no [shipping] section).")
    return uow.config.shipping


def unknown_customer(uow: UnitOfWork, code: str) -> Refusal:
    hint = suggest_known(code, [c.code for c in uow.config.customers])
    return Refusal(Reason.UNKNOWN_CUSTOMER, f"Unknown customer {code!r} ({hint}).")


def open_pallet(uow: UnitOfWork, request: PalletOpen) -> Done | Refusal:
    """A new pallet with the next SSCC; refused while another is open."""
    shipping = configured(uow)
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


def no_open_pallet() -> Refusal:
    message = "No pallet is open: open one (#LE:PALLET or lotedge pallet open) first."
    return Refusal(Reason.NO_OPEN_PALLET, message)


def packed(uow: UnitOfWork, pallet: Pallet, cases: Cases) -> Done:
    """What the operator is told when `cases` go onto `pallet` (before they are added)."""
    total = cases.count + dock.case_count(uow.conn, pallet.id)
    what = f"{cases.count} case(s) of {cases.product.name} lot {cases.lot}"
    message = f"{what} packed on pallet {pallet.sscc}; it holds {total} case(s)."
    data = {"sscc": pallet.sscc, "cases": cases.count, "pallet_cases": total}
    return Done(Reason.CASES_ADDED, message, data)


def repeat(uow: UnitOfWork, request: PalletRepeat) -> Done | Refusal:
    """`#LE:QTY:n`: n more cases like the last one packed on the open pallet."""
    count = repeat_count(str(request.count))
    if isinstance(count, Refusal):
        return count
    with uow.transaction():
        pallet = dock.open_pallet(uow.conn)
        if pallet is None:
            return no_open_pallet()
        last = dock.last_case(uow.conn, pallet.id)
        product = uow.config.product(last.product) if last else None
        if last is None or product is None:
            message = f"Pallet {pallet.sscc} holds no case yet: scan one, then QTY for the rest."
            return Refusal(Reason.PALLET_EMPTY, message)
        refused = held_refusal(uow, [last], "Not packed")
        if refused is not None:
            return refused
        cases = Cases(
            product, last.gtin, last.lot, last.expiry, last.quantity, last.uom, request.count
        )
        done = packed(uow, pallet, cases)
        dock.add_cases(uow.conn, pallet.id, cases, scan_id=None, now=uow.now())
        return done


def held_refusal(uow: UnitOfWork, lines: list[PalletLine], what: str) -> Refusal | None:
    """The refusal when a hold (the line's own, or one the store sent later) matches a lot
    among `lines`; names the lot, the hold's reason and its id."""
    holds = hold_list.for_lots(uow.conn, {line.lot for line in lines})
    for line in lines:
        product = uow.config.product(line.product)
        if product is None:
            continue
        hold = dock_hold(holds, product, line.gtin, line.lot)
        if hold is not None:
            return Refusal(
                Reason.ON_HOLD,
                f"{what}: {product.name} lot {line.lot} is on hold: {hold.reason} "
                f"(hold {hold.hold_id}). Put it aside and call quality.",
            )
    return None


def close_pallet(uow: UnitOfWork, request: PalletClose) -> Done | Refusal:
    """Close the open pallet: AggregationEvent ADD and the logistic label, together."""
    shipping = configured(uow)
    if isinstance(shipping, Refusal):
        return shipping
    now = uow.now()
    try:
        with uow.transaction():
            pallet = dock.open_pallet(uow.conn)
            if pallet is None:
                return no_open_pallet()
            lines = dock.contents(uow.conn, pallet.id)
            if not lines:
                message = f"Pallet {pallet.sscc} is empty; scan its cases, or unpack it."
                return Refusal(Reason.PALLET_EMPTY, message)
            refused = held_refusal(uow, lines, f"Pallet {pallet.sscc} not closed")
            if refused is not None:
                return refused
            event_id = _emit_packing(uow, shipping, pallet, lines, unpack=False, now=now)
            dock.set_status(uow.conn, pallet.id, "closed", closed_at=now, pack_event_id=event_id)
            job = uow.queue_label(
                logistic_label(uow, shipping, pallet, lines),
                shipping.label_template,
                batch_id=None,
                at=now,
            )
    except LabelError as exc:
        message = f"The logistic label cannot be made: {exc}. The pallet stays open."
        return Refusal(Reason.LABEL_ERROR, message)
    cases = sum(line.cases for line in lines)
    message = f"Pallet {pallet.sscc} closed: {cases} case(s) of {len(lines)} lot(s); label queued."
    data = {"sscc": pallet.sscc, "contents": [_line_dict(line) for line in lines]}
    return Done(Reason.PALLET_CLOSED, message, {**data, "print_job": job})


def _emit_packing(
    uow: UnitOfWork,
    shipping: ShippingConfig,
    pallet: Pallet,
    lines: list[PalletLine],
    *,
    unpack: bool,
    now: datetime,
) -> str:
    event = packing_event(
        uow.config.identity,
        sscc=pallet.sscc,
        company_prefix=shipping.company_prefix,
        contents=[Content(line.gtin, line.lot, line.quantity, line.uom) for line in lines],
        customer=pallet.customer,
        unpack=unpack,
        event_id=uow.new_event_id(),
        when=now,
    )
    return uow.emit(topics.EVENTS, event, now)


def logistic_label(
    uow: UnitOfWork, shipping: ShippingConfig, pallet: Pallet, lines: list[PalletLine]
) -> LogisticLabelData:
    customer = uow.config.customer(pallet.customer) if pallet.customer else None
    contents = []
    for line in lines:
        product = uow.config.product(line.product)
        name = product.name if product else line.product
        contents.append(
            PalletContent(
                name, line.gtin, line.lot, line.expiry, line.quantity, line.uom, line.cases
            )
        )
    return LogisticLabelData(
        sscc=pallet.sscc,
        ship_from_name=shipping.ship_from_name or uow.config.identity.site,
        ship_from_address=shipping.ship_from_address,
        ship_to_code=customer.code if customer else "",
        ship_to_name=customer.name if customer else "",
        ship_to_address=customer.address if customer else "",
        ship_to_phone=customer.phone if customer else "",
        contents=tuple(contents),
    )


def _line_dict(line: PalletLine) -> dict[str, object]:
    return {
        "product": line.product,
        "gtin": line.gtin,
        "lot": line.lot,
        "cases": line.cases,
        "quantity": str(line.quantity),
        "uom": line.uom,
    }


def find_pallet(uow: UnitOfWork, sscc: str) -> Pallet | Refusal:
    pallet = dock.pallet_by_sscc(uow.conn, sscc)
    if pallet is None:
        return Refusal(Reason.UNKNOWN_PALLET, f"No pallet of ours has SSCC {sscc}.")
    return pallet


def unpack(uow: UnitOfWork, request: PalletUnpack) -> Done | Refusal:
    """A closed pallet: the DELETE aggregation; an open one is dropped (nothing was announced)."""
    shipping = configured(uow)
    if isinstance(shipping, Refusal):
        return shipping
    now = uow.now()
    with uow.transaction():
        pallet = find_pallet(uow, request.sscc)
        if isinstance(pallet, Refusal):
            return pallet
        if pallet.status not in ("open", "closed"):
            message = f"Pallet {pallet.sscc} is {pallet.status}; " + (
                "void its shipment first (lotedge ship void)."
                if pallet.status == "shipped"
                else "nothing to do."
            )
            return Refusal(Reason.PALLET_STATE, message)
        lines = dock.contents(uow.conn, pallet.id)
        if pallet.status == "closed":
            _emit_packing(uow, shipping, pallet, lines, unpack=True, now=now)
        dock.set_status(uow.conn, pallet.id, "unpacked")
    message = f"Pallet {pallet.sscc} unpacked; its SSCC is not used again."
    return Done(Reason.PALLET_UNPACKED, message, {"sscc": pallet.sscc})


def status_fields(uow: UnitOfWork) -> dict[str, object]:
    """What the status reply (and the station) shows of the dock: the open pallet, the ship-to."""
    pallet = dock.open_pallet(uow.conn)
    return {
        "pallet": None
        if pallet is None
        else {
            "sscc": pallet.sscc,
            "customer": pallet.customer,
            "contents": [_line_dict(line) for line in dock.contents(uow.conn, pallet.id)],
        },
        "ship_to": dock.ship_to(uow.conn),
    }


HANDLERS = {
    PalletOpen: open_pallet,
    PalletClose: close_pallet,
    PalletRepeat: repeat,
    PalletUnpack: unpack,
}
