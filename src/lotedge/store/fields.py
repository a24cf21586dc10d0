"""Reading fields of untrusted JSON: strings a database column can hold, required values, times
with a UTC offset. A problem raises `Bad` with the field's path and what is wrong."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


class Bad(Exception):
    """A structural problem; its message names the field and what is wrong with it."""


def required(obj: dict[str, Any], key: str, *, where: str = "") -> str:
    value = text(obj, key, where=where)
    if not value:
        raise Bad(f"{where}/{key}: required, non-empty" if where else f"{key}: required, non-empty")
    return value


def text(obj: dict[str, Any], key: str, *, where: str = "") -> str | None:
    """A string field that a database column can hold (no NUL, no lone surrogate)."""
    value = obj.get(key)
    if value is None:
        return None
    name = f"{where}/{key}" if where else key
    if not isinstance(value, str):
        raise Bad(f"{name}: expected a string, got {value!r}"[:200])
    if "\x00" in value:
        raise Bad(f"{name}: contains a NUL character")
    if value.isascii():  # no surrogate: nothing more to check
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise Bad(f"{name}: contains a lone surrogate") from None
    return value


def moment(value: str, name: str = "eventTime") -> datetime:
    """An ISO 8601 date-time that has a UTC offset."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise Bad(f"{name}: not an ISO 8601 date-time: {value!r}"[:200]) from None
    if parsed.tzinfo is None:
        raise Bad(f"{name}: has no UTC offset: {value!r}"[:200])
    return parsed


def utc_text(value: datetime) -> str:
    """UTC, `YYYY-MM-DDTHH:MM:SS.ffffffZ`: sorts as text."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
