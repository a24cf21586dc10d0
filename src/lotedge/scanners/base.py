"""The scanner interface, and opening a scanner by URL through the device registry.

A `ScanSource` reads scans from one device and hands each to a `ScanSink` (the engine's submit).
`open_source(name, url)` picks the adapter by URL scheme (``serial://``, ``tcp://``,
``tcp-listen://``, ``hid://``, ``stdin://``, and the camera schemes: the table is
`lotedge.devices.schemes`). Adapters are imported on first use, so a missing optional library
(evdev, OpenCV) only matters to the URLs that need it, and is reported with an install hint.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol

from lotedge.core.scan import RawScan
from lotedge.devices.registry import opener, resolve

ScanSink = Callable[[RawScan], object]
"""The engine's submit: takes one scan, returns the decision (may block until committed)."""


class ScanSource(Protocol):
    """One device delivering scans."""

    name: str

    def run(self, sink: ScanSink, stop: threading.Event) -> None:
        """Deliver scans to `sink` until `stop` is set; survive the device going and coming back."""
        ...


def open_source(name: str, url: str) -> ScanSource:
    """The source for `url`. Raises UrlError (a ValueError) naming the problem and the form."""
    device = resolve(url, "scanner")
    source: ScanSource = opener(device)(name, device)
    return source
