"""Key events of a keyboard-wedge scanner to characters. Pure: no evdev import, no I/O.

Codes are Linux input event codes (``linux/input-event-codes.h``, a stable ABI). The decoder
tracks Shift, Caps Lock, Ctrl, Alt and AltGr, and turns

* Enter (main or keypad) into ``\\r``, which frames a scan;
* Ctrl+] (the key at the US ``]`` position, whatever the layout) into GS (0x1D), and Ctrl+letter
  into the matching control character;
* Alt held while typing a decimal code on the keypad (Alt+0029) into that character.

>>> decode_events(encode_text("Ab]<\\x1d", "us"), "us")
'Ab]<\\x1d'
"""

from __future__ import annotations

from collections.abc import Iterable

EV_SYN, EV_KEY = 0, 1
KEY_UP, KEY_DOWN = 0, 1  # a held key repeats with value 2, typed again like a press
KEY_ENTER, KEY_KPENTER = 28, 96
KEY_LEFTSHIFT, KEY_RIGHTSHIFT, KEY_CAPSLOCK = 42, 54, 58
KEY_LEFTCTRL, KEY_RIGHTCTRL, KEY_LEFTALT, KEY_RIGHTALT = 29, 97, 56, 100
KEY_RIGHTBRACE = 27
_KEYPAD_DIGITS = {82: 0, 79: 1, 80: 2, 81: 3, 75: 4, 76: 5, 77: 6, 71: 7, 72: 8, 73: 9}
_KEYPAD_CODES = {digit: code for code, digit in _KEYPAD_DIGITS.items()}
_KEYPAD_OTHER = {55: "*", 74: "-", 78: "+", 83: ".", 98: "/"}
GS = "\x1d"

Event = tuple[int, int, int]
"""(type, code, value) as evdev reports it."""


_LETTER_CODES = [*range(16, 26), *range(30, 39), *range(44, 51)]


def _layout(symbols: dict[int, str], letters: str) -> dict[int, tuple[str, str]]:
    """A layout from 'unshifted shifted' pairs per key and the letters in key-code order."""
    keys = {code: (pair[0], pair[1]) for code, pair in symbols.items()}
    keys.update({code: (c, c.upper()) for code, c in zip(_LETTER_CODES, letters, strict=True)})
    return keys


#: layout -> key code -> (unshifted, shifted)
LAYOUTS: dict[str, dict[int, tuple[str, str]]] = {
    "us": _layout(
        {2: "1!", 3: "2@", 4: "3#", 5: "4$", 6: "5%", 7: "6^", 8: "7&", 9: "8*", 10: "9(",
         11: "0)", 12: "-_", 13: "=+", 26: "[{", 27: "]}", 39: ";:", 40: "'\"", 41: "`~",
         43: "\\|", 51: ",<", 52: ".>", 53: "/?", 57: "  ", 15: "\t\t"},
        "qwertyuiopasdfghjklzxcvbnm",
    ),
    "de": _layout(
        {2: "1!", 3: '2"', 4: "3§", 5: "4$", 6: "5%", 7: "6&", 8: "7/", 9: "8(", 10: "9)",
         11: "0=", 12: "ß?", 13: "´`", 26: "üÜ", 27: "+*", 39: "öÖ", 40: "äÄ", 41: "^°",
         43: "#'", 51: ",;", 52: ".:", 53: "-_", 86: "<>", 57: "  ", 15: "\t\t"},
        "qwertzuiopasdfghjklyxcvbnm",
    ),
}  # fmt: skip
#: AltGr (right Alt) characters per layout.
ALTGR: dict[str, dict[int, str]] = {
    "us": {},
    "de": {16: "@", 8: "{", 9: "[", 10: "]", 11: "}", 12: "\\", 27: "~", 86: "|", 18: "€"},
}


class KeyDecoder:
    """Stateful: feed events in order, collect the characters they type."""

    def __init__(self, layout: str = "us") -> None:
        if layout not in LAYOUTS:
            raise ValueError(f"unknown keyboard layout {layout!r}; known: {', '.join(LAYOUTS)}")
        self.keys = LAYOUTS[layout]
        self.altgr = ALTGR[layout]
        self.held: set[int] = set()
        self.caps = False
        self.alt_code: str = ""

    def feed(self, type_: int, code: int, value: int) -> str:
        """The characters this event types ("" for most events)."""
        if type_ != EV_KEY:
            return ""
        if value == KEY_UP:
            self.held.discard(code)
            if code == KEY_LEFTALT and self.alt_code:
                char, self.alt_code = chr(int(self.alt_code) % 256), ""
                return char
            return ""
        if value == KEY_DOWN:
            self.held.add(code)
        if code == KEY_CAPSLOCK:
            self.caps = self.caps != (value == KEY_DOWN)
            return ""
        return self._char(code)

    def _char(self, code: int) -> str:
        if code in (KEY_ENTER, KEY_KPENTER):
            return "\r"
        if KEY_LEFTALT in self.held and code in _KEYPAD_DIGITS:
            self.alt_code += str(_KEYPAD_DIGITS[code])
            return ""
        if code in _KEYPAD_DIGITS:
            return str(_KEYPAD_DIGITS[code])
        if code in _KEYPAD_OTHER:
            return _KEYPAD_OTHER[code]
        if self.held & {KEY_LEFTCTRL, KEY_RIGHTCTRL}:
            return _control(code)
        if KEY_RIGHTALT in self.held:
            return self.altgr.get(code, "")
        if code not in self.keys:
            return ""
        normal, shifted = self.keys[code]
        shift = bool(self.held & {KEY_LEFTSHIFT, KEY_RIGHTSHIFT})
        if self.caps and normal.isalpha():
            shift = not shift
        return shifted if shift else normal


def _control(code: int) -> str:
    """Ctrl+key by US key position: Ctrl+] is GS, Ctrl+A is 0x01 ..."""
    normal = LAYOUTS["us"].get(code, ("", ""))[0].upper()
    if len(normal) == 1 and "@" <= normal <= "_":
        return chr(ord(normal) & 0x1F)
    return ""


def decode_events(events: Iterable[Event], layout: str = "us") -> str:
    """All characters a sequence of events types."""
    decoder = KeyDecoder(layout)
    return "".join(decoder.feed(*event) for event in events)


def encode_text(text: str, layout: str = "us", gs: str = "ctrl") -> list[Event]:
    """Key events typing `text` as a scanner would (for recordings and tests); CR/LF is Enter.

    GS is sent as Ctrl+] (`gs="ctrl"`) or Alt+0029 on the keypad (`gs="alt"`).
    Raises ValueError for a character the layout cannot type.
    """
    reverse: dict[str, tuple[int, ...]] = {
        c: (code, KEY_RIGHTALT) for code, c in ALTGR[layout].items()
    }
    for code, (normal, shifted) in LAYOUTS[layout].items():
        reverse.setdefault(shifted, (code, KEY_LEFTSHIFT))
        reverse[normal] = (code,)
    events: list[Event] = []

    def tap(code: int, *modifiers: int) -> None:
        for sequence in ([(m, KEY_DOWN) for m in modifiers], [(code, KEY_DOWN), (code, KEY_UP)]):
            for key, value in sequence:
                events.extend([(EV_KEY, key, value), (EV_SYN, 0, 0)])
        for modifier in reversed(modifiers):
            events.extend([(EV_KEY, modifier, KEY_UP), (EV_SYN, 0, 0)])

    for char in text:
        if char in "\r\n":
            tap(KEY_ENTER)
        elif char == GS and gs == "alt":
            events.extend([(EV_KEY, KEY_LEFTALT, KEY_DOWN), (EV_SYN, 0, 0)])
            for digit in (0, 0, 2, 9):
                tap(_KEYPAD_CODES[digit])
            events.extend([(EV_KEY, KEY_LEFTALT, KEY_UP), (EV_SYN, 0, 0)])
        elif char == GS:
            tap(KEY_RIGHTBRACE, KEY_LEFTCTRL)
        elif char in reverse:
            tap(*reverse[char])
        else:
            raise ValueError(f"layout {layout!r} cannot type {char!r}")
    return events
