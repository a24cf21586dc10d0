"""Scans at the line: parse, decide, and commit the audit row with its consumption and event.

A command barcode goes to `commands`, a scan in receiving mode to `receiving`; everything else
is judged by `core.decisions.decide_material` against the open batch, the hold list and the
open lots, and answered only after its transaction is on disk. An accepted container is
consumed (`consumption`), or for a weighed material waits for its weight (`weighing`).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from lotedge.agent.replies import decision_reply
from lotedge.agent.requests import Reply, ScanRequest
from lotedge.agent.unit_of_work import UnitOfWork
from lotedge.agent.workflows import commands, receiving, weighing
from lotedge.agent.workflows.consumption import Consumed, consume
from lotedge.agent.workflows.rejections import publish_rejection
from lotedge.core.batch import Batch
from lotedge.core.decisions import Decision, Outcome, ScanContext, decide_material
from lotedge.core.reasons import Reason
from lotedge.core.scan import Command, ParsedScan, RawScan, ScanKind, parse_scan
from lotedge.ops import metrics
from lotedge.state import holds as hold_list
from lotedge.state import receiving as receiving_state
from lotedge.state import repo

log = logging.getLogger(__name__)


def scan(uow: UnitOfWork, request: ScanRequest) -> Reply:
    """Judge one scan; record it unless `dry_run` (`lotedge parse` on a read-only state), and
    log the decision (one INFO line: a tech at the console sees each scan)."""
    decision = _decide(uow, request)
    reply = decision_reply(decision)
    # Which batch the container went into (none: it went into no batch).
    into = repo.open_batch(uow.conn) if decision.reason is Reason.ACCEPTED else None
    reply.data["batch"] = {"id": into.id, "product": into.product} if into else None
    if not request.dry_run:
        parsed = decision.scan
        log.info(
            "scan from %s: %s (%s) material %s lot %s: %s",
            request.raw.source,
            decision.outcome.value,
            decision.reason.value,
            (parsed.material_code if parsed else None) or "-",
            (parsed.lot if parsed else None) or "-",
            decision.message,
        )
    return reply


def _decide(uow: UnitOfWork, request: ScanRequest) -> Decision:
    raw, dry_run = request.raw, request.dry_run
    config = uow.config
    parsed = parse_scan(raw, config.materials, config.scan.command_prefix)
    if parsed.kind is ScanKind.REFERENCE and parsed.purchase_order is not None:
        # A purchase order barcode (AI 400) works like #LE:REF:<number>.
        parsed = replace(parsed, command=Command("REF", (parsed.purchase_order,)))
    if parsed.command is not None:
        return commands.run(uow, raw, parsed, dry_run)
    if receiving.mode(uow) == "receiving":
        return receiving.receive_scan(uow, raw, parsed, dry_run)
    decision = decide_material(parsed, _context(uow, parsed, raw.received_at))
    decision = weighing.judge_scan(uow, decision)
    if dry_run:
        return decision
    _record(uow, raw, decision)
    metrics.SCANS.labels(decision.outcome.value, decision.reason.value).inc()
    if decision.outcome is Outcome.ACCEPTED:
        uow.memory.repeat_armed = False
    return decision


def _context(uow: UnitOfWork, parsed: ParsedScan, received_at: datetime) -> ScanContext:
    conn, config = uow.conn, uow.config
    open_batch = repo.open_batch(conn)
    window = timedelta(seconds=config.scan.debounce_seconds)
    open_lots = receiving_state.open_lots(conn, parsed.material_code or "")
    candidates = {lot.lot for lot in open_lots} | ({parsed.lot} if parsed.lot else set())
    return ScanContext(
        now=received_at.astimezone(),
        product=config.product(open_batch.product) if open_batch else None,
        materials=config.materials,
        debounce=window,
        last_seen=repo.last_accepted(
            conn, parsed.dedupe_key, open_batch.id if open_batch else None, received_at - window
        ),
        repeat_armed=uow.memory.repeat_armed,
        holds=hold_list.for_lots(conn, candidates),
        fefo=config.scan.fefo,
        open_lots=open_lots,
    )


def _record(uow: UnitOfWork, raw: RawScan, decision: Decision) -> None:
    parsed = decision.scan
    key = parsed.dedupe_key if parsed else ""
    with uow.transaction():
        open_batch = repo.open_batch(uow.conn)
        batch_id = open_batch.id if open_batch else None
        scan_id = repo.record_scan(uow.conn, raw, decision, key, batch_id)
        if decision.outcome is Outcome.ACCEPTED:
            assert parsed is not None and open_batch is not None and parsed.lot
            if weighing.weighs(uow.config, parsed.material_code):
                weighing.begin(uow, open_batch, scan_id, parsed)
            else:
                _consume(uow, open_batch, scan_id, parsed, raw.received_at.astimezone())
        elif decision.outcome is Outcome.REJECTED:
            publish_rejection(uow, raw, decision, scan_id, batch_id, "line")


def _consume(
    uow: UnitOfWork, open_batch: Batch, scan_id: int, parsed: ParsedScan, when: datetime
) -> None:
    """A counted container: the label's quantity, else the material's default."""
    material = uow.config.material(parsed.material_code or "")
    assert material is not None and parsed.lot is not None
    quantity, uom = parsed.quantity, parsed.uom
    if quantity is None and material.default_quantity is not None:
        quantity, uom = Decimal(str(material.default_quantity)), material.uom
    item = Consumed(material.code, parsed.gtin, parsed.lot, parsed.expiry)
    consume(uow, open_batch.id, scan_id, item, quantity, uom or material.uom, when)


HANDLERS = {ScanRequest: scan}
