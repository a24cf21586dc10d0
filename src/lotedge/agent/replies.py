"""What handlers return, and the `Reply` (or, for a command barcode, the `Decision`) it becomes.

A handler returns a `Reply`, or for the operations a command barcode can also run (start, end,
cancel, mode, reference) a `Done` or a `Refusal`: the engine turns those into a reply, the scan
workflow into the command's decision, with no round trip through the reply's fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from lotedge.agent.requests import Reply
from lotedge.core.batch import Refusal
from lotedge.core.decisions import Decision, Outcome
from lotedge.core.lot_lists import ListPage
from lotedge.core.reasons import Reason
from lotedge.core.scan import ParsedScan
from lotedge.core.separators import Glued, Token


@dataclass(frozen=True)
class Done:
    """An operation that was carried out: its reason code, the operator's message, and the
    rest of the reply's data."""

    reason: Reason
    message: str
    data: dict[str, Any] = field(default_factory=dict)


Result = Reply | Done | Refusal


def refusal_reply(refusal: Refusal) -> Reply:
    return Reply(False, error=refusal.message, code=refusal.reason.value)


def result_reply(result: Result) -> Reply:
    """The reply for what a handler returned."""
    if isinstance(result, Done):
        return Reply(
            True, {**result.data, "reason": result.reason.value, "message": result.message}
        )
    if isinstance(result, Refusal):
        return refusal_reply(result)
    return result


def list_reply(result: Reply | Refusal, page: ListPage | None) -> Reply:
    """The reply to a pushed lot list (`lots.open`, `stock.lots`). A page's is not remembered in
    the command log: its list id makes it safe to apply again, and a refusal (a product not in
    the master data yet) may not hold next time."""
    reply = result_reply(result)
    return reply if page is None else replace(reply, remember=False)


def command_decision(result: Done | Refusal, parsed: ParsedScan) -> Decision:
    """The decision on a command barcode whose operation gave `result`."""
    if isinstance(result, Refusal):
        return Decision(Outcome.REJECTED, result.reason, result.message, parsed)
    return Decision(Outcome.COMMAND, result.reason, result.message, parsed)


def artefact_data(artefact: Token | Glued | None) -> dict[str, object] | None:
    """A separator artefact as JSON: the token sent for GS, or the field with a glued one."""
    if isinstance(artefact, Token):
        return {"kind": "token", "field": artefact.ai, "text": artefact.text}
    if isinstance(artefact, Glued):
        return {
            "kind": "glued",
            "field": artefact.ai,
            "read": artefact.value,
            "head": artefact.head,
            "glued": {e.ai.ai: e.value for e in artefact.tail},
            "alt029": artefact.alt029,
        }
    return None


def decision_reply(decision: Decision) -> Reply:
    """The reply for a scan: the decision, and what the scan was parsed as."""
    data: dict[str, object] = decision.as_dict()
    scan = decision.scan
    if scan is not None:
        data["parsed"] = {
            "kind": scan.kind.value,
            "symbology": scan.symbology,
            "gtin": scan.gtin,
            "lot": scan.lot,
            "expiry": scan.expiry.isoformat() if scan.expiry else None,
            "produced": scan.produced.isoformat() if scan.produced else None,
            "quantity": str(scan.quantity) if scan.quantity is not None else None,
            "uom": scan.uom,
            "serial": scan.serial,
            "material": scan.material_code,
            "elements": scan.elements,
            "error": scan.error,
            "gs1_symbol": scan.gs1_symbol,
            "artefact": artefact_data(scan.artefact),
        }
    return Reply(True, data)
