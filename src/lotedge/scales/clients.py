"""The two ways a scale talks: MT-SICS commands and replies, or a continuous line stream.

Both give the service the same four things: a `stable()` weight (waiting for the scale to
settle), an `immediate()` look at the weight, `tare()` / `zero()`, and `identify()`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

from lotedge.core.scale_protocol import (
    ContinuousFormat,
    Reading,
    SicsReply,
    WeightStatus,
    parse_sics,
)
from lotedge.scales.link import ScaleLink, ScaleTimeout

#: Replies to other commands that may still be in the line when we ask (a late answer).
_STRAY_TRIES = 3
#: The commands a reply may name, where not the command sent: MT-SICS answers SI with S and @
#: with I4; some scales (mt-sics-emulator) answer SI with SI.
_ANSWERED_AS = {"SI": ("S", "SI"), "@": ("I4",)}


class ScaleError(Exception):
    """The scale refused a command or answered something we cannot use (the reason says which)."""


@dataclass(frozen=True)
class ScaleIdentity:
    serial: str = ""
    model: str = ""


class Scale(Protocol):
    """A scale on an open link."""

    def stable(self) -> Reading: ...
    def immediate(self) -> Reading: ...
    def tare(self) -> Reading: ...
    def zero(self) -> None: ...
    def identify(self) -> ScaleIdentity: ...
    def close(self) -> None: ...


class SicsScale:
    """MT-SICS level 0/1: ``S`` (stable weight: the scale answers once settled, ``S I`` when it
    does not settle in its own time), ``SI``, ``T``, ``Z``, ``@`` (reset, serial number), ``I2``
    (model)."""

    def __init__(self, link: ScaleLink, timeout: float) -> None:
        self.link = link
        self.timeout = timeout

    def ask(self, command: str) -> SicsReply:
        """Send `command`, return its reply (skipping late replies to other commands)."""
        self.link.discard_input()
        self.link.send(command)
        sent = command.split()[0]
        expected = _ANSWERED_AS.get(sent, (sent,))
        for _ in range(_STRAY_TRIES):
            reply = parse_sics(self.link.read_line(self.timeout))
            if reply.command in (*expected, "ES", "ET", "EL"):
                return reply
        raise ScaleError(f"no reply to {command} (other replies came instead)")

    def stable(self) -> Reading:
        return self.ask("S").reading()

    def immediate(self) -> Reading:
        return self.ask("SI").reading()

    def tare(self) -> Reading:
        reply = self.ask("T")
        if reply.error:
            raise ScaleError(reply.error)
        return reply.reading()

    def zero(self) -> None:
        reply = self.ask("Z")
        if reply.error:
            raise ScaleError(reply.error)

    def identify(self) -> ScaleIdentity:
        """``@`` (a reset, answered with ``I4 A "<serial>"``), then ``I2`` for the model when the
        scale knows it."""
        reset = self.ask("@")
        if reset.command != "I4" or reset.status != "A" or not reset.fields:
            raise ScaleError(reset.error or f"unexpected reply to @: {reset.text()!r}")
        model = self.ask("I2")
        text = " ".join(model.fields) if model.status == "A" else ""
        return ScaleIdentity(serial=reset.fields[0], model=text)

    def close(self) -> None:
        self.link.close()


class ContinuousScale:
    """A scale that streams a line per reading (no commands): stable is the first stable line
    within the timeout, immediate the next line; tare and zero are done at the scale."""

    def __init__(self, link: ScaleLink, line_format: ContinuousFormat, timeout: float) -> None:
        self.link = link
        self.format = line_format
        self.timeout = timeout

    def _next(self, timeout: float) -> Reading:
        return self.format.reading(self.link.read_line(timeout))

    def stable(self) -> Reading:
        deadline = time.monotonic() + self.timeout
        self.link.discard_input()  # only what the scale says from now on
        while True:
            try:
                reading = self._next(max(0.0, deadline - time.monotonic()))
            except ScaleTimeout:
                return Reading(WeightStatus.BUSY, detail="the weight did not settle in time")
            if reading.status is not WeightStatus.DYNAMIC:
                return reading

    def immediate(self) -> Reading:
        self.link.discard_input()
        return self._next(self.timeout)

    def tare(self) -> Reading:
        raise ScaleError("a scale in continuous mode takes no commands: tare it at the scale")

    def zero(self) -> None:
        raise ScaleError("a scale in continuous mode takes no commands: zero it at the scale")

    def identify(self) -> ScaleIdentity:
        self.immediate()  # it streams: that is all it can tell
        return ScaleIdentity()

    def close(self) -> None:
        self.link.close()
