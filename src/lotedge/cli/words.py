"""Words for the command line's output: counts with their plural, text from elsewhere escaped."""

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
