"""Lot labels as ZPL: Jinja2 templates whose every ``{{ value }}`` is ZPL-escaped automatically.

Templates are read once at construction; ``render`` is pure. Template authors write each field as
``^FH^FD{{ value }}^FS`` (checked at render time) and never escape by hand: the environment's
``finalize`` hook escapes every expression, so untrusted text cannot inject ZPL.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import jinja2

from lotedge.config.printing import ESCPOS_TEMPLATE_SUFFIX, LabelConfig
from lotedge.core import zpl
from lotedge.core.labels import LabelData, LabelError, digital_link, gs1_elements, hri
from lotedge.printers.escpos_label import render_escpos


class LabelRenderer:
    """Renders `LabelData` with a named template from the labels directory."""

    def __init__(self, labels: LabelConfig, templates_dir: Path) -> None:
        sources = {p.name: p.read_text(encoding="utf-8") for p in templates_dir.glob("*.j2")}
        if not sources:
            raise FileNotFoundError(f"no label templates (*.j2) in {templates_dir}")
        self._labels = labels
        self._env = jinja2.Environment(
            loader=jinja2.DictLoader(sources),
            finalize=lambda value: zpl.escape(str(value)),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
        )
        self._env.globals["dots"] = self.dots

    @property
    def templates(self) -> list[str]:
        """Names of the loaded templates."""
        return sorted(self._env.list_templates())

    def dots(self, mm: float) -> int:
        """A length in millimetres as printer dots at the configured resolution."""
        return round(mm * self._labels.dpi / 25.4)

    def render(self, data: LabelData, template: str) -> bytes:
        """The label as one ZPL format (UTF-8 bytes), or ESC/POS for the built-in ``*.escpos``
        layout (`lotedge.printers.escpos_label`); raises LabelError for unusable data."""
        if template.endswith(ESCPOS_TEMPLATE_SUFFIX):
            labels = self._labels
            return render_escpos(data, labels.escpos_profile, labels.digital_link_base)
        try:
            tmpl = self._env.get_template(template)
        except jinja2.TemplateNotFound:
            raise LabelError(
                f"label template {template!r} not found; known: {', '.join(self.templates)}"
            ) from None
        text = tmpl.render(self.context(data))
        zpl.check_fields(text)
        return text.encode("utf-8")

    def context(self, data: LabelData) -> dict[str, Any]:
        """What a template sees: `label` (the data), `gs1` (barcode data), `size` and `dpi`."""
        elements = gs1_elements(data)
        try:
            # Two GS1-128 symbols (identity and dates; quantity and lot) fit a 100 mm label.
            code128 = [zpl.gs1_128(elements[:3]), zpl.gs1_128(elements[3:])]
        except ValueError as exc:
            raise LabelError(str(exc)) from None
        base = self._labels.digital_link_base
        return {
            "label": {**asdict(data), "unit_text": data.unit_text},
            "gs1": {
                "code128": code128,
                "datamatrix": zpl.gs1_datamatrix(elements),
                "datamatrix_escape": zpl.DATAMATRIX_ESCAPE,
                "hri": [hri(elements[:3]), hri(elements[3:])],
                "digital_link": digital_link(base, data) if base else "",
            },
            "size": {
                "width": self.dots(self._labels.width_mm),
                "height": self.dots(self._labels.height_mm),
            },
            "dpi": self._labels.dpi,
            "module": max(1, self.dots(self._labels.barcode_module_mm)),
        }
