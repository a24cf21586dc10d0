"""Labels on request: a reprint of a lot's label, or of an internal lot's receiving label."""

from __future__ import annotations

from lotedge.agent.requests import Reply, Reprint
from lotedge.agent.unit_of_work import UnitOfWork
from lotedge.agent.workflows.batches import queue_batch_label
from lotedge.agent.workflows.receiving import internal_receipt, queue_receiving_label
from lotedge.core.batch import Refusal
from lotedge.core.reasons import Reason
from lotedge.state import repo


def reprint(uow: UnitOfWork, request: Reprint) -> Reply | Refusal:
    lot, copies = request.lot, request.copies
    if copies < 1:
        return Refusal(Reason.INVALID_QUANTITY, "copies must be at least 1")
    batch = repo.batch_by_lot(uow.conn, lot)
    receipt = internal_receipt(uow, lot) if batch is None else None
    if batch is None and receipt is None:
        message = f"no batch produced lot {lot!r} and no receipt created it"
        return Refusal(Reason.NOT_FOUND, message)
    now = uow.now()
    with uow.transaction():
        if batch is not None:
            job = queue_batch_label(uow, batch, now, copies=copies, reprint=True)
        else:
            assert receipt is not None
            job = queue_receiving_label(uow, receipt, now, copies=copies, reprint=True)
    if job is None:
        return Refusal(Reason.NO_PRINTER, "no printer is configured")
    message = f"Reprint of lot {lot} queued ({copies} {'copy' if copies == 1 else 'copies'})."
    return Reply(True, {"message": message, "lot": lot, "print_job": job, "copies": copies})


HANDLERS = {Reprint: reprint}
