"""One agent per state directory: an exclusive flock held for the life of the process."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

LOCK_FILE = "lotedge.lock"


class AlreadyRunning(RuntimeError):
    """Another process holds the state directory."""


class StateLock:
    """Context manager holding `<state_dir>/lotedge.lock`; the kernel releases it on any exit."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / LOCK_FILE
        self._fd: int | None = None

    def __enter__(self) -> StateLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise AlreadyRunning(
                f"another lotedge (pid {owner}) is already using state directory "
                f"{self.path.parent}; stop it first or give this one its own state.dir"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
