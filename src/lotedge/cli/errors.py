"""The error a command raises to stop with one line of text (`lotedge` prints it and exits)."""

from __future__ import annotations


class CliError(Exception):
    """An error `lotedge` prints as one line ("error: ...") before it exits with `code`."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code
