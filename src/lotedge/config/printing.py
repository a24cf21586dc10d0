"""Printer and label sections (owned by the labels work; see docs/architecture.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from lotedge.config.base import Section


class PrinterConfig(Section):
    """The line's label printer, addressed by URL (tcp://host:9100, serial://, cups://, dir://)."""

    name: str = Field(default="line", min_length=1, description="Printer name in logs and records.")
    url: str = Field(min_length=1, description="Printer URL, e.g. tcp://10.0.0.5:9100.")


class LabelConfig(Section):
    """Label layout settings."""

    dir: str = Field(
        default="labels", description="Directory of label templates (relative to config)."
    )
    dpi: Literal[203, 300] = Field(default=203, description="Printer resolution in dots per inch.")
    width_mm: float = Field(default=100.0, gt=10, description="Label width in millimetres.")
    height_mm: float = Field(default=150.0, gt=10, description="Label height in millimetres.")
