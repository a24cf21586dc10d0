"""Alerts the operator deals with: acknowledging one closes it and says so on `alerts`."""

from __future__ import annotations

from lotedge.agent.requests import AlertAck, Reply
from lotedge.agent.unit_of_work import UnitOfWork
from lotedge.core.batch import Refusal
from lotedge.core.reasons import Reason


def acknowledge(uow: UnitOfWork, request: AlertAck) -> Reply | Refusal:
    alert_id = request.alert_id
    with uow.transaction():
        closed = uow.close_alert(alert_id, request.operator or "operator", uow.now())
    if not closed:
        return Refusal(Reason.NOT_FOUND, f"alert {alert_id} is not open")
    return Reply(True, {"message": f"Alert {alert_id} acknowledged.", "id": alert_id})


HANDLERS = {AlertAck: acknowledge}
