"""Receiving: mode, receipt reference, receipts and internal lots, and the open lots for FEFO.

The decisions are `core.receiving`'s, the rows `state.receiving`'s; here a receipt commits with
its ObjectEvent and, for an internal lot, its receiving label (docs/receiving.md).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from lotedge.agent.replies import Done, list_reply
from lotedge.agent.requests import (
    LotsClose,
    LotsList,
    LotsOpen,
    ReceiveUnlabelled,
    Reply,
    SetMode,
    SetReference,
)
from lotedge.agent.unit_of_work import UnitOfWork
from lotedge.agent.workflows.rejections import publish_rejection
from lotedge.core import epcis, quantities
from lotedge.core.batch import Refusal
from lotedge.core.decisions import Decision, Outcome
from lotedge.core.labels import LabelError, ReceivingLabelData
from lotedge.core.lot_lists import list_answer
from lotedge.core.lots import LotFields, LotSequenceExhausted
from lotedge.core.reasons import Reason
from lotedge.core.receiving import (
    Receipt,
    ReceiptContext,
    ReceiptReference,
    ReferenceKind,
    decide_receipt,
    decide_unlabelled,
    label_reference,
    receipt_decision,
)
from lotedge.core.scan import ParsedScan, RawScan
from lotedge.masterdata.suggestions import unknown
from lotedge.ops import metrics
from lotedge.state import lots as lot_ledger
from lotedge.state import receiving as receiving_state
from lotedge.state import repo
from lotedge.wire import topics


def mode(uow: UnitOfWork) -> str:
    """`production` or `receiving`: what a material scan does now."""
    return receiving_state.effective_mode(uow.conn, uow.config.device_role)


def set_mode(uow: UnitOfWork, request: SetMode) -> Done | Refusal:
    role = uow.config.device_role
    if role != "line" and request.mode != role:
        message = f"This device is a {role} station ([{role}] role); it only does {role}."
        return Refusal(Reason.WRONG_MODE, message)
    if request.mode == "shipping" and uow.config.shipping is None:
        return Refusal(Reason.SHIPPING_OFF, "Shipping is not configured (no [shipping] section).")
    with uow.transaction():
        receiving_state.set_mode(uow.conn, request.mode)
    words = {
        "receiving": "Receiving: scan the purchase order or delivery note, then each label.",
        "production": "Production: scans are consumed into the open batch.",
        "shipping": "Shipping: open a pallet and scan its cases, or scan the ship-to and pallets.",
    }
    return Done(Reason.MODE_SET, words[request.mode], {"mode": request.mode})


def set_reference(uow: UnitOfWork, request: SetReference) -> Done | Refusal:
    reference = ReceiptReference(ReferenceKind(request.kind), request.number)
    if not reference.number.strip():
        return Refusal(Reason.NO_REFERENCE, "the reference is empty")
    with uow.transaction():
        receiving_state.set_reference(uow.conn, reference)
    what = "Purchase order" if reference.kind is ReferenceKind.PO else "Delivery note"
    message = f"{what} {reference.number}: the next receipts belong to it."
    return Done(Reason.REFERENCE_SET, message, {"receipt_reference": _reference_dict(reference)})


def _receipt_context(uow: UnitOfWork, now: datetime, scan: ParsedScan | None) -> ReceiptContext:
    """What a receipt is judged against; a `scan` is looked up as a double read and as one of
    our internal lots."""
    window = timedelta(seconds=uow.config.scan.debounce_seconds)
    last = None
    internal = False
    if scan is not None:
        last = repo.last_accepted(uow.conn, scan.dedupe_key, None, now - window)
        internal = receiving_state.is_internal(uow.conn, scan.material_code, scan.lot)
    return ReceiptContext(
        now=now,
        materials=uow.config.materials,
        reference=receiving_state.reference(uow.conn),
        debounce=window,
        last_seen=last,
        repeat_armed=uow.memory.repeat_armed,
        internal_lot=internal,
        locations=uow.config.location_book,
        fsma204=uow.config.compliance.fsma204,
        site=uow.config.identity.site,
    )


def receive_scan(uow: UnitOfWork, raw: RawScan, parsed: ParsedScan, dry_run: bool) -> Decision:
    """A material scan in receiving mode: a receipt (with its event), or a rejection.

    A purchase order on the label (AI 400) becomes the reference for this receipt and the
    following ones. `dry_run` judges without writing (`lotedge parse` on a read-only state).
    """
    now = raw.received_at.astimezone()
    if dry_run:
        return _judge_receipt(uow, parsed, now)[1]
    with uow.transaction():
        on_label = label_reference(parsed)
        if on_label is not None:
            receiving_state.set_reference(uow.conn, on_label)
        result, decision = _judge_receipt(uow, parsed, now)
        scan_id = repo.record_scan(uow.conn, raw, decision, parsed.dedupe_key, None)
        if isinstance(result, Receipt):
            _record_receipt(uow, result, scan_id, uow.new_event_id())
        else:
            publish_rejection(uow, raw, decision, scan_id, None, "receiving")
    metrics.SCANS.labels(decision.outcome.value, decision.reason.value).inc()
    if decision.outcome is Outcome.RECEIVED:
        uow.memory.repeat_armed = False
    return decision


def _judge_receipt(
    uow: UnitOfWork, parsed: ParsedScan, now: datetime
) -> tuple[Receipt | Decision, Decision]:
    """The receipt (or the rejection) and the decision the operator is told."""
    ctx = _receipt_context(uow, now, parsed)
    on_label = label_reference(parsed)
    if on_label is not None:
        ctx = replace(ctx, reference=on_label)
    result = decide_receipt(parsed, ctx)
    if isinstance(result, Decision):
        return result, result
    return result, receipt_decision(result, parsed)


def _record_receipt(uow: UnitOfWork, receipt: Receipt, scan_id: int | None, event_id: str) -> None:
    """The receipt row, its open lot and its ObjectEvent (`event_id`)."""
    receiving_state.record_receipt(uow.conn, receipt, scan_id=scan_id, event_id=event_id)
    event = epcis.receiving_event(
        uow.config.identity, receipt, event_id=event_id, when=receipt.received_at
    )
    uow.emit(topics.EVENTS, event, receipt.received_at)


def receive_unlabelled(uow: UnitOfWork, request: ReceiveUnlabelled) -> Reply | Refusal:
    material = uow.config.material(request.material)
    if material is None:
        return _unknown_material(uow, request.material, "nothing was received")
    now = uow.now()
    result = decide_unlabelled(
        material, request.quantity, request.expiry, _receipt_context(uow, now, None)
    )
    if isinstance(result, Decision):
        return Refusal(result.reason, result.message)
    try:
        maximum = uow.config.limits.max_quantity
        quantities.check_quantity(request.quantity, "Quantity", maximum=maximum, unit=material.uom)
    except quantities.QuantityError as exc:
        return Refusal(Reason.INVALID_QUANTITY, str(exc))
    identity = uow.config.identity
    fields = LotFields(now.date(), identity.site, identity.line, material.code)
    try:
        with uow.transaction():
            event_id = uow.new_event_id()  # the ledger names the receipt's event
            lot = lot_ledger.allocate(
                uow.conn, uow.config.receiving, fields, issued_for=event_id, now=now
            )
            receipt = replace(result, lot=lot)
            _record_receipt(uow, receipt, None, event_id)
            job = queue_receiving_label(uow, receipt, now)
    except LotSequenceExhausted as exc:
        return Refusal(Reason.LOT_SEQUENCE_EXHAUSTED, str(exc))
    except LabelError as exc:
        message = f"The receiving label cannot be made: {exc}. Nothing was received."
        return Refusal(Reason.LABEL_ERROR, message)
    decision = receipt_decision(receipt, None)
    return Reply(True, {**decision.as_dict(), "lot": lot, "print_job": job})


def _unknown_material(uow: UnitOfWork, code: str, consequence: str) -> Refusal:
    known = [m.code for m in uow.config.materials]
    return Refusal(Reason.UNKNOWN_MATERIAL, unknown("material", code, known, consequence))


def queue_receiving_label(
    uow: UnitOfWork, receipt: Receipt, now: datetime, *, copies: int = 1, reprint: bool = False
) -> int | None:
    """The receiving label of an internal lot, queued for the printer (None without one)."""
    label = ReceivingLabelData.for_receipt(receipt, uow.config.identity)
    template = uow.config.receiving.label_template
    return uow.queue_label(label, template, batch_id=None, at=now, copies=copies, reprint=reprint)


def internal_receipt(uow: UnitOfWork, lot: str) -> Receipt | None:
    """The receipt that created internal lot `lot` (to reprint its label), if any."""
    found = receiving_state.internal_receipt(uow.conn, lot)
    material = uow.config.material(found[0]) if found else None
    if found is None or material is None:
        return None
    _, gtin, quantity, uom, expiry, reference, received_at = found
    return Receipt(material, lot, True, gtin, quantity, uom, expiry, reference, received_at)


def lots_open(uow: UnitOfWork, request: LotsOpen) -> Reply:
    """Open lots the store pushed, or a page of its list."""
    return list_reply(_open_from_store(uow, request), request.page)


def _open_from_store(uow: UnitOfWork, request: LotsOpen) -> Reply | Refusal:
    material = request.material
    if uow.config.material(material) is None:  # no scan could ever match its lots
        return _unknown_material(uow, material, "no lot was opened")
    with uow.transaction():
        recorded = receiving_state.open_from_store(
            uow.conn,
            material,
            list(request.lots),
            replace=request.replace,
            page=request.page,
            now=uow.now(),
        )
    answer = list_answer(recorded, request.page, material, "open lot")
    return Reply(True, {**answer, "lots": receiving_state.lot_list(uow.conn, material)})


def lots_close(uow: UnitOfWork, request: LotsClose) -> Reply | Refusal:
    if uow.config.material(request.material) is None:
        return _unknown_material(uow, request.material, "no lot was closed")
    with uow.transaction():
        closed = receiving_state.close(uow.conn, request.material, request.lot, uow.now())
    if not closed:
        return Refusal(Reason.NOT_FOUND, f"{request.material} lot {request.lot} is not open")
    return Reply(True, {"message": f"{request.material} lot {request.lot} closed."})


def lots_list(uow: UnitOfWork, request: LotsList) -> Reply | Refusal:
    if request.material is not None and uow.config.material(request.material) is None:
        return _unknown_material(uow, request.material, "it has no lots")
    return Reply(True, {"lots": receiving_state.lot_list(uow.conn, request.material)})


def status_fields(uow: UnitOfWork) -> dict[str, object]:
    """The `status` fields the station page shows for receiving."""
    return {
        "mode": mode(uow),
        "role": uow.config.receiving.role,
        "receipt_reference": _reference_dict(receiving_state.reference(uow.conn)),
    }


def _reference_dict(reference: ReceiptReference | None) -> dict[str, str] | None:
    if reference is None:
        return None
    return {"type": reference.kind.value, "number": reference.number}


HANDLERS = {
    SetMode: set_mode,
    SetReference: set_reference,
    ReceiveUnlabelled: receive_unlabelled,
    LotsOpen: lots_open,
    LotsClose: lots_close,
    LotsList: lots_list,
}
