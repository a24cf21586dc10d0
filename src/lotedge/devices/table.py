"""The scheme and option tables of docs/devices.md and docs/labels.md, made from the registry
(a test keeps the docs equal to them, so they cannot drift)."""

from __future__ import annotations

from lotedge.devices.schemes import SCHEMES


def markdown(kind: str) -> str:
    """Two Markdown tables for `kind`: its schemes, then their options."""
    schemes = [scheme for scheme in SCHEMES if scheme.kind == kind]
    lines = ["| URL | device | options |", "|---|---|---|"]
    for scheme in schemes:
        names = ", ".join(f"`{o.name}`" for o in scheme.options) or "none"
        lines.append(_row(f"`{scheme.name}://{scheme.location.form}`", scheme.about, names))
    rows: dict[tuple[str, str, str, str], list[str]] = {}
    for scheme in schemes:
        for o in scheme.options:
            rows.setdefault((o.name, o.type.expected, o.default, o.about), []).append(scheme.name)
    if rows:
        lines += ["", "| option | of | value | default | meaning |", "|---|---|---|---|---|"]
        for (name, expected, default, about), used_by in rows.items():
            shown = f"`{default}`" if default else "none"
            of = ", ".join(f"`{scheme}`" for scheme in used_by)
            lines.append(_row(f"`{name}`", of, expected, shown, about))
    return "\n".join(lines)


def _row(*cells: str) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"
