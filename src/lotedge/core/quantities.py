"""Quantities from outside (operators, command barcodes, remote callers): checked as text, digits
and exponent first, before any arithmetic, so no number can hold the engine (`int()` of
`Decimal('1e400000')` takes seconds).

A quantity is at most `MAX_SIGNIFICANT` significant digits with an exponent of at most
`MAX_EXPONENT` either way; finite; more than zero where one is required; at most a configurable
maximum; whole for counted units (pieces).

>>> parse_quantity("12.5", "Quantity")
Decimal('12.5')
>>> try:
...     parse_quantity("1e400000", "Planned quantity")
... except QuantityError as exc:
...     print(exc)
Planned quantity '1e400000' has an exponent out of range (at most 1e±6).
>>> parse_quantity("2.5", "Quantity", unit="H87")
Traceback (most recent call last):
...
lotedge.core.quantities.QuantityError: Quantity must be whole pieces (unit H87), got 2.5.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

#: Significant digits a quantity may have (a float's precision).
MAX_SIGNIFICANT = 15
#: The largest exponent either way (1e6 or 1e-6).
MAX_EXPONENT = 6
#: Text longer than this is not looked at further.
MAX_TEXT = 32
#: The largest quantity accepted unless the config says otherwise (`[limits] max_quantity`).
DEFAULT_MAXIMUM = Decimal(1_000_000)
#: UN/ECE Rec 20 units counted in whole pieces.
COUNTED_UNITS = frozenset({"H87", "EA", "C62", "XPP"})

_NUMBER = re.compile(r"([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?")


class QuantityError(ValueError):
    """A quantity that is refused; the message says why in the operator's words."""


def parse_quantity(
    value: object,
    what: str,
    *,
    maximum: Decimal = DEFAULT_MAXIMUM,
    unit: str | None = None,
) -> Decimal:
    """A positive, bounded quantity from text or a JSON number; QuantityError otherwise."""
    return check_quantity(parse_number(value, what), what, maximum=maximum, unit=unit)


def parse_number(value: object, what: str) -> Decimal:
    """A finite number from text or a JSON number, its digits and exponent in range (what a
    channel checks before a request reaches the engine, whose workflow then applies
    `check_quantity` with the product's unit and the configured maximum)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise QuantityError(f"{what} must be a number, got {_shown(value)}.")
    if isinstance(value, int) and value.bit_length() > 64:
        raise QuantityError(f"{what} has too many digits (at most {MAX_SIGNIFICANT}).")
    if isinstance(value, float) and not math.isfinite(value):
        raise QuantityError(f"{what} must be a finite number, got {value}.")
    text = value.strip() if isinstance(value, str) else repr(value)
    if isinstance(value, Decimal):
        text = str(value) if value.is_finite() else "nan"
    return _decimal(text, what)


def check_quantity(
    value: Decimal, what: str, *, maximum: Decimal = DEFAULT_MAXIMUM, unit: str | None = None
) -> Decimal:
    """`value` (already in range of digits and exponent) when it is more than zero, at most
    `maximum` and whole for a counted `unit`; QuantityError otherwise."""
    if value <= 0:
        raise QuantityError(f"{what} must be more than zero, got {value}.")
    if value > maximum:
        raise QuantityError(f"{what} {value} is more than the maximum {maximum}.")
    if unit in COUNTED_UNITS and value != value.to_integral_value():
        raise QuantityError(f"{what} must be whole pieces (unit {unit}), got {value}.")
    return value


def _decimal(text: str, what: str) -> Decimal:
    """The number `text` spells, after its digits and exponent are known to be in range."""
    shown = _shown(text)
    match = _NUMBER.fullmatch(text) if len(text) <= MAX_TEXT else None
    if match is None or not (match[2] or match[3]):
        raise QuantityError(f"{what} {shown} is not a number.")
    digits = (match[2] + (match[3] or "")).lstrip("0")
    if len(digits.rstrip("0")) > MAX_SIGNIFICANT:
        raise QuantityError(f"{what} {shown} has too many digits (at most {MAX_SIGNIFICANT}).")
    exponent = int(match[4] or 0)  # at most MAX_TEXT digits: cheap
    if abs(exponent) > MAX_EXPONENT:
        raise QuantityError(
            f"{what} {shown} has an exponent out of range (at most 1e±{MAX_EXPONENT})."
        )
    return Decimal(text)


def _shown(value: object) -> str:
    """A value as a message quotes it: short, whatever it was."""
    text = repr(value)
    return text if len(text) <= MAX_TEXT + 2 else text[: MAX_TEXT - 1] + "…'"
