"""The station's view of the line: one JSON-ready dict, read without ever writing.

It reads the state through its own read-only connection (one read transaction per snapshot,
so the parts agree), the printer and publisher status providers, and the config. The material
and lot of a scan come from its consumption when it was accepted, else from parsing the raw
bytes the engine recorded again (pure, microseconds): no extra column, no migration.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from lotedge.config.model import Config
from lotedge.core.batch import Batch
from lotedge.core.scan import RawScan, parse_scan
from lotedge.state import alerts, print_jobs, receiving, repo, shipping, stock
from lotedge.state import holds as hold_list
from lotedge.state.db import connect_readonly
from lotedge.station.weighing import live_fingerprint, scale_status, weighing_view

#: How many scans `recent_scans` holds.
RECENT_SCANS = 12

Snapshot = dict[str, Any]
StatusProviders = Mapping[str, Callable[[], object]]


class SnapshotReader:
    """Builds snapshots; `fingerprint()` tells cheaply whether a new one is worth building.

    Not thread-safe: one owner (the station's watcher, under its lock)."""

    def __init__(self, config: Config, state_path: Path, providers: StatusProviders) -> None:
        self._config = config
        self._conn = connect_readonly(state_path)
        self._providers = providers

    def close(self) -> None:
        self._conn.close()

    def fingerprint(self) -> tuple[object, ...]:
        """Cheap to read, and different whenever the snapshot may have changed: the state's
        data version (moves on every commit by another connection), the live status and the
        date (the short-dated lots' days left change at midnight)."""
        version = self._conn.execute("PRAGMA data_version").fetchone()[0]
        scale = live_fingerprint(scale_status(self._providers))
        return version, self._printer(), self._connected(), scale, date.today()

    def build(self) -> Snapshot:
        """The whole snapshot except `seq` (the watcher numbers them)."""
        config = self._config
        with _read(self._conn) as conn:
            open_batch = repo.open_batch(conn)
            ended = repo.last_ended_batch(conn)
            scans = [self._scan(row) for row in repo.recent_scans(conn, RECENT_SCANS)]
            loaded = repo.consumptions(conn, open_batch.id) if open_batch else []
            label = print_jobs.latest_status(conn, ended.lot) if ended and ended.lot else None
            depth = repo.count(conn, "outbox")
            open_alerts = alerts.open_alerts(conn)
            held = hold_list.active(conn)
            mode = receiving.effective_mode(conn, config.device_role)
            weighing = weighing_view(conn, config, open_batch, scale_status(self._providers))
            pallet_dock = self._dock(conn) if config.shipping is not None else None
        return {
            "site": config.identity.site,
            "line": config.identity.line,
            "mode": mode,
            "products": [{"code": p.code, "name": p.name} for p in config.products],
            "batch": self._open_batch(open_batch) if open_batch else None,
            "last_batch": self._ended_batch(ended, label) if ended else None,
            "last_scan": scans[0] if scans else None,
            "recent_scans": scans,
            "bom": self._bom(open_batch, loaded),
            "weighing": weighing,
            "printer": self._printer(),
            "link": {"connected": self._connected(), "outbox_depth": depth},
            "alerts": [
                {k: alert[k] for k in ("id", "kind", "message", "raised_at")}
                for alert in open_alerts
            ],
            "dock": pallet_dock,
            "holds": [
                {
                    "held": hold.scope.describe(),
                    "material": hold.scope.material,
                    "lot": hold.scope.lot,
                    "reason": hold.reason,
                }
                for hold in held
            ],
        }

    # -- parts -------------------------------------------------------------------------------
    def _dock(self, conn: sqlite3.Connection) -> dict[str, Any]:
        """The shipping dock: the open pallet and what it holds, the ship-to, and the lots in
        stock (as the store pushed them) that expire soon."""
        assert self._config.shipping is not None
        days = self._config.shipping.short_dated_days
        pallet = shipping.open_pallet(conn)
        ship_to = shipping.ship_to(conn)
        customer = self._config.customer(ship_to) if ship_to else None
        return {
            "pallet": None
            if pallet is None
            else {
                "sscc": pallet.sscc,
                "customer": pallet.customer,
                "contents": [
                    {
                        "product_name": self._product_name(line.product) or line.product,
                        "lot": line.lot,
                        "cases": line.cases,
                    }
                    for line in shipping.contents(conn, pallet.id)
                ],
            },
            "ship_to": {"code": customer.code, "name": customer.name} if customer else None,
            "short_dated": stock.short_dated(conn, date.today(), days),
        }

    def _product_name(self, code: str) -> str | None:
        product = self._config.product(code)
        return product.name if product else None

    def _material_name(self, code: str | None) -> str | None:
        material = self._config.material(code) if code else None
        return material.name if material else None

    def _open_batch(self, batch: Batch) -> dict[str, Any]:
        return self._batch(
            batch,
            operator=batch.operator,
            planned_qty=_text(batch.planned_qty),
            started_at=batch.started_at.isoformat(),
        )

    def _ended_batch(self, batch: Batch, label: str | None) -> dict[str, Any]:
        return self._batch(
            batch,
            lot=batch.lot,
            produced_qty=_text(batch.produced_qty),
            ended_at=batch.ended_at.isoformat() if batch.ended_at else None,
            label=label,
        )

    def _batch(self, batch: Batch, **more: Any) -> dict[str, Any]:
        product_name = self._product_name(batch.product)
        return {"id": batch.id, "product": batch.product, "product_name": product_name, **more}

    def _scan(self, row: dict[str, Any]) -> dict[str, Any]:
        material, lot = row["material"], row["lot"]
        if material is None:  # not consumed: read the recorded bytes again
            raw = RawScan(row["raw"], row["source"], row["symbology"])
            parsed = parse_scan(raw, self._config.materials, self._config.scan.command_prefix)
            material, lot = parsed.material_code, parsed.lot
        return {
            "id": row["id"],
            "time": row["received_at"],
            "source": row["source"],
            "outcome": row["outcome"],
            "reason": row["reason"],
            "message": row["message"],
            "material": material,
            "material_name": self._material_name(material),
            "lot": lot,
            "warning": json.loads(row["warning"]) if row["warning"] else None,
        }

    def _bom(self, batch: Batch | None, loaded: list[dict[str, Any]]) -> list[dict[str, Any]]:
        product = self._config.product(batch.product) if batch else None
        if product is None:
            return []
        bom = []
        for code in product.bom:
            lots = list(dict.fromkeys(str(c["lot"]) for c in loaded if c["material"] == code))
            bom.append(
                {
                    "material": code,
                    "name": self._material_name(code),
                    "loaded": bool(lots),
                    "lots": lots,
                }
            )
        return bom

    def _printer(self) -> dict[str, Any] | None:
        provide = self._providers.get("printer")
        if provide is None:
            return None
        state: Any = provide()
        return {
            "name": state["printer"],
            "ready": state["ready"],
            "message": printer_message(state),
            "queued": state["queued"],
        }

    def _connected(self) -> bool | None:
        provide = self._providers.get("publisher")
        if provide is None:
            return None  # no [mqtt]: events stay in the outbox by design
        status: Any = provide()
        return bool(status["connected"])


def _text(quantity: Decimal | None) -> str | None:
    """Quantities travel as strings (exact decimals), as everywhere in lotedge."""
    return str(quantity) if quantity is not None else None


def printer_message(state: Mapping[str, Any]) -> str:
    """The printer's state in plain words, e.g. "Ready" or "Paper out, head open"."""
    if state["ready"]:
        return "Ready"
    faults = [str(fault).replace("_", " ") for fault in state.get("faults", [])]
    if faults:
        return ", ".join(faults).capitalize()
    if state["ready"] is None:
        return "Not checked yet"
    return str(state.get("last_error") or "Not ready")


@contextmanager
def _read(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One read transaction: every query sees the same commit."""
    conn.execute("BEGIN")
    try:
        yield conn
    finally:
        conn.execute("COMMIT")
