"""The same code seen in consecutive frames is one scan.

A code is reported when it first appears, then suppressed while it keeps being seen; once it has
been out of sight for `window` seconds, showing it again is a new scan.

>>> d = Dedupe(window=1.0)
>>> [d.is_new(b"A", t) for t in (0.0, 0.5, 1.2, 3.0)]
[True, False, False, True]
"""

from __future__ import annotations

from collections.abc import Hashable


class Dedupe:
    """Remembers when each code was last seen; time is passed in (monotonic seconds)."""

    def __init__(self, window: float) -> None:
        self.window = window
        self._last_seen: dict[Hashable, float] = {}

    def is_new(self, key: Hashable, now: float) -> bool:
        """Record a sighting of `key`; True if it is a new scan."""
        last = self._last_seen.get(key)
        self._last_seen[key] = now
        if len(self._last_seen) > 1000:  # forget codes long out of sight
            self._last_seen = {k: t for k, t in self._last_seen.items() if now - t <= self.window}
        return last is None or now - last > self.window
