"""Lot number templates: parsing, checking and rendering. Pure: counters live in the state store.

A template mixes literal text with tokens::

    {yyyy} {yy} {mm} {dd}   calendar date parts
    {julian}                day of year, 001-366
    {week}                  ISO week, 01-53
    {site} {line} {product} identity and product codes
    {seq:N}                 the sequence, zero-padded to N digits (exactly once)
    {check}                 a check character (Luhn mod 36 over 0-9/A-Z of the rest of the lot)

>>> t = LotTemplate.parse("{yy}{julian}{line}{seq:3}")
>>> t.render(LotFields(date(2026, 2, 1), "S1", "L1", "BREAD"), 7)
'26032L1007'
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from lotedge.masterdata.items import SeqReset

#: GS1 AI (10) allows "Character Set 82" and at most 20 characters.
GS1_CSET82 = frozenset(string.ascii_letters + string.digits + "!\"%&'()*+,-./:;<=>?_")
GS1_LOT_MAX_LENGTH = 20

_TOKEN = re.compile(r"\{([a-z]+)(?::(\d+))?\}")
_FIXED_WIDTH = {"yyyy": 4, "yy": 2, "mm": 2, "dd": 2, "julian": 3, "week": 2, "check": 1}
_CODE_TOKENS = ("site", "line", "product")
_ALPHABET36 = string.digits + string.ascii_uppercase

#: Which date tokens tell two periods of each reset kind apart.
_PERIOD_TOKENS: dict[SeqReset, tuple[frozenset[str], ...]] = {
    SeqReset.NEVER: (frozenset(),),
    SeqReset.YEARLY: (frozenset({"yy"}), frozenset({"yyyy"})),
    SeqReset.MONTHLY: (frozenset({"yy", "mm"}), frozenset({"yyyy", "mm"})),
    SeqReset.DAILY: (
        frozenset({"yy", "julian"}),
        frozenset({"yyyy", "julian"}),
        frozenset({"yy", "mm", "dd"}),
        frozenset({"yyyy", "mm", "dd"}),
    ),
}


class LotTemplateError(ValueError):
    """A lot template that cannot be used; the message says what to change."""


class LotSequenceExhausted(RuntimeError):
    """The sequence for this period has no free number left at the template's width."""


class LotScheme(Protocol):
    """Whose lots a counter issues (a product, or internal lots at receiving) and how."""

    @property
    def code(self) -> str: ...

    @property
    def lot_template(self) -> str: ...

    @property
    def seq_reset(self) -> SeqReset: ...


@dataclass(frozen=True)
class LotFields:
    """Everything a lot number may contain besides the sequence."""

    day: date
    site: str
    line: str
    product: str


@dataclass(frozen=True)
class _Part:
    literal: str = ""
    token: str = ""
    width: int = 0


@dataclass(frozen=True)
class LotTemplate:
    """A parsed lot template."""

    text: str
    parts: tuple[_Part, ...]

    @classmethod
    def parse(cls, text: str) -> LotTemplate:
        """Parse and check the template's own syntax (not lengths: see `problems`)."""
        parts: list[_Part] = []
        pos = 0
        for match in _TOKEN.finditer(text):
            if match.start() > pos:
                parts.append(_Part(literal=text[pos : match.start()]))
            name, width = match.group(1), match.group(2)
            if name == "seq":
                if width is None or not 1 <= int(width) <= 12:
                    raise LotTemplateError("{seq} needs a width from 1 to 12, e.g. {seq:4}")
                parts.append(_Part(token="seq", width=int(width)))
            elif name in _FIXED_WIDTH or name in _CODE_TOKENS:
                if width is not None:
                    raise LotTemplateError(f"{{{name}}} takes no width")
                parts.append(_Part(token=name, width=_FIXED_WIDTH.get(name, 0)))
            else:
                known = ", ".join(f"{{{t}}}" for t in [*_FIXED_WIDTH, *_CODE_TOKENS, "seq:N"])
                raise LotTemplateError(f"unknown token {{{name}}}; known tokens: {known}")
            pos = match.end()
        if pos < len(text):
            parts.append(_Part(literal=text[pos:]))
        for part in parts:
            if "{" in part.literal or "}" in part.literal:
                raise LotTemplateError(f"stray brace in {part.literal!r}; tokens look like {{yy}}")
        tokens = [p.token for p in parts if p.token]
        if tokens.count("seq") != 1:
            raise LotTemplateError("the template needs exactly one {seq:N}, so lots never repeat")
        if tokens.count("check") > 1:
            raise LotTemplateError("{check} may appear at most once")
        return cls(text, tuple(parts))

    @property
    def seq_width(self) -> int:
        return next(p.width for p in self.parts if p.token == "seq")

    def problems(self, fields: LotFields, reset: SeqReset) -> list[str]:
        """Why lots from this template could not go into GS1 AI (10), or could repeat."""
        found: list[str] = []
        length = 0
        for part in self.parts:
            if part.literal:
                bad = sorted(set(part.literal) - GS1_CSET82)
                if bad:
                    found.append(f"literal text has characters GS1 AI (10) forbids: {bad}")
                length += len(part.literal)
            elif part.token in _CODE_TOKENS:
                value = getattr(fields, part.token)
                bad = sorted(set(value) - GS1_CSET82)
                if bad:
                    found.append(f"{{{part.token}}} = {value!r} has characters GS1 forbids: {bad}")
                length += len(value)
            else:
                length += part.width
        if length > GS1_LOT_MAX_LENGTH:
            found.append(
                f"lot numbers can be {length} characters long; GS1 AI (10) allows at most "
                f"{GS1_LOT_MAX_LENGTH}"
            )
        tokens = {p.token for p in self.parts}
        if not any(needed <= tokens for needed in _PERIOD_TOKENS[reset]):
            options = " or ".join(
                "+".join(f"{{{t}}}" for t in sorted(s)) for s in _PERIOD_TOKENS[reset]
            )
            found.append(
                f"the sequence resets {reset.value} but the template does not tell periods apart; "
                f"add {options}, or use seq_reset = 'never'"
            )
        return found

    def render(self, fields: LotFields, seq: int) -> str:
        """The lot number for sequence value `seq` (1-based)."""
        if not 0 < seq < 10**self.seq_width:
            raise LotSequenceExhausted(
                f"sequence {seq} does not fit {{seq:{self.seq_width}}}; widen the template"
            )
        rendered = [self._render_part(part, fields, seq) for part in self.parts]
        if any(p.token == "check" for p in self.parts):
            body = "".join(
                r for r, p in zip(rendered, self.parts, strict=True) if p.token != "check"
            )
            rendered = [
                check_character(body) if p.token == "check" else r
                for r, p in zip(rendered, self.parts, strict=True)
            ]
        return "".join(rendered)

    @staticmethod
    def _render_part(part: _Part, fields: LotFields, seq: int) -> str:
        day = fields.day
        match part.token:
            case "":
                return part.literal
            case "seq":
                return str(seq).zfill(part.width)
            case "yyyy":
                return f"{day.year:04d}"
            case "yy":
                return f"{day.year % 100:02d}"
            case "mm":
                return f"{day.month:02d}"
            case "dd":
                return f"{day.day:02d}"
            case "julian":
                return f"{day.timetuple().tm_yday:03d}"
            case "week":
                return f"{day.isocalendar().week:02d}"
            case "check":
                return ""
            case _:
                return str(getattr(fields, part.token))


def period_key(reset: SeqReset, day: date) -> str:
    """The counter period `day` falls in for this reset kind."""
    return {
        SeqReset.NEVER: "",
        SeqReset.YEARLY: f"{day.year:04d}",
        SeqReset.MONTHLY: f"{day.year:04d}-{day.month:02d}",
        SeqReset.DAILY: day.isoformat(),
    }[reset]


def check_character(body: str) -> str:
    """Luhn mod 36 check character over the digits and letters of `body` (case-insensitive).

    >>> check_character("26032L1007")
    'S'
    """
    factor, total = 2, 0
    for char in reversed(body.upper()):
        if char not in _ALPHABET36:
            continue
        addend = factor * _ALPHABET36.index(char)
        factor = 1 if factor == 2 else 2
        total += addend // 36 + addend % 36
    return _ALPHABET36[(36 - total % 36) % 36]
