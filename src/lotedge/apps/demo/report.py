"""What the demo found, and the summary it prints."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from lotedge.apps.demo.script import HOLD_REASON, TRACED_FLOUR_LOT


@dataclass
class DemoResult:
    """What happened, for the summary and the exit code."""

    failures: list[str] = field(default_factory=list)
    lots: list[tuple[str, str, str]] = field(default_factory=list)  # product, lot, batch id
    labels: list[str] = field(default_factory=list)
    """The lot labels, in the order the batches ended."""
    receiving_label: str | None = None
    forward: dict[str, Any] = field(default_factory=dict)
    backward: dict[str, Any] = field(default_factory=dict)
    hold: dict[str, Any] = field(default_factory=dict)
    """What `lotedge hold ... --json` answered."""
    vendor: dict[str, Any] = field(default_factory=dict)
    """The vendor report's entry for TRACED_VENDOR."""

    def expect(self, ok: bool, what: str) -> bool:
        if not ok:
            self.failures.append(what)
        return ok


class ReportConsole(Console):
    """Rich on a terminal; to a file or a pipe, a plain report: no colours, no wrapping (paths
    stay whole), headings as plain lines."""

    def __init__(self) -> None:
        plain = not sys.stdout.isatty()
        super().__init__(
            highlight=False,
            no_color=True if plain else None,  # None: NO_COLOR in the environment decides
            width=10_000 if plain else None,
            soft_wrap=plain,
        )
        self.plain = plain

    def rule(self, title: str = "", **kwargs: Any) -> None:  # type: ignore[override]
        if self.plain:
            self.print(f"\n== {escape(title)} ==")
        else:
            super().rule(escape(title), **kwargs)


def summary(console: Console, outcome: DemoResult, directory: Path | None) -> None:
    """What a newcomer should take away: lots made, labels printed, and a recall answered.
    `directory`: where everything was kept (None: a temporary directory, removed now)."""
    console.rule("Summary")
    batches = Table(title="Batches and their new lots")
    for column in ("product", "lot", "batch"):
        batches.add_column(column)
    for product, lot, batch_id in outcome.lots:
        batches.add_row(escape(product), escape(lot), escape(batch_id))
    console.print(batches)
    if directory is not None:
        for path in outcome.labels:
            console.print(f"label: {escape(path)}")
    forward = Table(title=f"Forward trace of flour lot {TRACED_FLOUR_LOT}: where did it go?")
    backward = Table(title="Backward trace of the cake lot: what went into it?")
    for table in (forward, backward):
        for column in ("depth", "lot", "GTIN", "material / product", "vendor"):
            table.add_column(column)
    for table, trace in ((forward, outcome.forward), (backward, outcome.backward)):
        for lot in trace.get("lots", []):
            cells = (
                lot.get("depth", ""),
                lot.get("lot", ""),
                lot.get("gtin") or "-",
                lot.get("product") or lot.get("material") or "-",
                lot.get("vendor") or "-",
            )
            table.add_row(*(escape(str(cell)) for cell in cells))
    console.print(forward)
    console.print(backward)
    if outcome.hold:
        held = " ".join(outcome.hold.get("lots", []))
        console.print(escape(f"Hold {outcome.hold.get('hold_id')} ({HOLD_REASON}): {held}"))
    if outcome.vendor:
        console.print(vendor_table(outcome.vendor))
    if directory is not None:
        console.print(
            f"Everything is in {escape(str(directory))} (config, state, trace.db, labels, logs)."
        )
    else:
        console.print(
            "The labels, state and trace store were in a temporary directory, removed now: "
            "run 'lotedge demo --keep DIR' to look at them afterwards."
        )
    if outcome.failures:
        console.print("[bold red]The demo did not go as expected:[/]")
        for failure in outcome.failures:
            console.print(f"  [red]✘[/] {escape(failure)}")
    else:
        console.print("[bold green]Demo complete: everything happened as expected.[/]")


def vendor_table(vendor: dict[str, Any]) -> Table:
    """The vendor report's figures for one vendor, as `lotedge store vendors` gives them."""
    table = Table(title=escape(f"Vendor quality: {vendor['vendor']} (lotedge store vendors)"))
    table.add_column("figure")
    table.add_column("value")
    table.add_row("receipts / lots received", f"{vendor['receipts']} / {vendor['lots_received']}")
    for stage, figures in vendor["rejected"].items():
        reasons = ", ".join(f"{reason}: {n}" for reason, n in figures["by_reason"].items())
        table.add_row(f"rejected at {stage}", escape(reasons) or "0")
    table.add_row("lots held / recalled", f"{vendor['held_lots']} / {vendor['recalled_lots']}")
    for stage, spread in vendor["expiry_margin_days"].items():
        days = f"median {spread['median']}, min {spread['min']}" if spread["count"] else "-"
        table.add_row(f"expiry margin {stage.replace('_', ' ')} (days)", days)
    return table
