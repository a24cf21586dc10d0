"""Scans at the line: parse, decide, and commit the audit row with its consumption and event.

A command barcode goes to `commands`, a scan in receiving mode to `receiving`; everything else
is judged by `core.decisions.decide_material` against the open batch, the hold list and the
open lots, and answered only after its transaction is on disk.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from lotedge.agent.replies import decision_reply
from lotedge.agent.requests import Reply, ScanRequest
from lotedge.agent.unit_of_work import UnitOfWork
from lotedge.agent.workflows import commands, dock, receiving
from lotedge.agent.workflows.rejections import publish_rejection
from lotedge.core import epcis
from lotedge.core.batch import Batch
from lotedge.core.decisions import Decision, Outcome, ScanContext, decide_material
from lotedge.core.scan import Command, ParsedScan, RawScan, ScanKind, parse_scan
from lotedge.ops import metrics
from lotedge.state import holds as hold_list
from lotedge.state import receiving as receiving_state
from lotedge.state import repo
from lotedge.wire import topics


def scan(uow: UnitOfWork, request: ScanRequest) -> Reply:
    """Judge one scan; record it unless `dry_run` (`lotedge parse` on a read-only state)."""
    raw, dry_run = request.raw, request.dry_run
    config = uow.config
    parsed = parse_scan(raw, config.materials, config.scan.command_prefix)
    if parsed.kind is ScanKind.REFERENCE and parsed.purchase_order is not None:
        # A purchase order barcode (AI 400) works like #LE:REF:<number>.
        parsed = replace(parsed, command=Command("REF", (parsed.purchase_order,)))
    if parsed.command is not None:
        return decision_reply(commands.run(uow, raw, parsed, dry_run))
    mode = receiving.mode(uow)
    if mode == "receiving":
        return decision_reply(receiving.receive_scan(uow, raw, parsed, dry_run))
    if mode == "shipping":
        return decision_reply(dock.scan(uow, raw, parsed, dry_run))
    decision = decide_material(parsed, _context(uow, parsed, raw.received_at))
    if dry_run:
        return decision_reply(decision)
    _record(uow, raw, decision)
    metrics.SCANS.labels(decision.outcome.value, decision.reason.value).inc()
    if decision.outcome is Outcome.ACCEPTED:
        uow.memory.repeat_armed = False
    return decision_reply(decision)


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
            _consume(uow, open_batch, scan_id, parsed, raw.received_at.astimezone())
        elif decision.outcome is Outcome.REJECTED:
            publish_rejection(uow, raw, decision, scan_id, batch_id, "line")


def _consume(
    uow: UnitOfWork, open_batch: Batch, scan_id: int, parsed: ParsedScan, when: datetime
) -> None:
    """The consumption row, its TransformationEvent and the open lot's running total."""
    material = uow.config.material(parsed.material_code or "")
    assert material is not None and parsed.lot is not None
    quantity = parsed.quantity
    uom = parsed.uom
    if quantity is None and material.default_quantity is not None:
        quantity, uom = Decimal(str(material.default_quantity)), material.uom
    event_id = uow.new_event_id()
    repo.record_consumption(
        uow.conn,
        batch_id=open_batch.id,
        scan_id=scan_id,
        scan=parsed,
        material=material.code,
        quantity=quantity,
        uom=uom or material.uom,
        when=when,
        event_id=event_id,
    )
    event = epcis.consumption_event(
        uow.config.identity,
        batch_id=open_batch.id,
        material=material,
        gtin=parsed.gtin,
        lot=parsed.lot,
        quantity=quantity,
        uom=uom or material.uom,
        event_id=event_id,
        when=when,
    )
    uow.emit(topics.EVENTS, event, when)
    receiving_state.consume(
        uow.conn, material.code, parsed.lot, quantity, uom or material.uom, when
    )


HANDLERS = {ScanRequest: scan}
