"""The scanner interface and the registry of device URL schemes.

A `ScanSource` reads scans from one device and hands each to a `ScanSink` (the engine's submit).
`open_source(name, url)` picks the adapter by URL scheme:

=================================================  ===========================================
``serial:///dev/ttyACM0?baud=9600&parity=N``       serial / USB-CDC (any pyserial URL: loop://)
``tcp://host:port``                                 connect to a fixed-mount reader
``tcp-listen://0.0.0.0:port``                       a reader connects to us
``hid:///dev/input/by-id/...-event-kbd``            USB keyboard-wedge scanner (evdev, grabbed)
``stdin://``                                        a wedge typing into this terminal
``camera://0``, ``http://...``, ``rtsp://...``,     a camera decoding barcodes from frames
``file:///path/video.mp4``
=================================================  ===========================================

Adapters are imported on first use, so a missing optional library (evdev, OpenCV) only matters
to the URLs that need it, and is reported with an install hint.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from typing import Protocol

from lotedge.core.scan import RawScan
from lotedge.scanners.url import DeviceUrl, UrlError

ScanSink = Callable[[RawScan], object]
"""The engine's submit: takes one scan, returns the decision (may block until committed)."""


class ScanSource(Protocol):
    """One device delivering scans."""

    name: str

    def run(self, sink: ScanSink, stop: threading.Event) -> None:
        """Deliver scans to `sink` until `stop` is set; survive the device going and coming back."""
        ...


#: scheme -> ("module:function", pip/apt hint when the module's dependency is missing)
SCHEMES: dict[str, tuple[str, str]] = {
    "serial": ("lotedge.scanners.serial_port:open_serial", "pip install pyserial"),
    "tcp": ("lotedge.scanners.tcp:open_tcp_client", ""),
    "tcp-listen": ("lotedge.scanners.tcp:open_tcp_listen", ""),
    "hid": ("lotedge.scanners.hid:open_hid", "pip install evdev (Linux only)"),
    "stdin": ("lotedge.scanners.stdin:open_stdin", ""),
    "camera": ("lotedge.camera.source:open_camera_url", "pip install opencv-python-headless"),
    "http": ("lotedge.camera.source:open_camera_url", "pip install opencv-python-headless"),
    "https": ("lotedge.camera.source:open_camera_url", "pip install opencv-python-headless"),
    "rtsp": ("lotedge.camera.source:open_camera_url", "pip install opencv-python-headless"),
    "file": ("lotedge.camera.source:open_camera_url", "pip install opencv-python-headless"),
}


def open_source(name: str, url: str) -> ScanSource:
    """The source for `url`. Raises UrlError (a ValueError) naming the expected form."""
    parsed = DeviceUrl.parse(url)
    if parsed.scheme not in SCHEMES:
        known = ", ".join(f"{s}://" for s in SCHEMES)
        raise UrlError(f"{url!r}: unknown scheme {parsed.scheme}://; known: {known}")
    target, hint = SCHEMES[parsed.scheme]
    module_name, _, function = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise UrlError(
            f"{url!r}: {parsed.scheme}:// needs {exc.name}, which is not installed ({hint})"
        ) from None
    opener: Callable[[str, DeviceUrl], ScanSource] = getattr(module, function)
    return opener(name, parsed)
