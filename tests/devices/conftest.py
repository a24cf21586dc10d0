"""Helpers for device tests: a sink that collects scans, and a source running in a thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from lotedge.core.scan import RawScan
from lotedge.scanners.base import ScanSource

WAIT = 10.0  # generous bound for anything asynchronous; tests normally finish far sooner


class Collector:
    """A test sink: records scans and lets a test wait for a number of them."""

    def __init__(self) -> None:
        self.scans: list[RawScan] = []
        self._changed = threading.Condition()

    def __call__(self, scan: RawScan) -> None:
        with self._changed:
            self.scans.append(scan)
            self._changed.notify_all()

    @property
    def data(self) -> list[bytes]:
        return [s.data for s in self.scans]

    def wait_for(self, count: int, timeout: float = WAIT) -> list[bytes]:
        with self._changed:
            self._changed.wait_for(lambda: len(self.scans) >= count, timeout)
            return self.data


def wait_until(predicate: Callable[[], bool], timeout: float = WAIT) -> bool:
    """Poll `predicate` until it holds or `timeout` passes; returns its last value."""
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.02)
    return predicate()


@contextmanager
def running(source: ScanSource, sink: Callable[[RawScan], object]) -> Iterator[threading.Thread]:
    """Run `source` in a thread for the duration of the block, then stop and join it."""
    stop = threading.Event()
    thread = threading.Thread(target=source.run, args=(sink, stop), name=source.name, daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        stop.set()
        thread.join(WAIT)
        assert not thread.is_alive(), f"{source.name} did not stop"


@pytest.fixture
def collector() -> Collector:
    return Collector()
