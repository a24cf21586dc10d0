"""Receiving in the engine: mode, receipt reference, receipts and internal lots, open lots.

A mixin of `Engine` (same thread, same connection): the pure decisions are in
`lotedge.core.receiving`, the rows in `lotedge.state.receiving`; here they commit together with
the receipt's ObjectEvent and, for an internal lot, its receiving label (docs/receiving.md).
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta

from lotedge.agent.requests import ReceiveUnlabelled, Reply
from lotedge.config.model import Config
from lotedge.core import epcis
from lotedge.core.decisions import Decision, Outcome, Reason
from lotedge.core.labels import LabelData, LabelError, ReceivingLabelData
from lotedge.core.lots import LotFields, LotSequenceExhausted
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
from lotedge.masterdata.suggestions import suggest_known
from lotedge.ops import metrics
from lotedge.state import lots, print_jobs, receiving, repo
from lotedge.state.db import transaction
from lotedge.wire import topics

#: Renders a label (a lot's, or a receiving label) to printer bytes: (data, template) -> payload.
LabelRender = Callable[[LabelData | ReceivingLabelData, str], bytes]


class ReceivingFlow:
    """The receiving requests and scans; `Engine` provides the state and the helpers below."""

    config: Config
    _conn: sqlite3.Connection
    _clock: Callable[[], datetime]
    _render_label: LabelRender | None
    _queued_work: bool
    _repeat_armed: bool
    _enqueue: Callable[[str, dict[str, object], str, datetime], None]
    _rejection: Callable[[RawScan, Decision, int, str | None, str, datetime], None]

    def _mode(self) -> str:
        return receiving.effective_mode(self._conn, self.config.receiving.role)

    def _set_mode(self, mode: str) -> Reply:
        if self.config.receiving.role == "receiving" and mode != "receiving":
            return Reply(
                False,
                error="This device is a receiving station ([receiving] role); it only receives.",
                code=Reason.WRONG_MODE.value,
            )
        with transaction(self._conn):
            receiving.set_mode(self._conn, mode)
        words = {
            "receiving": "Receiving: scan the purchase order or delivery note, then each label.",
            "production": "Production: scans are consumed into the open batch.",
        }
        return Reply(True, {"reason": Reason.MODE_SET.value, "mode": mode, "message": words[mode]})

    def _set_reference(self, reference: ReceiptReference) -> Reply:
        if not reference.number.strip():
            return Reply(False, error="the reference is empty", code=Reason.NO_REFERENCE.value)
        with transaction(self._conn):
            receiving.set_reference(self._conn, reference)
        what = "Purchase order" if reference.kind is ReferenceKind.PO else "Delivery note"
        return Reply(
            True,
            {
                "reason": Reason.REFERENCE_SET.value,
                "receipt_reference": _reference_dict(reference),
                "message": f"{what} {reference.number}: the next receipts belong to it.",
            },
        )

    def _receipt_context(self, now: datetime, scan: ParsedScan | None = None) -> ReceiptContext:
        """What a receipt is judged against; a `scan` is looked up as a double read and as one
        of our internal lots."""
        window = timedelta(seconds=self.config.scan.debounce_seconds)
        last = None
        internal = False
        if scan is not None:
            last = repo.last_accepted(self._conn, scan.dedupe_key, None, now - window)
            internal = receiving.is_internal(self._conn, scan.material_code, scan.lot)
        return ReceiptContext(
            now=now,
            materials=self.config.materials,
            reference=receiving.reference(self._conn),
            debounce=window,
            last_seen=last,
            repeat_armed=self._repeat_armed,
            internal_lot=internal,
        )

    def _receive_scan(self, raw: RawScan, parsed: ParsedScan, dry_run: bool) -> Decision:
        """A material scan in receiving mode: a receipt (with its event), or a rejection.

        A purchase order on the label (AI 400) becomes the reference for this receipt and the
        following ones. `dry_run` judges without writing (`lotedge parse` on a read-only state).
        """
        now = raw.received_at.astimezone()
        if dry_run:
            return self._judge_receipt(parsed, now)[1]
        with transaction(self._conn):
            on_label = label_reference(parsed)
            if on_label is not None:
                receiving.set_reference(self._conn, on_label)
            result, decision = self._judge_receipt(parsed, now)
            scan_id = repo.record_scan(self._conn, raw, decision, parsed.dedupe_key, None)
            if isinstance(result, Receipt):
                self._record_receipt(result, scan_id, f"urn:uuid:{uuid.uuid4()}")
            else:
                self._rejection(raw, decision, scan_id, None, "receiving", self._clock())
        metrics.SCANS.labels(decision.outcome.value, decision.reason.value).inc()
        if decision.outcome is Outcome.RECEIVED:
            self._repeat_armed = False
        return decision

    def _judge_receipt(
        self, parsed: ParsedScan, now: datetime
    ) -> tuple[Receipt | Decision, Decision]:
        """The receipt (or the rejection) and the decision the operator is told."""
        ctx = self._receipt_context(now, parsed)
        on_label = label_reference(parsed)
        if on_label is not None:
            ctx = replace(ctx, reference=on_label)
        result = decide_receipt(parsed, ctx)
        if isinstance(result, Decision):
            return result, result
        return result, receipt_decision(result, parsed)

    def _record_receipt(self, receipt: Receipt, scan_id: int | None, event_id: str) -> None:
        """The receipt row, its open lot and its ObjectEvent (`event_id`)."""
        receiving.record_receipt(self._conn, receipt, scan_id=scan_id, event_id=event_id)
        event = epcis.receiving_event(
            self.config.identity, receipt, event_id=event_id, when=receipt.received_at
        )
        self._enqueue(topics.EVENTS, event, event_id, receipt.received_at)

    def _receive_unlabelled(self, request: ReceiveUnlabelled) -> Reply:
        material = self.config.material(request.material)
        if material is None:
            return self._unknown_material(request.material, "nothing was received")
        now = self._clock()
        result = decide_unlabelled(
            material, request.quantity, request.expiry, self._receipt_context(now)
        )
        if isinstance(result, Decision):
            return Reply(False, error=result.message, code=result.reason.value)
        identity = self.config.identity
        fields = LotFields(now.date(), identity.site, identity.line, material.code)
        try:
            with transaction(self._conn):
                event_id = f"urn:uuid:{uuid.uuid4()}"  # the ledger names the receipt's event
                lot = lots.allocate(
                    self._conn, self.config.receiving, fields, issued_for=event_id, now=now
                )
                receipt = replace(result, lot=lot)
                self._record_receipt(receipt, None, event_id)
                job = self._queue_receiving_label(receipt, now)
        except LotSequenceExhausted as exc:
            return Reply(False, error=str(exc), code=Reason.LOT_SEQUENCE_EXHAUSTED.value)
        except LabelError as exc:
            return Reply(
                False,
                error=f"The receiving label cannot be made: {exc}. Nothing was received.",
                code=Reason.LABEL_ERROR.value,
            )
        decision = receipt_decision(receipt, None)
        data = {**decision.as_dict(), "lot": lot, "print_job": job}
        return Reply(True, data)

    def _unknown_material(self, code: str, consequence: str) -> Reply:
        known = [m.code for m in self.config.materials]
        hint = suggest_known(code, known)
        return Reply(
            False,
            error=f"unknown material {code!r}; {consequence} ({hint})",
            code=Reason.UNKNOWN_MATERIAL.value,
        )

    def _queue_receiving_label(
        self, receipt: Receipt, now: datetime, *, copies: int = 1, reprint: bool = False
    ) -> int | None:
        printer = self.config.printer
        if printer is None or self._render_label is None:
            return None
        label = ReceivingLabelData.for_receipt(receipt, self.config.identity)
        payload = self._render_label(label, self.config.receiving.label_template)
        self._queued_work = True
        return print_jobs.enqueue(
            self._conn,
            lot=receipt.lot,
            batch_id=None,
            printer=printer.name,
            payload=payload,
            copies=copies,
            reprint=reprint,
            now=now.timestamp(),
        )

    def _internal_receipt(self, lot: str) -> Receipt | None:
        """The receipt that created internal lot `lot` (to reprint its label), if any."""
        found = receiving.internal_receipt(self._conn, lot)
        material = self.config.material(found[0]) if found else None
        if found is None or material is None:
            return None
        _, gtin, quantity, uom, expiry, reference, received_at = found
        return Receipt(material, lot, True, gtin, quantity, uom, expiry, reference, received_at)

    def _lots_open(
        self, material: str, open_lots: tuple[tuple[str, date | None], ...], replace_all: bool
    ) -> Reply:
        if self.config.material(material) is None:  # no scan could ever match its lots
            return self._unknown_material(material, "no lot was opened")
        with transaction(self._conn):
            receiving.open_from_store(
                self._conn, material, list(open_lots), replace=replace_all, now=self._clock()
            )
        return Reply(
            True,
            {
                "message": f"{len(open_lots)} open lot(s) of {material} recorded.",
                "lots": receiving.lot_list(self._conn, material),
            },
        )

    def _lots_close(self, material: str, lot: str) -> Reply:
        with transaction(self._conn):
            closed = receiving.close(self._conn, material, lot, self._clock())
        if not closed:
            return Reply(False, error=f"{material} lot {lot} is not open", code="not_found")
        return Reply(True, {"message": f"{material} lot {lot} closed."})

    def _receiving_status(self) -> dict[str, object]:
        """The `status` fields the station page shows for receiving."""
        return {
            "mode": self._mode(),
            "role": self.config.receiving.role,
            "receipt_reference": _reference_dict(receiving.reference(self._conn)),
        }


def _reference_dict(reference: ReceiptReference | None) -> dict[str, str] | None:
    if reference is None:
        return None
    return {"type": reference.kind.value, "number": reference.number}
