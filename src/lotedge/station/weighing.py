"""The station's weighing panel: while a weighed material is pending, the scale's live weight,
the target and its band (read from the state, the config and the scale service's status)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from lotedge.config.model import Config
from lotedge.core.batch import Batch
from lotedge.core.scale_protocol import KILOGRAMS, convert
from lotedge.core.weighing import Band
from lotedge.state import weighings


def scale_status(providers: Mapping[str, Callable[[], object]]) -> dict[str, Any] | None:
    """What the scale service says (None without one)."""
    provide = providers.get("scale")
    if provide is None:
        return None
    state: Any = provide()
    return dict(state)


def live_fingerprint(status: Mapping[str, Any] | None) -> tuple[object, ...]:
    """What of the scale's status the page shows (not the time of the last look)."""
    if status is None:
        return ()
    live = status.get("live") or {}
    return status.get("connected"), live.get("value"), live.get("status"), status.get("message")


def weighing_view(
    conn: sqlite3.Connection, config: Config, batch: Batch | None, status: Mapping[str, Any] | None
) -> dict[str, Any] | None:
    """The pending weighing with the live weight and the band, or None when none is pending."""
    pending = weighings.pending(conn)
    if pending is None or batch is None:
        return None
    product = config.product(batch.product)
    target = product.targets.get(pending.material) if product else None
    band = Band.of(target.quantity, target.uom, target.tolerance_pct) if target else None
    earlier = weighings.weighed_quantities(conn, batch.id, pending.material)
    unit = band.uom if band else "KGM"
    done = sum((convert(q, u, unit) for q, u in earlier if u in KILOGRAMS), Decimal(0))
    live = (status or {}).get("live") or {}
    material = config.material(pending.material)
    return {
        "material": pending.material,
        "material_name": material.name if material else None,
        "lot": pending.lot,
        "scale": pending.scale,
        "connected": bool((status or {}).get("connected")),
        "live": {k: live.get(k) for k in ("value", "unit", "status")} if live else None,
        "message": (status or {}).get("message", ""),
        "weighed_before": f"{done:f}" if earlier else None,
        "target": band.text() if band else None,
        "low": f"{band.low.normalize():f}" if band else None,
        "high": f"{band.high.normalize():f}" if band else None,
        "uom": unit,
    }
