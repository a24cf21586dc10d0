"""What a scanner sends for the test sheet, and what to change: pure analysis of the raw text
one scanner delivered (before framing: suffix and separators as they arrived).

For each code of the sheet found in the text: the AIM identifier that came before it, what
stood in place of the separator (GS, a text, nothing, Alt+029's digits), the suffix after it,
and, for a keyboard wedge, the layout the scanner typed in when the URL reads another one.

>>> from lotedge.devices.registry import resolve
>>> device = resolve("serial:///dev/ttyACM0?suffix=CR", "scanner")
>>> check = analyse("]C1010950600013435210Zy-1.5_Q<GS>17271231211\\r", device)
>>> [(r.code.number, r.aim, r.separator, r.suffix) for r in check.reads]
[(1, ']C1', '<GS>', '\\r')]
>>> check.options
{'gs': '<GS>'}
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from lotedge.core.separators import ALT_GS
from lotedge.devices.kinds import Device
from lotedge.devices.options import SUFFIXES
from lotedge.scanners.hid_keymap import LAYOUTS, decode_events, encode_text
from lotedge.scanners.test_sheet import GS, SHEET, SheetCode

_LONGEST_SEPARATOR = 16
_AIM_SHAPE = re.compile(r"^[A-Za-z][0-9A-Za-z]$")
_NAMED_SUFFIXES = {value.decode(): name for name, value in SUFFIXES.items() if value}
#: What a suffix is made of: control characters (CR, LF, TAB, ETX ...).
_CONTROL = "".join(map(chr, [*range(0x20), 0x7F]))


@dataclass(frozen=True)
class Read:
    """One code of the sheet as the scanner delivered it."""

    code: SheetCode
    aim: str
    """What came before the data ("" when nothing did)."""
    separator: str | None
    """What stood in place of GS ("" when nothing did; None for a code without separator)."""
    suffix: str
    """What ended the scan."""
    typed: str | None = None
    """The keyboard layout the scanner typed in, when it is not the URL's."""
    start: int = 0
    end: int = 0


@dataclass
class Check:
    """What one scanner sent, and what to change."""

    reads: list[Read] = field(default_factory=list)
    unrecognised: list[str] = field(default_factory=list)
    problems: dict[str, list[int]] = field(default_factory=dict)
    """Each problem, in words, and the codes it showed on."""
    options: dict[str, str] = field(default_factory=dict)
    """URL options to set (the config line to change)."""
    settings: list[str] = field(default_factory=list)
    """What to set on the scanner itself (nothing in the config can fix these)."""

    @property
    def findings(self) -> list[str]:
        """One line per problem, naming the codes."""
        return [
            f"{'code' if len(codes) == 1 else 'codes'} {', '.join(map(str, codes))}: {problem}"
            for problem, codes in self.problems.items()
        ]

    def found(self, problem: str, code: SheetCode) -> None:
        """Note `problem` on `code`."""
        codes = self.problems.setdefault(problem, [])
        if code.number not in codes:
            codes.append(code.number)

    @property
    def missing(self) -> list[SheetCode]:
        seen = {read.code.number for read in self.reads}
        return [code for code in SHEET if code.number not in seen]


def analyse(text: str, device: Device) -> Check:
    """Everything the scanner of `device` sent while the sheet was scanned."""
    check = Check(reads=_reads(text, device))
    covered = 0
    for read in check.reads:
        if junk := text[covered : read.start - len(read.aim)]:
            check.unrecognised.append(junk)
        covered = read.end + len(read.suffix)
    if junk := text[covered:]:
        check.unrecognised.append(junk)
    for read in check.reads:
        _judge(read, device, check)
    check.settings = list(dict.fromkeys(check.settings))
    return check


def _variants(device: Device) -> list[tuple[str | None, str | None]]:
    """(typed, read) keyboard layouts to try: the URL's own first."""
    layout = device.options.get("layout")
    if layout is None:
        return [(None, None)]
    return [(layout, layout)] + [(typed, layout) for typed in LAYOUTS if typed != layout]


def _as_read(text: str, typed: str | None, read: str | None) -> str | None:
    """`text` typed in layout `typed` and read in layout `read` (None: bytes, unchanged)."""
    if typed is None or read is None or typed == read:
        return text
    try:
        return decode_events(encode_text(text, typed), read)
    except ValueError:  # a character that layout cannot type
        return None


def _reads(text: str, device: Device) -> list[Read]:
    found: list[Read] = []
    for typed, layout in _variants(device):
        for code in SHEET:
            lead, trail = _as_read(code.lead, typed, layout), _as_read(code.trail, typed, layout)
            bracket = _as_read("]", typed, layout) or "]"
            if lead is None or trail is None:
                continue
            for match in re.finditer(re.escape(lead), text):
                read = _read_at(text, match.start(), match.end(), code, trail, bracket)
                if read is not None:
                    found.append(replace(read, typed=typed if typed != layout else None))
        if found:
            break
    found.sort(key=lambda r: r.start)
    reads: list[Read] = []
    for position, read in enumerate(found):
        upcoming = found[position + 1 :]
        following = upcoming[0].start - len(upcoming[0].aim) if upcoming else len(text)
        gap = text[read.end : following]
        suffix = gap[: len(gap) - len(gap.lstrip(_CONTROL))]
        reads.append(replace(read, suffix=suffix))
    return reads


def _read_at(
    text: str, start: int, lead_end: int, code: SheetCode, trail: str, bracket: str
) -> Read | None:
    separator: str | None = None
    end = lead_end
    if code.trail:
        index = text.find(trail, lead_end, lead_end + _LONGEST_SEPARATOR + len(trail))
        if index < 0:
            return None
        separator, end = text[lead_end:index], index + len(trail)
    before = text[max(0, start - 3) : start]
    shaped = len(before) == 3 and before[0] == bracket and _AIM_SHAPE.match(before[1:])
    return Read(code, before if shaped else "", separator, "", start=start, end=end)


def _judge(read: Read, device: Device, check: Check) -> None:
    code = read.code
    options = device.options
    if read.typed is not None:
        check.found(
            f"typed in the {read.typed!r} keyboard layout, read as {options['layout']!r}", code
        )
        check.options["layout"] = read.typed
    if not read.aim:
        check.settings.append(
            "optional: enable the AIM symbology identifier prefix (decisions do not depend on "
            "it; the audit row then records what symbology was read)"
        )
    elif read.aim[1:] != code.aim[1:]:
        check.found(f"AIM identifier {read.aim!r}, {code.aim!r} expected", code)
    _judge_separator(read, options["gs"].decode(), options["alt029"], check)
    _judge_suffix(read, options["suffix"].decode("latin-1"), check)


def _judge_separator(read: Read, token: str, alt029: bool, check: Check) -> None:
    separator = read.separator
    if separator is None or separator == GS or (token and separator == token):
        return
    if separator in ALT_GS and alt029:
        return
    if separator == "":
        check.found("no separator after the lot: the scanner drops GS", read.code)
        check.settings.append(
            "transmit the GS1 separator: FNC1 as GS (ASCII 29; a keyboard wedge types it as "
            "Ctrl+]); no config setting can restore a dropped separator"
        )
    elif separator in ALT_GS:
        check.found(f"the separator arrives as the digits {separator!r} (Alt+029)", read.code)
        check.options["alt029"] = "1"
        check.settings.append("instead of alt029=1: send GS as Ctrl+] (ASCII 29), not as Alt+029")
    else:
        check.found(f"the separator arrives as the text {separator!r}", read.code)
        check.options["gs"] = separator


def _judge_suffix(read: Read, expected: str, check: Check) -> None:
    suffix = read.suffix
    if suffix and (suffix == expected or (not expected and suffix in ("\r", "\n", "\r\n"))):
        return
    if not suffix:
        check.found("nothing ends the scan", read.code)
        check.settings.append("send a suffix after each scan: CR (Enter)")
        return
    wanted = _NAMED_SUFFIXES.get(expected, "CR or LF" if not expected else repr(expected))
    check.found(f"the scan ends with {_suffix_name(suffix)}, the URL expects {wanted}", read.code)
    check.options["suffix"] = _NAMED_SUFFIXES.get(suffix, "0x" + suffix.encode("latin-1").hex())


def _suffix_name(suffix: str) -> str:
    return _NAMED_SUFFIXES.get(suffix) or repr(suffix)


def describe(read: Read) -> str:
    """One line for the report."""
    aim = read.aim or "none"
    if read.separator is None:
        separator = "none needed"
    elif read.separator == GS:
        separator = "GS"
    elif read.separator == "":
        separator = "MISSING"
    else:
        separator = repr(read.separator)
    suffix = _suffix_name(read.suffix) if read.suffix else "NONE"
    layout = f"  layout: typed as {read.typed!r}" if read.typed else ""
    return f"AIM {aim:5} separator {separator:12} suffix {suffix}{layout}"
