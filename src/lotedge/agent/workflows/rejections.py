"""Rejected scans, published on `rejections` (at the line and at receiving alike)."""

from __future__ import annotations

from lotedge.agent.unit_of_work import UnitOfWork
from lotedge.config.model import Config
from lotedge.core.decisions import Decision
from lotedge.core.scan import ParsedScan, RawScan
from lotedge.wire import topics


def publish_rejection(
    uow: UnitOfWork,
    raw: RawScan,
    decision: Decision,
    scan_id: int,
    batch_id: str | None,
    stage: str,
) -> None:
    """Queue a rejected scan; `stage` is `line` or `receiving`. The eventID `emit` gives it
    lets the trace store keep it once; material, vendor, GTIN and lot let it count the
    rejection against the vendor."""
    payload = {
        "scan": scan_id,
        "source": raw.source,
        "time": raw.received_at.isoformat(),
        "text": decision.scan.text if decision.scan else "",
        "batch": batch_id,
        "stage": stage,
        **decision.as_dict(),
        **_lot_named(uow.config, decision.scan),
    }
    uow.emit(topics.REJECTIONS, payload, uow.now())


def _lot_named(config: Config, scan: ParsedScan | None) -> dict[str, object]:
    """Material, vendor, GTIN and lot of a rejected scan, for the store's vendor report."""
    if scan is None:
        return {}
    material = config.material(scan.material_code or "")
    return {
        "material": scan.material_code,
        "vendor": material.vendor if material else None,
        "gtin": scan.gtin,
        "lot": scan.lot,
    }
