"""Turning raw scanner bytes into structured fields. Pure; never raises on any input.

GS1 element strings, bracketed HRI and Digital Link URIs are parsed by biip; non-GS1 vendor labels
by each material's `vendor_pattern`; command barcodes by the configured prefix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum

from biip import ParseConfig, parse
from biip.gs1_messages import GS1Message

from lotedge.masterdata.items import Material

#: AIM symbology identifiers whose data is a GS1 element string (FNC1 in first position).
GS1_SYMBOLOGIES = frozenset({"]C1", "]d2", "]Q3", "]e0", "]J1"})
GS = "\x1d"
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
    UNREADABLE = "unreadable"


@dataclass(frozen=True)
class RawScan:
    """Bytes as a device delivered them, before any interpretation."""

    data: bytes
    source: str = "cli"
    #: AIM identifier reported out of band (cameras); in-band prefixes are found by the parser.
    symbology: str | None = None
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass(frozen=True)
class Command:
    """A command barcode: START:<product>[:<planned qty>], END[:<qty>], CANCEL, AGAIN."""

    verb: str
    args: tuple[str, ...] = ()


@dataclass(frozen=True)
class ParsedScan:
    """The fields a scan carries. `error` explains an UNREADABLE scan."""

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

    @property
    def dedupe_key(self) -> str:
        """What makes two reads 'the same code' for double-read detection."""
        return self.text


def decode_text(data: bytes) -> str:
    """Scanner bytes as text: UTF-8 when valid, else Latin-1 (which never fails)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


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
        return ParsedScan(ScanKind.UNREADABLE, text, error=f"parser failed: {exc!r}")


def _parse(raw: RawScan, materials: list[Material], command_prefix: str) -> ParsedScan:
    if len(raw.data) > _MAX_SCAN_BYTES:
        return ParsedScan(
            ScanKind.UNREADABLE,
            decode_text(raw.data[:64]),
            error=f"scan is {len(raw.data)} bytes; at most {_MAX_SCAN_BYTES} are accepted",
        )
    text = decode_text(raw.data).strip("\r\n")
    body, symbology = split_aim(text, raw.symbology)
    if not body.strip(GS + " "):
        return ParsedScan(ScanKind.UNREADABLE, body, symbology, error="the scan is empty")
    if body.startswith(command_prefix):
        return _parse_command(body, symbology, command_prefix)
    looks_gs1 = (
        symbology in GS1_SYMBOLOGIES
        or body.startswith((GS, "("))
        or body.lower().startswith(("http://", "https://"))
    )
    if not looks_gs1:
        vendor = _parse_vendor(body, symbology, materials)
        if vendor is not None:
            return vendor
    gs1 = _parse_gs1(body, symbology, materials)
    if gs1.kind is ScanKind.GS1 or looks_gs1:
        return gs1
    return ParsedScan(
        ScanKind.UNREADABLE,
        body,
        symbology,
        error="not a GS1 code and no material's vendor_pattern matches it",
    )


def _parse_command(body: str, symbology: str | None, prefix: str) -> ParsedScan:
    parts = body[len(prefix) :].split(":")
    command = Command(parts[0].strip().upper(), tuple(p.strip() for p in parts[1:]))
    return ParsedScan(ScanKind.COMMAND, body, symbology, command=command)


def _parse_vendor(body: str, symbology: str | None, materials: list[Material]) -> ParsedScan | None:
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
                return ParsedScan(
                    ScanKind.UNREADABLE,
                    body,
                    symbology,
                    material_code=material.code,
                    error=f"{name} {groups[name]!r} does not match {material.expiry_format!r}",
                )
        return ParsedScan(
            ScanKind.VENDOR,
            body,
            symbology,
            lot=groups["lot"],
            expiry=dates.get("expiry"),
            received=dates.get("received"),
            material_code=material.code,
            elements={k: v for k, v in groups.items() if v is not None},
        )
    return None


def _parse_gs1(body: str, symbology: str | None, materials: list[Material]) -> ParsedScan:
    message, error = _gs1_message(body)
    if message is None:
        return ParsedScan(ScanKind.UNREADABLE, body, symbology, error=error)
    elements = {es.ai.ai: es.value for es in message.element_strings}
    invalid = [
        error
        for es in message.element_strings
        for error in (es.gtin_error, es.gln_error, es.sscc_error)
        if error
    ]
    if invalid:
        return ParsedScan(
            ScanKind.UNREADABLE,
            body,
            symbology,
            elements=elements,
            error=f"invalid GS1 data: {invalid[0]}",
        )
    fields: dict[str, object] = {"elements": elements}
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
    gtin = fields.get("gtin")
    if gtin is not None:
        material = next((m for m in materials if gtin in m.gtins), None)
    else:  # our receiving label of a material without GTIN names it in AI (91)
        code = elements.get(INTERNAL_MATERIAL_AI)
        material = next((m for m in materials if not m.gtins and m.code == code), None)
        if material is None and "purchase_order" in fields:
            return ParsedScan(ScanKind.REFERENCE, body, symbology, **fields)  # type: ignore[arg-type]
        if material is None:
            return ParsedScan(
                ScanKind.UNREADABLE,
                body,
                symbology,
                elements=elements,
                error="GS1 code without a GTIN (AI 01)",
            )
    return ParsedScan(
        ScanKind.GS1,
        body,
        symbology,
        material_code=material.code if material else None,
        **fields,  # type: ignore[arg-type]
    )


def _gs1_message(body: str) -> tuple[GS1Message | None, str]:
    """A GS1 message from element strings, bracketed HRI or a Digital Link URI."""
    if body.startswith("("):
        try:
            return GS1Message.parse_hri(body), ""
        except Exception as exc:
            return None, f"invalid GS1 HRI: {exc}"
    result = parse(body.lstrip(GS), config=ParseConfig(separator_chars=(GS,)))
    message = result.gs1_message
    if message is not None and (
        result.gtin is None or any(es.ai.ai == "01" for es in message.element_strings)
    ):
        return message, ""
    if result.gs1_digital_link_uri is not None:
        return result.gs1_digital_link_uri.as_gs1_message(), ""
    if result.gtin is not None:  # a bare EAN/UPC/ITF-14: a GTIN with no further data
        return GS1Message.parse("01" + result.gtin.as_gtin_14()), ""
    error = result.gs1_message_error or result.gs1_digital_link_uri_error or "not a GS1 code"
    return None, f"invalid GS1 data: {error}"
