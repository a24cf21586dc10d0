"""`lotedge scanner test`: the technician scans the test sheet with each scanner; the tool
reads what each one sends (raw, before framing), and says per scanner whether the AIM
identifier arrives, how the separator arrives, what ends a scan, whether a keyboard wedge types
in another layout, and the exact config line or scanner setting to change.

The scanners are opened as the agent opens them (the same URLs and adapters), so the agent must
not run meanwhile: the tool holds the state directory's lock while it listens.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from lotedge.config.model import Config
from lotedge.core.text import decode_text
from lotedge.devices.kinds import Device
from lotedge.devices.registry import resolve
from lotedge.devices.url import DeviceUrl
from lotedge.masterdata.suggestions import unknown
from lotedge.scanners.base import open_source
from lotedge.scanners.check import Check, analyse, describe
from lotedge.scanners.stream import Endpoint, StreamSource
from lotedge.scanners.test_sheet import SHEET

#: Seconds without bytes after which what a scanner sent is taken as complete.
QUIET_SECONDS = 0.6
_RETRY_SECONDS = 0.5
_OPEN_SECONDS = 5.0


@dataclass
class Listener:
    """One scanner being listened to: its raw bytes as they arrive."""

    name: str
    path: str
    """Where it is in the config, e.g. ``scanners[0]``."""
    device: Device
    endpoint: Endpoint
    data: bytearray = field(default_factory=bytearray)
    last_byte: float = 0.0
    error: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)
    listening: threading.Event = field(default_factory=threading.Event)
    """Set once the device is open."""

    def listen(self, stop: threading.Event) -> None:
        """Read until `stop` is set, reopening the device when it fails."""
        while not stop.is_set():
            try:
                stream = self.endpoint.connect(stop)
            except OSError as exc:
                self.error = f"cannot open {self.endpoint.description}: {exc}"
                stop.wait(_RETRY_SECONDS)
                continue
            if stream is None:
                break
            self.error = ""
            self.listening.set()
            try:
                while not stop.is_set():
                    if chunk := stream.read():
                        with self.lock:
                            self.data += chunk
                            self.last_byte = time.monotonic()
            except OSError as exc:
                self.error = f"lost {self.endpoint.description}: {exc}"
            finally:
                self.listening.clear()
                stream.close()
        self.endpoint.close()

    def check(self) -> Check:
        """What the bytes so far show."""
        with self.lock:
            return analyse(decode_text(bytes(self.data)), self.device)


def listeners(config: Config, names: list[str]) -> list[Listener]:
    """The config's scanners (those named, else all) that send text: cameras decode the codes
    themselves. Raises ValueError for a name the config does not have."""
    known = [s.name for s in config.scanners]
    for name in names:
        if name not in known:
            raise ValueError(unknown("scanner", name, known))
    found = []
    for index, section in enumerate(config.scanners):
        device = resolve(section.url, "scanner")
        if (names and section.name not in names) or device.scheme.kind != "scanner":
            continue
        source = open_source(section.name, section.url)
        assert isinstance(source, StreamSource)
        found.append(Listener(section.name, f"scanners[{index}]", device, source.endpoint))
    return found


def run(
    scanners: list[Listener],
    timeout: float,
    say: Callable[[str], object] = print,
    quiet: float = QUIET_SECONDS,
) -> dict[str, Check]:
    """Listen until every scanner sent the whole sheet (and went quiet) or `timeout` passes;
    says each code as it is recognised. Returns each scanner's check."""
    stop = threading.Event()
    threads = [
        threading.Thread(target=s.listen, args=(stop,), name=f"check-{s.name}", daemon=True)
        for s in scanners
    ]
    for thread in threads:
        thread.start()
    for scanner in scanners:
        scanner.listening.wait(_OPEN_SECONDS)
    names = ", ".join(s.name for s in scanners if s.listening.is_set()) or "no scanner"
    say(f"listening to {names}: scan each code of the test sheet once with each scanner")
    said: dict[str, set[int]] = {s.name: set() for s in scanners}
    errors: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            done = True
            for scanner in scanners:
                if scanner.error and errors.get(scanner.name) != scanner.error:
                    say(f"{scanner.name}: {scanner.error}")
                errors[scanner.name] = scanner.error
                for read in scanner.check().reads:
                    if read.code.number not in said[scanner.name]:
                        said[scanner.name].add(read.code.number)
                        say(f"{scanner.name}: read code {read.code.number} ({read.code.title})")
                settled = time.monotonic() - scanner.last_byte >= quiet
                done = done and len(said[scanner.name]) == len(SHEET) and settled
            if done:
                break
            time.sleep(0.1)
    finally:
        stop.set()
        for thread in threads:
            thread.join(5)
    return {scanner.name: scanner.check() for scanner in scanners}


def report(scanners: list[Listener], checks: dict[str, Check]) -> tuple[list[str], bool]:
    """The report's lines, and whether every scanner is set up right."""
    lines: list[str] = []
    all_good = True
    for scanner in scanners:
        check = checks[scanner.name]
        lines.append(f"scanner {scanner.name} ({scanner.device.url})")
        for read in check.reads:
            lines.append(f"  {read.code.number} {read.code.title:22} {describe(read)}")
        for code in check.missing:
            lines.append(f"  {code.number} {code.title:22} not read")
        for junk in check.unrecognised:
            lines.append(f"  not from the sheet: {junk[:60]!r}")
        lines += [f"  found: {finding}" for finding in check.findings]
        if check.options:
            url = DeviceUrl.split(scanner.device.url).with_options(check.options)
            lines.append(f"  change {scanner.path}.url (the [[scanners]] named {scanner.name!r}):")
            lines.append(f"    url = {json.dumps(url)}")
        lines += [f"  set on the scanner: {setting}" for setting in check.settings]
        good = not (check.problems or check.missing or check.unrecognised)
        all_good = all_good and good
        lines.append("  ok: nothing to change" if good else "")
    return lines, all_good
