"""'did you mean X?' hints for a name that is not known."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def suggest(word: str, choices: Iterable[str], fallback: str = "") -> str:
    """'did you mean X?' when a close match exists, else `fallback`."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else fallback


def suggest_known(word: str, choices: Iterable[str], also: str = "") -> str:
    """'did you mean X?' when a close match exists, else the choices: 'known: A, B[, also]'.

    >>> suggest_known("FLOR", ["FLOUR", "SALT"]), suggest_known("X", [], "or * for any")
    ("did you mean 'FLOUR'?", 'known: none, or * for any')
    """
    known = list(choices)
    listed = ", ".join(known) or "none"
    return suggest(word, known, f"known: {listed}, {also}" if also else f"known: {listed}")
