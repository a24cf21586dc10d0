"""What a scale says, read without any I/O: MT-SICS replies and continuous-output lines.

MT-SICS (Mettler Toledo's Standard Interface Command Set, spoken by many other scales too)
answers a command with one line: the command, a status and its fields, e.g. ``S S     25.000 kg``
(stable), ``S D     24.980 kg`` (dynamic, from ``SI``), ``S I`` (busy), ``S +`` / ``S -`` (over-
and underload), ``ES`` / ``ET`` / ``EL`` (syntax, transmission, logical error).

>>> parse_sics("S S     25.000 kg").reading().text()
'25.000 KGM (stable)'
>>> parse_sics("S D      -0.25 lb").reading().value
Decimal('-0.25')
>>> parse_sics("S +").reading().status.value, parse_sics("EL").reading().detail
('overload', 'the scale refused the command (EL: logical error)')
>>> parse_sics('I4 A "0123456789"').fields
('0123456789',)

A bench scale in continuous mode streams lines instead; a pattern with named groups reads them:

>>> line = ContinuousFormat.of(DEFAULT_CONTINUOUS_PATTERN)
>>> line.reading("ST,NT,+0025.000kg").usable, line.reading("ST,NT,+0025.000kg").value
(True, Decimal('25.000'))
>>> line.reading("US,GS,+0003.2 kg").status.value, line.reading("US,GS,+0003.2 kg").net
('dynamic', False)
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

#: The units scales show and their UN/ECE Rec 20 codes (what events and the config use).
SCALE_UNITS: dict[str, str] = {"kg": "KGM", "g": "GRM", "lb": "LBR", "mg": "MGM", "t": "TNE"}
#: Rec 20 mass units in kilograms, to add and compare weights shown in different units.
KILOGRAMS: dict[str, Decimal] = {
    "KGM": Decimal(1),
    "GRM": Decimal("0.001"),
    "MGM": Decimal("0.000001"),
    "TNE": Decimal(1000),
    "LBR": Decimal("0.45359237"),
}
#: The longest weight a scale may send (sign, digits, point); anything longer is not a weight.
_LONGEST_VALUE = 16
_VALUE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_ERRORS = {
    "ES": "syntax error: the scale does not know the command",
    "ET": "transmission error",
    "EL": "logical error",
}


class WeightStatus(StrEnum):
    STABLE = "stable"
    DYNAMIC = "dynamic"
    OVERLOAD = "overload"
    UNDERLOAD = "underload"
    BUSY = "busy"
    ERROR = "error"


@dataclass(frozen=True)
class Reading:
    """One weight reading: its status, and the value and Rec 20 unit when it has them.

    `net` is False for a gross weight a continuous scale marks as such (MT-SICS weights are
    net: the displayed weight after any tare)."""

    status: WeightStatus
    value: Decimal | None = None
    unit: str | None = None
    net: bool = True
    detail: str = ""

    @property
    def usable(self) -> bool:
        """A stable net weight with a value and a known unit: the only kind ever recorded."""
        return self.status is WeightStatus.STABLE and self.net and self.value is not None

    def text(self) -> str:
        """The reading as the operator reads it, e.g. ``25.000 KGM (stable)``."""
        if self.value is None:
            return self.detail or self.status.value
        return f"{self.value} {self.unit} ({self.status.value}{'' if self.net else ', gross'})"


def weight_value(text: str) -> Decimal:
    """A weight as a scale writes it (``+0025.000``, ``-0.25``); ValueError for anything else."""
    text = text.strip()
    if len(text) > _LONGEST_VALUE or not _VALUE.match(text):
        raise ValueError(f"{text[:_LONGEST_VALUE]!r} is not a weight")
    try:
        return Decimal(text)
    except InvalidOperation:  # the pattern should have caught it; never trust a device
        raise ValueError(f"{text!r} is not a weight") from None


def rec20(unit: str) -> str:
    """The Rec 20 code of a unit a scale shows (``kg`` -> ``KGM``); ValueError when unknown."""
    code = SCALE_UNITS.get(unit.strip().lower())
    if code is None:
        raise ValueError(f"unit {unit[:8]!r} is not a mass unit we know (kg, g, lb, mg, t)")
    return code


def convert(value: Decimal, unit: str, to: str) -> Decimal:
    """`value` in Rec 20 mass `unit`, expressed in `to` (exact for metric units)."""
    if unit == to:
        return value
    return value * KILOGRAMS[unit] / KILOGRAMS[to]


def _weight(status: WeightStatus, value: str, unit: str, net: bool = True) -> Reading:
    try:
        return Reading(status, weight_value(value), rec20(unit), net)
    except ValueError as exc:
        return Reading(WeightStatus.ERROR, detail=f"unreadable weight: {exc}")


_LIMIT = {"+": WeightStatus.OVERLOAD, "-": WeightStatus.UNDERLOAD}


@dataclass(frozen=True)
class SicsReply:
    """One MT-SICS reply line: the command it answers, its status and its fields."""

    command: str
    status: str
    fields: tuple[str, ...] = ()

    @property
    def error(self) -> str:
        """Why the scale refused the command, or '' when it did not."""
        if self.command in _ERRORS:
            return f"the scale refused the command ({self.command}: {_ERRORS[self.command]})"
        if self.status == "I":
            return f"the scale cannot do {self.command} now (busy)"
        if self.status in "+-":
            return f"the scale cannot do {self.command}: {_LIMIT[self.status].value}"
        if self.status == "L":
            return f"the scale cannot do {self.command} (logical error)"
        return ""

    def reading(self) -> Reading:
        """The weight in a reply to ``S``, ``SI`` or ``T`` (a tare value is stable)."""
        if self.command in _ERRORS:
            return Reading(WeightStatus.ERROR, detail=self.error)
        if self.status in _LIMIT:
            return Reading(_LIMIT[self.status], detail=self.error)
        if self.status == "I":
            return Reading(WeightStatus.BUSY, detail=self.error)
        if self.status in ("S", "D") and len(self.fields) == 2:
            status = WeightStatus.STABLE if self.status == "S" else WeightStatus.DYNAMIC
            return _weight(status, *self.fields)
        return Reading(WeightStatus.ERROR, detail=f"unexpected reply {self.text()!r}")

    def text(self) -> str:
        return " ".join((self.command, self.status, *self.fields)).strip()


def parse_sics(line: str) -> SicsReply:
    """Split an MT-SICS reply; quoted fields (serial numbers, models) keep their spaces."""
    text = line.strip()
    if text in _ERRORS:
        return SicsReply(text, "")
    try:
        parts = shlex.split(text)
    except ValueError:  # an unbalanced quote: keep the words as they are
        parts = text.split()
    if len(parts) < 2:
        return SicsReply(parts[0] if parts else "", "")
    return SicsReply(parts[0], parts[1], tuple(parts[2:]))


#: A&D-style continuous output, e.g. ``ST,NT,+0025.000kg`` (stable, net) or ``US,GS,...``.
DEFAULT_CONTINUOUS_PATTERN = (
    r"^(?P<status>ST|US|OL),(?P<kind>GS|NT|TR),(?P<sign>[+-])\s*(?P<value>[0-9.]+)\s*(?P<unit>\w+)$"
)
CONTINUOUS_GROUPS = {"status", "sign", "value", "unit", "kind"}
_REQUIRED_GROUPS = {"value", "unit"}
#: What the status group's text means (anything else is dynamic).
STABLE_MARKS = {"ST", "S"}
OVERLOAD_MARKS = {"OL", "O", "+"}
UNDERLOAD_MARKS = {"UL", "-"}
#: What the kind group's text means: gross weights are never recorded.
GROSS_MARKS = {"GS", "G", "GR", "B"}


@dataclass(frozen=True)
class ContinuousFormat:
    """How a scale in continuous mode writes a line: a regex with named groups ``value`` and
    ``unit`` (required), ``status`` (ST stable, OL overload, UL underload, else dynamic; without
    it every line counts as stable), ``sign`` and ``kind`` (GS gross, NT net)."""

    pattern: re.Pattern[str]

    @classmethod
    def of(cls, pattern: str) -> ContinuousFormat:
        """The format of `pattern`; ValueError saying what is wrong with it."""
        return cls(re.compile(check_continuous_pattern(pattern)))

    def reading(self, line: str) -> Reading:
        match = self.pattern.match(line.strip())
        if match is None:
            return Reading(WeightStatus.ERROR, detail=f"line {line[:40]!r} does not match")
        groups = match.groupdict()
        mark = (groups.get("status") or "ST").strip().upper()
        if mark in OVERLOAD_MARKS:
            return Reading(WeightStatus.OVERLOAD, detail="the scale is overloaded")
        if mark in UNDERLOAD_MARKS:
            return Reading(WeightStatus.UNDERLOAD, detail="the scale is underloaded")
        status = WeightStatus.STABLE if mark in STABLE_MARKS else WeightStatus.DYNAMIC
        net = (groups.get("kind") or "").strip().upper() not in GROSS_MARKS
        value = (groups.get("sign") or "").strip() + (groups.get("value") or "")
        return _weight(status, value, groups.get("unit") or "", net)


def check_continuous_pattern(pattern: str) -> str:
    """`pattern` when it compiles with the groups a reading needs; ValueError saying why not."""
    try:
        groups = set(re.compile(pattern).groupindex)
    except re.error as exc:
        raise ValueError(f"pattern is not a valid regex: {exc}") from None
    if missing := _REQUIRED_GROUPS - groups:
        raise ValueError(f"pattern needs the named groups {sorted(missing)}")
    if unknown := groups - CONTINUOUS_GROUPS:
        raise ValueError(
            f"pattern has unknown groups {sorted(unknown)}; use {sorted(CONTINUOUS_GROUPS)}"
        )
    return pattern
