"""Reading what scales say: MT-SICS replies, continuous lines, weights and units."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lotedge.core.scale_protocol import (
    DEFAULT_CONTINUOUS_PATTERN,
    ContinuousFormat,
    WeightStatus,
    check_continuous_pattern,
    convert,
    parse_sics,
    rec20,
    weight_value,
)


@pytest.mark.parametrize(
    ("line", "status", "value", "unit"),
    [
        ("S S     25.000 kg", WeightStatus.STABLE, "25.000", "KGM"),
        ("S S   -0.50 g", WeightStatus.STABLE, "-0.50", "GRM"),
        ("S D     24.980 kg", WeightStatus.DYNAMIC, "24.980", "KGM"),
        ("S S 55.10 lb", WeightStatus.STABLE, "55.10", "LBR"),
        ("T S      1.200 kg", WeightStatus.STABLE, "1.200", "KGM"),
    ],
)
def test_sics_weights(line, status, value, unit):
    reading = parse_sics(line).reading()
    assert (reading.status, reading.value, reading.unit) == (status, Decimal(value), unit)


@pytest.mark.parametrize(
    ("line", "status", "said"),
    [
        ("S I", WeightStatus.BUSY, "busy"),
        ("S +", WeightStatus.OVERLOAD, "overload"),
        ("S -", WeightStatus.UNDERLOAD, "underload"),
        ("ES", WeightStatus.ERROR, "does not know the command"),
        ("ET", WeightStatus.ERROR, "transmission error"),
        ("EL", WeightStatus.ERROR, "logical error"),
        ("S S 25.000 furlong", WeightStatus.ERROR, "not a mass unit"),
        ("S S 25,000 kg", WeightStatus.ERROR, "not a weight"),
        ("S S", WeightStatus.ERROR, "unexpected reply"),
    ],
)
def test_sics_refusals_say_why_and_carry_no_weight(line, status, said):
    reading = parse_sics(line).reading()
    assert reading.status is status and reading.value is None and not reading.usable
    assert said in reading.detail


def test_only_a_stable_net_weight_is_usable():
    assert parse_sics("S S 1.000 kg").reading().usable
    assert not parse_sics("S D 1.000 kg").reading().usable
    gross = ContinuousFormat.of(DEFAULT_CONTINUOUS_PATTERN).reading("ST,GS,+0001.000kg")
    assert gross.status is WeightStatus.STABLE and not gross.usable


def test_quoted_fields_keep_their_spaces():
    assert parse_sics('I2 A "XS204 Excellence 220 g"').fields == ("XS204 Excellence 220 g",)
    assert parse_sics('I4 A "01234"').fields == ("01234",)


@pytest.mark.parametrize(
    ("line", "status", "value"),
    [
        ("ST,NT,+0025.000kg", WeightStatus.STABLE, "25.000"),
        ("US,NT,-0000.120kg", WeightStatus.DYNAMIC, "-0.120"),
        ("OL,NT,+9999.999kg", WeightStatus.OVERLOAD, None),
        ("garbage", WeightStatus.ERROR, None),
    ],
)
def test_continuous_default_format(line, status, value):
    reading = ContinuousFormat.of(DEFAULT_CONTINUOUS_PATTERN).reading(line)
    assert reading.status is status
    assert reading.value == (Decimal(value) if value else None)


def test_a_pattern_of_ones_own_without_status_counts_every_line_stable():
    line = ContinuousFormat.of(r"^W:\s*(?P<value>[0-9.]+)\s*(?P<unit>g)$")
    reading = line.reading("W:  512.5 g")
    assert reading.usable and reading.value == Decimal("512.5") and reading.unit == "GRM"


@pytest.mark.parametrize(
    ("pattern", "said"),
    [
        ("(?P<value>", "not a valid regex"),
        (r"(?P<value>\d+)", "needs the named groups ['unit']"),
        (r"(?P<value>\d+)(?P<unit>g)(?P<lot>x)", "unknown groups ['lot']"),
    ],
)
def test_bad_patterns_say_why(pattern, said):
    with pytest.raises(ValueError, match=said.replace("[", r"\[").replace("]", r"\]")):
        check_continuous_pattern(pattern)


def test_units_are_rec20_and_convert_exactly():
    assert [rec20(u) for u in ("kg", "g", "lb", " KG ")] == ["KGM", "GRM", "LBR", "KGM"]
    assert convert(Decimal("2500"), "GRM", "KGM") == Decimal("2.5")
    assert convert(Decimal("1"), "LBR", "KGM") == Decimal("0.45359237")
    with pytest.raises(ValueError, match="not a mass unit"):
        rec20("pcs")


@given(st.text(max_size=40))
def test_any_text_is_a_weight_or_a_value_error(text):
    try:
        value = weight_value(text)
    except ValueError:
        return
    assert value.is_finite() and len(text.strip()) <= 16


@given(st.text(max_size=60))
def test_any_reply_line_reads_as_a_reading(line):
    reading = parse_sics(line).reading()
    assert reading.usable == (reading.status is WeightStatus.STABLE and reading.value is not None)
