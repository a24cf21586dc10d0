"""MQTT commands: `cmd/request/<name>` JSON -> engine request -> `cmd/response/<name>` JSON.

zigbee2mqtt conventions: the answer is `{status: ok|error, data, error?, code?, transaction?}`,
echoing the caller's `transaction`; a bad request or a failing handler still gets an answer.
Broker-free: the publisher feeds it topics' payloads and sends back what it returns.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable
from typing import Any

from pydantic import TypeAdapter, ValidationError

from lotedge.agent.requests import (
    CancelBatch,
    EndBatch,
    HoldAdd,
    HoldRemove,
    Reply,
    Reprint,
    Request,
    StartBatch,
    Status,
)

log = logging.getLogger(__name__)

#: Command name -> request type; the JSON object's keys are the type's fields.
COMMANDS: dict[str, type[Request]] = {
    "start_batch": StartBatch,
    "end_batch": EndBatch,
    "cancel_batch": CancelBatch,
    "status": Status,
    "hold_add": HoldAdd,
    "hold_remove": HoldRemove,
    "reprint": Reprint,
}


class BadRequest(ValueError):
    """A request that cannot be turned into an engine request; `code` is machine-readable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def parse(name: str, payload: bytes) -> tuple[Request, Any]:
    """The engine request for command `name`, and the caller's transaction id (or None)."""
    kind = COMMANDS.get(name)
    if kind is None:
        raise BadRequest(
            "unknown_command", f"unknown command {name!r}; known: {', '.join(COMMANDS)}"
        )
    try:
        body = json.loads(payload or b"{}")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest("bad_json", f"request is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise BadRequest("bad_json", "request must be a JSON object")
    transaction = body.pop("transaction", None)
    known = {f.name for f in dataclasses.fields(kind)}
    unknown = sorted(set(body) - known)
    if unknown:
        raise BadRequest(
            "bad_request",
            f"{name}: unknown field(s) {', '.join(unknown)}; expected {sorted(known)}",
        )
    try:
        return TypeAdapter(kind).validate_python(body), transaction
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise BadRequest("bad_request", f"{name}: {problems}") from None


def _transaction_of(payload: bytes) -> Any:
    try:
        body = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return body.get("transaction") if isinstance(body, dict) else None


def handle(name: str, payload: bytes, call: Callable[[Request], Reply]) -> dict[str, Any]:
    """Answer one request; never raises."""
    try:
        request, transaction = parse(name, payload)
    except BadRequest as exc:
        reply = Reply(ok=False, error=str(exc), code=exc.code)
        transaction = _transaction_of(payload)
    else:
        try:
            reply = call(request)
        except Exception as exc:
            log.exception("command %s failed", name)
            reply = Reply(ok=False, error=f"{name} failed: {exc}", code="internal")
    answer = reply.as_dict()
    if transaction is not None:
        answer["transaction"] = transaction
    return answer
