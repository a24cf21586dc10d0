"""What the store's HTTP APIs refuse in a request's path and query before any database sees
it: text no database keeps (a NUL, once percent-decoded) and values longer than any identifier.
A bad query is the caller's mistake: a 400 naming it, never a 500."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import unquote

from lotedge.core.limits import unstorable

#: Longer than any EPC URN, Digital Link or query value the store answers about.
MAX_VALUE = 2000


def query_problem(path: str, params: Mapping[str, str]) -> str | None:
    """Why the (raw) `path` or a query parameter is refused, else None."""
    for name, value in (("path", unquote(path)), *params.items()):
        if len(value) > MAX_VALUE:
            return f"{name}: at most {MAX_VALUE} characters, got {len(value)}"
        problem = unstorable(value) or unstorable(name)
        if problem is not None:
            return f"{name!r} {problem}"
    return None
