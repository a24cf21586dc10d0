"""Turning raw scanner bytes into structured fields. Pure; never raises on any input.

Data that reads as GS1 (`core.gs1`: element strings, bracketed AIs, Digital Link URIs, GTINs,
read by biip) is judged as GS1 whatever symbol carried it: a GS1 key first wins over vendor
patterns, other GS1-looking data comes after them. Non-GS1 vendor labels are read by each
material's `vendor_pattern`; command barcodes by the configured prefix. Separator artefacts of
scanners are found by `core.separators`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from biip.gs1_messages import GS1Message

from lotedge.core import gs1
from lotedge.core.gs1 import GS, GS1Reading, read_gs1
from lotedge.core.reasons import Reason
from lotedge.core.separators import Glued, Token, artefact_at, artefact_in, token_in
from lotedge.core.text import decode_text
from lotedge.masterdata.items import Material

#: AIM symbology identifiers of symbols whose data is GS1 (FNC1 in first position): GS1-128,
#: GS1 DataMatrix (and with ECI; ``]d8``: DMRE, as zxing-cpp reports it), GS1 QR (and with
#: ECI), GS1 DataBar and composites, GS1 DotCode, GS1 Aztec (and with ECI).
GS1_SYMBOLOGIES = frozenset({"]C1", "]d2", "]d5", "]d8", "]Q3", "]Q4", "]e0", "]J1", "]z1", "]z4"})
_AIM = re.compile(r"^\][A-Za-z][0-9A-Za-z]")
_MAX_SCAN_BYTES = 4096
#: GS1 AI (91), "company internal information": the material code on our receiving label of a
#: material that has no GTIN (the label then carries no AI 01).
INTERNAL_MATERIAL_AI = "91"


class ScanKind(StrEnum):
    """What a scan turned out to be."""

    GS1 = "gs1"
    VENDOR = "vendor"
    COMMAND = "command"
    REFERENCE = "reference"  # a purchase order (GS1 AI 400) with no GTIN: a receipt reference
    LOGISTIC = "logistic"  # a logistic unit's label: an SSCC (00), or contents (02) without (01)
    UNREADABLE = "unreadable"


@dataclass(frozen=True)
class RawScan:
    """Bytes as a device delivered them, before any interpretation."""

    data: bytes
    source: str = "cli"
    #: AIM identifier reported out of band (cameras); in-band prefixes are found by the parser.
    symbology: str | None = None
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    #: The decoder's GS1 flag (cameras: FNC1 in first position); None when not reported.
    gs1: bool | None = None


@dataclass(frozen=True)
class Command:
    """A command barcode: START:<product>[:<planned qty>], END[:<qty>], CANCEL, AGAIN."""

    verb: str
    args: tuple[str, ...] = ()


@dataclass(frozen=True)
class ParsedScan:
    """The fields a scan carries. `error` explains an UNREADABLE scan, `reason` is its refusal."""

    kind: ScanKind
    text: str
    symbology: str | None = None
    gtin: str | None = None
    lot: str | None = None
    expiry: date | None = None
    produced: date | None = None
    #: Goods receipt date (a vendor label's `received` group), for receipt-based shelf life.
    received: date | None = None
    quantity: Decimal | None = None
    uom: str | None = None
    serial: str | None = None
    #: The customer's purchase order (GS1 AI 400), the receipt reference at receiving.
    purchase_order: str | None = None
    material_code: str | None = None
    command: Command | None = None
    elements: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    reason: Reason | None = None
    #: The symbol says its data is GS1 (decoder flag, else a GS1 AIM identifier); None: unknown.
    gs1_symbol: bool | None = None
    #: A separator artefact: a token refused, or a glued field judged with the material.
    artefact: Token | Glued | None = None

    @property
    def dedupe_key(self) -> str:
        """What makes two reads 'the same code' for double-read detection."""
        return self.text


def split_aim(text: str, symbology: str | None) -> tuple[str, str | None]:
    """Strip an in-band AIM symbology identifier; an out-of-band one wins if both exist."""
    match = _AIM.match(text)
    if match:
        return text[match.end() :], symbology or match.group(0)
    return text, symbology


def parse_scan(raw: RawScan, materials: list[Material], command_prefix: str) -> ParsedScan:
    """Interpret one raw scan. Never raises: surprises become an UNREADABLE scan with a reason."""
    try:
        return _parse(raw, materials, command_prefix)
    except Exception as exc:  # last line of defence: untrusted input must not crash the agent
        text = decode_text(raw.data[:_MAX_SCAN_BYTES])
        return ParsedScan(ScanKind.UNREADABLE, text, error=f"the parser failed: {exc!r}")


def _parse(raw: RawScan, materials: list[Material], command_prefix: str) -> ParsedScan:
    if len(raw.data) > _MAX_SCAN_BYTES:
        return ParsedScan(
            ScanKind.UNREADABLE,
            decode_text(raw.data[:64]),
            error=f"the scan is {len(raw.data)} bytes; at most {_MAX_SCAN_BYTES} are accepted",
        )
    text = decode_text(raw.data).strip("\r\n")
    body, symbology = split_aim(text, raw.symbology)
    flag = raw.gs1 if raw.gs1 is not None else (symbology in GS1_SYMBOLOGIES if symbology else None)
    seen = _Seen(body, symbology, flag)
    if not body.strip(GS + " "):
        return seen.unreadable("the scan is empty")
    if body.startswith(command_prefix):
        return _parse_command(body, seen, command_prefix)
    reading = read_gs1(body)
    if reading.keyed:
        return _judge_gs1(reading, seen, materials)
    vendor = _parse_vendor(body, seen, materials)
    if vendor is not None:
        return vendor
    if reading.reads:
        return _judge_gs1(reading, seen, materials)
    return seen.unreadable(
        f"{_shown(body)} is not GS1 data and no material's vendor_pattern matches it"
    )


@dataclass(frozen=True)
class _Seen:
    """What every parse result carries: the text without AIM identifier, the identifier and
    the GS1 flag."""

    body: str
    symbology: str | None
    gs1_symbol: bool | None

    def scan(self, kind: ScanKind, **fields: Any) -> ParsedScan:
        return ParsedScan(kind, self.body, self.symbology, gs1_symbol=self.gs1_symbol, **fields)

    def unreadable(
        self, error: str, reason: Reason = Reason.UNREADABLE, **fields: Any
    ) -> ParsedScan:
        return self.scan(ScanKind.UNREADABLE, error=error, reason=reason, **fields)


def _shown(body: str) -> str:
    """The scanned text as the operator's message quotes it: escaped, long ones cut with '…'."""
    return repr(body if len(body) <= 40 else body[:39] + "…")


def _parse_command(body: str, seen: _Seen, prefix: str) -> ParsedScan:
    parts = body[len(prefix) :].split(":")
    command = Command(parts[0].strip().upper(), tuple(p.strip() for p in parts[1:]))
    return seen.scan(ScanKind.COMMAND, command=command)


def _parse_vendor(body: str, seen: _Seen, materials: list[Material]) -> ParsedScan | None:
    for material in materials:
        if not material.vendor_pattern:
            continue
        match = re.fullmatch(material.vendor_pattern, body)
        if match is None:
            continue
        groups = match.groupdict()
        if groups.get("material") not in (None, material.code):
            continue
        dates: dict[str, date] = {}
        for name in ("expiry", "received"):
            if not groups.get(name):
                continue
            try:
                dates[name] = datetime.strptime(groups[name], material.expiry_format).date()
            except ValueError:
                return seen.unreadable(
                    f"{name} {groups[name]!r} does not match {material.expiry_format!r}",
                    material_code=material.code,
                )
        lot = groups["lot"]
        if not lot.isprintable() or token_in(lot, ""):
            return seen.unreadable(
                f"the lot {lot!r} holds a control character or a separator sent as text",
                material_code=material.code,
            )
        return seen.scan(
            ScanKind.VENDOR,
            lot=lot,
            expiry=dates.get("expiry"),
            received=dates.get("received"),
            material_code=material.code,
            elements={k: v for k, v in groups.items() if v is not None},
        )
    return None


def _judge_gs1(reading: GS1Reading, seen: _Seen, materials: list[Material]) -> ParsedScan:
    message = reading.message
    if message is None:
        found = artefact_at(seen.body.lstrip(GS)) if reading.stop >= 0 else None
        if isinstance(found, Token):
            return seen.unreadable(reading.cause, Reason.SEPARATOR_TOKEN, artefact=found)
        if isinstance(found, Glued):
            return seen.unreadable(reading.cause, Reason.MISSING_SEPARATOR, artefact=found)
        return seen.unreadable(reading.cause, Reason.INVALID_GS1)
    elements = {es.ai.ai: es.value for es in message.element_strings}
    if reading.cause:
        return seen.unreadable(reading.cause, Reason.INVALID_GS1, elements=elements)
    found = artefact_in(message.element_strings)
    if isinstance(found, Token):
        return seen.unreadable(
            f"{gs1.name(found.ai)} holds {found.text!r}", Reason.SEPARATOR_TOKEN, artefact=found
        )
    fields = _fields(message)
    if "00" in elements or ("02" in elements and "01" not in elements):
        return seen.scan(ScanKind.LOGISTIC, elements=elements, **fields)
    gtin = fields.get("gtin")
    if gtin is not None:
        material = next((m for m in materials if gtin in m.gtins), None)
    else:  # our receiving label of a material without GTIN names it in AI (91)
        code = elements.get(INTERNAL_MATERIAL_AI)
        material = next((m for m in materials if not m.gtins and m.code == code), None)
        if material is None and "purchase_order" in fields:
            return seen.scan(ScanKind.REFERENCE, elements=elements, **fields)
        if material is None:
            return seen.unreadable(
                "a GS1 code without a GTIN (01), so it names no material",
                Reason.INVALID_GS1,
                elements=elements,
            )
    return seen.scan(
        ScanKind.GS1,
        material_code=material.code if material else None,
        elements=elements,
        artefact=found,
        **fields,
    )


def _fields(message: GS1Message) -> dict[str, Any]:
    """The ParsedScan fields a GS1 message fills."""
    fields: dict[str, Any] = {}
    for es in message.element_strings:
        ai = es.ai.ai
        if ai == "01":
            fields["gtin"] = es.value
        elif ai == "10":
            fields["lot"] = es.value
        elif ai == "21":
            fields["serial"] = es.value
        elif ai == "400":
            fields["purchase_order"] = es.value
        elif ai == "17" or (ai == "15" and "expiry" not in fields):
            fields["expiry"] = es.date
        elif ai in ("11", "13") and "produced" not in fields:
            fields["produced"] = es.date
        elif ai.startswith("310") and es.decimal is not None:
            fields["quantity"], fields["uom"] = es.decimal, "KGM"
        elif ai in ("30", "37") and "quantity" not in fields and es.value.isdigit():
            fields["quantity"], fields["uom"] = Decimal(es.value), "H87"
    return fields
