"""GS1-identified objects in any form: EPC URIs (GS1 Tag Data Standard) and GS1 Digital Links,
parsed to one canonical form and built back.

An `Epc` is a GS1 key with its qualifiers, as (AI, value) element strings in Digital Link order:
a serialised trade item (SGTIN: AI 01 + 21), a logistic unit (SSCC: 00), a location (SGLN: 414
[+ 254]), a party (PGLN: 417), a returnable asset (GRAI: 8003), an individual asset (GIAI: 8004),
a service relation (GSRN: 8018, GSRN-P: 8017), a document (GDTI: 253), a lot of a trade item
(LGTIN: 01 + 10) or every instance of one (an `idpat` pattern or a bare GTIN: 01). Its canonical
form is the Digital Link under `https://id.gs1.org` (custom domain, short names and query
dropped; with a serial the lot is dropped too, as GS1's constrained canonical form says), so the
URN and the Digital Link of one object are equal `Epc`s.

>>> parse_epc("urn:epc:id:sscc:0614141.1234567890").link
'https://id.gs1.org/00/106141412345678908'
>>> parse_epc("https://example.com/sscc/106141412345678908?x=1").urn()
'urn:epc:id:sscc:0614141.1234567890'
>>> parse_epc("urn:epc:id:sgtin:0614141.107346.A%2F1") == parse_epc(
...     "https://id.gs1.org/01/10614141073464/10/L1/21/A%2F1")
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from biip import ParseError
from biip.gs1_prefixes import GS1CompanyPrefix

from lotedge.wire.escaping import epc_escape, link_escape, unescape
from lotedge.wire.gs1 import check_digit_ok, with_check_digit

DIGITAL_LINK_ROOT = "https://id.gs1.org"


@dataclass(frozen=True)
class Scheme:
    """One EPC scheme: its URN layout and the Digital Link it maps to."""

    name: str
    ai: str
    """The primary key's AI."""
    reference_digits: int
    """Company prefix + reference: 13 (GTIN), 17 (SSCC, GSRN), 12 (GLN, GRAI, GDTI)."""
    qualifier: str | None = None
    """AI of the third URN field (serial, lot, extension), if any."""
    indicator_first: bool = False
    """The reference starts with the key's first digit (indicator or extension digit)."""
    check_digit: bool = True
    alphanumeric: bool = False
    """The reference is an escaped alphanumeric string (GIAI), not digits."""


SCHEMES = {
    s.name: s
    for s in (
        Scheme("sgtin", "01", 13, "21", indicator_first=True),
        Scheme("lgtin", "01", 13, "10", indicator_first=True),
        Scheme("gtin", "01", 13, indicator_first=True),
        Scheme("sscc", "00", 17, indicator_first=True),
        Scheme("sgln", "414", 12, "254"),
        Scheme("pgln", "417", 12),
        Scheme("grai", "8003", 12, "21"),
        Scheme("giai", "8004", 0, check_digit=False, alphanumeric=True),
        Scheme("gsrn", "8018", 17),
        Scheme("gsrnp", "8017", 17),
        Scheme("gdti", "253", 12, "21"),
    )
}
_BY_KEY = {(s.ai, s.qualifier): s for s in SCHEMES.values()}
_BY_KEY |= {(s.ai, None): s for s in SCHEMES.values() if s.qualifier and s.ai != "01"}
#: Key qualifiers (and attributes) a Digital Link may carry after each primary key.
_QUALIFIERS = {"01": ("22", "10", "21"), "414": ("254",), "8003": (), "253": ()}
_SHORT_NAMES = {
    "gtin": "01", "sscc": "00", "gln": "414", "party": "417", "grai": "8003", "giai": "8004",
    "gsrn": "8018", "gsrnp": "8017", "gdti": "253", "lot": "10", "ser": "21", "cpv": "22",
}  # fmt: skip
_URN = re.compile(r"^urn:epc:(id|class|idpat):([a-z]+):([^?#]*)$")
_DIGITS = re.compile(r"^[0-9]+$")


@dataclass(frozen=True)
class Epc:
    """A GS1-identified object (or class of objects) in canonical form."""

    scheme: str
    """A key of `SCHEMES`."""
    key: str
    """The primary key's value (GTIN-14, SSCC-18, GLN-13 ...; for GRAI and GDTI without
    their serial)."""
    qualifier: str | None = None
    """Serial, lot or location extension, decoded; None when there is none."""

    @property
    def link(self) -> str:
        """The canonical Digital Link."""
        spec = SCHEMES[self.scheme]
        path = f"/{spec.ai}/{link_escape(self.key) if spec.alphanumeric else self.key}"
        if self.qualifier is None:
            return DIGITAL_LINK_ROOT + path
        if spec.ai in ("8003", "253"):  # the serial is part of the key's element string
            return DIGITAL_LINK_ROOT + path + link_escape(self.qualifier)
        return f"{DIGITAL_LINK_ROOT}{path}/{spec.qualifier}/{link_escape(self.qualifier)}"

    @property
    def gtin(self) -> str | None:
        return self.key if SCHEMES[self.scheme].ai == "01" else None

    def urn(self, prefix_length: int | None = None) -> str | None:
        """The EPC URI (`urn:epc:id:...`, `class:lgtin`, `idpat:sgtin:...*`) with a company
        prefix of `prefix_length` digits (biip's table when None); None when it is not known."""
        spec = SCHEMES[self.scheme]
        if spec.alphanumeric:
            digits = self.key
        else:  # without the check digit (and GRAI's filter digit)
            digits = self.key[1:-1] if spec.ai == "8003" else self.key[:-1]
        body = digits[1:] if spec.indicator_first else digits
        if prefix_length is None:
            prefix_length = _company_prefix_length(body)
            if prefix_length is None:
                return None
        if not 6 <= prefix_length <= 12 or prefix_length > len(body):
            return None
        prefix, rest = body[:prefix_length], body[prefix_length:]
        if spec.indicator_first:
            rest = digits[0] + rest
        elif spec.alphanumeric:
            rest = epc_escape(rest)
        kind = {"lgtin": "class", "gtin": "idpat"}.get(self.scheme, "id")
        scheme = "sgtin" if self.scheme == "gtin" else self.scheme
        urn = f"urn:epc:{kind}:{scheme}:{prefix}.{rest}"
        if self.scheme == "gtin":
            return urn + ".*"
        if spec.qualifier is None:
            return urn
        if self.qualifier is None:  # a GLN without extension; GRAI and GDTI need a serial
            return f"{urn}.0" if self.scheme == "sgln" else None
        return f"{urn}.{epc_escape(self.qualifier)}"


def _company_prefix_length(body: str) -> int | None:
    """Length of the GS1 company prefix `body` starts with, by biip's table."""
    digits = re.match(r"[0-9]*", body)
    try:
        found = GS1CompanyPrefix.extract(digits[0] if digits else "")
    except ParseError:
        return None
    return None if found is None else len(found.value)


def parse_epc(uri: str) -> Epc | None:
    """The object an EPC URI or a GS1 Digital Link (any host) names; None for anything else or
    a value that does not decode (check digit, digits, escapes)."""
    if uri.startswith("urn:epc:"):
        return _parse_urn(uri)
    if uri.startswith(("https://", "http://")):
        return _parse_link(uri)
    return None


def _parse_urn(uri: str) -> Epc | None:
    match = _URN.match(uri)
    if match is None:
        return None
    kind, name, body = match.groups()
    scheme = {("id", "sgtin"): "sgtin", ("class", "lgtin"): "lgtin", ("idpat", "sgtin"): "gtin"}
    name = scheme.get((kind, name), name if kind == "id" else "")
    spec = SCHEMES.get(name)
    if spec is None or (kind == "id" and name in ("lgtin", "gtin")):
        return None
    fields = body.split(".", 2 if spec.qualifier or name == "gtin" else 1)
    if name == "gtin":
        if len(fields) != 3 or fields[2] != "*":
            return None
        fields = fields[:2]
    if len(fields) != (3 if spec.qualifier else 2):
        return None
    prefix, reference = fields[0], fields[1]
    if not (_DIGITS.match(prefix) and 6 <= len(prefix) <= 12):
        return None
    if spec.alphanumeric:
        rest = unescape(reference)
        return Epc(name, prefix + rest) if rest else None
    if len(prefix) + len(reference) != spec.reference_digits or not (
        reference == "" or _DIGITS.match(reference)
    ):
        return None
    digits = reference[:1] + prefix + reference[1:] if spec.indicator_first else prefix + reference
    key = with_check_digit(digits)
    qualifier = unescape(fields[2]) if spec.qualifier else None
    if spec.qualifier and not qualifier:
        return None
    if name == "sgln" and qualifier == "0":
        qualifier = None
    if spec.ai == "8003":
        key = "0" + key
    return Epc(name, key, qualifier)


def _parse_link(uri: str) -> Epc | None:
    segments = urlsplit(uri).path.split("/")
    for start in range(1, len(segments) - 1):
        ai = _SHORT_NAMES.get(segments[start], segments[start])
        if any(s.ai == ai for s in SCHEMES.values()):
            return _link_elements(ai, segments[start + 1 :])
    return None


def _link_elements(ai: str, rest: list[str]) -> Epc | None:
    """The object of a Digital Link path from its primary key on (`rest`: key value, then
    qualifier AI/value pairs)."""
    if rest and rest[-1] == "":
        rest = rest[:-1]
    if len(rest) % 2 != 1:
        return None
    value = unescape(rest[0])
    pairs = {
        _SHORT_NAMES.get(a, a): unescape(v) for a, v in zip(rest[1::2], rest[2::2], strict=True)
    }
    if value is None or None in pairs.values() or set(pairs) - set(_QUALIFIERS.get(ai, ())):
        return None
    qualifiers: dict[str, str] = {k: v for k, v in pairs.items() if v is not None and k != "22"}
    if ai == "01":
        qualifier_ai = "21" if "21" in qualifiers else "10" if "10" in qualifiers else None
        value = value.zfill(14) if _DIGITS.match(value) and len(value) in (8, 12, 13) else value
    elif ai in ("8003", "253"):
        split = 14 if ai == "8003" else 13
        value, serial = value[:split], value[split:]
        qualifier_ai = "21" if serial else None
        qualifiers = {"21": serial} if serial else {}
    else:
        qualifier_ai = "254" if "254" in qualifiers else None
    spec = _BY_KEY.get((ai, qualifier_ai))
    if spec is None:
        return None
    if spec.check_digit and not (_DIGITS.match(value) and check_digit_ok(value)):
        return None
    length = spec.reference_digits + 1 + (1 if ai == "8003" else 0)
    if spec.check_digit and len(value) != length:
        return None
    if spec.alphanumeric and not value:
        return None
    qualifier = qualifiers.get(qualifier_ai) if qualifier_ai else None
    if qualifier == "0" and spec.name == "sgln":
        qualifier = None
    return Epc(spec.name, value, qualifier)
