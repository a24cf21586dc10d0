"""Holds: what a hold names (its scope), and which scanned or consumed lots it matches. Pure.

A scope is exactly one of these forms:

* a lot of any material (`lot`, with `material` absent or `*`);
* a material's lot (`material`, `lot`);
* a GTIN's lot (`gtin`, `lot`): scans carrying that GTIN, whatever material it maps to;
* a lot range of a vendor or a material (`vendor` or `material`, `lot_from`, `lot_to`,
  inclusive, in the order of `lot_key`);
* a lot prefix of a vendor or a material (`vendor` or `material`, `lot_prefix`).

Lots are compared exactly (case-sensitive); vendor names ignore case.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import astuple, dataclass, fields
from datetime import datetime

from biip.gtin import Gtin

from lotedge.core.reasons import Reason
from lotedge.masterdata.items import Material
from lotedge.masterdata.suggestions import unknown

ANY_MATERIAL = "*"
SOURCES = ("local", "remote", "store")
_TOKENS = re.compile(r"[0-9]+|[^0-9]")
_ASCII_DIGITS = "0123456789"
_ZERO = ord("0")
FORMS = (
    "lot (any material), material + lot, gtin + lot, vendor or material + lot_from + lot_to, "
    "vendor or material + lot_prefix"
)


class ScopeError(ValueError):
    """A hold scope that cannot be used; `code` is machine-readable."""

    def __init__(self, message: str, code: Reason = Reason.BAD_REQUEST) -> None:
        super().__init__(message)
        self.code = code.value


def lot_key(lot: str) -> tuple[tuple[int, int, int], ...]:
    """The sort key of the lot range order.

    A lot is read as a sequence of tokens: each maximal run of ASCII digits is one token, every
    other character is a token of its own. Tokens compare in turn: two digit runs by numeric
    value, then (equal values) the shorter run first (`V99` < `V099`); any other pair by the code
    point of their first character (a digit run counts as the digit `0`, so a run and a
    non-digit compare as their characters do). A lot that is a prefix of another comes first.

    So lots of the same shape (same length, digits in the same places, as a vendor's numbering
    usually is) compare character by character, and digit runs of different widths compare
    numerically: `V0099` < `V0100`, `V99` < `V100`. Distinct lots never compare equal.
    """
    return tuple(
        (_ZERO, int(token), len(token)) if token[0] in _ASCII_DIGITS else (ord(token), 0, 0)
        for token in _TOKENS.findall(lot)
    )


@dataclass(frozen=True)
class HoldScope:
    """What a hold names; absent fields are None. Build it with `parse_scope`."""

    material: str | None = None
    gtin: str | None = None
    vendor: str | None = None
    lot: str | None = None
    lot_from: str | None = None
    lot_to: str | None = None
    lot_prefix: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def describe(self) -> str:
        """The scope in words: `FLOUR lot 25ABC`, `Northern Mills lots V0001 to V0099`."""
        owner = self.vendor or self.material
        if self.lot_from is not None:
            return f"{owner} lots {self.lot_from} to {self.lot_to}"
        if self.lot_prefix is not None:
            return f"{owner} lots starting {self.lot_prefix}"
        if self.gtin is not None:
            return f"GTIN {self.gtin} lot {self.lot}"
        if self.material == ANY_MATERIAL:
            return f"lot {self.lot} of any material"
        return f"{self.material} lot {self.lot}"

    def key(self) -> str:
        """The scope as one string: equal scopes, equal keys."""
        return json.dumps(astuple(self))

    def default_id(self) -> str:
        """The id of a hold given none: derived from the scope, so adding the same scope again
        updates that hold instead of adding a second one."""
        return f"H-{hashlib.sha256(self.key().encode()).hexdigest()[:8]}"

    def matches(self, item: HeldItem) -> bool:
        if self.lot_prefix is not None:
            return self._owns(item) and item.lot.startswith(self.lot_prefix)
        if self.lot_from is not None and self.lot_to is not None:
            within = lot_key(self.lot_from) <= lot_key(item.lot) <= lot_key(self.lot_to)
            return within and self._owns(item)
        if item.lot != self.lot:
            return False
        if self.gtin is not None:
            return item.gtin == self.gtin
        return self.material in (ANY_MATERIAL, item.material)

    def _owns(self, item: HeldItem) -> bool:
        if self.vendor is not None:
            return self.vendor.casefold() == item.vendor.casefold()
        return self.material == item.material


#: The scope fields, in their column order.
SCOPE_FIELDS = tuple(f.name for f in fields(HoldScope))


@dataclass(frozen=True)
class HeldItem:
    """What a hold is matched against: a scanned (or already consumed) container."""

    material: str
    vendor: str
    gtin: str | None
    lot: str

    @classmethod
    def of(cls, material: Material, gtin: str | None, lot: str) -> HeldItem:
        return cls(material.code, material.vendor, gtin, lot)


@dataclass(frozen=True)
class Hold:
    """A scope that must not be used, why, and who said so."""

    hold_id: str
    scope: HoldScope
    reason: str
    source: str
    added_at: datetime

    def as_dict(self) -> dict[str, object]:
        return {
            "hold_id": self.hold_id,
            "held": self.scope.describe(),
            **self.scope.as_dict(),
            "reason": self.reason,
            "source": self.source,
            "added_at": self.added_at.isoformat(),
        }


def first_match(holds: tuple[Hold, ...], item: HeldItem) -> Hold | None:
    return next((hold for hold in holds if hold.scope.matches(item)), None)


def parse_scope(**given: str | None) -> HoldScope:
    """The scope named by the given fields (None = absent); ScopeError unless they are exactly
    one form. The GTIN is checked and written as 14 digits."""
    unknown = set(given) - set(SCOPE_FIELDS)
    assert not unknown, unknown
    present = {name for name, value in given.items() if value is not None}
    if given.get("material") == ANY_MATERIAL and not present & {"lot_from", "lot_prefix"}:
        present.discard("material")
    ranged = present & {"lot_from", "lot_to", "lot_prefix"}
    if ranged:
        forms = [{"lot_from", "lot_to"}, {"lot_prefix"}]
        owner = present & {"vendor", "material"}
        if ranged not in forms or len(owner) != 1 or present - ranged - owner:
            raise ScopeError(
                _wrong_form(
                    present,
                    "a range needs vendor or material (not *) and "
                    "either lot_from + lot_to or lot_prefix",
                )
            )
        if given.get("material") == ANY_MATERIAL:
            raise ScopeError("a lot range needs a vendor or a material, not '*'")
        scope = HoldScope(**{name: given[name] for name in present})
        low, high = scope.lot_from, scope.lot_to
        if low is not None and high is not None and lot_key(low) > lot_key(high):
            raise ScopeError(
                f"lot_from {scope.lot_from!r} comes after lot_to {scope.lot_to!r}; "
                "give the lower lot first"
            )
        return scope
    if present not in ({"lot"}, {"material", "lot"}, {"gtin", "lot"}):
        raise ScopeError(_wrong_form(present, "a single lot needs lot, with material or gtin"))
    if "gtin" in present:
        try:
            gtin = Gtin.parse(given["gtin"] or "").as_gtin_14()
        except Exception as exc:  # biip's ParseError quotes the value
            raise ScopeError(f"'gtin': {exc}") from None
        return HoldScope(gtin=gtin, lot=given["lot"])
    return HoldScope(material=given.get("material") or ANY_MATERIAL, lot=given["lot"])


def _wrong_form(present: set[str], hint: str) -> str:
    named = ", ".join(name for name in SCOPE_FIELDS if name in present) or "nothing"
    return f"a hold names one of: {FORMS}; got {named} ({hint})"


def check_scope(scope: HoldScope, materials: list[Material]) -> HoldScope:
    """The scope with its vendor spelled as in master data; ScopeError when it names a
    material, GTIN or vendor the master data does not know (a hold on it would match nothing)."""
    if scope.material not in (None, ANY_MATERIAL):
        known = [m.code for m in materials]
        if scope.material not in known:
            raise _nothing("material", scope.material, [*known, "*"], Reason.UNKNOWN_MATERIAL)
    if scope.gtin is not None and not any(scope.gtin in m.gtins for m in materials):
        known = sorted({g for m in materials for g in m.gtins})
        raise _nothing("GTIN", scope.gtin, known, Reason.UNKNOWN_MATERIAL)
    if scope.vendor is not None:
        vendors = sorted({m.vendor for m in materials if m.vendor})
        spelled = next((v for v in vendors if v.casefold() == scope.vendor.casefold()), None)
        if spelled is None:
            raise _nothing("vendor", scope.vendor, vendors, Reason.UNKNOWN_VENDOR)
        return HoldScope(**{**scope.as_dict(), "vendor": spelled})
    return scope


def _nothing(what: str, value: str, known: list[str], code: Reason) -> ScopeError:
    return ScopeError(unknown(what, value, known, "a hold on it would match nothing"), code)
