"""How long text from outside may be, and how deep and large its JSON: one table for every
channel (control socket, MQTT commands, the station's POSTs, command barcodes).

Lengths follow GS1 where GS1 defines the field: a lot or batch is AI 10 (up to 20 characters), a
purchase order AI 400 and a delivery note reference (AI 401's consignment) up to 30. Names,
reasons and other free text are at most `MAX_TEXT` characters.

>>> check_text("lot", "25ABC")
'25ABC'
>>> check_text("lot", "L" * 21)
Traceback (most recent call last):
...
lotedge.core.limits.TextTooLong: 'lot' may be at most 20 characters (GS1 AI 10), got 21
"""

from __future__ import annotations

import json
from typing import Any

#: AI 10 (batch or lot number).
MAX_LOT = 20
#: AI 400 (customer's purchase order) and AI 401 (consignment): a receipt reference.
MAX_REFERENCE = 30
#: Names, reasons, operators, hold ids and any other free text.
MAX_TEXT = 200
#: What a scanner sends in one read (a GS1 DataMatrix holds at most 3116 characters).
MAX_SCAN = 4096
#: Nesting of a JSON request (objects and arrays); our requests need three.
MAX_JSON_DEPTH = 16
#: The bytes of one JSON request on the control socket or as an MQTT command.
MAX_REQUEST_BYTES = 64 * 1024

#: Field name -> (maximum length, where it comes from).
LENGTHS: dict[str, tuple[int, str]] = {
    "lot": (MAX_LOT, "GS1 AI 10"),
    "lot_from": (MAX_LOT, "GS1 AI 10"),
    "lot_to": (MAX_LOT, "GS1 AI 10"),
    "lot_prefix": (MAX_LOT, "GS1 AI 10"),
    "ref": (MAX_REFERENCE, "GS1 AI 400"),
    "gtin": (14, "GS1 AI 01"),
    "product": (40, "a product code"),
    "material": (40, "a material code"),
    "data": (MAX_SCAN, "a scan"),
    "list": (64, "a pushed list's id"),
}


class TextTooLong(ValueError):
    """Text longer than its field allows, or with characters no database keeps."""


class JsonTooDeep(ValueError):
    """JSON nested deeper than `MAX_JSON_DEPTH`, or larger than allowed."""


def max_length(name: str) -> tuple[int, str]:
    """The longest text field `name` may hold, and why."""
    return LENGTHS.get(name, (MAX_TEXT, "free text"))


def check_text(name: str, value: str) -> str:
    """`value` if field `name` may hold it; TextTooLong naming the limit otherwise."""
    limit, why = max_length(name)
    if len(value) > limit:
        raise TextTooLong(f"{name!r} may be at most {limit} characters ({why}), got {len(value)}")
    problem = unstorable(value)
    if problem is not None:
        raise TextTooLong(f"{name!r} {problem}")
    return value


def unstorable(value: str) -> str | None:
    """Why a database cannot keep `value` as text (a NUL, a lone surrogate), else None.

    PostgreSQL refuses both; SQLite would keep a NUL and cut the text short in most tools. So
    every channel refuses them, and the store does so identically on both backends."""
    if "\x00" in value:
        return "contains a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"contains a lone surrogate at {exc.start}"
    return None


def load_request(data: bytes | str, max_bytes: int = MAX_REQUEST_BYTES) -> Any:
    """Parse one JSON request no larger than `max_bytes` and no deeper than `MAX_JSON_DEPTH`.

    ValueError (JsonTooDeep, or json's own with its position) for anything else; numbers
    with more than 40 characters are refused while parsing, before any arithmetic."""
    if len(data) > max_bytes:
        raise JsonTooDeep(f"a request may be at most {max_bytes} bytes, got {len(data)}")
    try:
        value = json.loads(data, parse_int=_bounded(int), parse_float=_bounded(float))
    except RecursionError:
        raise JsonTooDeep(f"JSON nested more than {MAX_JSON_DEPTH} levels") from None
    if _depth_exceeds(value, MAX_JSON_DEPTH):
        raise JsonTooDeep(f"JSON nested more than {MAX_JSON_DEPTH} levels")
    return value


def _bounded(kind: type[int] | type[float]) -> Any:
    def parse(text: str) -> int | float:
        if len(text) > 40:
            raise ValueError(f"a number with {len(text)} characters is too long")
        return kind(text)

    return parse


def _depth_exceeds(value: Any, limit: int) -> bool:
    """True when `value` nests objects and arrays more than `limit` levels (stops early)."""
    level: list[tuple[Any, int]] = [(value, 0)]
    while level:
        item, depth = level.pop()
        if isinstance(item, dict | list):
            if depth >= limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            level.extend((child, depth + 1) for child in children)
    return False
