"""GS1 identifiers as the EPCIS event hash writes them: the constrained canonical Digital Link.

The event hash (`event_hash`) replaces every EPC URI, EPC class or pattern URI and GS1 Digital
Link in an event by its canonical Digital Link under `https://id.gs1.org` (CBV 2.0, section
8.9, rules 17 and 18). This module does that exactly as the algorithm's reference implementation
(`epcis-event-hash-generator`, the test oracle) does, character for character: which URIs it
accepts (GS1 Tag Data Standard patterns, with their length limits), how it writes serials (the
URN's own escapes kept, `! ( ) * + , :` escaped) and which Digital Links it leaves as they are.
It is deliberately separate from `epc`, which parses identifiers for the store's genealogy and
is lenient where a hash must be exact.

>>> hash_link("urn:epc:id:sgtin:0614141.107346.2017")
'https://id.gs1.org/01/10614141073464/21/2017'
>>> hash_link("https://example.com/gtin/614141073467/lot/L1/ser/7?a=b")
'https://id.gs1.org/01/00614141073467/21/7'
>>> hash_link("urn:lotedge:class:P:M:L") is None
True
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lotedge.wire.gs1 import with_check_digit

#: One character of an EPC URI component (GS1 set 82 in URI form).
_C = (
    r"(?:%2[125-9A-Fa-f]|%3[0-9A-Fa-f]|%4[1-9A-Fa-f]|%5[0-9AaFf]|%6[1-9A-Fa-f]|%7[0-9Aa]"
    r"|[!')(*+,.0-9:;=A-Za-z_-])"
)
#: One character of a CPI component.
_CPI = r"(?:%2[3dfDF]|%3[0-9]|%4[1-9A-Fa-f]|%5[0-9Aa]|[0-9A-Z-])"
#: A character a canonical Digital Link value may hold (unescaped, as the reference checks it).
_V = r"[\x22\x27\x2D\x2E\x30-\x39\x3B-\x3F\x41-\x5A\x5F\x61-\x7A]"


def _cp(total: int, twelve: str | None = None) -> str:
    """Company prefix (6 to 12 digits), a dot, and the rest of `total` digits; `twelve` is
    what the reference accepts after a 12-digit prefix when it differs."""
    parts = [rf"\d{{{n}}}\.\d{{{total - n}}}" for n in range(6, 12)]
    parts.append(twelve if twelve is not None else rf"\d{{12}}\.\d{{{total - 12}}}")
    return "(?:" + "|".join(parts) + ")"


def _cp_text(longest: int, chars: str = _C) -> str:
    """Company prefix, a dot, and up to `longest - (prefix - 6)` characters."""
    return (
        "(?:" + "|".join(rf"\d{{{n}}}\.{chars}{{1,{longest - n + 6}}}" for n in range(6, 13)) + ")"
    )


def _web(text: str) -> str:
    """The escapes the reference adds to a serial, lot or reference taken from a URN."""
    for char, escaped in (("!", "%21"), ("(", "%28"), (")", "%29"), ("*", "%2A"), ("+", "%2B")):
        text = text.replace(char, escaped)
    return text.replace(",", "%2C").replace(":", "%3A")


def _gtin(uri: str, start: int) -> str:
    """The GTIN-14 of `{prefix}.{indicator}{item}` starting at `start`."""
    dot = uri.index(".")
    prefix = uri[start:dot]
    item = uri[dot + 1 : dot + 1 + 13 - len(prefix)]
    return with_check_digit(item[:1] + prefix + item[1:])


def _twelve(uri: str, start: int, digits: int = 12) -> str:
    """`{prefix}{reference}` of a `{prefix}.{reference}` of `digits` digits at `start`."""
    dot = uri.index(".")
    return uri[start:dot] + uri[dot + 1 : dot + 1 + digits - (dot - start)]


def _sscc(uri: str) -> str:
    dot = uri.index(".")
    return with_check_digit(uri[dot + 1] + uri[16:dot] + uri[dot + 2 :])


def _cpi(uri: str, start: int) -> str:
    dot, last = uri.index("."), uri.rfind(".")
    return _web(uri[start:dot] + uri[dot + 1 : last])


_ROOT = "https://id.gs1.org"
_DOT, _DOTS = r"\d{12}\.", r"\d{12}\.\."
"""What the reference accepts after a 12-digit company prefix (the second is its quirk)."""
#: (pattern, Digital Link) per EPC URI scheme, in the reference's order.
_EPC: list[tuple[str, Callable[[str], str]]] = [
    (rf"^urn:epc:id:sgtin:{_cp(13)}\.{_C}{{1,20}}$",
     lambda u: f"{_ROOT}/01/{_gtin(u, 17)}/21/{_web(u[32:])}"),
    (rf"^urn:epc:id:sscc:{_cp(17)}$", lambda u: f"{_ROOT}/00/{_sscc(u)}"),
    (rf"^urn:epc:id:sgln:{_cp(12, _DOT)}\.{_C}{{1,20}}$",
     lambda u: f"{_ROOT}/414/{with_check_digit(_twelve(u, 16))}"
     + ("" if u[30:] == "0" else f"/254/{_web(u[30:])}")),
    (rf"^urn:epc:id:grai:{_cp(12, _DOTS)}\.{_C}{{1,16}}$",
     lambda u: f"{_ROOT}/8003/{with_check_digit('0' + _twelve(u, 16))}{_web(u[30:])}"),
    (rf"^urn:epc:id:giai:{_cp_text(24)}$",
     lambda u: f"{_ROOT}/8004/{u[16 : u.index('.')]}{_web(u[u.index('.') + 1 :])}"),
    (rf"^urn:epc:id:gsrn:{_cp(17)}$",
     lambda u: f"{_ROOT}/8018/{with_check_digit(_twelve(u, 16, 17))}"),
    (rf"^urn:epc:id:gsrnp:{_cp(17)}$",
     lambda u: f"{_ROOT}/8017/{with_check_digit(_twelve(u, 17, 17))}"),
    (rf"^urn:epc:id:gdti:{_cp(12, _DOTS)}{_C}{{1,20}}$",
     lambda u: f"{_ROOT}/253/{with_check_digit(_twelve(u, 16))}{_web(u[30:])}"),
    (rf"^urn:epc:id:cpi:{_cp_text(24, _CPI)}\.\d{{1,12}}$",
     lambda u: f"{_ROOT}/8010/{_cpi(u, 15)}/8011/{u[u.rfind('.') + 1 :]}"),
    (rf"^urn:epc:id:sgcn:{_cp(12, _DOT)}\.\d{{1,12}}$",
     lambda u: f"{_ROOT}/255/{with_check_digit(_twelve(u, 16))}{u[30:]}"),
    (rf"^urn:epc:id:ginc:{_cp_text(24)}$",
     lambda u: f"{_ROOT}/401/{u[16 : u.index('.')]}{_web(u[u.index('.') + 1 :])}"),
    (rf"^urn:epc:id:gsin:{_cp(16)}$",
     lambda u: f"{_ROOT}/402/{with_check_digit(_twelve(u, 16, 16))}"),
    (rf"^urn:epc:id:itip:{_cp(13)}\.\d{{2}}\.\d{{2}}\.{_C}{{1,20}}$",
     lambda u: f"{_ROOT}/8006/{_gtin(u, 16)}{u[31:33]}{u[34:36]}/21/{_web(u[37:])}"),
    (rf"^urn:epc:id:upui:{_cp(13)}\.{_C}{{1,28}}$",
     lambda u: f"{_ROOT}/01/{_gtin(u, 16)}/235/{_web(u[31:])}"),
    (rf"^urn:epc:id:pgln:{_cp(12, _DOT)}$",
     lambda u: f"{_ROOT}/417/{with_check_digit(_twelve(u, 16))}"),
    (rf"^urn:epc:class:lgtin:{_cp(13)}\.{_C}{{1,20}}$",
     lambda u: f"{_ROOT}/01/{_gtin(u, 20)}/10/{_web(u[35:])}"),
    (rf"^urn:epc:idpat:sgtin:{_cp(13)}\.\*$", lambda u: f"{_ROOT}/01/{_gtin(u, 20)}"),
    (rf"^urn:epc:idpat:grai:{_cp(12, _DOTS)}\.\*$",
     lambda u: f"{_ROOT}/8003/{with_check_digit('0' + _twelve(u, 19))}"),
    (rf"^urn:epc:idpat:gdti:{_cp(12, _DOTS)}\.\*$",
     lambda u: f"{_ROOT}/253/{with_check_digit(_twelve(u, 19))}"),
    (rf"^urn:epc:idpat:sgcn:{_cp(12, _DOTS)}\.\*$",
     lambda u: f"{_ROOT}/255/{with_check_digit(_twelve(u, 19))}"),
    (rf"^urn:epc:idpat:cpi:{_cp_text(24, _CPI)}\.\*$", lambda u: f"{_ROOT}/8010/{_cpi(u, 18)}"),
    (rf"^urn:epc:idpat:itip:{_cp(13)}\.\d{{2}}\.\d{{2}}\.\*$",
     lambda u: f"{_ROOT}/8006/{_gtin(u, 19)}{u[34:36]}{u[37:39]}"),
    (rf"^urn:epc:idpat:upui:{_cp(13)}\.\*$", lambda u: f"{_ROOT}/01/{_gtin(u, 19)}"),
]  # fmt: skip
_EPC_COMPILED = [(re.compile(pattern), build) for pattern, build in _EPC]

_KEYS = "01|8006|8010|414|417|8017|8018|255|00|253|401|402|8003|8004"
_NAMES = "gtin|itip|cpid|gln|party|gsrnp|gsrn|gcn|sscc|gdti|ginc|gsin|grai|giai"
_LINK = re.compile(
    r"^https?:(\/\/((([^\/?#]*)@)?([^\/?#:]*)(:([^\/?#]*))?))?((([^?#]*)(\/("
    + _KEYS
    + "|"
    + _NAMES
    + r")\/)(\d{4}[^\/]+)(\/[^/]+\/[^/]+)?[/]?"
    r"(\?([^?\n]*))?(#([^\n]*))?)|(\/[A-Za-z_-]{10}$))"
)
_CANONICAL = re.compile(
    r"^https:\/\/id.gs1.org\/(" + _KEYS + r")\/(\d{4}[^\/]+)(\/[^\/]+\/[^\/]+)?[\/]?"
    r"(\?([^?\n]*))?(#([^\n]*))?|(\/[A-Za-z_-]{10}$)"
)
_SHORT = (
    ("gtin", "01"), ("itip", "8006"), ("cpid", "8010"), ("gln", "414"), ("party", "417"),
    ("gsrnp", "8017"), ("gsrn", "8018"), ("gcn", "255"), ("sscc", "00"), ("gdti", "253"),
    ("ginc", "401"), ("gsin", "402"), ("grai", "8003"), ("giai", "8004"), ("cpv", "22"),
    ("lot", "10"), ("ser", "21"),
)  # fmt: skip
_HOST_ORDER = ("00", "01", "253", "255", "401", "402", "414", "417", "8003", "8004", "8006",
               "8010", "8017", "8018")  # fmt: skip
_VALID = [
    re.compile(pattern)
    for pattern in (
        r"https:\/\/id.gs1.org\/00\/(\d{18})$",
        rf"https:\/\/id.gs1.org\/01\/(\d{{14}})\/21\/({_V}{{0,20}})$",
        rf"https:\/\/id.gs1.org\/01\/(\d{{14}})\/10\/({_V}{{0,20}})$",
        r"https:\/\/id.gs1.org\/01\/(\d{14})$",
        rf"https:\/\/id.gs1.org\/01\/(\d{{14}})\/235\/({_V}{{0,28}})$",
        rf"https:\/\/id.gs1.org\/253\/(\d{{13}})({_V}{{0,17}})$",
        r"https:\/\/id.gs1.org\/255\/(\d{13})(\d{0,12})$",
        rf"https:\/\/id.gs1.org\/401\/({_V}{{0,30}})$",
        r"https:\/\/id.gs1.org\/402\/(\d{17})$",
        r"https:\/\/id.gs1.org\/414\/(\d{13})$",
        rf"https:\/\/id.gs1.org\/414\/(\d{{13}})\/254\/({_V}{{0,20}})$",
        r"https:\/\/id.gs1.org\/417\/(\d{13})$",
        rf"https:\/\/id.gs1.org\/8003\/(\d{{14}})({_V}{{0,16}})$",
        rf"https:\/\/id.gs1.org\/8004\/({_V}{{0,30}})$",
        rf"https:\/\/id.gs1.org\/8006\/(\d{{18}})\/21\/({_V}{{0,20}})$",
        rf"https:\/\/id.gs1.org\/8006\/(\d{{18}})\/10\/({_V}{{0,20}})$",
        r"https:\/\/id.gs1.org\/8006\/(\d{18})$",
        r"https:\/\/id.gs1.org\/8010\/([\x23\x2D\x2F\x30-\x39\x41-\x5A]{0,30})\/8011/(\d{0,12})$",
        r"https:\/\/id.gs1.org\/8010\/([\x23\x2D\x2F\x30-\x39\x41-\x5A]{0,30})$",
        r"https:\/\/id.gs1.org\/8017\/(\d{18})$",
        r"https:\/\/id.gs1.org\/8018\/(\d{18})$",
    )
]
_KEYED = (("8006", 18), ("01", 14))
"""The keys whose Digital Links may carry a CPV, a lot and a serial, with their digits."""
_ID = r"https:\/\/id.gs1.org\/"
_CPV_ONLY = [re.compile(rf"{_ID}{k}\/\d{{{n}}}\/22\/({_V}{{0,20}})$") for k, n in _KEYED]
_CPV_MORE = [re.compile(rf"{_ID}{k}\/\d{{{n}}}\/22\/([\x2F]|{_V}){{0,20}}$") for k, n in _KEYED]
_LOT_SERIAL = [
    re.compile(rf"{_ID}{k}\/(\d{{{n}}})\/10\/{_V}{{0,20}}\/21\/{_V}{{0,20}}$") for k, n in _KEYED
]


def hash_link(uri: str) -> str | None:
    """The canonical Digital Link the event hash writes for an EPC URI or a Digital Link;
    None when the reference implementation leaves `uri` as it is."""
    if "." not in uri:
        return None
    for pattern, build in _EPC_COMPILED:
        if pattern.match(uri):
            return build(uri)
    if _LINK.match(uri) is None:
        return None
    return _canonical_link(uri)


def _canonical_link(uri: str) -> str | None:
    uri = uri.split("?", 1)[0]
    for name, ai in _SHORT:
        uri = uri.replace(f"/{name}/", f"/{ai}/")
    if _CANONICAL.match(uri) is None:
        for ai in _HOST_ORDER:
            if f"/{ai}/" in uri:
                uri = _ROOT + uri[uri.find(f"/{ai}/") :]
                break
    if re.match(r"^https:\/\/id.gs1.org\/01\/\d{14}", uri) is None:
        for digits, pad in ((13, "0"), (12, "00"), (8, "000000")):
            if re.match(rf"^https:\/\/id.gs1.org\/01\/\d{{{digits}}}", uri):
                uri = uri.replace("/01/", f"/01/{pad}")
                break
    after_cpv = uri[uri.find("/22/") + 4 :]
    if any(p.match(uri) for p in _CPV_ONLY):
        uri = uri[: uri.find("/22/")] + after_cpv[after_cpv.find("/") : -1]
    if any(p.match(uri) for p in _CPV_MORE):
        uri = uri[: uri.find("/22/")] + after_cpv[after_cpv.find("/") :]
    if any(p.match(uri) for p in _LOT_SERIAL):
        after_lot = uri[uri.find("/10/") + 4 :]
        uri = uri[: uri.find("/10/")] + after_lot[after_lot.find("/") :]
    return uri if any(p.match(uri) for p in _VALID) else None
