"""Weighing rules, pure: the tolerance band of a BOM target, whether a weight keeps a material's
total within it, whether a stable weight is fresh, and a batch's totals against its targets.

>>> band = Band.of(25, "KGM", 2)
>>> band.text()
'25 kg ±2 % (24.5–25.5 kg)'
>>> check_weight("FLOUR", Decimal("26.1"), "KGM", Decimal(0), band).within
False
>>> freshness(Decimal("25.000"), Decimal("25.000"), load_changed=True, confirmed=False).value
'stale'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from lotedge.core.scale_protocol import KILOGRAMS, convert

#: How Rec 20 mass codes are shown to operators.
SYMBOLS = {"KGM": "kg", "GRM": "g", "LBR": "lb", "MGM": "mg", "TNE": "t"}
_HUNDRED = Decimal(100)


def shown(quantity: Decimal, uom: str) -> str:
    """``25.000 kg``: the quantity as weighed (no digits added or dropped) and its symbol."""
    return f"{quantity:f} {SYMBOLS.get(uom, uom)}"


def _plain(value: Decimal) -> str:
    """A target or bound without trailing zeros (``24.5``, ``25``)."""
    return f"{value.normalize():f}"


@dataclass(frozen=True)
class Band:
    """A target quantity and the band around it that is accepted, in the target's unit."""

    target: Decimal
    tolerance_pct: Decimal
    uom: str

    @classmethod
    def of(cls, quantity: float, uom: str, tolerance_pct: float) -> Band:
        return cls(Decimal(str(quantity)), Decimal(str(tolerance_pct)), uom)

    @property
    def low(self) -> Decimal:
        return self.target - self.target * self.tolerance_pct / _HUNDRED

    @property
    def high(self) -> Decimal:
        return self.target + self.target * self.tolerance_pct / _HUNDRED

    def text(self) -> str:
        """``25 kg ±2 % (24.5–25.5 kg)``."""
        symbol = SYMBOLS.get(self.uom, self.uom)
        return (
            f"{_plain(self.target)} {symbol} ±{_plain(self.tolerance_pct)} % "
            f"({_plain(self.low)}–{_plain(self.high)} {symbol})"
        )

    def side(self, quantity: Decimal, uom: str) -> str:
        """``under``, ``within`` or ``over`` the band, for `quantity` in `uom`."""
        value = convert(quantity, uom, self.uom)
        if value < self.low:
            return "under"
        return "over" if value > self.high else "within"


@dataclass(frozen=True)
class WeightCheck:
    """What a weight does to a material's total: `within` is False when it goes over the band."""

    within: bool
    total: Decimal
    message: str


def check_weight(
    material: str, weight: Decimal, uom: str, before: Decimal, band: Band | None
) -> WeightCheck:
    """Judge `weight` (in `uom`) on top of `before` (this batch's earlier weighings of the
    material, in `uom`). Only going over the band is out of tolerance: more lots may follow."""
    total = before + weight
    so_far = f" ({shown(total, uom)} in all)" if before else ""
    if band is None:
        return WeightCheck(True, total, f"{material}: {shown(weight, uom)} weighed{so_far}.")
    side = band.side(total, uom)
    if side == "over":
        message = (
            f"{material}: {shown(weight, uom)}{so_far} is over the target "
            f"{band.text()}; take off {shown(convert(total, uom, band.uom) - band.high, band.uom)}."
        )
        return WeightCheck(False, total, message)
    if side == "under":
        left = band.low - convert(total, uom, band.uom)
        message = (
            f"{material}: {shown(weight, uom)} weighed{so_far}; at least "
            f"{shown(left, band.uom)} more to reach {band.text()}."
        )
        return WeightCheck(True, total, message)
    message = f"{material}: {shown(weight, uom)} weighed{so_far}, within {band.text()}."
    return WeightCheck(True, total, message)


class Freshness(StrEnum):
    FRESH = "fresh"
    STALE = "stale"
    """Equal to the previous weighing although the load changed since: read again."""
    SAME_LOAD = "same_load"
    """Equal to the previous weighing and the load never changed: the previous load is still
    on the scale; wait for a new one."""


def freshness(
    value: Decimal, previous: Decimal | None, *, load_changed: bool, confirmed: bool
) -> Freshness:
    """Whether a stable weight may be recorded as a new weighing. `confirmed`: the operator asked
    for a re-read and accepts a weight equal to the previous one."""
    if confirmed or previous is None or value != previous:
        return Freshness.FRESH
    return Freshness.STALE if load_changed else Freshness.SAME_LOAD


@dataclass(frozen=True)
class MaterialTotal:
    """What a batch consumed of one weighed or targeted material, against its target."""

    material: str
    total: Decimal
    uom: str
    band: Band | None

    @property
    def side(self) -> str:
        return self.band.side(self.total, self.uom) if self.band else "within"

    def text(self) -> str:
        if self.band is None:
            return f"{self.material} {shown(self.total, self.uom)}"
        verdict = "" if self.side == "within" else f", {self.side} the band"
        return f"{self.material} {shown(self.total, self.uom)} of {self.band.text()}{verdict}"

    def as_dict(self) -> dict[str, object]:
        return {
            "material": self.material,
            "total": str(self.total),
            "uom": self.uom,
            "target": _plain(self.band.target) if self.band else None,
            "low": _plain(self.band.low) if self.band else None,
            "high": _plain(self.band.high) if self.band else None,
            "side": self.side,
        }


def batch_totals(
    consumed: Iterable[tuple[str, Decimal, str]],
    targets: Mapping[str, Band],
    weighed: Iterable[str],
) -> list[MaterialTotal]:
    """Per material with a target or weighed: the consumed total (`consumed` is material,
    quantity, uom; mass units are converted to the target's, or the first one seen)."""
    units: dict[str, str] = {code: band.uom for code, band in targets.items()}
    sums: dict[str, Decimal] = {}
    wanted = set(targets) | set(weighed)
    for material, quantity, uom in consumed:
        if material not in wanted:
            continue
        unit = units.setdefault(material, uom)
        if uom != unit and not (uom in KILOGRAMS and unit in KILOGRAMS):
            continue  # not a mass: cannot count against a weight
        sums[material] = sums.get(material, Decimal(0)) + convert(quantity, uom, unit)
    return [
        MaterialTotal(code, sums.get(code, Decimal(0)), units[code], targets.get(code))
        for code in sorted(wanted)
        if code in units
    ]
