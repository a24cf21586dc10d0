from __future__ import annotations

import doctest

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lotedge.core import labels, zpl
from lotedge.printers import escpos_label, status, worker
from lotedge.simulators import printer
from tests.labels.label_checks import field_texts


@pytest.mark.parametrize("module", [zpl, labels, status, worker, escpos_label, printer])
def test_doctests(module):
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0


@given(st.text())
def test_escaped_text_is_inert_ascii_and_round_trips(text):
    escaped = zpl.escape(text)
    assert all(0x20 <= ord(ch) < 0x7F for ch in escaped)
    assert "^" not in escaped and "~" not in escaped
    assert field_texts(f"^FH^FD{escaped}^FS".encode()) == [text]


def test_gs1_128_switches_to_subset_b_and_separates_variable_ais():
    elements = [("3101", "000125"), ("30", "7"), ("10", "A>B")]
    assert zpl.gs1_128(elements) == ">;>8310100012530>67>810A>0B"  # "30" still in C


def test_gs1_128_refuses_what_code_128_cannot_carry():
    with pytest.raises(ValueError, match=r"AI \(10\) value 'é' has characters Code 128 cannot"):
        zpl.gs1_128([("10", "é")])


def test_check_fields_names_the_fix():
    with pytest.raises(ValueError, match=r"1 of 2 fields lack \^FH"):
        zpl.check_fields("^XA^FH^FDa^FS^FDb^FS^XZ")
