"""Values a database cannot keep as text (a NUL, a lone surrogate), found in what an event was
reduced to, so the event is refused at validation identically on SQLite and PostgreSQL instead
of failing its batch's transaction on one of them."""

from __future__ import annotations

import dataclasses
from typing import Any

from lotedge.core.limits import unstorable


def first_unstorable(value: Any, path: str = "") -> str | None:
    """`<field path>: <problem>` for the first text in `value` no database keeps, else None."""
    if isinstance(value, str):
        problem = unstorable(value)
        return f"{path or 'value'}: {problem}" if problem else None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        items: Any = ((f.name, getattr(value, f.name)) for f in dataclasses.fields(value))
    elif isinstance(value, tuple | list):
        items = ((str(i), item) for i, item in enumerate(value))
    else:
        return None
    for name, item in items:
        found = first_unstorable(item, f"{path}.{name}" if path else name)
        if found is not None:
            return found
    return None
