"""Batches: start, end (lot number, output event and label, together) and cancel.

The transitions are `core.batch`'s; here they commit with their `ops` message or output event,
and a batch end with its lot and label job, or nothing at all.
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal

from lotedge.agent.replies import Done
from lotedge.agent.requests import CancelBatch, EndBatch, StartBatch
from lotedge.agent.unit_of_work import UnitOfWork
from lotedge.agent.workflows import weighing
from lotedge.core import batch as batch_rules
from lotedge.core import epcis
from lotedge.core.batch import Batch, Refusal
from lotedge.core.labels import LabelData, LabelError
from lotedge.core.lots import LotFields, LotSequenceExhausted
from lotedge.core.reasons import Reason
from lotedge.masterdata.items import Product
from lotedge.ops import metrics
from lotedge.state import lots as lot_ledger
from lotedge.state import repo
from lotedge.wire import topics

log = logging.getLogger(__name__)


def start(uow: UnitOfWork, request: StartBatch) -> Done | Refusal:
    now = uow.now()
    with uow.transaction():
        result = batch_rules.start(
            repo.open_batch(uow.conn),
            uow.config.product(request.product),
            request.product,
            batch_id=uow.new_id(),
            planned_qty=request.planned_qty,
            operator=request.operator,
            now=now,
            known_products=[p.code for p in uow.config.products],
        )
        if isinstance(result, Refusal):
            return result
        repo.save_batch(uow.conn, result)
        _batch_message(uow, "BatchStarted", result, now, planned=result.planned_qty)
    metrics.BATCHES.labels("started").inc()
    who = f", operator {result.operator}" if result.operator else ""
    log.info("batch started: %s (batch %s%s)", result.product, result.id, who)
    return _done(result, Reason.BATCH_STARTED, f"Batch {result.product} started.")


def end(uow: UnitOfWork, request: EndBatch) -> Done | Refusal:
    qty = batch_rules.parse_quantity(request.produced_qty, "Produced quantity")
    if isinstance(qty, Refusal) or qty is None:
        return qty or Refusal(Reason.INVALID_QUANTITY, "A quantity is needed.")
    now = uow.now()
    try:
        with uow.transaction():
            if refusal := weighing.pending_refusal(uow, "Ending the batch"):
                return refusal
            ended, job = _close(uow, qty, now)
            totals = weighing.totals(uow, ended)
    except _Rollback as rollback:
        return rollback.refusal
    metrics.BATCHES.labels("ended").inc()
    metrics.LOTS.labels(ended.product).inc()
    log.info(
        "batch ended: %s lot %s, %s produced (batch %s)",
        ended.product,
        ended.lot,
        ended.produced_qty,
        ended.id,
    )
    weighed = "".join(f" {total.text()}." for total in totals)
    done = _done(ended, Reason.BATCH_ENDED, f"Batch ended: lot {ended.lot}.{weighed}")
    done.data["print_job"] = job
    if totals:
        done.data["weighed"] = [total.as_dict() for total in totals]
    return done


def _close(uow: UnitOfWork, qty: Decimal, now: datetime) -> tuple[Batch, int | None]:
    """Lot, batch row, output event and label job; raises _Rollback to undo them all."""
    open_batch = repo.open_batch(uow.conn)
    if open_batch is None:
        raise _Rollback(Refusal(Reason.NO_OPEN_BATCH, "No batch is open to end."))
    product = uow.config.product(open_batch.product)
    if product is None:
        raise _Rollback(Refusal(Reason.UNKNOWN_PRODUCT, f"{open_batch.product} left the config."))
    identity = uow.config.identity
    fields = LotFields(now.date(), identity.site, identity.line, product.code)
    try:
        lot = lot_ledger.allocate(uow.conn, product, fields, issued_for=open_batch.id, now=now)
    except LotSequenceExhausted as exc:
        raise _Rollback(Refusal(Reason.LOT_SEQUENCE_EXHAUSTED, str(exc))) from None
    ended = batch_rules.end(open_batch, qty, lot, now)
    assert isinstance(ended, Batch)
    repo.save_batch(uow.conn, ended)
    label = _label(uow, ended)
    event_id = uow.new_event_id()
    event = epcis.output_event(
        identity,
        batch_id=ended.id,
        product=product,
        lot=lot,
        quantity=qty,
        produced=label.produced,
        expiry=label.expiry,
        event_id=event_id,
        when=now,
    )
    uow.emit(topics.EVENTS, event, now)
    try:
        job = uow.queue_label(label, product.label_template, batch_id=ended.id, at=now)
    except LabelError as exc:
        message = f"The label cannot be made: {exc}. Nothing was ended."
        raise _Rollback(Refusal(Reason.LABEL_ERROR, message)) from None
    return ended, job


def cancel(uow: UnitOfWork, request: CancelBatch) -> Done | Refusal:
    now = uow.now()
    with uow.transaction():
        result = batch_rules.cancel(repo.open_batch(uow.conn), now)
        if isinstance(result, Refusal):
            return result
        repo.save_batch(uow.conn, result)
        weighing.cancel(uow, result.id, now)
        _batch_message(uow, "BatchCancelled", result, now, reason=request.reason)
    metrics.BATCHES.labels("cancelled").inc()
    log.info("batch cancelled: %s (batch %s) %s", result.product, result.id, request.reason)
    return _done(result, Reason.BATCH_CANCELLED, "Batch cancelled.")


def queue_batch_label(
    uow: UnitOfWork, batch: Batch, at: datetime, *, copies: int = 1, reprint: bool = False
) -> int | None:
    """The label of an ended batch's lot, queued again for the printer (None without one)."""
    template = _product(uow, batch).label_template
    label = _label(uow, batch)
    return uow.queue_label(
        label, template, batch_id=batch.id, at=at, copies=copies, reprint=reprint
    )


def _product(uow: UnitOfWork, batch: Batch) -> Product:
    product = uow.config.product(batch.product)
    assert product is not None
    return product


def _label(uow: UnitOfWork, batch: Batch) -> LabelData:
    """The label of an ended batch's lot."""
    assert batch.lot and batch.ended_at and batch.produced_qty
    return LabelData.for_lot(
        _product(uow, batch),
        uow.config.identity,
        lot=batch.lot,
        quantity=batch.produced_qty,
        produced=batch.ended_at.date(),
        operator=batch.operator,
    )


def _batch_message(
    uow: UnitOfWork, kind: str, batch: Batch, now: datetime, **details: object
) -> None:
    message = epcis.batch_message(
        uow.config.identity,
        kind=kind,
        batch_id=batch.id,
        product=batch.product,
        event_id=uow.new_event_id(),
        when=now,
        **details,
    )
    uow.emit(topics.OPS, message, now)


class _Rollback(Exception):
    """Raised inside a transaction to undo it and answer with a refusal."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal


def batch_dict(batch: Batch) -> dict[str, object]:
    """A batch as replies and the status show it."""
    return {
        "id": batch.id,
        "product": batch.product,
        "status": batch.status,
        "operator": batch.operator,
        "planned_qty": str(batch.planned_qty) if batch.planned_qty is not None else None,
        "produced_qty": str(batch.produced_qty) if batch.produced_qty is not None else None,
        "started_at": batch.started_at.isoformat(),
        "ended_at": batch.ended_at.isoformat() if batch.ended_at else None,
        "lot": batch.lot,
    }


def _done(batch: Batch, reason: Reason, message: str) -> Done:
    return Done(reason, message, {"batch": batch_dict(batch)})


HANDLERS = {StartBatch: start, EndBatch: end, CancelBatch: cancel}
