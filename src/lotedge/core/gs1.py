"""GS1 data read with biip, and the exact cause, in our words, when it does not read.

Four syntaxes: element strings (GS as FNC1, with or without a leading GS), bracketed AIs
``(01)...(10)...``, GS1 Digital Link URIs, and a bare GTIN (EAN/UPC/ITF-14 digits). Data *reads
as GS1* when it starts as GS1 (its first element fits its AI, a bracketed AI biip knows, a
Digital Link path with a GS1 key, a GTIN's digits); whatever symbol carried it, such data is
judged as GS1 (docs/scan-decisions.md).

>>> reading = read_gs1("0109501101530004" "10ABC")
>>> reading.reads, reading.keyed, reading.cause
(True, True, 'the check digit of (01) GTIN 09501101530004 is wrong (3 expected)')
>>> read_gs1("garbage").reads
False
>>> read_gs1("0109501101530003" "17271301").cause
"(17) expiry date '271301' is not a date (YYMMDD)"
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from urllib.parse import parse_qsl, unquote, urlsplit

from biip import ParseConfig, ParseError, parse
from biip.checksums import gs1_standard_check_digit
from biip.gs1_application_identifiers import GS1ApplicationIdentifier
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_element_strings import GS1ElementString
from biip.gs1_messages import GS1Message

GS = "\x1d"
CONFIG = ParseConfig(separator_chars=(GS,))
#: AIs that identify something on their own (a trade item, a logistic unit, a location ...).
KEY_AIS = frozenset(
    {"00", "01", "02", "253", "255", "401", "402", "414", "417"}
    | {"8003", "8004", "8006", "8010", "8013", "8017", "8018"}
)
#: How messages name the AIs an operator meets; others by biip's data title.
NAMES = {
    "00": "SSCC",
    "01": "GTIN",
    "02": "GTIN of the contents",
    "10": "lot",
    "11": "production date",
    "13": "packaging date",
    "15": "best-before date",
    "16": "sell-by date",
    "17": "expiry date",
    "21": "serial number",
    "30": "count",
    "37": "count of trade items",
    "400": "purchase order",
}
_DATE_AIS = frozenset({"11", "12", "13", "15", "16", "17"})
_GTIN_LENGTHS = (8, 12, 13, 14)
_HRI_AI = re.compile(r"\((\d{2,4})\)")
_DL_KEY = re.compile(r"/(" + "|".join(sorted(KEY_AIS)) + r")/[^/?#]+")
_SIMPLE_FORMAT = re.compile(r"^(N|X)(\.\.)?(\d+)$")


@dataclass(frozen=True)
class GS1Reading:
    """What GS1 makes of some data."""

    message: GS1Message | None
    """The data as GS1 element strings, when its structure reads completely."""
    reads: bool
    """The data starts as GS1, so it is judged as GS1."""
    keyed: bool = False
    """... and starts with a GS1 key (GTIN, SSCC ...), so it is GS1 before any vendor pattern."""
    cause: str = ""
    """Why the data is not valid GS1, in our words (empty when it is)."""
    stop: int = -1
    """Element strings: where reading stopped (for separator artefacts); -1 otherwise."""


def name(ai: str) -> str:
    """How a message names an AI: ``(17) expiry date``."""
    title = NAMES.get(ai)
    if title is None:
        found = ai_of(ai)
        title = found.data_title if found else "data"
    return f"({ai}) {title}"


@lru_cache(maxsize=4096)
def ai_of(start: str) -> GS1ApplicationIdentifier | None:
    """The AI that `start` (the first 4 characters of an element) begins with, if any."""
    try:
        return GS1ApplicationIdentifier.extract(start)
    except ParseError:
        return None


def max_length(ai: GS1ApplicationIdentifier) -> int | None:
    """The most characters a variable-length AI's value may have (``X..20`` -> 20)."""
    found = re.search(r"\.\.(\d+)\]?$", ai.format)
    return int(found.group(1)) if found else None


def read_gs1(body: str) -> GS1Reading:
    """Read `body` (without AIM identifier) as GS1, in whichever syntax it is written."""
    if body.startswith("("):
        return _read_hri(body)
    if body[:8].lower().startswith(("http://", "https://")):
        return _read_digital_link(body)
    digits = body.strip(GS)
    if digits.isdecimal() and digits.isascii() and len(digits) in _GTIN_LENGTHS:
        gtin = _read_gtin(digits)
        if gtin is not None:
            return gtin
    return _read_elements(body)


def check_digit_cause(element: GS1ElementString) -> str:
    """The content error of a GS1 key (GTIN, GLN, SSCC) in our words; empty when valid."""
    error = element.gtin_error or element.gln_error or element.sscc_error
    if not error:
        return ""
    value = element.value
    expected = gs1_standard_check_digit(value[:-1]) if value.isdecimal() else None
    if expected is not None and str(expected) != value[-1:]:
        return f"the check digit of {name(element.ai.ai)} {value} is wrong ({expected} expected)"
    return f"{name(element.ai.ai)} {value} is not valid: {error.rstrip('.')}"


def content_cause(message: GS1Message) -> str:
    """The first check-digit error in a message that reads, or empty."""
    for element in message.element_strings:
        if cause := check_digit_cause(element):
            return cause
    return ""


def _read_gtin(digits: str) -> GS1Reading | None:
    result = parse(digits)
    if result.gtin is not None:
        return GS1Reading(GS1Message.parse("01" + result.gtin.as_gtin_14()), True, True)
    if len(digits) == 8:  # eight digits that are no EAN-8 may be element strings
        return None
    expected = gs1_standard_check_digit(digits[:-1])
    return GS1Reading(
        None, True, True, f"the check digit of GTIN {digits} is wrong ({expected} expected)"
    )


def _read_hri(body: str) -> GS1Reading:
    first = _HRI_AI.match(body)
    ai = ai_of(first.group(1)) if first else None
    if first is None or ai is None or ai.ai != first.group(1):
        cause = "the bracketed text does not start with a GS1 Application Identifier"
        return GS1Reading(None, False, cause=cause)
    reading = _read_elements(_hri_as_elements(body))
    return replace(reading, reads=True, keyed=ai.ai in KEY_AIS, stop=-1)


def _read_elements(text: str) -> GS1Reading:
    body = text.lstrip(GS)
    offset = len(text) - len(body)
    try:
        message = GS1Message.parse(body, config=CONFIG)
    except ParseError:
        message = None
    first = ai_of(body[:4])
    keyed = first is not None and first.ai in KEY_AIS
    if message is not None and body:
        return GS1Reading(message, True, keyed, content_cause(message))
    cause, stop, reads = _explain(body)
    return GS1Reading(None, reads, keyed and reads, cause, stop + offset)


def _read_digital_link(uri: str) -> GS1Reading:
    if not _DL_KEY.search(urlsplit(uri).path):
        return GS1Reading(None, False, cause="a web address that is not a GS1 Digital Link")
    try:
        message = GS1DigitalLinkURI.parse(uri).as_gs1_message()
    except ParseError as exc:
        reading = _read_elements(_digital_link_as_elements(uri))
        cause = reading.cause or f"not a valid GS1 Digital Link: {str(exc).rstrip('.')}"
        return GS1Reading(None, True, True, cause)
    return GS1Reading(message, True, True, content_cause(message))


def _hri_as_elements(body: str) -> str:
    """``(01)...(10)ABC`` as element strings, each ended by GS (exact: nothing dropped)."""
    parts = _HRI_AI.split(body)
    return "".join(ai + value + GS for ai, value in zip(parts[1::2], parts[2::2], strict=True))


def _digital_link_as_elements(uri: str) -> str:
    split = urlsplit(uri)
    segments = split.path.split("/")
    start = next((i for i, s in enumerate(segments) if s in KEY_AIS), len(segments))
    pairs = list(zip(segments[start::2], segments[start + 1 :: 2], strict=False))
    pairs += [(k, v) for k, v in parse_qsl(split.query) if k.isdecimal()]
    return "".join(ai + unquote(value) + GS for ai, value in pairs)


def _explain(text: str) -> tuple[str, int, bool]:
    """Why element strings do not read: (cause, where reading stopped, whether an element read
    before the problem)."""
    position, last, glued = 0, None, False
    while position < len(text):
        if text[position] == GS:
            position, glued = position + 1, False
            continue
        ai = ai_of(text[position : position + 4])
        if ai is None:
            return _unknown_ai(text, position, last, glued), position, last is not None
        try:
            element = GS1ElementString.extract(text[position:], config=CONFIG)
        except ParseError:
            return _misfit(ai, text, position), position, last is not None
        position += len(ai.ai) + len(element.value)
        last, glued = element, True
    return "", position, True


def _unknown_ai(text: str, position: int, last: GS1ElementString | None, glued: bool) -> str:
    shown = text[position : position + 12]
    if last is None:
        return f"{shown!r} does not start with a GS1 Application Identifier"
    field = f"{name(last.ai.ai)} {last.value!r}"
    if glued and last.ai.separator_required:
        limit = max_length(last.ai)
        if limit is not None and len(last.value) == limit:
            return f"{field} runs on past {limit} characters, the most it may have"
        return f"{field} is followed by {text[position]!r}, which it may not contain"
    return f"after {field} comes {shown!r}, which is not a GS1 Application Identifier"


def _misfit(ai: GS1ApplicationIdentifier, text: str, position: int) -> str:
    start = position + len(ai.ai)
    value = text[start:].split(GS, 1)[0]
    if ai.ai in _DATE_AIS:
        if re.match(r"\d{6}", value):
            return f"{name(ai.ai)} {value[:6]!r} is not a date (YYMMDD)"
        return f"{name(ai.ai)} needs 6 digits (YYMMDD), not {value[:12]!r}"
    spec = ai.format.split("+", 1)[-1]
    simple = _SIMPLE_FORMAT.match(spec)
    if simple:
        kind = "digits" if simple.group(1) == "N" else "characters of GS1's character set"
        size = f"up to {simple.group(3)}" if simple.group(2) else simple.group(3)
        spec = f"{size} {kind}"
    return f"{name(ai.ai)} takes {spec}, not {value[:24]!r}"
