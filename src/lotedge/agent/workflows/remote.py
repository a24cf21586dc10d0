"""MQTT commands this line refused (an operation it does not take from the broker, a missing or
bad signature): each raises an alert, so someone looks at who is on the broker."""

from __future__ import annotations

from lotedge.agent.requests import RemoteRefused, Reply
from lotedge.agent.unit_of_work import UnitOfWork


def refused(uow: UnitOfWork, request: RemoteRefused) -> Reply:
    now = uow.now()
    message = f"An MQTT command {request.op} was refused: {request.why}"
    with uow.transaction():
        alert_id = uow.raise_alert("remote_refused", message, now, op=request.op, code=request.code)
    return Reply(True, {"alert": alert_id})


HANDLERS = {RemoteRefused: refused}
