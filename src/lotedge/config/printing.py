"""Printer and label sections (owned by the labels work; see docs/architecture.md)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Literal

from pydantic import Field

from lotedge.config.problems import Problem
from lotedge.masterdata.items import Product
from lotedge.masterdata.section import Section

#: Label templates ending in this use the built-in ESC/POS layout instead of a ZPL template.
ESCPOS_TEMPLATE_SUFFIX = ".escpos"


class PrinterConfig(Section):
    """The line's label printer, addressed by URL (see docs/labels.md for every scheme)."""

    device_kind: ClassVar[str] = "printer"

    name: str = Field(default="line", min_length=1, description="Printer name in logs and records.")
    url: str = Field(
        min_length=1,
        description="Printer URL: tcp://host:9100, serial:///dev/ttyUSB0?baud=9600, "
        "cups://queue, dir:///var/spool/labels, escpos+tcp://host:9100, escpos+serial://..., "
        "escpos+usb://VID:PID.",
    )
    timeout_seconds: float = Field(
        default=5.0, gt=0, description="Connect, write and status-reply timeout."
    )
    status_interval_seconds: float = Field(
        default=30.0, gt=0, description="How often the printer's health is checked while idle."
    )
    retry_initial_seconds: float = Field(
        default=2.0, gt=0, description="First wait before retrying a job that could not print."
    )
    retry_max_seconds: float = Field(
        default=60.0, gt=0, description="Longest wait between retries (the wait doubles each time)."
    )
    check_status: bool = Field(
        default=True,
        description="Query the printer's status (~HS) before each job; a printer that does not "
        "answer counts as faulted. Turn off only for transports that cannot answer.",
    )


class LabelConfig(Section):
    """Label layout settings."""

    dir: str | None = Field(
        default=None,
        description="Directory of site label templates (relative to the config file); they "
        "override the built-in ones of the same name. Default: only the built-in templates.",
    )
    dpi: Literal[203, 300] = Field(default=203, description="Printer resolution in dots per inch.")
    width_mm: float = Field(default=100.0, gt=10, description="Label width in millimetres.")
    height_mm: float = Field(default=150.0, gt=10, description="Label height in millimetres.")
    digital_link_base: str | None = Field(
        default=None,
        pattern=r"^https?://\S+$",
        description="Base URL for a GS1 Digital Link QR code (e.g. https://id.example.com); "
        "no QR code when unset.",
    )
    escpos_profile: str = Field(
        default="TM-T20II",
        description="python-escpos printer profile for ESC/POS labels (code pages, paper width).",
    )
    barcode_module_mm: float = Field(
        default=0.25,
        ge=0.1,
        le=1.0,
        description="Narrow bar width of the GS1-128 barcodes in mm (rounded to whole dots).",
    )


def check_label_templates(
    printer: PrinterConfig | None, products: Sequence[Product]
) -> list[Problem]:
    """An ESC/POS printer needs ``*.escpos`` label templates, any other printer ZPL ones."""
    if printer is None:
        return []
    escpos = printer.url.startswith("escpos+")
    wanted = f"a '*{ESCPOS_TEMPLATE_SUFFIX}' layout" if escpos else "a ZPL template"
    return [
        Problem(
            f"products[{i}].label_template",
            f"product {p.code} uses {p.label_template!r}, but printer {printer.name} "
            f"({printer.url}) needs {wanted}",
            "use lot_label.escpos for ESC/POS printers, lot_label.zpl.j2 for Zebra printers",
        )
        for i, p in enumerate(products)
        if p.label_template.endswith(ESCPOS_TEMPLATE_SUFFIX) != escpos
    ]
