"""'did you mean X?' hints for a name that is not known, and the one "unknown X" message every
command uses."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

#: Known values listed in an "unknown X" message; more are counted, not listed.
LISTED = 12


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice `word` most likely meant, ignoring case; None when nothing is close.

    >>> closest("bread", ["BREAD", "CAKE"]), closest("FLOR", ["FLOUR"]), closest("X", ["CAKE"])
    ('BREAD', 'FLOUR', None)
    """
    known = list(choices)
    folded = {choice.casefold(): choice for choice in known}
    if word.casefold() in folded:
        return folded[word.casefold()]
    close = difflib.get_close_matches(word.casefold(), list(folded), n=1, cutoff=0.6)
    return folded[close[0]] if close else None


def suggest(word: str, choices: Iterable[str], fallback: str = "") -> str:
    """'did you mean X?' when a close match exists (case ignored), else `fallback`."""
    match = closest(word, choices)
    return f"did you mean {match!r}?" if match else fallback


def suggest_known(word: str, choices: Iterable[str], also: str = "") -> str:
    """'did you mean X?' when a close match exists, else the choices: 'known: A, B[, also]'.

    >>> suggest_known("FLOR", ["FLOUR", "SALT"]), suggest_known("X", [], "or * for any")
    ("did you mean 'FLOUR'?", 'known: none, or * for any')
    """
    known = list(choices)
    listed = ", ".join(known) or "none"
    return suggest(word, known, f"known: {listed}, {also}" if also else f"known: {listed}")


def unknown(kind: str, word: str, choices: Iterable[str], consequence: str = "") -> str:
    """The message for a name nobody configured: what it is, what follows from it, the closest
    known name (case ignored) and the known ones.

    >>> unknown("product", "bread", ["BREAD", "CAKE"])
    "unknown product 'bread' (did you mean 'BREAD'? known: BREAD, CAKE)"
    >>> unknown("material", "SALT", [], "a hold on it would match nothing")
    "unknown material 'SALT'; a hold on it would match nothing (none is configured)"
    """
    known = list(dict.fromkeys(choices))
    more = f" and {len(known) - LISTED} more" if known[LISTED:] else ""
    listed = ", ".join(known[:LISTED]) + more
    hint = f"known: {listed}" if known else "none is configured"
    match = closest(word, known)
    if match:
        hint = f"did you mean {match!r}? {hint}"
    follows = f"; {consequence}" if consequence else ""
    return f"unknown {kind} {word!r}{follows} ({hint})"
