"""Config problems: what is wrong, where, and what to do about it."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a config file."""

    path: str
    message: str
    hint: str = ""
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        hint = f" (hint: {self.hint})" if self.hint else ""
        return f"{where}{self.path or '<root>'}: {self.message}{hint}"


class ConfigError(Exception):
    """A config file that cannot be used; carries every problem found, not just the first."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(
            f"{source}: {len(problems)} problem(s)\n" + "\n".join(f"  {p}" for p in problems)
        )


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
