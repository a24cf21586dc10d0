"""USB keyboard-wedge scanners read through evdev, grabbed so scans never type into other programs.

Keys are decoded by `hid_keymap` (the same code the evdev replay simulator uses); Enter frames a
scan. Use the stable ``/dev/input/by-id/usb-...-event-kbd`` path: it survives unplug and replug.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
from collections.abc import Callable, Iterable
from typing import Protocol

import evdev

from lotedge.devices.kinds import Device, Probe
from lotedge.scanners.framing import Framing
from lotedge.scanners.hid_keymap import KeyDecoder
from lotedge.scanners.stream import StreamSource

_READ_TIMEOUT = 0.2


class KeyEvent(Protocol):
    """What the adapter uses of an evdev InputEvent."""

    type: int
    code: int
    value: int


class InputDevice(Protocol):
    """What the adapter uses of `evdev.InputDevice` (a recorded replay provides the same)."""

    fd: int

    def read(self) -> Iterable[KeyEvent]: ...
    def grab(self) -> None: ...
    def ungrab(self) -> None: ...
    def close(self) -> None: ...


class HidStream:
    """Typed characters from an input device; an unplugged device raises OSError (ENODEV)."""

    def __init__(self, device: InputDevice, decoder: KeyDecoder, grab: bool) -> None:
        self._device = device
        self._decoder = decoder
        self._grabbed = grab
        if grab:
            device.grab()

    def read(self) -> bytes:
        ready, _, _ = select.select([self._device.fd], [], [], _READ_TIMEOUT)
        if not ready:
            return b""
        try:
            events = list(self._device.read())
        except BlockingIOError:
            return b""
        return "".join(self._decoder.feed(e.type, e.code, e.value) for e in events).encode()

    def close(self) -> None:
        if self._grabbed:
            with contextlib.suppress(OSError):  # already gone when unplugged
                self._device.ungrab()
        self._device.close()


class HidEndpoint:
    """An input device path, opened (and grabbed) anew after each loss."""

    def __init__(
        self,
        path: str,
        layout: str,
        grab: bool,
        open_device: Callable[[str], InputDevice] = evdev.InputDevice,
    ) -> None:
        self.path = path
        self.layout = layout
        self.grab = grab
        self.open_device = open_device
        self.description = path

    def connect(self, stop: threading.Event) -> HidStream:
        device = self.open_device(self.path)
        try:
            return HidStream(device, KeyDecoder(self.layout), self.grab)
        except OSError:  # e.g. EBUSY: another program holds the grab
            device.close()
            raise

    def close(self) -> None:
        """Nothing is kept between connections."""


def open_hid(name: str, device: Device) -> StreamSource:
    """``hid:///dev/input/by-id/usb-Scanner-event-kbd?layout=us``: scans framed by Enter."""
    endpoint = HidEndpoint(device.address, device.options["layout"], device.options["grab"])
    return StreamSource(name, endpoint, Framing.of(device))


def probe_hid(device: Device, timeout: float) -> Probe:
    """The input device is there and this user may read it."""
    path = device.address
    if not os.path.exists(path):
        return Probe("fail", f"{path} does not exist", "plugged in? see ls /dev/input/by-id/")
    if not os.access(path, os.R_OK):
        return Probe("fail", f"{path} is not readable", "add the user to the input group")
    return Probe("ok", f"{path} readable")
