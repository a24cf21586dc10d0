from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from lotedge.config.printing import LabelConfig
from lotedge.core.labels import (
    LabelError,
    ReceivingLabelData,
    digital_link,
    gs1_elements,
    receiving_elements,
)
from lotedge.printers.renderer import LabelRenderer
from tests.labels.label_checks import (
    TEMPLATE,
    TEMPLATES,
    decode,
    field_texts,
    formats_in,
    gs1_read,
    png_of,
)


def test_default_label_scans_back_to_the_data(renderer, sample):
    png = png_of(renderer.render(sample, TEMPLATE))
    expected = gs1_elements(sample)
    assert expected == [
        ("01", "09501101530003"),
        ("11", "260201"),
        ("17", "260303"),
        ("3101", "000125"),
        ("10", "26032L10007"),
    ]
    assert gs1_read(png) == {"]C1": expected, "]d2": expected}
    qr = [b.text for b in decode(png) if b.symbology_identifier == "]Q1"]
    assert qr == [digital_link("https://id.example.com", sample)]


def test_label_shows_every_field_as_text(renderer, sample):
    texts = field_texts(renderer.render(sample, TEMPLATE))
    for expected in (
        "Sourdough loaf",
        "Product BREAD   GTIN 09501101530003",
        "26032L10007",
        "Qty 12.5 kg",
        "Produced 2026-02-01   Expiry 2026-03-03",
        "Site PLANT1   Line L1",
        "Operator Ana",
    ):
        assert expected in texts


@pytest.mark.parametrize("dpi", [203, 300])
def test_size_follows_config(sample, dpi):
    config = LabelConfig(dpi=dpi, width_mm=100, height_mm=150)
    zpl = LabelRenderer(config, TEMPLATES).render(sample, TEMPLATE)
    dots = round(100 * dpi / 25.4), round(150 * dpi / 25.4)
    assert f"^PW{dots[0]}\n^LL{dots[1]}".encode() in zpl
    assert f"^BY{2 if dpi == 203 else 3}^BC".encode() in zpl  # 0.25 mm modules at either dpi
    assert gs1_read(png_of(zpl, dpi))["]d2"] == gs1_elements(sample)


def test_no_qr_without_digital_link_base(sample):
    zpl = LabelRenderer(LabelConfig(), TEMPLATES).render(sample, TEMPLATE)
    assert b"^BQ" not in zpl


INJECTIONS = ["^XZ^XA^FO0,0^FDX^FS^XZ", "~JR", "_", "_5E", "Crème brûlée é", "a\x1db\nc", "@1>8"]


@pytest.mark.parametrize("text", INJECTIONS)
@pytest.mark.parametrize("field", ["product_name", "operator"])
def test_text_fields_cannot_inject(renderer, sample, field, text):
    data = dataclasses.replace(sample, **{field: text})
    zpl = renderer.render(data, TEMPLATE)
    assert zpl.count(b"^XA") == 1 and zpl.count(b"^XZ") == 1 and b"~" not in zpl
    prefix = "Operator " if field == "operator" else ""
    assert prefix + text in field_texts(zpl)


RECEIVED = ReceivingLabelData(
    material_code="SALT",
    material_name="Sea salt",
    gtin=None,
    lot="R263290001",
    quantity=Decimal(10),
    unit="KGM",
    expiry=date(2027, 6, 1),
    received=date(2026, 11, 25),
    vendor="Salinas",
    reference="DESADV DN-5",
    site="PLANT1",
    line="L1",
)


@pytest.mark.parametrize("text", INJECTIONS)
@pytest.mark.parametrize(
    ("field", "shown"),
    [("material_name", "{}"), ("vendor", "Vendor {}"), ("reference", "{}   Site PLANT1   Line L1")],
)
def test_receiving_label_text_fields_cannot_inject(renderer, field, shown, text):
    data = dataclasses.replace(RECEIVED, **{field: text})
    zpl = renderer.render(data, "receiving_label.zpl.j2")
    assert zpl.count(b"^XA") == 1 and zpl.count(b"^XZ") == 1 and b"~" not in zpl
    assert shown.format(text) in field_texts(zpl)
    if text.isprintable() and all(ord(c) < 0x100 for c in text):  # font F: Latin-1 only
        assert formats_in(zpl) == 1
        assert gs1_read(png_of(zpl))["]d2"] == receiving_elements(data)


@pytest.mark.parametrize("lot", ["^XZ^XA^FO0,0^FDX^FS", "~JR", "_", "A>8<@1", "@@", ">0>:"])
def test_lot_is_literal_in_text_and_barcodes(renderer, sample, lot):
    data = dataclasses.replace(sample, lot=lot)
    zpl = renderer.render(data, TEMPLATE)
    assert formats_in(zpl) == 1
    assert lot in field_texts(zpl)
    assert gs1_read(png_of(zpl))["]d2"] == gs1_elements(data)
    assert gs1_read(png_of(zpl))["]C1"] == gs1_elements(data)


@pytest.mark.parametrize(
    ("lot", "message"),
    [
        ("LOTé", r"AI \(10\) value 'LOTé' has characters Code 128 cannot carry: \['é'\]"),
        ("^XZ^XA^FO0,0^FDX^FS^XZ", r"lot '\^XZ.*' must be 1 to 20 characters for AI \(10\)"),
    ],
)
def test_lot_that_gs1_cannot_carry_is_refused_with_the_reason(renderer, sample, lot, message):
    with pytest.raises(LabelError, match=message):
        renderer.render(dataclasses.replace(sample, lot=lot), TEMPLATE)


@pytest.mark.parametrize(
    ("quantity", "unit", "element"),
    [
        ("40", "H87", ("30", "40")),
        ("0.125", "KGM", ("3103", "000125")),
        ("2", "LTR", ("3150", "000002")),
    ],
)
def test_quantity_ai_follows_unit(renderer, sample, quantity, unit, element):
    data = dataclasses.replace(sample, quantity=Decimal(quantity), unit=unit)
    assert element in gs1_read(png_of(renderer.render(data, TEMPLATE)))["]d2"]


def test_unknown_template_lists_the_known_ones(renderer, sample):
    with pytest.raises(
        LabelError, match=r"'nope.zpl.j2' not found; known: logistic_label.zpl.j2, lot_label.zpl.j2"
    ):
        renderer.render(sample, "nope.zpl.j2")


def test_built_in_templates_and_site_overrides(tmp_path, sample):
    built_in = LabelRenderer(LabelConfig(), None)
    assert "lot_label.zpl.j2" in built_in.templates
    (tmp_path / "lot_label.zpl.j2").write_text("^XA^FH^FD{{ label.lot }}^FS^XZ")
    (tmp_path / "pallet.zpl.j2").write_text("^XA^FH^FDP {{ label.lot }}^FS^XZ")
    site = LabelRenderer(LabelConfig(), tmp_path)
    assert site.templates == [
        "logistic_label.zpl.j2",
        "lot_label.zpl.j2",
        "pallet.zpl.j2",
        "receiving_label.zpl.j2",
    ]
    assert site.render(sample, "lot_label.zpl.j2").endswith(
        b"^FD" + sample.lot.encode() + b"^FS^XZ"
    )
    with pytest.raises(FileNotFoundError, match="does not exist"):
        LabelRenderer(LabelConfig(), tmp_path / "missing")


@pytest.mark.parametrize("template", ["lot_label.zpl.j2", "receiving_label.zpl.j2"])
def test_text_is_in_bitmap_font_f_whose_hyphen_is_a_hyphen(renderer, template):
    """Scalable font 0 prints '-' as a spaced dash (in zplkit) and has no Latin-1 letters."""
    source = (TEMPLATES / template).read_text()
    assert "^A0" not in source and source.count("^AFN,") >= 8


def test_latin1_names_and_hyphenated_lots_render(renderer, sample):
    data = dataclasses.replace(sample, product_name="Crème brûlée Ærø", lot="C2026-12-000014")
    zpl = renderer.render(data, TEMPLATE)
    assert {"Crème brûlée Ærø", "C2026-12-000014"} <= set(field_texts(zpl))
    assert gs1_read(png_of(zpl))["]d2"] == gs1_elements(data)  # zplkit rendered every glyph


def test_no_operator_line_without_an_operator(renderer, sample):
    with_operator = field_texts(renderer.render(sample, TEMPLATE))
    without = field_texts(renderer.render(dataclasses.replace(sample, operator=""), TEMPLATE))
    assert "Operator Ana" in with_operator
    assert not [text for text in without if text.startswith("Operator")]
