"""Typed URL options: each scheme declares its options with a type, a default and a meaning.

>>> BAUD = Option("baud", POSITIVE_WHOLE, "9600", "line speed")
>>> BAUD.parse("19200"), BAUD.parse(BAUD.default)
(19200, 9600)
>>> BAUD.parse("fast")
Traceback (most recent call last):
...
lotedge.devices.url.UrlError: option baud='fast' is not a positive whole number
>>> Option("parity", choice("N", "E", "O"), "N", "parity").parse("e")
'E'
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from lotedge.devices.url import UrlError


@dataclass(frozen=True)
class OptionType:
    """How an option's text becomes a value. `convert` raises ValueError for text it refuses."""

    placeholder: str
    """What the option's value looks like in a URL form, e.g. ``N`` or ``N|E|O``."""
    expected: str
    """The values it takes, for errors (``is not <expected>``) and the docs tables."""
    convert: Callable[[str], Any]


@dataclass(frozen=True)
class Option:
    """One query option of a scheme."""

    name: str
    type: OptionType
    default: str
    """The default as it would be written in the URL (parsed like any other value)."""
    about: str
    field: str = ""
    """The config field this option overrides (cameras: ``dedupe`` -> ``dedupe_seconds``)."""

    def parse(self, text: str) -> Any:
        """The typed value of `text`; raises UrlError naming the option and what it takes."""
        try:
            return self.type.convert(text)
        except ValueError:
            raise UrlError(
                f"option {self.name}={text!r} is not {self.type.expected}", option=self.name
            ) from None


def _positive_whole(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


POSITIVE_WHOLE = OptionType("N", "a positive whole number", _positive_whole)


def number(placeholder: str, minimum: float = 0.0, *, above: bool = False) -> OptionType:
    """A finite number, at least `minimum` (or above it); `placeholder` names it in forms."""

    def convert(text: str) -> float:
        value = float(text)
        if not math.isfinite(value) or value < minimum or (above and value == minimum):
            raise ValueError(text)
        return value

    bound = f"above {minimum:g}" if above else f"of {minimum:g} or more"
    return OptionType(placeholder, f"a number {bound}", convert)


def choice(*values: str, mapping: Mapping[str, Any] | None = None) -> OptionType:
    """One of `values` (case-insensitive), as listed or as `mapping` maps it."""

    def convert(text: str) -> Any:
        for value in values:
            if text.lower() == value.lower():
                return mapping[value] if mapping else value
        raise ValueError(text)

    return OptionType("|".join(values), f"one of {', '.join(values)}", convert)


def names(separator: str = ",") -> OptionType:
    """A list of names joined by `separator`, none empty (checked further by the scheme)."""

    def convert(text: str) -> list[str]:
        items = [item.strip() for item in text.split(separator)]
        if not all(items):
            raise ValueError(text)
        return items

    return OptionType(f"A{separator}B", f"names joined by {separator!r}", convert)


def _flag(text: str) -> bool:
    lowered = text.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(text)


FLAG = OptionType("1|0", "1 or 0", _flag)
TEXT = OptionType("TEXT", "any text", str)

#: Named scan suffixes; ``auto`` (empty) ends a scan at CR or LF, so CR, LF and CRLF all work.
SUFFIXES: dict[str, bytes] = {"AUTO": b"", "CR": b"\r", "LF": b"\n", "CRLF": b"\r\n", "TAB": b"\t"}


def _suffix(text: str) -> bytes:
    if text.upper() in SUFFIXES:
        return SUFFIXES[text.upper()]
    return bytes.fromhex(text.removeprefix("0x"))


SUFFIX = OptionType("auto|CR|LF|CRLF|TAB|0xHH", "auto, CR, LF, CRLF, TAB or hex like 0x03", _suffix)


_LONGEST_TOKEN = 16


def _token(text: str) -> bytes:
    if text.isdecimal() or len(text) > _LONGEST_TOKEN or "\r" in text or "\n" in text:
        raise ValueError(text)
    return text.encode()


GS_TOKEN = OptionType(
    "TEXT",
    f"1 to {_LONGEST_TOKEN} characters, not all digits (Alt+029: alt029=1), no CR or LF",
    _token,
)
