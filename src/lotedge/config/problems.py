"""Config problems: what is wrong, where, and what to do about it."""

from __future__ import annotations

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
        count = f"{len(problems)} problem{'' if len(problems) == 1 else 's'}"
        super().__init__(f"{source}: {count}\n" + "\n".join(f"  {p}" for p in problems))
