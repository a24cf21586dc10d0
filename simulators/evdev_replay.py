"""Recorded key events of a keyboard-wedge scanner: record, synthesise, replay.

A recording is JSON: ``{"layout": "us", "note": "...", "events": [[type, code, value], ...]}``.

    python -m lotedge.simulators.evdev_replay record /dev/input/by-id/usb-X-event-kbd > scans.json
    python -m lotedge.simulators.evdev_replay synth --layout us "]d2010950...<GS>10L1" > scans.json
    python -m lotedge.simulators.evdev_replay play scans.json

`play` decodes with the HID adapter's own decoder and prints each scan. `ReplayDevice` stands in
for `evdev.InputDevice` so the real HID adapter can be tested without a USB device.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from lotedge.scanners.hid_keymap import (
    EV_KEY,
    KEY_ENTER,
    KEY_KPENTER,
    KEY_UP,
    Event,
    decode_events,
    encode_text,
)
from lotedge.simulators.scanscript import unescape


@dataclass(frozen=True)
class Recording:
    """Key events and the layout of the keyboard that produced them."""

    events: list[Event]
    layout: str = "us"
    note: str = ""

    @classmethod
    def load(cls, path: str | Path) -> Recording:
        """Read a recording file."""
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls([tuple(e) for e in raw["events"]], raw.get("layout", "us"), raw.get("note", ""))

    def dumps(self) -> str:
        """The recording as JSON, one event per line (diff-friendly)."""
        lines = ",\n".join(f"  [{t}, {c}, {v}]" for t, c, v in self.events)
        head = json.dumps({"layout": self.layout, "note": self.note})[:-1]
        return f'{head}, "events": [\n{lines}\n]}}\n'


@dataclass(frozen=True)
class _Event:
    type: int
    code: int
    value: int


class ReplayDevice:
    """An `evdev.InputDevice` look-alike that delivers recorded events.

    Its `fd` is a pipe that is readable while events remain. After the last event it either goes
    quiet or, with `unplug_at_end`, fails like an unplugged device (OSError ENODEV).
    """

    def __init__(self, events: Sequence[Event], batch: int = 6, unplug_at_end: bool = False):
        self._events = list(events)
        self._batch = batch
        self._unplug = unplug_at_end
        self._read_fd, self._write_fd = os.pipe()
        os.write(self._write_fd, b"x")
        self.fd = self._read_fd
        self.grabbed = False
        self.closed = False

    def read(self) -> Iterator[_Event]:
        """The next batch of events, as evdev delivers what has arrived."""
        if not self._events:
            if self._unplug:
                raise OSError(errno.ENODEV, "No such device")
            os.read(self._read_fd, 1)  # drained: no longer readable
            raise BlockingIOError(errno.EAGAIN, "no events")
        batch, self._events = self._events[: self._batch], self._events[self._batch :]
        return iter([_Event(*e) for e in batch])

    def grab(self) -> None:
        self.grabbed = True

    def ungrab(self) -> None:
        self.grabbed = False

    def close(self) -> None:
        for fd in (self._read_fd, self._write_fd):
            os.close(fd)
        self.closed = True


def record(path: str, stop_after: int) -> Recording:
    """Record key events from a real device (grabbed) until `stop_after` Enter presses."""
    import evdev

    device = evdev.InputDevice(path)
    events: list[Event] = []
    with device.grab_context():
        for event in device.read_loop():
            if event.type == EV_KEY:
                events.append((event.type, event.code, event.value))
                if event.code in (KEY_ENTER, KEY_KPENTER) and event.value == KEY_UP:
                    stop_after -= 1
                if stop_after <= 0:
                    break
    return Recording(events, note=f"recorded from {device.name}")


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: record, synth or play."""
    parser = argparse.ArgumentParser(prog="evdev_replay", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    rec = commands.add_parser("record", help="record scans from a real input device")
    rec.add_argument("device")
    rec.add_argument("--scans", type=int, default=1, help="stop after this many Enter presses")
    synth = commands.add_parser("synth", help="events typing the given scans (<GS> escapes)")
    synth.add_argument("scans", nargs="+")
    synth.add_argument("--layout", default="us")
    synth.add_argument("--note", default="")
    synth.add_argument("--gs", choices=("ctrl", "alt"), default="ctrl", help="Ctrl+] or Alt+0029")
    play = commands.add_parser("play", help="decode a recording and print its scans")
    play.add_argument("file")
    args = parser.parse_args(argv)
    if args.command == "record":
        sys.stdout.write(record(args.device, args.scans).dumps())
    elif args.command == "synth":
        text = "".join(unescape(scan).decode() + "\r" for scan in args.scans)
        sys.stdout.write(
            Recording(encode_text(text, args.layout, args.gs), args.layout, args.note).dumps()
        )
    else:
        recording = Recording.load(args.file)
        for scan in decode_events(recording.events, recording.layout).split("\r")[:-1]:
            print(repr(scan))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
