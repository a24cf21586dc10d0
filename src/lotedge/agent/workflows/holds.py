"""Holds: add, release and list; a hold on a lot the open batch already consumed raises an alert
at the line, and releasing the hold closes it."""

from __future__ import annotations

import logging
from datetime import datetime

from lotedge.agent.requests import HoldAdd, HoldList, HoldRemove, Reply
from lotedge.agent.unit_of_work import UnitOfWork
from lotedge.core.batch import Batch, Refusal
from lotedge.core.holds import HeldItem, Hold, HoldScope, ScopeError, check_scope
from lotedge.core.reasons import Reason
from lotedge.state import alerts, repo
from lotedge.state import holds as hold_list

log = logging.getLogger(__name__)

#: The alert raised when a hold arrives for a lot the open batch already consumed.
HELD_LOT_ALERT = "held_lot_in_batch"


def hold_add(uow: UnitOfWork, request: HoldAdd) -> Reply:
    try:
        scope = check_scope(request.scope, uow.config.materials)
    except ScopeError as exc:
        return Reply(False, error=str(exc), code=exc.code)
    hold_id = request.hold_id or scope.default_id()
    now = uow.now()
    with uow.transaction():
        existing = hold_list.entry(uow.conn, hold_id, scope)
        added_at = existing.added_at if existing else now
        hold = Hold(hold_id, scope, request.reason, request.source, added_at)
        hold_list.save(uow.conn, hold)
        open_batch = repo.open_batch(uow.conn)
        loaded = _loaded(uow, hold, open_batch) if open_batch else []
        alert_ids = [] if existing else _alert_loaded(uow, hold, open_batch, loaded, now)
    words = f"{scope.describe()} ({request.reason}; hold {hold_id})"
    message = f"Still on hold, reason updated: {words}." if existing else f"On hold: {words}."
    data: dict[str, object] = {"hold": hold.as_dict(), "affected_batch": None}
    if loaded and open_batch is not None:
        named = ", ".join(f"{item.material} lot {item.lot}" for item in loaded)
        message += f" Already loaded into the open batch {open_batch.product}: {named}."
        if alert_ids:
            message += f" Alert {', '.join(map(str, alert_ids))} raised at the line."
        data["affected_batch"] = {
            "id": open_batch.id,
            "product": open_batch.product,
            "started_at": open_batch.started_at.isoformat(),
            "loaded": [{"material": item.material, "lot": item.lot} for item in loaded],
            "alerts": alert_ids,
        }
    log.info("hold applied: %s", message)
    return Reply(True, {"message": message, **data})


def _item(uow: UnitOfWork, material: str, gtin: str | None, lot: str) -> HeldItem:
    """A consumed container as holds see it (its vendor from master data)."""
    known = uow.config.material(material)
    return HeldItem(material, known.vendor if known else "", gtin, lot)


def _loaded(uow: UnitOfWork, hold: Hold, open_batch: Batch) -> list[HeldItem]:
    """The containers the open batch consumed that `hold` matches, one per material lot."""
    loaded: dict[tuple[str, str], HeldItem] = {}
    for material, gtin, lot in repo.consumed_lots(uow.conn, open_batch.id):
        item = _item(uow, material, gtin, lot)
        if hold.scope.matches(item):
            loaded.setdefault((material, lot), item)
    return list(loaded.values())


def _alert_loaded(
    uow: UnitOfWork, hold: Hold, open_batch: Batch | None, loaded: list[HeldItem], now: datetime
) -> list[int]:
    """One alert per held lot the open batch already consumed (inside the hold's transaction)."""
    if open_batch is None or not loaded:
        return []
    started = open_batch.started_at.astimezone(now.tzinfo)
    when = started.strftime("%H:%M" if started.date() == now.date() else "%Y-%m-%d %H:%M")
    return [
        uow.raise_alert(
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


def hold_remove(uow: UnitOfWork, request: HoldRemove) -> Reply | Refusal:
    scope = request.scope
    if scope is not None:
        try:
            scope = check_scope(scope, uow.config.materials)
        except ScopeError as exc:
            return Reply(False, error=str(exc), code=exc.code)
    with uow.transaction():
        released = [
            hold
            for hold in hold_list.active(uow.conn)
            if request.hold_id in (None, hold.hold_id) and scope in (None, hold.scope)
        ]
        if not released:
            return Refusal(Reason.NOT_FOUND, _not_held(request.hold_id, scope))
        hold_list.remove(uow.conn, released)
        _close_released_alerts(uow, {hold.hold_id for hold in released})
    words = "; ".join(f"{h.scope.describe()} (hold {h.hold_id})" for h in released)
    return Reply(
        True, {"message": f"Released from hold: {words}.", "released": hold_dicts(released)}
    )


def _close_released_alerts(uow: UnitOfWork, hold_ids: set[str]) -> None:
    """Close the held-lot alerts of these holds whose lot no hold of the same id still matches
    (the cause went away)."""
    remaining = hold_list.active(uow.conn)
    now = uow.now()
    for alert in alerts.open_alerts(uow.conn):
        details = alert["details"]
        hold_id = details.get("hold_id")
        if alert["kind"] != HELD_LOT_ALERT or hold_id not in hold_ids:
            continue
        item = _item(uow, details["material"], details.get("gtin"), details["lot"])
        if not any(h.hold_id == hold_id and h.scope.matches(item) for h in remaining):
            uow.close_alert(alert["id"], f"release of hold {hold_id}", now)


def hold_listing(uow: UnitOfWork, request: HoldList) -> Reply:
    active = hold_list.active(uow.conn)
    lines = [_hold_line(hold) for hold in active] or ["Nothing is on hold."]
    return Reply(True, {"message": "\n".join(lines), "holds": hold_dicts(active)})


def _not_held(hold_id: str | None, scope: HoldScope | None) -> str:
    if scope is None:
        return f"no hold has id {hold_id!r}"
    if hold_id is None:
        return f"{scope.describe()} is not on hold"
    return f"hold {hold_id!r} does not hold {scope.describe()}"


def hold_dicts(held: tuple[Hold, ...] | list[Hold]) -> list[dict[str, object]]:
    return [hold.as_dict() for hold in held]


def _hold_line(hold: Hold) -> str:
    since = hold.added_at.strftime("%Y-%m-%d %H:%M")
    return f"{hold.hold_id}  {hold.scope.describe()}: {hold.reason} ({hold.source}, since {since})"


HANDLERS = {HoldAdd: hold_add, HoldRemove: hold_remove, HoldList: hold_listing}
