"""Separator artefacts of scanners in GS1 element strings: the group separator (GS, FNC1) sent
as visible text, dropped, or typed as Alt+029 and arriving as the digits ``029``.

A variable-length field (a lot, a serial ...) ends at a GS. Without it the next field is glued
to it: ``(10)ABC`` + ``(17)270131`` reads as lot ``ABC17270131``. A *glued field* is found when
a variable-length field ends in text that reads completely as element strings whose first is a
fixed-length field (a date, a GTIN, a measure ...) with valid content (docs/scan-decisions.md
gives the rule and its limits).

>>> glued = glued_field("10", "ABC17270131")
>>> glued.head, [(e.ai.ai, e.value) for e in glued.tail], glued.alt029
('ABC', [('17', '270131')], False)
>>> glued_field("10", "ABC02917270131").head, glued_field("10", "ABC02917270131").alt029
('ABC', True)
>>> glued_field("10", "ABC1727") is None
True
>>> restore_alt029("010950110153000310ABC02917270131")
'010950110153000310ABC\\x1d17270131'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from biip import ParseError
from biip.gs1_element_strings import GS1ElementString
from biip.gs1_messages import GS1Message

from lotedge.core.gs1 import CONFIG, GS, ai_of, content_cause, max_length

#: Texts scanners are set up to send in place of GS; found in a field, they refuse the scan.
KNOWN_TOKENS = ("<GS>", "<FNC1>", "<F1>", "{GS}", "[GS]", "(GS)", "^]", "<1D>", "\\x1d", "\\x1D")
#: What a scanner typing GS as Alt+029 leaves when the host does not turn it into GS.
ALT_GS = ("0029", "029")
#: The longest text taken for a separator sent as something a field may not contain.
_LONGEST_TOKEN = 8
#: First two digits of the fixed-length AIs a glued field is recognised by (not (20), variant:
#: two digits are too little to tell).
_GLUE_STARTS = frozenset(
    {"00", "01", "02", "03", "11", "12", "13", "15", "16", "17", "31", "32", "33", "34", "35"}
    | {"36", "41"}
)


@dataclass(frozen=True)
class Glued:
    """A variable-length field that ends in what reads as further fields."""

    ai: str
    value: str
    """The field as read, e.g. ``ABC17270131``."""
    head: str
    """What the field holds with the separator where it belongs, e.g. ``ABC``."""
    tail: tuple[GS1ElementString, ...]
    """The fields glued to it, e.g. (17) 270131."""
    alt029: bool = False
    """The head ended in ``029``/``0029``: a scanner's Alt+029 that arrived as digits."""


@dataclass(frozen=True)
class Token:
    """A separator that arrived as text, e.g. ``<GS>`` or ``~``, after the field `ai`."""

    text: str
    ai: str


def complete(text: str, *, fixed_first: bool = False) -> tuple[GS1ElementString, ...] | None:
    """The element strings of `text` when it reads completely with valid content; with
    `fixed_first`, only when the first is a fixed-length field other than (20)."""
    if not text or text[0] == GS:
        return None
    if fixed_first:
        first = ai_of(text[:4])
        if first is None or first.separator_required or first.ai == "20":
            return None
    try:
        message = GS1Message.parse(text, config=CONFIG)
    except ParseError:
        return None
    if content_cause(message):
        return None
    return tuple(message.element_strings)


def glued_field(ai: str, value: str) -> Glued | None:
    """The first split of a variable-length field's `value` after which the rest reads as
    glued fields, if any."""
    for start in range(1, len(value) - 1):
        if value[start : start + 2] not in _GLUE_STARTS:
            continue
        tail = complete(value[start:], fixed_first=True)
        if tail is None:
            continue
        head = value[:start]
        for artefact in ALT_GS:
            if head.endswith(artefact) and len(head) > len(artefact):
                return Glued(ai, value, head.removesuffix(artefact), tail, alt029=True)
        return Glued(ai, value, head, tail)
    return None


def token_in(value: str, ai: str) -> Token | None:
    """A known separator token inside a field's value."""
    found = [token for token in KNOWN_TOKENS if token in value]
    return Token(min(found, key=value.index), ai) if found else None


def artefact_in(elements: Iterable[GS1ElementString]) -> Token | Glued | None:
    """A separator artefact in element strings that read: a token in a field, or a glued
    field."""
    for element in elements:
        if element.ai.separator_required:
            found = token_in(element.value, element.ai.ai) or glued_field(
                element.ai.ai, element.value
            )
            if found is not None:
                return found
    return None


def artefact_at(text: str) -> Token | Glued | None:
    """Why element strings that do not read stop after a variable-length field: a separator
    sent as text the field may not contain, a known token, or a field glued past its length."""
    for ai, span in _variable_fields(text):
        if found := token_in(span, ai):
            return found
        try:
            fits = GS1ElementString.extract(ai + span, config=CONFIG).value
        except ParseError:
            return None
        variable = ai_of(ai)
        limit = max_length(variable) if variable else None
        if len(fits) < len(span) and len(fits) != limit:
            after = span[len(fits) :]
            for length in range(1, min(_LONGEST_TOKEN, len(after) - 1) + 1):
                if complete(after[length:]) is not None:
                    return Token(after[:length], ai)
        if len(fits) < len(span) and (glued := glued_field(ai, span)):
            return glued
    return None


def restore_alt029(text: str) -> str:
    """Element strings with each ``029``/``0029`` that stands where a GS belongs (inside a
    variable-length field, before text that reads completely as element strings) made GS."""
    out: list[str] = []
    position = 0
    while position < len(text):
        ai = ai_of(text[position : position + 4])
        if text[position] == GS or ai is None:
            out.append(text[position])
            position += 1
            continue
        start = position + len(ai.ai)
        end = text.find(GS, start)
        end = len(text) if end < 0 else end
        cut = _alt029_cut(text[start:end]) if ai.separator_required else None
        if cut is None:
            stop = end if ai.separator_required else position + _fixed_length(text, position)
            out.append(text[position:stop])
            position = stop
            continue
        index, artefact = cut
        out.append(text[position : start + index] + GS)
        position = start + index + len(artefact)
    return "".join(out)


def _alt029_cut(span: str) -> tuple[int, str] | None:
    for index in range(1, len(span)):
        for artefact in ALT_GS:
            if span.startswith(artefact, index) and complete(span[index + len(artefact) :]):
                return index, artefact
    return None


def _fixed_length(text: str, position: int) -> int:
    try:
        element = GS1ElementString.extract(text[position:], config=CONFIG)
    except ParseError:
        return len(text) - position
    return len(element.ai.ai) + len(element.value)


def _variable_fields(text: str) -> Iterable[tuple[str, str]]:
    """(AI, the text up to the next GS) of each variable-length field, read in order, until
    the data stops reading."""
    position = 0
    while position < len(text):
        if text[position] == GS:
            position += 1
            continue
        ai = ai_of(text[position : position + 4])
        if ai is None:
            return
        start = position + len(ai.ai)
        if ai.separator_required:
            end = text.find(GS, start)
            end = len(text) if end < 0 else end
            yield ai.ai, text[start:end]
            position = end
        else:
            position += _fixed_length(text, position)
