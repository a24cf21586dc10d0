"""Scan parsing: GS1 element strings, HRI, Digital Link, scanner artefacts, vendor, commands."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lotedge.config.model import Config
from lotedge.core.scan import RawScan, ScanKind, parse_scan

GS = b"\x1d"


def parse(config: Config, data: bytes, symbology: str | None = None):
    return parse_scan(RawScan(data, symbology=symbology), config.materials, "#LE:")


# Examples after the GS1 General Specifications (section 7.8 / figure examples): GTIN with
# expiry and batch, variable-length AI followed by FNC1, net weight with decimal point.
@pytest.mark.parametrize(
    ("data", "gtin", "lot", "expiry"),
    [
        (b"]C10109501101530003171404011010", "09501101530003", "10", date(2014, 4, 1)),
        (
            b"]C1010950110153000310ABC123" + GS + b"17140401",
            "09501101530003",
            "ABC123",
            date(2014, 4, 1),
        ),
        (
            b"]d2010950110153000317260630" + b"10LOT-7/A",
            "09501101530003",
            "LOT-7/A",
            date(2026, 6, 30),
        ),
        (b"]Q3010950110153000310X1" + GS + b"17481231", "09501101530003", "X1", date(2048, 12, 31)),
        # leading GS (FNC1 in first position transmitted as GS) and no AIM prefix
        (
            GS + b"010950110153000310LOT1" + GS + b"17490101",
            "09501101530003",
            "LOT1",
            date(2049, 1, 1),
        ),
        # missing final separator after the last variable-length field
        (b"0109501101530003174901011033AA", "09501101530003", "33AA", date(2049, 1, 1)),
        # trailing separator and CR/LF framing left over
        (b"010950110153000310LOT9" + GS + b"\r\n", "09501101530003", "LOT9", None),
        # day 00 means the last day of the month (GS1 GenSpecs 7.12)
        (b"]C10109501101530003172702001077", "09501101530003", "77", date(2027, 2, 28)),
    ],
)
def test_gs1_element_strings(
    example: Config, data: bytes, gtin: str, lot: str, expiry: date | None
):
    scan = parse(example, data)
    assert scan.kind is ScanKind.GS1, scan.error
    assert (scan.gtin, scan.lot, scan.expiry) == (gtin, lot, expiry)
    assert scan.material_code == "FLOUR"


def test_aim_identifier_is_kept_and_stripped(example: Config):
    scan = parse(example, b"]d2010950110153000310L1")
    assert scan.symbology == "]d2"
    assert scan.text == "010950110153000310L1"


def test_out_of_band_symbology_wins(example: Config):
    assert parse(example, b"010950110153000310L1", symbology="]d2").symbology == "]d2"


def test_bracketed_hri(example: Config):
    scan = parse(example, b"(01)09501101530003(17)490131(10)ABC(3103)025000")
    assert (scan.gtin, scan.lot, scan.expiry) == ("09501101530003", "ABC", date(2049, 1, 31))
    assert (scan.quantity, scan.uom) == (Decimal("25.000"), "KGM")


@pytest.mark.parametrize(
    "uri",
    [
        "https://id.gs1.org/01/09501101530003/10/ABC?17=490131",
        "https://example.com/01/09501101530003/10/ABC?17=490131",
    ],
)
def test_digital_link(example: Config, uri: str):
    scan = parse(example, uri.encode(), symbology="]Q1")
    assert (scan.gtin, scan.lot, scan.expiry) == ("09501101530003", "ABC", date(2049, 1, 31))


def test_production_date_and_count(example: Config):
    scan = parse(example, b"0109501101530003112601011012" + GS + b"3010")
    assert scan.produced == date(2026, 1, 1)
    assert (scan.quantity, scan.uom) == (Decimal(10), "H87")


def test_bad_check_digit_is_invalid_gs1(example: Config):
    scan = parse(example, b"]C1010950110153000410L1")
    assert scan.kind is ScanKind.UNREADABLE
    assert "check digit" in (scan.error or "")


def test_bare_ean_is_a_gtin_without_lot(example: Config):
    scan = parse(example, b"9501101530003")
    assert (scan.kind, scan.gtin, scan.lot) == (ScanKind.GS1, "09501101530003", None)


def test_vendor_label(example: Config):
    scan = parse(example, b"YST-A1234-20490131\r")
    assert scan.kind is ScanKind.VENDOR
    assert (scan.material_code, scan.lot, scan.expiry) == ("YEAST", "A1234", date(2049, 1, 31))


def test_vendor_label_with_impossible_date(example: Config):
    scan = parse(example, b"YST-A1234-20271399")
    assert scan.kind is ScanKind.UNREADABLE
    assert "%Y%m%d" in (scan.error or "")


def test_command(example: Config):
    scan = parse(example, b"#LE:start:BREAD:120")
    assert scan.kind is ScanKind.COMMAND
    assert scan.command is not None
    assert (scan.command.verb, scan.command.args) == ("START", ("BREAD", "120"))


@pytest.mark.parametrize("data", [b"", b"\r\n", GS, b"hello world", b"\xff\xfe\x00", b"]C1"])
def test_unreadable(example: Config, data: bytes):
    scan = parse(example, data)
    assert scan.kind is ScanKind.UNREADABLE
    assert scan.error


def test_oversized_scan(example: Config):
    scan = parse(example, b"01" * 5000)
    assert scan.kind is ScanKind.UNREADABLE
    assert "at most 4096" in (scan.error or "")


@settings(max_examples=400, deadline=None)
@given(data=st.binary(max_size=200))
def test_arbitrary_bytes_never_crash(example: Config, data: bytes):
    scan = parse(example, data)
    assert scan.kind in ScanKind
    assert scan.kind is not ScanKind.UNREADABLE or scan.error


@settings(max_examples=200, deadline=None)
@given(
    body=st.text(alphabet="0123456789ABCXYZ()/-\x1d", max_size=60),
    aim=st.sampled_from(["", "]C1", "]d2", "]Q3", "]e0", "]C0"]),
)
def test_gs1_like_noise_never_crashes(example: Config, body: str, aim: str):
    scan = parse(example, (aim + body).encode())
    assert scan.kind is not ScanKind.UNREADABLE or scan.error


def test_empty_count_ai_is_not_a_quantity(example: Config):
    scan = parse(example, b"010950110153000310L1" + GS + b"30")
    assert scan.kind is ScanKind.GS1
    assert scan.quantity is None
