"""The agent's replies as text for a person at a terminal (`--json` prints them as they are)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lotedge.cli.words import plural

#: Consumptions listed in `batch status --consumptions` before the rest are counted.
LISTED = 20


def reply_text(op: str, data: dict[str, Any]) -> str:
    """What a person reads for a successful reply: the agent's message when it wrote one, else
    the data of the operation in words, else each field on a line of its own."""
    render = _RENDERERS.get(op)
    if render is not None:
        return render(data)
    if data.get("message"):
        return str(data["message"])
    return fields_text(data)


def fields_text(data: dict[str, Any], indent: str = "") -> str:
    """`key: value` lines, nested tables indented, lists one item a line."""
    lines = []
    for key, value in data.items():
        if isinstance(value, dict):
            lines.append(f"{indent}{key}:")
            lines.append(fields_text(value, indent + "  "))
        elif isinstance(value, list):
            lines.append(f"{indent}{key}: {len(value)}" if value else f"{indent}{key}: none")
            lines.extend(f"{indent}  {_item(item)}" for item in value)
        else:
            lines.append(f"{indent}{key}: {'-' if value is None else value}")
    return "\n".join(line for line in lines if line)


def _item(item: object) -> str:
    if isinstance(item, dict):
        return ", ".join(f"{k} {v}" for k, v in item.items() if v not in (None, "", [], {}))
    return str(item)


_STATUS_KEYS = {
    "site", "line", "batch", "consumed", "consumptions", "outbox_depth", "print_queue", "holds",
    "alerts", "mode", "role", "receipt_reference",
}  # fmt: skip


def status_text(data: dict[str, Any]) -> str:
    """`batch status`: the line, its batch and what went in, what waits, alerts, adapters."""
    lines = [f"{data['site']}/{data['line']}: {data.get('mode', 'production')} mode"]
    if data.get("receipt_reference"):
        reference = data["receipt_reference"]
        lines.append(f"receipts belong to: {_item(reference)}")
    batch = data.get("batch")
    if batch is None:
        lines.append("batch: none open")
    else:
        who = f", operator {batch['operator']}" if batch.get("operator") else ""
        planned = f", planned {batch['planned_qty']}" if batch.get("planned_qty") else ""
        lines.append(f"batch: {batch['product']} since {batch['started_at'][:19]}{who}{planned}")
        consumed = data.get("consumed", [])
        containers = sum(entry["containers"] for entry in consumed)
        lines.append(f"consumed: {plural(containers, 'container')}")
        lines.extend(
            f"  {e['material']} lot {e['lot']}: {e['quantity']} {e['uom'] or ''}".rstrip()
            + f" ({plural(e['containers'], 'container')})"
            for e in consumed
        )
    if "consumptions" in data:
        every = data["consumptions"]
        lines.append(f"containers, in order: {len(every)}")
        lines.extend(
            f"  {c['consumed_at'][:19]}  {c['material']} lot {c['lot']} {c['quantity']} "
            f"{c['uom'] or ''}".rstrip()
            for c in every[-LISTED:]
        )
        if len(every) > LISTED:
            lines.append(f"  (the last {LISTED}; --json lists all {len(every)})")
    lines.append(
        f"waiting: {plural(data['outbox_depth'], 'event')} in the outbox, "
        f"{plural(data['print_queue'], 'label')} to print"
    )
    lines.append(f"holds: {len(data['holds'])} (lotedge hold list)")
    alerts = data.get("alerts", [])
    lines.append(f"alerts: {len(alerts)}" if alerts else "alerts: none")
    lines.extend(f"  #{a.get('id')} {a.get('message', '')}" for a in alerts)
    for name, section in data.items():
        if name not in _STATUS_KEYS:
            lines.append(f"{name}:")
            text = fields_text(section, "  ") if isinstance(section, dict) else f"  {section}"
            lines.append(text)
    return "\n".join(lines)


def lots_text(data: dict[str, Any]) -> str:
    """`lots list`: the open lots, first to expire first."""
    lots = data.get("lots", [])
    if not lots:
        return "No open lots."
    lines = [f"{plural(len(lots), 'open lot')}, first to expire first:"]
    for lot in lots:
        used = f"{lot['consumed_qty']} of {lot['received_qty']}" if lot.get("received_qty") else "-"
        lines.append(
            f"  {lot['material']} lot {lot['lot']}: expires {lot.get('expiry') or '-'}, "
            f"used {used} {lot.get('uom') or ''}".rstrip()
            + f" ({lot.get('source', '')})"
        )
    return "\n".join(lines)


_RENDERERS: dict[str, Callable[[dict[str, Any]], str]] = {
    "status": status_text,
    "lots.list": lots_text,
}
