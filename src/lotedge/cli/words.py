"""Text of the command line: counts with their plural, a typed scan as bytes, a value shown
with its control characters escaped."""

from __future__ import annotations

_IRREGULAR = {"batch": "batches", "is": "are", "match": "matches"}


def plural(count: int, word: str, many: str | None = None) -> str:
    """'1 scanner', '2 scanners', '0 batches'.

    >>> plural(1, "scanner"), plural(2, "batch"), plural(0, "problem")
    ('1 scanner', '2 batches', '0 problems')
    """
    if count == 1:
        return f"{count} {word}"
    return f"{count} {many or _IRREGULAR.get(word, word + 's')}"


def unescape_scan(text: str) -> bytes:
    """A typed scan as bytes: ``<GS>`` and the escape ``\\x1d`` stand for the GS separator;
    bytes the terminal could not decode are given back as they were typed."""
    data = text.encode("utf-8", "surrogateescape")
    return data.replace(b"<GS>", b"\x1d").replace(b"\\x1d", b"\x1d")


def shown(value: object) -> str:
    """A value for a terminal: control characters (GS ...) as escapes."""
    text = str(value)
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")
