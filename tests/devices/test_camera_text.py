"""Camera text through the MJPEG simulator: QR codes with an ECI or in Shift_JIS come out as the
text they hold, GS1 data as element strings with its GS1 flag (a DMRE symbol's ``]d8``
included), and light-on-dark codes are read only with ``try_invert=1``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from lotedge.core.scan import ScanKind, parse_scan
from lotedge.devices.registry import problems as url_problems
from lotedge.scanners.base import open_source
from lotedge.simulators.camera import Code, Degradation, MjpegServer, encode_jpeg, scene
from tests.devices.conftest import Collector, running

FPS = 25
LOT = "(01)09501101530003(10)CAM-7(17)490131"
TEXTS = [
    Code("ロット番号 A-17 日本語", "QRCode", eci="20"),  # Shift_JIS by ECI 20
    Code("ロット番号 B-18", "QRCode"),  # no ECI: the writer picks Kanji mode (Shift_JIS)
    Code("Grüße aus Köln, 20 °C", "QRCode", eci="26"),  # UTF-8 by ECI 26
    Code(LOT, "DataMatrix", gs1=True, version=40),  # DMRE 20x36: ]d8
]
INVERTED = Code(LOT.replace("CAM-7", "INV-8"), "DataMatrix", gs1=True, inverted=True)


@contextmanager
def stream_of(codes: list[Code]) -> Iterator[MjpegServer]:
    frames = scene(codes, fps=FPS, visible_seconds=0.6, gap_seconds=0.3, degradation=Degradation())
    server = MjpegServer([encode_jpeg(f) for f in frames], fps=FPS).start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def texts() -> Iterator[MjpegServer]:
    with stream_of(TEXTS) as server:
        yield server


def test_text_is_decoded_with_the_decoders_charset_and_eci(texts, collector: Collector, example):
    source = open_source("cam", f"{texts.url}?formats=QRCode,DataMatrix&dedupe=5")
    with running(source, collector):
        collector.wait_for(len(TEXTS))
    got = [(s.data.decode("utf-8"), s.symbology, s.gs1) for s in collector.scans]
    assert got == [
        ("ロット番号 A-17 日本語", "]Q1", False),
        ("ロット番号 B-18", "]Q1", False),
        ("Grüße aus Köln, 20 °C", "]Q1", False),
        ("010950110153000310CAM-7\x1d17490131", "]d8", True),
    ]
    dmre = parse_scan(collector.scans[-1], example.materials, "#LE:")
    assert (dmre.kind, dmre.material_code, dmre.lot, dmre.gs1_symbol) == (
        ScanKind.GS1,
        "FLOUR",
        "CAM-7",
        True,
    )
    text = parse_scan(collector.scans[0], example.materials, "#LE:")
    assert (text.text, text.gs1_symbol) == ("ロット番号 A-17 日本語", False)


@pytest.mark.parametrize("invert", [False, True])
def test_light_on_dark_codes_need_try_invert(invert: bool, collector: Collector):
    with stream_of([INVERTED, TEXTS[2]]) as server:
        url = f"{server.url}?formats=QRCode,DataMatrix&try_invert={int(invert)}"
        source = open_source("cam", url)
        with running(source, collector):
            collector.wait_for(2 if invert else 1)
    expected = [INVERTED.data, TEXTS[2].data] if invert else [TEXTS[2].data]
    assert collector.data == expected


def test_try_invert_is_refused_for_zbar():
    url = "camera://0?backend=zbar&formats=QRCode&try_invert=1"
    reasons = [e.reason for e in url_problems(url, "camera")]
    assert reasons == ["zbar cannot read light-on-dark codes; use backend 'zxing'"]
