"""Requests as JSON (control socket and MQTT commands share this table)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from lotedge.agent.requests import (
    CancelBatch,
    EndBatch,
    HoldAdd,
    HoldRemove,
    Reprint,
    Request,
    ScanRequest,
    StartBatch,
    Status,
)
from lotedge.core.scan import RawScan


class BadRequest(ValueError):
    """A request that cannot be understood; the message says what was expected."""


def _text(args: dict[str, Any], key: str, default: str | None = None) -> str:
    value = args.get(key, default)
    if not isinstance(value, str) or (default is None and not value):
        raise BadRequest(f"'{key}' must be a non-empty string")
    return value


def _decimal(args: dict[str, Any], key: str, required: bool) -> Decimal | None:
    value = args.get(key)
    if value is None:
        if required:
            raise BadRequest(f"'{key}' is required")
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise BadRequest(f"'{key}' must be a number, got {value!r}") from None


def _scan(args: dict[str, Any]) -> Request:
    data = _text(args, "data")
    source = _text(args, "source", "cli")
    return ScanRequest(RawScan(data.encode(), source), dry_run=bool(args.get("dry_run", False)))


def _copies(args: dict[str, Any]) -> int:
    copies = args.get("copies", 1)
    if not isinstance(copies, int) or copies < 1:
        raise BadRequest(f"'copies' must be a whole number of at least 1, got {copies!r}")
    return copies


COMMANDS: dict[str, Callable[[dict[str, Any]], Request]] = {
    "scan": _scan,
    "batch.start": lambda a: StartBatch(
        _text(a, "product"), _decimal(a, "planned_qty", False), _text(a, "operator", "")
    ),
    "batch.end": lambda a: EndBatch(_decimal(a, "qty", True) or Decimal(0)),
    "batch.cancel": lambda a: CancelBatch(_text(a, "reason", "")),
    "status": lambda a: Status(),
    "hold.add": lambda a: HoldAdd(_text(a, "material"), _text(a, "lot"), _text(a, "reason")),
    "hold.remove": lambda a: HoldRemove(_text(a, "material"), _text(a, "lot")),
    "label.reprint": lambda a: Reprint(_text(a, "lot"), _copies(a)),
}


def request_from_json(op: str, args: dict[str, Any]) -> Request:
    """Build a request from an operation name and its JSON arguments."""
    factory = COMMANDS.get(op)
    if factory is None:
        raise BadRequest(f"unknown operation {op!r}; known: {', '.join(sorted(COMMANDS))}")
    if not isinstance(args, dict):
        raise BadRequest("arguments must be a JSON object")
    return factory(args)
