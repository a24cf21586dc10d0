"""A lot consumed into the open batch: its consumption row, its TransformationEvent (the
quantity in inputQuantityList) and the open lot's running total, written together. Scans call it
for a counted container, weighing for a weighed one (or one whose weighing was skipped)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from lotedge.agent.unit_of_work import UnitOfWork
from lotedge.core import epcis
from lotedge.state import receiving as receiving_state
from lotedge.state import repo
from lotedge.wire import topics


@dataclass(frozen=True)
class Consumed:
    """Which container: the material, the GTIN it was labelled with, its lot and expiry."""

    material: str
    gtin: str | None
    lot: str
    expiry: date | None


def consume(
    uow: UnitOfWork,
    batch_id: str,
    scan_id: int,
    item: Consumed,
    quantity: Decimal | None,
    uom: str | None,
    when: datetime,
) -> None:
    """Record `item` consumed into batch `batch_id` (inside the caller's transaction);
    `quantity` None: unknown."""
    material = uow.config.material(item.material)
    assert material is not None
    event_id = uow.new_event_id()
    repo.record_consumption(
        uow.conn,
        batch_id=batch_id,
        scan_id=scan_id,
        material=material.code,
        gtin=item.gtin,
        lot=item.lot,
        expiry=item.expiry,
        quantity=quantity,
        uom=uom,
        when=when,
        event_id=event_id,
    )
    event = epcis.consumption_event(
        uow.config.identity,
        batch_id=batch_id,
        material=material,
        gtin=item.gtin,
        lot=item.lot,
        quantity=quantity,
        uom=uom,
        event_id=event_id,
        when=when,
    )
    uow.emit(topics.EVENTS, event, when)
    receiving_state.consume(uow.conn, material.code, item.lot, quantity, uom, when)
