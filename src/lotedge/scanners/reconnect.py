"""Backoff between reconnect attempts and a link's health counters."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


class Backoff:
    """Delays that double from `initial` up to `maximum`; `reset()` after a good connection."""

    def __init__(self, initial: float = 0.1, maximum: float = 5.0) -> None:
        self.initial = initial
        self.maximum = maximum
        self._next = initial

    def next(self) -> float:
        """The delay to wait now; the following one is twice as long (capped)."""
        delay = self._next
        self._next = min(self._next * 2, self.maximum)
        return delay

    def reset(self) -> None:
        """Start again from the initial delay."""
        self._next = self.initial


@dataclass
class LinkStatus:
    """What a source reports about its device: for logs, health checks, metrics and tests."""

    connected: bool = False
    """True while the device is open."""
    connects: int = 0
    """How many times the device was opened (2 = it came back once)."""
    losses: int = 0
    """How many times an open device went away."""
    scans: int = 0
    """Scans handed to the sink."""
    discarded: int = 0
    """Over-long frames discarded (no scan suffix within the frame limit)."""
    last_error: str | None = None
    """The most recent open or read failure."""
    changed: threading.Condition = field(default_factory=threading.Condition, repr=False)

    def update(self, **changes: object) -> None:
        """Apply changes and wake anyone waiting in `wait_for`."""
        with self.changed:
            for key, value in changes.items():
                setattr(self, key, value)
            self.changed.notify_all()

    def wait_for(self, predicate: Callable[[LinkStatus], bool], timeout: float) -> bool:
        """Block until `predicate(self)` is true or `timeout` passes; returns the predicate."""
        with self.changed:
            return self.changed.wait_for(lambda: predicate(self), timeout)


def connected(status: LinkStatus, backoff: Backoff, who: str, where: str) -> None:
    """Log and record that a device is open; the next failure starts from a short delay again."""
    log.info("%s: connected to %s", who, where)
    backoff.reset()
    status.update(connected=True, connects=status.connects + 1, last_error=None)


def retry_later(
    status: LinkStatus, backoff: Backoff, who: str, problem: str, stop: threading.Event
) -> None:
    """Log and record a failure to open or a loss, then wait (until `stop`) before retrying.

    A failure repeating the previous one is logged at debug level, so an unplugged device
    leaves one warning, not one per attempt.
    """
    delay = backoff.next()
    level = logging.DEBUG if problem == status.last_error else logging.WARNING
    log.log(level, "%s: %s; retrying in %.1fs", who, problem, delay)
    status.update(connected=False, last_error=problem)
    stop.wait(delay)
