"""Percent-escaping of values inside identifiers, and the one way back.

Two rules, one per identifier family:

* EPC URIs (`urn:epc:...`, and lotedge's own `urn:lotedge:...` URNs) follow the GS1 EPC Tag
  Data Standard ("URI form" of GS1 AI encodable character set 82): letters, digits and
  `! ' ( ) * + , - . : ; = _` stay as they are; `" % & / < > ?` and every character outside the
  set are written `%XX` (UTF-8 bytes).
* GS1 Digital Link path values follow RFC 3986 as GS1's own encoders and biip do: only the
  unreserved characters (letters, digits, `- . _ ~`) stay as they are.

Both decode with `unescape`, so a value written by either rule (or by an older lotedge, which
left `~` as it is in EPC URIs) reads back the same.

>>> epc_escape("A/1 B%~")
'A%2F1%20B%25%7E'
>>> link_escape("A/1 (B)")
'A%2F1%20%28B%29'
>>> unescape("A%2F1%20B%25")
'A/1 B%'
"""

from __future__ import annotations

import string
from urllib.parse import quote, unquote

_ALPHANUMERIC = string.ascii_letters + string.digits
#: What an EPC URI keeps as it is: GS1 character set 82 less `" % & / < > ?`.
_EPC_SAFE = frozenset(_ALPHANUMERIC + "!'()*+,-.:;=_")


def epc_escape(value: str) -> str:
    """`value` for an EPC URI (GS1 TDS URI escaping; anything outside set 82 as UTF-8 `%XX`)."""
    if all(char in _EPC_SAFE for char in value):
        return value
    return "".join(char if char in _EPC_SAFE else _percent(char) for char in value)


def segment_escape(value: str) -> str:
    """`value` for a field of a lotedge URN that other fields follow: as `epc_escape`, and `:`
    (the field separator) as `%3A`, so the URN splits back into the same fields."""
    return epc_escape(value).replace(":", "%3A")


def link_escape(value: str) -> str:
    """`value` for a GS1 Digital Link path segment: everything but RFC 3986's unreserved
    characters percent-encoded (UTF-8)."""
    return quote(value, safe="")


def unescape(value: str) -> str | None:
    """The value an escaped identifier field stands for; None when its escapes are not UTF-8 or
    it decodes to a NUL (no database text column can hold one)."""
    if "%" not in value:
        return value if "\x00" not in value else None
    try:
        text = unquote(value, errors="strict")
    except UnicodeDecodeError:
        return None
    return text if "\x00" not in text else None


def _percent(char: str) -> str:
    return "".join(f"%{byte:02X}" for byte in char.encode("utf-8"))
