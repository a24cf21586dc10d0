"""The pure weighing rules: bands, a weight on top of a running total, freshness, batch totals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lotedge.core.weighing import Band, Freshness, batch_totals, check_weight, freshness

D = Decimal


def test_a_band_in_grams_and_its_sides():
    band = Band.of(500, "GRM", 5)
    assert band.text() == "500 g ±5 % (475–525 g)"
    assert [band.side(D(v), "KGM") for v in ("0.47", "0.5", "0.53")] == ["under", "within", "over"]


def test_no_tolerance_means_exactly_the_target():
    band = Band.of(25, "KGM", 0)
    assert band.side(D("25.000"), "KGM") == "within"
    assert band.side(D("25.001"), "KGM") == "over"


def test_a_weight_on_top_of_earlier_ones_says_the_total():
    check = check_weight("FLOUR", D("10.050"), "KGM", D("15.000"), Band.of(25, "KGM", 2))
    assert check.within and check.total == D("25.050")
    assert check.message == (
        "FLOUR: 10.050 kg weighed (25.050 kg in all), within 25 kg ±2 % (24.5–25.5 kg)."
    )


def test_without_a_target_any_weight_is_within():
    check = check_weight("SALT", D("0.4"), "KGM", D(0), None)
    assert check.within and check.message == "SALT: 0.4 kg weighed."


@pytest.mark.parametrize(
    ("value", "previous", "changed", "confirmed", "expected"),
    [
        ("12.000", None, True, False, Freshness.FRESH),
        ("12.001", "12.000", False, False, Freshness.FRESH),
        ("12.000", "12.000", True, False, Freshness.STALE),
        ("12.000", "12.000", False, False, Freshness.SAME_LOAD),
        ("12.000", "12.000", True, True, Freshness.FRESH),
    ],
)
def test_freshness(value, previous, changed, confirmed, expected):
    previous = D(previous) if previous else None
    found = freshness(D(value), previous, load_changed=changed, confirmed=confirmed)
    assert found is expected


def test_batch_totals_convert_masses_and_leave_other_units_out():
    consumed = [
        ("FLOUR", D("12.5"), "KGM"),
        ("FLOUR", D("12500"), "GRM"),
        ("FLOUR", D("1"), "H87"),  # a counted sack: no weight to add
        ("YEAST", D("1"), "H87"),  # neither weighed nor targeted: not reported
        ("SALT", D("400"), "GRM"),
    ]
    totals = batch_totals(consumed, {"FLOUR": Band.of(25, "KGM", 2)}, weighed=["FLOUR", "SALT"])
    assert [t.text() for t in totals] == [
        "FLOUR 25.000 kg of 25 kg ±2 % (24.5–25.5 kg)",  # 12.5 + 12.500
        "SALT 400 g",
    ]
    empty = batch_totals([], {"FLOUR": Band.of(25, "KGM", 2)}, weighed=[])
    assert [t.text() for t in empty] == ["FLOUR 0 kg of 25 kg ±2 % (24.5–25.5 kg), under the band"]
