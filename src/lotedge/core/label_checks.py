"""What is wrong with a scan's label itself, before its material is judged: an unreadable or
invalid code, a separator artefact of the scanner, a logistic unit's label. Each refusal is a
reason and a message telling the operator what to do (and the technician, for the scanner).

The line (production) and receiving refuse a logistic unit's label here; the refusal is theirs,
not the parser's, so another mode may take such labels.
"""

from __future__ import annotations

import re

from lotedge.core.gs1 import name
from lotedge.core.reasons import Reason
from lotedge.core.scan import ParsedScan, ScanKind
from lotedge.core.separators import Glued, Token
from lotedge.masterdata.items import Material

Refusal = tuple[Reason, str]
_SCANNER_TEST = "'lotedge scanner test' shows what the scanner sends"


def unreadable(scan: ParsedScan) -> Refusal:
    """Why a scan the parser could not read is refused."""
    reason = scan.reason or Reason.UNREADABLE
    cause = (scan.error or "unknown").rstrip(".")
    if isinstance(scan.artefact, Token):
        return reason, token_message(scan.artefact, cause)
    if isinstance(scan.artefact, Glued):
        return reason, glued_message(scan.artefact, "")
    what = "GS1 label" if reason is Reason.INVALID_GS1 else "label"
    return reason, f"Cannot read this {what}: {cause}. Scan it again or key it in."


def logistic_unit(scan: ParsedScan) -> Refusal | None:
    """A logistic unit's label (an SSCC, or contents and count) where a container is scanned."""
    if scan.kind is not ScanKind.LOGISTIC:
        return None
    sscc = scan.elements.get("00")
    which = f"SSCC {sscc}" if sscc else f"contents GTIN {scan.elements.get('02')}"
    return (
        Reason.PALLET_LABEL,
        f"This is a pallet label ({which}), not a container's: scan the label of the case.",
    )


def glued_field(scan: ParsedScan, material: Material) -> Refusal | None:
    """A field with a glued field at its end, unless the material's lot pattern tells it is
    the lot as read (docs/scan-decisions.md: the rule and its limits)."""
    glued = scan.artefact
    if not isinstance(glued, Glued):
        return None
    note = ""
    if glued.ai == "10" and material.lot_pattern:
        whole = re.fullmatch(material.lot_pattern, glued.value) is not None
        head = re.fullmatch(material.lot_pattern, glued.head) is not None
        adds = any(e.ai.ai not in scan.elements for e in glued.tail)
        if whole and not (head and adds):
            return None
        if not whole:
            note = f" and does not match the lot pattern of {material.name}"
    return Reason.MISSING_SEPARATOR, glued_message(glued, note)


def glued_message(glued: Glued, note: str) -> str:
    """The refusal of a field with a glued field: what was read, what to do, how to fix it."""
    tail = ", ".join(
        f"{name(e.ai.ai)} {e.date.isoformat() if e.date else e.value}" for e in glued.tail
    )
    if glued.alt029:
        cause = "the scanner typed the separator as Alt+029, which arrived as the digits 029"
        fix = (
            "add alt029=1 to the scanner's URL, or set the scanner to send GS as Ctrl+] (ASCII 29)"
        )
    else:
        cause = "the scanner seems to have dropped the separator (GS) after it"
        fix = f"set the scanner to transmit GS (0x1D) for FNC1; {_SCANNER_TEST}"
    return (
        f"{name(glued.ai)} {glued.value!r} ends in what reads as {tail}{note}: {cause}. "
        f"Scan it again; if this repeats, call the technician: {fix}."
    )


def token_message(token: Token, cause: str) -> str:
    """The refusal of a scan with a separator sent as text: rescanning will not help."""
    return (
        f"The scanner sends the separator between fields as the text {token.text!r}: {cause}. "
        "Scanning again will not help: call the technician to set the option gs of "
        f"the scanner's URL to {token.text!r}, or set the scanner to send GS (0x1D); "
        f"{_SCANNER_TEST}."
    )
