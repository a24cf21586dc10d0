"""The engine: the single writer of the agent's state, serving requests from a queue.

Scanner threads, the control socket and MQTT commands call `call()` / `submit()`; one thread
applies requests in order, so the decision, the consumption, the lot counter and the outbox row
always commit together. A scan is answered only after its transaction is on disk.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from lotedge.agent.receiving import LabelRender, ReceivingFlow
from lotedge.agent.requests import (
    AlertAck,
    CancelBatch,
    EndBatch,
    HoldAdd,
    HoldList,
    HoldRemove,
    LotsClose,
    LotsList,
    LotsOpen,
    Once,
    ReceiveUnlabelled,
    Reply,
    Reprint,
    Request,
    ScanRequest,
    SetMode,
    SetReference,
    StartBatch,
    Status,
)
from lotedge.config.model import Config
from lotedge.core import batch as batches
from lotedge.core import epcis
from lotedge.core.batch import Batch, Refusal
from lotedge.core.decisions import Decision, Outcome, Reason, ScanContext, decide_material
from lotedge.core.holds import HeldItem, Hold, HoldScope, ScopeError, check_scope
from lotedge.core.labels import LabelData, LabelError
from lotedge.core.lots import LotFields, LotSequenceExhausted
from lotedge.core.receiving import (
    ReceiptReference,
    ReferenceKind,
)
from lotedge.core.scan import Command, ParsedScan, RawScan, ScanKind, parse_scan
from lotedge.ops import metrics
from lotedge.state import alerts, lots, outbox, print_jobs, receiving, repo
from lotedge.state import holds as hold_list
from lotedge.state.db import transaction
from lotedge.wire import topics

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
#: How long a remote caller's transaction id is remembered for at-most-once commands.
REMEMBER_COMMANDS = timedelta(days=30)
#: The alert raised when a hold arrives for a lot the open batch already consumed.
HELD_LOT_ALERT = "held_lot_in_batch"


def local_now() -> datetime:
    """Wall-clock time with the local UTC offset (events carry it)."""
    return datetime.now().astimezone()


class Engine(ReceivingFlow):
    """Owns the state connection; every state change goes through `_handle` on one thread."""

    def __init__(
        self,
        config: Config,
        conn: sqlite3.Connection,
        *,
        render_label: LabelRender | None = None,
        clock: Clock = local_now,
    ) -> None:
        self.config = config
        self._conn = conn
        self._render_label = render_label
        self._clock = clock
        self._queue: queue.Queue[tuple[Request, Future[Reply]] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._repeat_armed = False
        #: Called after each request that queued outbox rows or print jobs (wake the workers).
        self.after_commit: list[Callable[[], None]] = []
        self._queued_work = False
        #: Extra sections of the status reply (printer, publisher), added by the adapters.
        self.status_providers: dict[str, Callable[[], object]] = {}
        #: Live metrics (outbox, printer, cameras), added by the adapters; read at scrape time.
        self.metric_sources: list[metrics.MetricSource] = []
        #: monotonic time the loop last went round; the systemd watchdog checks it.
        self.heartbeat = time.monotonic()

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="engine", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish every request already queued, then stop."""
        if self._thread is None:
            return
        self._queue.put(None)
        self._thread.join(timeout)
        self._thread = None

    def _loop(self) -> None:
        while True:
            try:
                item = self._queue.get(timeout=1.0)
            except queue.Empty:
                self.heartbeat = time.monotonic()
                continue
            self.heartbeat = time.monotonic()
            if item is None:
                return
            request, future = item
            if future.set_running_or_notify_cancel():
                future.set_result(self.handle(request))

    # -- entry points for adapters -----------------------------------------------------------
    def submit(self, request: Request) -> Future[Reply]:
        future: Future[Reply] = Future()
        self._queue.put((request, future))
        return future

    def call(self, request: Request, timeout: float | None = 30.0) -> Reply:
        return self.submit(request).result(timeout)

    def submit_scan(self, raw: RawScan) -> Reply:
        """The ScanSink given to scanner and camera sources."""
        return self.call(ScanRequest(raw))

    # -- request handling (engine thread only, or direct use in tests) --------------------------
    def handle(self, request: Request) -> Reply:
        """Apply one request. Never raises: failures become an error reply and nothing commits."""
        self._queued_work = False
        try:
            return self._dispatch(request)
        except Exception as exc:
            log.exception("request %r failed", request)
            return Reply(False, error=f"not recorded: {exc}", code=Reason.NOT_RECORDED.value)
        finally:
            if self._queued_work:
                for wake in self.after_commit:
                    wake()

    def _dispatch(self, request: Request) -> Reply:
        match request:
            case ScanRequest(raw=raw, dry_run=dry_run):
                return self._scan(raw, dry_run)
            case StartBatch():
                return self._start(request)
            case EndBatch(produced_qty=qty):
                return self._end(qty)
            case CancelBatch(reason=reason):
                return self._cancel(reason)
            case Status():
                return Reply(True, self.status())
            case HoldAdd():
                return self._hold_add(request)
            case HoldRemove():
                return self._hold_remove(request)
            case HoldList():
                holds = hold_list.active(self._conn)
                lines = [_hold_line(hold) for hold in holds] or ["Nothing is on hold."]
                return Reply(True, {"message": "\n".join(lines), "holds": _holds(holds)})
            case Reprint(lot=lot, copies=copies):
                return self._reprint(lot, copies)
            case AlertAck(alert_id=alert_id, operator=operator):
                return self._acknowledge(alert_id, operator)
            case SetMode(mode=mode):
                return self._set_mode(mode)
            case SetReference(number=number, kind=kind):
                return self._set_reference(ReceiptReference(ReferenceKind(kind), number))
            case ReceiveUnlabelled():
                return self._receive_unlabelled(request)
            case LotsOpen(material=material, lots=open_lots, replace=replace_all):
                return self._lots_open(material, open_lots, replace_all)
            case LotsClose(material=material, lot=lot):
                return self._lots_close(material, lot)
            case LotsList(material=material):
                return Reply(True, {"lots": receiving.lot_list(self._conn, material)})
            case Once(request=inner, key=key):
                return self._once(inner, key)
        raise TypeError(f"unknown request {request!r}")

    def _once(self, request: Request, key: str) -> Reply:
        """Apply `request` unless `key` was seen; effect and stored reply commit together."""
        stored = repo.stored_reply(self._conn, key)
        if stored is not None:
            return Reply(stored["ok"], stored["data"], stored["error"], stored["code"])
        with transaction(self._conn):
            reply = self._dispatch(request)
            record = {"ok": reply.ok, "data": reply.data, "error": reply.error, "code": reply.code}
            repo.store_reply(self._conn, key, record, self._clock(), REMEMBER_COMMANDS)
        return reply

    # -- scans -------------------------------------------------------------------------------
    def _scan(self, raw: RawScan, dry_run: bool) -> Reply:
        parsed = parse_scan(raw, self.config.materials, self.config.scan.command_prefix)
        if parsed.kind is ScanKind.REFERENCE and parsed.purchase_order is not None:
            # A purchase order barcode (AI 400) works like #LE:REF:<number>.
            parsed = replace(parsed, command=Command("REF", (parsed.purchase_order,)))
        if parsed.command is not None:
            if dry_run:
                return describe_decision(self._command_decision(parsed, parsed.command, dry_run))
            with transaction(self._conn):  # the command and its audit row commit together
                before = repo.open_batch(self._conn)
                decision = self._command_decision(parsed, parsed.command, dry_run)
                after = repo.open_batch(self._conn)
                batch = after or before
                repo.record_scan(self._conn, raw, decision, parsed.dedupe_key, batch and batch.id)
            metrics.SCANS.labels(decision.outcome.value, decision.reason.value).inc()
            return describe_decision(decision)
        if self._mode() == "receiving":
            return describe_decision(self._receive_scan(raw, parsed, dry_run))
        decision = decide_material(parsed, self._context(parsed, raw.received_at))
        if dry_run:
            return describe_decision(decision)
        self._record(raw, decision)
        metrics.SCANS.labels(decision.outcome.value, decision.reason.value).inc()
        if decision.outcome is Outcome.ACCEPTED:
            self._repeat_armed = False
        return describe_decision(decision)

    def _context(self, parsed: ParsedScan, received_at: datetime) -> ScanContext:
        open_batch = repo.open_batch(self._conn)
        window = timedelta(seconds=self.config.scan.debounce_seconds)
        open_lots = receiving.open_lots(self._conn, parsed.material_code or "")
        lots = {lot.lot for lot in open_lots} | ({parsed.lot} if parsed.lot else set())
        return ScanContext(
            now=received_at.astimezone(),
            product=self.config.product(open_batch.product) if open_batch else None,
            materials=self.config.materials,
            debounce=window,
            last_seen=repo.last_accepted(
                self._conn, parsed.dedupe_key, open_batch and open_batch.id, received_at - window
            ),
            repeat_armed=self._repeat_armed,
            holds=hold_list.for_lots(self._conn, lots),
            fefo=self.config.scan.fefo,
            open_lots=open_lots,
        )

    def _record(self, raw: RawScan, decision: Decision) -> None:
        scan = decision.scan
        key = scan.dedupe_key if scan else ""
        now = self._clock()
        with transaction(self._conn):
            open_batch = repo.open_batch(self._conn)
            batch_id = open_batch.id if open_batch else None
            scan_id = repo.record_scan(self._conn, raw, decision, key, batch_id)
            if decision.outcome is Outcome.ACCEPTED:
                assert scan is not None and open_batch is not None and scan.lot
                self._consume(open_batch, scan_id, scan, raw.received_at.astimezone())
            elif decision.outcome is Outcome.REJECTED:
                self._rejection(raw, decision, scan_id, batch_id, "line", now)

    def _rejection(
        self,
        raw: RawScan,
        decision: Decision,
        scan_id: int,
        batch_id: str | None,
        stage: str,
        now: datetime,
    ) -> None:
        """Publish a rejected scan on `rejections`; `stage` is `line` or `receiving`. The
        eventID lets the trace store keep it once; material, vendor, GTIN and lot let it
        count the rejection against the vendor."""
        event_id = f"urn:uuid:{uuid.uuid4()}"
        payload = {
            "eventID": event_id,
            "scan": scan_id,
            "source": raw.source,
            "time": raw.received_at.isoformat(),
            "text": decision.scan.text if decision.scan else "",
            "batch": batch_id,
            "stage": stage,
            **decision.as_dict(),
            **self._lot_named(decision.scan),
        }
        self._enqueue(topics.REJECTIONS, payload, event_id, now)

    def _lot_named(self, scan: ParsedScan | None) -> dict[str, object]:
        """Material, vendor, GTIN and lot of a rejected scan, for the store's vendor report."""
        if scan is None:
            return {}
        material = self.config.material(scan.material_code or "")
        vendor = material.vendor if material else None
        return {
            "material": scan.material_code,
            "vendor": vendor,
            "gtin": scan.gtin,
            "lot": scan.lot,
        }

    def _consume(self, open_batch: Batch, scan_id: int, scan: ParsedScan, when: datetime) -> None:
        material = self.config.material(scan.material_code or "")
        assert material is not None and scan.lot is not None
        quantity = scan.quantity
        uom = scan.uom
        if quantity is None and material.default_quantity is not None:
            quantity, uom = Decimal(str(material.default_quantity)), material.uom
        event_id = f"urn:uuid:{uuid.uuid4()}"
        repo.record_consumption(
            self._conn,
            batch_id=open_batch.id,
            scan_id=scan_id,
            scan=scan,
            material=material.code,
            quantity=quantity,
            uom=uom or material.uom,
            when=when,
            event_id=event_id,
        )
        event = epcis.consumption_event(
            self.config.identity,
            batch_id=open_batch.id,
            material=material,
            gtin=scan.gtin,
            lot=scan.lot,
            quantity=quantity,
            uom=uom or material.uom,
            event_id=event_id,
            when=when,
        )
        self._enqueue(topics.EVENTS, event, event_id, when)
        receiving.consume(self._conn, material.code, scan.lot, quantity, uom or material.uom, when)

    def _enqueue(
        self, topic: str, payload: dict[str, object], event_id: str, when: datetime
    ) -> None:
        self._queued_work = True
        outbox.enqueue(
            self._conn,
            topic=topic,
            payload=epcis.encode(payload),
            event_id=event_id,
            created_at=when.timestamp(),
        )

    # -- command barcodes ----------------------------------------------------------------------
    def _command_decision(self, parsed: ParsedScan, command: Command, dry_run: bool) -> Decision:
        if command.verb == "AGAIN":
            if not dry_run:
                self._repeat_armed = True
            return Decision(
                Outcome.COMMAND,
                Reason.REPEAT_ARMED,
                "Next scan of the same label counts as another container.",
                parsed,
            )
        request: Request
        if command.verb == "START" and command.args:
            planned = command.args[1] if len(command.args) > 1 else None
            qty = batches.parse_quantity(planned, "Planned quantity")
            if isinstance(qty, Refusal):
                return Decision(Outcome.REJECTED, qty.reason, qty.message, parsed)
            request = StartBatch(command.args[0], qty)
        elif command.verb == "END":
            qty = batches.parse_quantity(command.args[0] if command.args else None, "Quantity")
            if isinstance(qty, Refusal) or qty is None:
                message = qty.message if qty else "END needs the produced quantity, e.g. END:120."
                return Decision(Outcome.REJECTED, Reason.INVALID_QUANTITY, message, parsed)
            request = EndBatch(qty)
        elif command.verb == "CANCEL":
            request = CancelBatch("cancelled by command barcode")
        elif command.verb in ("RECEIVE", "PRODUCE"):
            request = SetMode("receiving" if command.verb == "RECEIVE" else "production")
        elif command.verb in ("REF", "DN") and command.args:
            kind = ReferenceKind.PO if command.verb == "REF" else ReferenceKind.DESADV
            request = SetReference(":".join(command.args), kind.value)
        else:
            return Decision(
                Outcome.REJECTED,
                Reason.UNKNOWN_COMMAND,
                f"Unknown command {parsed.text!r}; known: START:<product>[:<qty>], END:<qty>, "
                "CANCEL, AGAIN, RECEIVE, PRODUCE, REF:<purchase order>, DN:<delivery note>.",
                parsed,
            )
        if dry_run:
            return Decision(Outcome.COMMAND, Reason.ACCEPTED, f"Would run {command.verb}.", parsed)
        reply = self._dispatch(request)
        if not reply.ok:
            return Decision(Outcome.REJECTED, Reason(reply.code), reply.error, parsed)
        return Decision(
            Outcome.COMMAND, Reason(reply.data["reason"]), reply.data["message"], parsed
        )

    # -- batches -------------------------------------------------------------------------------
    def _start(self, request: StartBatch) -> Reply:
        now = self._clock()
        with transaction(self._conn):
            result = batches.start(
                repo.open_batch(self._conn),
                self.config.product(request.product),
                request.product,
                batch_id=str(uuid.uuid4()),
                planned_qty=request.planned_qty,
                operator=request.operator,
                now=now,
            )
            if isinstance(result, Refusal):
                return _refusal(result)
            repo.save_batch(self._conn, result)
            self._batch_message("BatchStarted", result, now, planned=result.planned_qty)
        metrics.BATCHES.labels("started").inc()
        return Reply(
            True, _batch_reply(result, Reason.BATCH_STARTED, f"Batch {result.product} started.")
        )

    def _end(self, produced_qty: Decimal) -> Reply:
        qty = batches.parse_quantity(produced_qty, "Produced quantity")
        if isinstance(qty, Refusal) or qty is None:
            return _refusal(qty or Refusal(Reason.INVALID_QUANTITY, "A quantity is needed."))
        now = self._clock()
        try:
            with transaction(self._conn):
                ended, job = self._close_batch(qty, now)
        except _Rollback as rollback:
            return _refusal(rollback.refusal)
        metrics.BATCHES.labels("ended").inc()
        metrics.LOTS.labels(ended.product).inc()
        data = _batch_reply(ended, Reason.BATCH_ENDED, f"Batch ended: lot {ended.lot}.")
        data["print_job"] = job
        return Reply(True, data)

    def _close_batch(self, qty: Decimal, now: datetime) -> tuple[Batch, int | None]:
        """Lot, batch row, output event and label job; raises _Rollback to undo them all."""
        open_batch = repo.open_batch(self._conn)
        if open_batch is None:
            raise _Rollback(Refusal(Reason.NO_OPEN_BATCH, "No batch is open to end."))
        product = self.config.product(open_batch.product)
        if product is None:
            raise _Rollback(
                Refusal(Reason.UNKNOWN_PRODUCT, f"{open_batch.product} left the config.")
            )
        identity = self.config.identity
        fields = LotFields(now.date(), identity.site, identity.line, product.code)
        try:
            lot = lots.allocate(self._conn, product, fields, issued_for=open_batch.id, now=now)
        except LotSequenceExhausted as exc:
            raise _Rollback(Refusal(Reason.LOT_SEQUENCE_EXHAUSTED, str(exc))) from None
        ended = batches.end(open_batch, qty, lot, now)
        assert isinstance(ended, Batch)
        repo.save_batch(self._conn, ended)
        label = self._label(ended)
        event_id = f"urn:uuid:{uuid.uuid4()}"
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
        self._enqueue(topics.EVENTS, event, event_id, now)
        try:
            job = self._queue_label(label, ended, reprint=False, copies=1, now=now)
        except LabelError as exc:
            raise _Rollback(
                Refusal(Reason.LABEL_ERROR, f"The label cannot be made: {exc}. Nothing was ended.")
            ) from None
        return ended, job

    def _cancel(self, reason: str) -> Reply:
        now = self._clock()
        with transaction(self._conn):
            result = batches.cancel(repo.open_batch(self._conn), now)
            if isinstance(result, Refusal):
                return _refusal(result)
            repo.save_batch(self._conn, result)
            self._batch_message("BatchCancelled", result, now, reason=reason)
        metrics.BATCHES.labels("cancelled").inc()
        return Reply(True, _batch_reply(result, Reason.BATCH_CANCELLED, "Batch cancelled."))

    def _batch_message(self, kind: str, batch: Batch, now: datetime, **details: object) -> None:
        event_id = f"urn:uuid:{uuid.uuid4()}"
        message = epcis.batch_message(
            self.config.identity,
            kind=kind,
            batch_id=batch.id,
            product=batch.product,
            event_id=event_id,
            when=now,
            **details,
        )
        self._enqueue(topics.OPS, message, event_id, now)

    # -- labels --------------------------------------------------------------------------------
    def _label(self, batch: Batch) -> LabelData:
        product = self.config.product(batch.product)
        assert product is not None and batch.lot and batch.ended_at and batch.produced_qty
        return LabelData.for_lot(
            product,
            self.config.identity,
            lot=batch.lot,
            quantity=batch.produced_qty,
            produced=batch.ended_at.date(),
            operator=batch.operator,
        )

    def _queue_label(
        self, label: LabelData, batch: Batch, *, reprint: bool, copies: int, now: datetime
    ) -> int | None:
        printer = self.config.printer
        product = self.config.product(batch.product)
        if printer is None or self._render_label is None or product is None:
            return None
        self._queued_work = True
        return print_jobs.enqueue(
            self._conn,
            lot=label.lot,
            batch_id=batch.id,
            printer=printer.name,
            payload=self._render_label(label, product.label_template),
            copies=copies,
            reprint=reprint,
            now=now.timestamp(),
        )

    def _reprint(self, lot: str, copies: int) -> Reply:
        if copies < 1:
            return Reply(False, error="copies must be at least 1", code="invalid_quantity")
        batch = repo.batch_by_lot(self._conn, lot)
        receipt = self._internal_receipt(lot) if batch is None else None
        if batch is None and receipt is None:
            return Reply(
                False,
                error=f"no batch produced lot {lot!r} and no receipt created it",
                code="not_found",
            )
        now = self._clock()
        with transaction(self._conn):
            if batch is not None:
                job = self._queue_label(
                    self._label(batch), batch, reprint=True, copies=copies, now=now
                )
            else:
                assert receipt is not None
                job = self._queue_receiving_label(receipt, now, copies=copies, reprint=True)
        if job is None:
            return Reply(False, error="no printer is configured", code="no_printer")
        message = f"Reprint of lot {lot} queued ({copies} {'copy' if copies == 1 else 'copies'})."
        return Reply(True, {"message": message, "lot": lot, "print_job": job, "copies": copies})

    # -- holds ---------------------------------------------------------------------------------
    def _hold_add(self, request: HoldAdd) -> Reply:
        try:
            scope = check_scope(request.scope, self.config.materials)
        except ScopeError as exc:
            return Reply(False, error=str(exc), code=exc.code)
        hold_id = request.hold_id or scope.default_id()
        now = self._clock()
        with transaction(self._conn):
            existing = hold_list.entry(self._conn, hold_id, scope)
            added_at = existing.added_at if existing else now
            hold = Hold(hold_id, scope, request.reason, request.source, added_at)
            hold_list.save(self._conn, hold)
            open_batch = repo.open_batch(self._conn)
            loaded = self._loaded(hold, open_batch) if open_batch else []
            alert_ids = [] if existing else self._alert_loaded(hold, open_batch, loaded, now)
        words = f"{scope.describe()} ({request.reason}; hold {hold_id})"
        message = f"Still on hold, reason updated: {words}." if existing else f"On hold: {words}."
        data: dict[str, object] = {"hold": hold.as_dict(), "affected_batch": None}
        if loaded and open_batch is not None:
            lots = ", ".join(f"{item.material} lot {item.lot}" for item in loaded)
            message += f" Already loaded into the open batch {open_batch.product}: {lots}."
            if alert_ids:
                message += f" Alert {', '.join(map(str, alert_ids))} raised at the line."
            data["affected_batch"] = {
                "id": open_batch.id,
                "product": open_batch.product,
                "started_at": open_batch.started_at.isoformat(),
                "loaded": [{"material": item.material, "lot": item.lot} for item in loaded],
                "alerts": alert_ids,
            }
        return Reply(True, {"message": message, **data})

    def _item(self, material: str, gtin: str | None, lot: str) -> HeldItem:
        """A consumed container as holds see it (its vendor from master data)."""
        known = self.config.material(material)
        return HeldItem(material, known.vendor if known else "", gtin, lot)

    def _loaded(self, hold: Hold, open_batch: Batch) -> list[HeldItem]:
        """The containers the open batch consumed that `hold` matches, one per material lot."""
        loaded: dict[tuple[str, str], HeldItem] = {}
        for material, gtin, lot in repo.consumed_lots(self._conn, open_batch.id):
            item = self._item(material, gtin, lot)
            if hold.scope.matches(item):
                loaded.setdefault((material, lot), item)
        return list(loaded.values())

    def _alert_loaded(
        self, hold: Hold, open_batch: Batch | None, loaded: list[HeldItem], now: datetime
    ) -> list[int]:
        """One alert per held lot the open batch already consumed (inside the hold's
        transaction)."""
        if open_batch is None or not loaded:
            return []
        self._queued_work = True
        started = open_batch.started_at.astimezone(now.tzinfo)
        when = started.strftime("%H:%M" if started.date() == now.date() else "%Y-%m-%d %H:%M")
        return [
            alerts.raise_alert(
                self._conn,
                HELD_LOT_ALERT,
                f"Lot {item.lot} of {item.material}, now on hold ({hold.reason}; hold "
                f"{hold.hold_id}), was already loaded into the open batch {open_batch.product} "
                f"started {when}: set the batch aside and call QA.",
                now,
                hold_id=hold.hold_id,
                material=item.material,
                gtin=item.gtin,
                lot=item.lot,
                batch=open_batch.id,
            )
            for item in loaded
        ]

    def _hold_remove(self, request: HoldRemove) -> Reply:
        scope = request.scope
        if scope is not None:
            try:
                scope = check_scope(scope, self.config.materials)
            except ScopeError as exc:
                return Reply(False, error=str(exc), code=exc.code)
        with transaction(self._conn):
            released = [
                hold
                for hold in hold_list.active(self._conn)
                if request.hold_id in (None, hold.hold_id) and scope in (None, hold.scope)
            ]
            if not released:
                return Reply(False, error=_not_held(request.hold_id, scope), code="not_found")
            hold_list.remove(self._conn, released)
            self._close_released_alerts({hold.hold_id for hold in released})
        words = "; ".join(f"{h.scope.describe()} (hold {h.hold_id})" for h in released)
        return Reply(
            True, {"message": f"Released from hold: {words}.", "released": _holds(released)}
        )

    def _close_released_alerts(self, hold_ids: set[str]) -> None:
        """Close the held-lot alerts of these holds whose lot no hold of the same id still
        matches (the cause went away)."""
        remaining = hold_list.active(self._conn)
        now = self._clock()
        for alert in alerts.open_alerts(self._conn):
            details = alert["details"]
            hold_id = details.get("hold_id")
            if alert["kind"] != HELD_LOT_ALERT or hold_id not in hold_ids:
                continue
            item = self._item(details["material"], details.get("gtin"), details["lot"])
            if not any(h.hold_id == hold_id and h.scope.matches(item) for h in remaining):
                alerts.acknowledge(self._conn, alert["id"], f"release of hold {hold_id}", now)
                self._queued_work = True

    # -- alerts --------------------------------------------------------------------------------
    def _acknowledge(self, alert_id: int, operator: str) -> Reply:
        with transaction(self._conn):
            closed = alerts.acknowledge(self._conn, alert_id, operator or "operator", self._clock())
        if not closed:
            return Reply(False, error=f"alert {alert_id} is not open", code="not_found")
        self._queued_work = True
        return Reply(True, {"message": f"Alert {alert_id} acknowledged.", "id": alert_id})

    # -- status --------------------------------------------------------------------------------
    def status(self) -> dict[str, object]:
        open_batch = repo.open_batch(self._conn)
        return {
            "site": self.config.identity.site,
            "line": self.config.identity.line,
            "batch": _batch_dict(open_batch) if open_batch else None,
            "consumptions": repo.consumptions(self._conn, open_batch.id) if open_batch else [],
            "outbox_depth": repo.count(self._conn, "outbox"),
            "print_queue": repo.count(self._conn, "print_jobs", "status = 'queued'"),
            "holds": _holds(hold_list.active(self._conn)),
            "alerts": alerts.open_alerts(self._conn),
            **self._receiving_status(),
            **{name: provide() for name, provide in self.status_providers.items()},
        }


class _Rollback(Exception):
    """Raised inside a transaction to undo it and answer with a refusal."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal


def _not_held(hold_id: str | None, scope: HoldScope | None) -> str:
    if scope is None:
        return f"no hold has id {hold_id!r}"
    if hold_id is None:
        return f"{scope.describe()} is not on hold"
    return f"hold {hold_id!r} does not hold {scope.describe()}"


def _holds(holds: tuple[Hold, ...] | list[Hold]) -> list[dict[str, object]]:
    return [hold.as_dict() for hold in holds]


def _hold_line(hold: Hold) -> str:
    since = hold.added_at.strftime("%Y-%m-%d %H:%M")
    return f"{hold.hold_id}  {hold.scope.describe()}: {hold.reason} ({hold.source}, since {since})"


def _batch_dict(batch: Batch) -> dict[str, object]:
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


def _batch_reply(batch: Batch, reason: Reason, message: str) -> dict[str, object]:
    return {"batch": _batch_dict(batch), "reason": reason.value, "message": message}


def _refusal(refusal: Refusal) -> Reply:
    return Reply(False, error=refusal.message, code=refusal.reason.value)


def describe_decision(decision: Decision) -> Reply:
    data: dict[str, object] = decision.as_dict()
    scan = decision.scan
    if scan is not None:
        data["parsed"] = {
            "kind": scan.kind.value,
            "symbology": scan.symbology,
            "gtin": scan.gtin,
            "lot": scan.lot,
            "expiry": scan.expiry.isoformat() if scan.expiry else None,
            "produced": scan.produced.isoformat() if scan.produced else None,
            "quantity": str(scan.quantity) if scan.quantity is not None else None,
            "uom": scan.uom,
            "serial": scan.serial,
            "material": scan.material_code,
            "elements": scan.elements,
            "error": scan.error,
        }
    return Reply(True, data)
