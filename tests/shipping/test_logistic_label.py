"""The GS1 logistic label: rendered with the shipped template, drawn by zplkit as the printer
simulator does, and read back by zxing-cpp and biip to the SSCC and the contents; no text
from a customer, a product or an address can inject ZPL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from biip.gs1_messages import GS1Message

from lotedge.config.printing import LabelConfig
from lotedge.core.logistic_label import LogisticLabelData, PalletContent
from lotedge.printers.renderer import LabelRenderer
from tests.labels.label_checks import TEMPLATES, decode, field_texts, formats_in, png_of

SSCC = "095201230000000011"
TEMPLATE = "logistic_label.zpl.j2"


def _content(
    lot: str = "26329L10001", quantity: str = "240", uom: str | None = None
) -> PalletContent:
    return PalletContent(
        "White loaf", "09501101530102", lot, date(2049, 12, 31), Decimal(quantity), uom, 2
    )


def _label(
    *contents: PalletContent, name: str = "Shop & Co", address: str = "Dock 4"
) -> LogisticLabelData:
    return LogisticLabelData(
        sscc=SSCC,
        ship_from_name="Example Bakery",
        ship_from_address="1 Mill Road",
        ship_to_code="SHOPCO",
        ship_to_name=name,
        ship_to_address=address,
        ship_to_phone="+1 555 0100",
        contents=contents,
    )


@pytest.fixture(params=[203, 300])
def renderer(request) -> LabelRenderer:
    size = LabelConfig(dpi=request.param, width_mm=101.6, height_mm=152.4)  # 4x6"
    return LabelRenderer(size, TEMPLATES)


def _read(zpl: bytes, dpi: int) -> dict[str, dict[str, str]]:
    """Each GS1-128 symbol on the label, as biip reads it: {first AI: {AI: value}}."""
    found = {}
    for barcode in decode(png_of(zpl, dpi)):
        assert barcode.symbology_identifier == "]C1", barcode
        message = GS1Message.parse(barcode.text)
        elements = {es.ai.ai: es.value for es in message.element_strings}
        found[next(iter(elements))] = elements
    return found


def test_a_one_lot_pallet_label_reads_back_to_its_sscc_and_contents(renderer: LabelRenderer):
    zpl = renderer.render(_label(_content()), TEMPLATE)
    symbols = _read(zpl, renderer.dots(25.4))
    assert symbols == {
        "00": {"00": SSCC},
        "02": {"02": "09501101530102", "17": "491231", "37": "240", "10": "26329L10001"},
    }
    texts = field_texts(zpl)
    assert {"Shop & Co", "Dock 4", "+1 555 0100", SSCC, "Example Bakery"} <= set(texts)
    assert "26329L10001  240 units (2 cases)  White loaf" in texts


def test_a_long_lot_gets_a_symbol_of_its_own_so_both_fit(renderer: LabelRenderer):
    lot = "AB-CD/EF.GH-IJ-KL-MN"  # 20 characters, the most AI (10) holds
    zpl = renderer.render(_label(_content(lot)), TEMPLATE)
    assert _read(zpl, renderer.dots(25.4)) == {
        "00": {"00": SSCC},
        "02": {"02": "09501101530102", "17": "491231", "37": "240"},
        "10": {"10": lot},
    }


def test_a_mixed_pallet_has_only_the_sscc_barcode_and_its_lots_as_text(renderer: LabelRenderer):
    lots = [_content(f"L{n}") for n in range(9)] + [_content("KG1", "12.5", "KGM")]
    zpl = renderer.render(_label(*lots), TEMPLATE)
    assert _read(zpl, renderer.dots(25.4)) == {"00": {"00": SSCC}}
    texts = field_texts(zpl)
    assert "L5  240 units (2 cases)  White loaf" in texts
    assert "... and 4 more lot(s), 8 case(s)" in texts
    assert "CONTENTS (20 cases)" in texts


@pytest.mark.parametrize(
    "evil",
    ["^XZ^XA^FO0,0^FDPWNED^FS^XZ", "~JA~JR~PS", "_5E_7E\\&", "Müller ^FS\x00\x1b\n"],
)
def test_no_customer_text_can_inject_zpl(renderer: LabelRenderer, evil: str):
    zpl = renderer.render(_label(_content(), name=evil, address=evil), TEMPLATE)
    assert zpl.count(b"^XA") == 1 and zpl.count(b"^XZ") == 1 and b"~" not in zpl
    assert formats_in(zpl) == 1
    assert field_texts(zpl).count(evil) == 2  # printed as the text it is, name and address
    assert "00" in _read(zpl, renderer.dots(25.4))
