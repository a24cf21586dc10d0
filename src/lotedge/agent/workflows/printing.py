"""Print jobs as the print worker reports them, and the printer's health.

The worker (`lotedge.printers.worker`) reads due jobs on its own connection and writes nothing:
it claims a job here (committed before the first byte), then reports that every byte reached
the printer, that the label's fate is unknown (`uncertain`: never resent, an alert asks the
operator to check) or that nothing was written (retry later). A new printer fault raises an
alert; the recovery closes it, says so and makes the waiting jobs due.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from lotedge.agent.requests import (
    PrintClaim,
    PrintDone,
    PrinterHealth,
    PrinterStarted,
    PrintRetry,
    PrintUncertain,
    Reply,
)
from lotedge.agent.unit_of_work import UnitOfWork
from lotedge.core import epcis
from lotedge.core.batch import Refusal
from lotedge.core.reasons import Reason
from lotedge.state import print_jobs, repo
from lotedge.wire import topics

log = logging.getLogger(__name__)

PRINTER_FAULT = "printer_fault"
PRINT_UNCERTAIN = "print_uncertain"


def printer_started(uow: UnitOfWork, request: PrinterStarted) -> Reply:
    """Jobs a crash left `sending` become `uncertain`, each with an alert."""
    with uow.transaction():
        found = print_jobs.interrupted(uow.conn, request.printer)
        for job in found:
            _uncertain_alert(uow, job, job["last_error"], request.at)
    return Reply(True, {"uncertain": [job["id"] for job in found]})


def claim(uow: UnitOfWork, request: PrintClaim) -> Reply:
    with uow.transaction():
        claimed = print_jobs.claim(uow.conn, request.job_id)
    return Reply(True, {"claimed": claimed})


def done(uow: UnitOfWork, request: PrintDone) -> Reply | Refusal:
    """The job printed; a batch's label also queues `LabelPrinted` on `ops`."""
    return _on_job(uow, request.job_id, lambda job: _printed(uow, job, request))


def _printed(uow: UnitOfWork, job: dict[str, Any], request: PrintDone) -> None:
    at = request.at
    print_jobs.mark_printed(uow.conn, job["id"], at, request.output)
    log.info(
        "label printed: lot %s on printer %s (print job %s%s)",
        job["lot"],
        job["printer"],
        job["id"],
        f", file {request.output}" if request.output else "",
    )
    batch = repo.batch_by_lot(uow.conn, job["lot"])
    if batch is None:
        return
    when = datetime.fromtimestamp(at).astimezone()
    message = epcis.batch_message(
        uow.config.identity,
        kind="LabelPrinted",
        batch_id=batch.id,
        product=batch.product,
        event_id=uow.new_event_id(),
        when=when,
        lot=job["lot"],
        copies=job["copies"],
        printer=job["printer"],
    )
    uow.emit(topics.OPS, message, when)


def uncertain(uow: UnitOfWork, request: PrintUncertain) -> Reply | Refusal:
    def mark(job: dict[str, Any]) -> None:
        print_jobs.mark_uncertain(uow.conn, job["id"], request.error)
        _uncertain_alert(uow, job, request.error, request.at)

    return _on_job(uow, request.job_id, mark)


def _on_job(
    uow: UnitOfWork, job_id: int, apply: Callable[[dict[str, Any]], None]
) -> Reply | Refusal:
    """`apply` the outcome to print job `job_id`'s record, in one transaction."""
    with uow.transaction():
        job = print_jobs.record(uow.conn, job_id)
        if job is None:
            return Refusal(Reason.NOT_FOUND, f"no print job {job_id}")
        apply(job)
    return Reply(True, {})


def retry(uow: UnitOfWork, request: PrintRetry) -> Reply:
    with uow.transaction():
        print_jobs.retry_later(uow.conn, request.job_id, request.error, request.retry_at)
    return Reply(True, {})


def health(uow: UnitOfWork, request: PrinterHealth) -> Reply:
    """A new fault raises an alert; the recovery from one closes it and makes the jobs due."""
    name, faults, at = request.printer, request.faults, _utc(request.at)
    with uow.transaction():
        if faults:
            waiting = print_jobs.count(uow.conn, name, "queued")
            message = (
                f"Printer {name}: {', '.join(f.replace('_', ' ') for f in faults)}."
                f" Fix it; {waiting} label(s) wait and print when it is ready."
            )
            _alert(uow, PRINTER_FAULT, message, at, printer=name, faults=list(faults))
        elif request.previous:
            print_jobs.retry_now(uow.conn, name, request.at)
            message = f"Printer {name} is ready again."
            log.info("%s", message)
            uow.resolve_alerts(PRINTER_FAULT, "printer recovered", at, printer=name)
            payload = {"type": "printer_recovered", "printer": name, "message": message}
            uow.announce({**payload, "at": at.isoformat()}, at)
    return Reply(True, {})


def _uncertain_alert(uow: UnitOfWork, job: dict[str, Any], error: str, at: float) -> None:
    lot, printer = job["lot"], job["printer"]
    message = (
        f"The label for lot {lot} (print job {job['id']}) may not have printed ({error}). "
        f"Check printer {printer}; if the label is missing run 'lotedge label reprint {lot}'."
    )
    _alert(uow, PRINT_UNCERTAIN, message, _utc(at), printer=printer, lot=lot, job_id=job["id"])


def _alert(uow: UnitOfWork, kind: str, message: str, at: datetime, **details: Any) -> None:
    log.warning("%s", message)
    uow.raise_alert(kind, message, at, **details)


def _utc(at: float) -> datetime:
    return datetime.fromtimestamp(at, UTC)


HANDLERS = {
    PrinterStarted: printer_started,
    PrintClaim: claim,
    PrintDone: done,
    PrintUncertain: uncertain,
    PrintRetry: retry,
    PrinterHealth: health,
}
