"""Scan scripts: a small text format describing what a simulated scanner sends.

One scan per line; blank lines and comments (``#`` followed by a space, or alone) are ignored,
so a command barcode like ``#LE:START:BREAD-800`` is a scan. In scan text, ``<GS>`` is the GS1
separator 0x1D, ``<RS>``/``<EOT>`` are 0x1E/0x04 and ``<xHH>`` is any byte. Directives start
with ``@`` and apply to the following scans::

    @delay 0.5        wait 0.5 s before each following scan (default 0)
    @wait 2           wait 2 s once, here
    @aim ]d2          prefix following scans with an AIM symbology identifier (@aim off: stop)
    @double           send the next scan twice (a double read)
    @garbage 12       send 12 random printable characters as one scan (a misread)
    @noise 8          send 8 random bytes of line noise, control characters included
    @seed 7           seed for @garbage and @noise (default 0, so scripts are repeatable)
    @gs <GS>          send GS in following scans as this text (taken literally: <GS>, {GS},
                      ^], ~, 029 ...); @gs drop: leave it out; @gs GS: send GS again
    @sheet aim        the four codes of the scanner test sheet, each with its AIM identifier
                      (@sheet alone: without), GS sent as @gs says

The suffix (CR, LF, ...) is not part of the script; the player adds it.

>>> [s.data for s in parse_script("@aim ]C1\\n010950110153000310L1<GS>17490131\\n")]
[b']C1010950110153000310L1\\x1d17490131']
>>> [s.data for s in parse_script("@gs {GS}\\n010950110153000310L1<GS>17490131\\n")]
[b'010950110153000310L1{GS}17490131']
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from lotedge.scanners.test_sheet import SHEET

_ESCAPE = re.compile(r"<(GS|RS|EOT|x[0-9A-Fa-f]{2})>")
GS = b"\x1d"
_NAMED = {"GS": GS, "RS": b"\x1e", "EOT": b"\x04"}
_DIRECTIVES = ("delay", "wait", "aim", "double", "seed", "garbage", "noise", "gs", "sheet")
_NOISE_BYTES = bytes(b for b in range(256) if b not in b"\r\n\t")


#: The scan scripts and recordings shipped with lotedge.
SCRIPTS = Path(__file__).parent / "scripts"


class ScriptError(ValueError):
    """A line of a scan script that cannot be understood."""


@dataclass(frozen=True)
class Send:
    """One scan to send."""

    data: bytes
    """The scan as the scanner transmits it, without the suffix."""
    delay: float
    """Seconds to wait before sending."""
    line: int
    """Line of the script it comes from."""


def unescape(text: str) -> bytes:
    """Scan text with ``<GS>``-style escapes as bytes (UTF-8)."""

    def bytes_of(match: re.Match[str]) -> str:
        token = match.group(1)
        return chr(_NAMED[token][0]) if token in _NAMED else chr(int(token[1:], 16))

    return _ESCAPE.sub(bytes_of, text).encode("utf-8", "surrogateescape")


@dataclass
class _State:
    """What the directives so far set for the scans that follow."""

    delay: float = 0.0
    once: float = 0.0
    aim: bytes = b""
    gs: bytes = GS
    double: bool = False
    rng: random.Random = field(default_factory=lambda: random.Random(0))

    def directive(self, word: str, arg: str) -> list[bytes]:
        """Apply `@word arg`; the scans it sends itself (@garbage, @noise, @sheet)."""
        if word == "delay":
            self.delay = float(arg)
        elif word == "wait":
            self.once += float(arg)
        elif word == "aim":
            self.aim = b"" if arg == "off" else arg.encode()
        elif word == "double":
            self.double = True
        elif word == "seed":
            self.rng = random.Random(int(arg))
        elif word == "gs":
            self.gs = {"": GS, "GS": GS, "drop": b""}.get(arg, arg.encode())
        elif word == "garbage":
            return [bytes(self.rng.choice(range(0x21, 0x7F)) for _ in range(int(arg)))]
        elif word == "noise":
            return [bytes(self.rng.choice(_NOISE_BYTES) for _ in range(int(arg)))]
        elif word == "sheet":
            return [self.scan(code.sent(aim=arg == "aim").encode()) for code in SHEET]
        return []

    def scan(self, data: bytes) -> bytes:
        """A scan's bytes with GS sent as @gs says."""
        return data.replace(GS, self.gs)


def parse_script(text: str) -> list[Send]:
    """The scans a script describes, in order. Raises ScriptError naming the line."""
    sends: list[Send] = []
    state = _State()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line == "#" or line.startswith("# "):
            continue
        if line.startswith("@"):
            word, _, arg = line[1:].partition(" ")
            arg = arg.strip()
            if word not in _DIRECTIVES:
                raise ScriptError(f"line {number}: unknown directive @{word}")
            try:
                datas = state.directive(word, arg)
            except ValueError:
                raise ScriptError(f"line {number}: @{word} needs a number, got {arg!r}") from None
        else:
            datas = [state.scan(state.aim + unescape(line))]
        for data in datas:
            for _ in range(2 if state.double else 1):
                sends.append(Send(data, state.delay + state.once, number))
                state.once = 0.0
            state.double = False
    return sends


def load_script(path: str | Path) -> list[Send]:
    """Parse a script file."""
    return parse_script(Path(path).read_text(encoding="utf-8"))


def play(
    sends: Iterable[Send],
    write: Callable[[bytes], object],
    suffix: bytes = b"\r",
    sleep: Callable[[float], object] = time.sleep,
) -> int:
    """Send each scan with its delay and `suffix`; returns how many were sent."""
    count = 0
    for send in sends:
        if send.delay:
            sleep(send.delay)
        write(send.data + suffix)
        count += 1
    return count
