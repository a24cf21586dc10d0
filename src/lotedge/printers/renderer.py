"""Lot labels as ZPL: Jinja2 templates whose every ``{{ value }}`` is ZPL-escaped automatically.

Templates are read once at construction; ``render`` is pure. Template authors write each field as
``^FH^FD{{ value }}^FS`` (checked at render time) and never escape by hand: the environment's
``finalize`` hook escapes every expression, so untrusted text cannot inject ZPL.
"""

from __future__ import annotations

from dataclasses import asdict
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from lotedge.config.printing import ESCPOS_TEMPLATE_SUFFIX, LabelConfig
from lotedge.core import zpl
from lotedge.core.labels import (
    LabelData,
    LabelError,
    ReceivingLabelData,
    digital_link,
    gs1_elements,
    hri,
    receiving_elements,
)

#: The default templates, shipped with lotedge (config/labels/ in the source tree).
BUILT_IN = Path(str(resources.files("lotedge.labels")))


class LabelRenderer:
    """Renders `LabelData` with a named template from the labels directory."""

    def __init__(self, labels: LabelConfig, templates_dir: Path | None) -> None:
        """Templates in `templates_dir` override the built-in ones of the same name."""
        sources = {p.name: p.read_text(encoding="utf-8") for p in BUILT_IN.glob("*.j2")}
        if templates_dir is not None:
            if not templates_dir.is_dir():
                raise FileNotFoundError(f"label template directory {templates_dir} does not exist")
            sources |= {p.name: p.read_text(encoding="utf-8") for p in templates_dir.glob("*.j2")}
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

    def render(self, data: LabelData | ReceivingLabelData, template: str) -> bytes:
        """The label as one ZPL format (UTF-8 bytes), or ESC/POS for the built-in ``*.escpos``
        layout (`lotedge.printers.escpos_label`); raises LabelError for unusable data.

        A lot label (`LabelData`) or a receiving label (`ReceivingLabelData`, ZPL only)."""
        if template.endswith(ESCPOS_TEMPLATE_SUFFIX):
            if not isinstance(data, LabelData):
                raise LabelError("the receiving label is ZPL only; it needs a Zebra printer")
            labels = self._labels
            from lotedge.printers.escpos_label import render_escpos  # python-escpos: only here

            return render_escpos(data, labels.escpos_profile, labels.digital_link_base)
        try:
            tmpl = self._env.get_template(template)
        except jinja2.TemplateNotFound:
            raise LabelError(
                f"label template {template!r} not found; known: {', '.join(self.templates)}"
            ) from None
        if isinstance(data, LabelData):
            context = self.context(data)
        else:
            context = self.receiving_context(data)
        text = tmpl.render(context)
        zpl.check_fields(text)
        return text.encode("utf-8")

    def context(self, data: LabelData) -> dict[str, Any]:
        """What a template sees: `label` (the data), `gs1` (barcode data), `size` and `dpi`."""
        base = self._labels.digital_link_base
        gs1 = _gs1(gs1_elements(data), split=3)
        return {
            "label": {**asdict(data), "unit_text": data.unit_text},
            "gs1": {**gs1, "digital_link": digital_link(base, data) if base else ""},
            **self._page(),
        }

    def receiving_context(self, data: ReceivingLabelData) -> dict[str, Any]:
        """What the receiving label sees: `label`, `gs1` (no Digital Link), `size` and `dpi`."""
        elements = receiving_elements(data)
        # Identity (and expiry) in the first GS1-128 symbol, quantity and lot in the second.
        return {
            "label": {**asdict(data), "unit_text": data.unit_text},
            "gs1": _gs1(elements, split=len(elements) - 2),
            **self._page(),
        }

    def _page(self) -> dict[str, Any]:
        return {
            "size": {
                "width": self.dots(self._labels.width_mm),
                "height": self.dots(self._labels.height_mm),
            },
            "dpi": self._labels.dpi,
            "module": max(1, self.dots(self._labels.barcode_module_mm)),
        }


def _gs1(elements: list[tuple[str, str]], *, split: int) -> dict[str, Any]:
    """Barcode data of a label: two GS1-128 symbols (elements before and after `split`; two fit
    a 100 mm label), their HRI, and one GS1 DataMatrix with everything."""
    try:
        code128 = [zpl.gs1_128(elements[:split]), zpl.gs1_128(elements[split:])]
    except ValueError as exc:
        raise LabelError(str(exc)) from None
    return {
        "code128": code128,
        "datamatrix": zpl.gs1_datamatrix(elements),
        "datamatrix_escape": zpl.DATAMATRIX_ESCAPE,
        "hri": [hri(elements[:split]), hri(elements[split:])],
    }
