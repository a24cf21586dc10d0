"""Weighing: a weighed material's accepted scan opens a weighing; the scale service's stable net
weight closes it as that lot's consumed quantity (consumption row, TransformationEvent with the
weight in inputQuantityList, the open lot's running total).

The scale's I/O is the scale service's (`lotedge.scales.service`, its own thread): it reads the
pending weighing and submits `WeightReading`s here through the engine's queue. Tare, zero and
re-read go to it through its mailbox. Rules (band, freshness, totals) are `core.weighing`'s.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from lotedge.agent.replies import Done
from lotedge.agent.requests import Reply, ScaleAction, SkipWeighing, WeightReading
from lotedge.agent.unit_of_work import UnitOfWork
from lotedge.agent.workflows.consumption import Consumed, consume
from lotedge.config.model import Config
from lotedge.core.batch import Batch, Refusal
from lotedge.core.decisions import Decision, Outcome
from lotedge.core.reasons import Reason
from lotedge.core.scale_protocol import KILOGRAMS, convert
from lotedge.core.scan import ParsedScan
from lotedge.core.weighing import (
    Band,
    Freshness,
    MaterialTotal,
    batch_totals,
    check_weight,
    freshness,
    shown,
)
from lotedge.state import repo
from lotedge.state import weighings as weighing_state

#: The mailbox of the scale service.
SCALE_MAILBOX = "scale"
ACTIONS = ("tare", "zero", "reread")
#: Digits kept of a weight converted between units (pounds to kilograms): well below any
#: scale's resolution.
_CONVERTED = Decimal("0.000001")


def weighs(config: Config, material: str | None) -> bool:
    """Whether scans of `material` are weighed: it is marked so and a scale is configured."""
    found = config.material(material or "")
    return found is not None and found.weighed and config.weighing_scale() is not None


def unit_of(config: Config, material: str) -> str:
    """The unit weights of `material` are recorded in: its uom when a mass, else KGM."""
    found = config.material(material)
    uom = found.uom if found else None
    return uom if uom in KILOGRAMS else "KGM"


def band_of(config: Config, product: str, material: str) -> Band | None:
    found = config.product(product)
    target = found.targets.get(material) if found else None
    return Band.of(target.quantity, target.uom, target.tolerance_pct) if target else None


def judge_scan(uow: UnitOfWork, decision: Decision) -> Decision:
    """An accepted scan of a weighed material: refused while another weighing is pending,
    else told what to weigh."""
    parsed = decision.scan
    if decision.outcome is not Outcome.ACCEPTED or parsed is None:
        return decision
    if not weighs(uow.config, parsed.material_code):
        return decision
    pending = weighing_state.pending(uow.conn)
    if pending is not None:
        message = (
            f"Weigh {pending.material} lot {pending.lot} first (or skip its weighing with a "
            f"reason); then scan this again."
        )
        return replace(decision, outcome=Outcome.REJECTED, reason=Reason.WEIGHING_PENDING,
                       message=message, warning=None)  # fmt: skip
    open_batch = repo.open_batch(uow.conn)
    assert open_batch is not None and parsed.material_code
    band = band_of(uow.config, open_batch.product, parsed.material_code)
    target = f": target {band.text()}" if band else ""
    return replace(decision, message=f"{decision.message} Weigh it now{target}.")


def begin(uow: UnitOfWork, open_batch: Batch, scan_id: int, parsed: ParsedScan) -> None:
    """Open the weighing of an accepted scan (inside its transaction); the scale service is
    woken after the commit."""
    scale = uow.config.weighing_scale()
    assert scale is not None and parsed.material_code and parsed.lot
    weighing_state.begin(
        uow.conn,
        batch_id=open_batch.id,
        scan_id=scan_id,
        material=parsed.material_code,
        gtin=parsed.gtin,
        lot=parsed.lot,
        expiry=parsed.expiry,
        scale=scale.name,
        now=uow.now(),
    )
    uow.wake()


def pending_refusal(uow: UnitOfWork, what: str) -> Refusal | None:
    """A refusal of `what` (ending the batch) while a weighing is pending."""
    pending = weighing_state.pending(uow.conn)
    if pending is None:
        return None
    message = f"{what} waits: weigh {pending.material} lot {pending.lot} first, or skip it."
    return Refusal(Reason.WEIGHING_PENDING, message)


def reading(uow: UnitOfWork, request: WeightReading) -> Reply | Done | Refusal:
    """A stable net weight from the scale service: recorded as the pending lot's consumption
    when it is fresh and (with ``out_of_tolerance = "refuse"``) keeps the total in the band."""
    now = uow.now()
    with uow.transaction():
        pending = weighing_state.pending(uow.conn)
        if pending is None or pending.id != request.weighing_id:
            return Refusal(Reason.NO_WEIGHING, "That weighing is no longer pending.")
        uom = unit_of(uow.config, pending.material)
        value = convert(request.value, request.unit, uom)
        if request.unit != uom and not _metric(request.unit, uom):
            value = value.quantize(_CONVERTED)
        refusal = _stale(uow, value, uom, request)
        if refusal is not None:
            return refusal
        batch = repo.open_batch(uow.conn)
        assert batch is not None and batch.id == pending.batch_id
        earlier = weighing_state.weighed_quantities(uow.conn, batch.id, pending.material)
        before = sum((convert(q, u, uom) for q, u in earlier), Decimal(0))
        band = band_of(uow.config, batch.product, pending.material)
        check = check_weight(pending.material, value, uom, before, band)
        if not check.within and uow.config.weighing.out_of_tolerance == "refuse":
            return Refusal(Reason.OUT_OF_TOLERANCE, f"Not recorded: {check.message}")
        note = "" if check.within else f"out of tolerance: {check.message}"
        weighing_state.finish(
            uow.conn, pending.id, "weighed", now, quantity=value, uom=uom, note=note
        )
        consume(uow, batch.id, pending.scan_id, _scan_of(pending), value, uom, now)
        if note:
            uow.raise_alert(
                "weighing_out_of_tolerance", check.message, now, material=pending.material,
                lot=pending.lot, batch=batch.id,
            )  # fmt: skip
    data = {"weighing_id": pending.id, "material": pending.material, "lot": pending.lot,
            "quantity": str(value), "uom": uom, "total": str(check.total)}  # fmt: skip
    if note:
        data["warning"] = {"code": Reason.OUT_OF_TOLERANCE.value, "message": check.message}
    return Done(Reason.WEIGHED, check.message, data)


def _metric(unit: str, to: str) -> bool:
    return unit != "LBR" and to != "LBR"


def _stale(uow: UnitOfWork, value: Decimal, uom: str, request: WeightReading) -> Refusal | None:
    """A weight equal to the previous weighing's is stale (the load changed: read again) or the
    previous load (it did not: wait for the next), unless the operator confirmed a re-read."""
    last = weighing_state.last_weight(uow.conn)
    previous = convert(last[0], last[1], uom) if last else None
    fresh = freshness(
        value, previous, load_changed=request.load_changed, confirmed=request.confirmed
    )
    if fresh is Freshness.FRESH:
        return None
    weight = shown(value, uom)
    if fresh is Freshness.STALE:
        return Refusal(
            Reason.STALE_WEIGHT,
            f"The scale says {weight}, the previous weighing's weight, although the load changed: "
            "reading again (re-read to accept it).",
        )
    return Refusal(
        Reason.SAME_LOAD,
        f"The scale still shows the previous weighing's {weight}: put the new load on.",
    )


def _scan_of(pending: weighing_state.Weighing) -> Consumed:
    return Consumed(pending.material, pending.gtin, pending.lot, pending.expiry)


def skip(uow: UnitOfWork, request: SkipWeighing) -> Done | Refusal:
    """Record the pending lot as consumed without a weight (quantity unknown), with the reason."""
    reason = request.reason.strip()
    if not reason:
        return Refusal(Reason.INVALID_QUANTITY, "Give the reason the weighing is skipped.")
    now = uow.now()
    with uow.transaction():
        pending = weighing_state.pending(uow.conn)
        if pending is None:
            return Refusal(Reason.NO_WEIGHING, "No weighing is pending.")
        by = f" by {request.operator}" if request.operator else ""
        note = f"skipped{by}: {reason}"
        weighing_state.finish(uow.conn, pending.id, "skipped", now, note=note)
        consume(uow, pending.batch_id, pending.scan_id, _scan_of(pending), None, None, now)
    message = f"{pending.material} lot {pending.lot}: weighing skipped ({reason}); no quantity."
    return Done(Reason.WEIGHING_SKIPPED, message, {"material": pending.material,
                                                   "lot": pending.lot, "note": note})  # fmt: skip


def scale_action(uow: UnitOfWork, request: ScaleAction) -> Done | Refusal:
    """Hand tare, zero or re-read to the scale service (it does the I/O, on its thread)."""
    if request.action not in ACTIONS:
        return Refusal(Reason.BAD_REQUEST, f"Unknown scale action {request.action!r}.")
    post = uow.mailboxes.get(SCALE_MAILBOX)
    if post is None:
        return Refusal(Reason.NO_SCALE, "No scale is running on this line.")
    post(request.action)
    return Done(Reason.SCALE_ACTION, f"Scale: {request.action} sent.", {"action": request.action})


def cancel(uow: UnitOfWork, batch_id: str, now: datetime) -> None:
    """The batch was cancelled: its pending weighing will never be weighed."""
    weighing_state.cancel_pending(uow.conn, batch_id, now)


def totals(uow: UnitOfWork, batch: Batch) -> list[MaterialTotal]:
    """Per weighed or targeted material of the batch: consumed in all against the target."""
    product = uow.config.product(batch.product)
    targets = {
        code: Band.of(t.quantity, t.uom, t.tolerance_pct)
        for code, t in (product.targets.items() if product else ())
    }
    weighed = [m.code for m in uow.config.materials if m.weighed]
    consumed = [
        (str(row["material"]), Decimal(str(row["quantity"])), str(row["uom"]))
        for row in repo.consumptions(uow.conn, batch.id)
        if row["quantity"] is not None and row["uom"] is not None
    ]
    return batch_totals(consumed, targets, weighed)


HANDLERS = {WeightReading: reading, SkipWeighing: skip, ScaleAction: scale_action}
