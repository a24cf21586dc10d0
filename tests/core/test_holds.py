"""Hold scopes, pure: the forms, their checks against master data, matching, the range order."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lotedge.config.model import Config
from lotedge.core.holds import HeldItem, HoldScope, ScopeError, check_scope, lot_key, parse_scope

FLOUR = HeldItem("FLOUR", "Northern Mills", "09501101530003", "V0100")
DIGITS = st.characters(min_codepoint=ord("0"), max_codepoint=ord("9"))
OTHERS = st.characters(blacklist_characters="0123456789", blacklist_categories=("Cs",))
LOTS = st.text(st.one_of(DIGITS, OTHERS), max_size=12)


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"lot": "L1"}, "lot L1 of any material"),
        ({"material": "*", "lot": "L1"}, "lot L1 of any material"),
        ({"material": "FLOUR", "lot": "L1"}, "FLOUR lot L1"),
        ({"gtin": "9501101530003", "lot": "L1"}, "GTIN 09501101530003 lot L1"),
        ({"vendor": "NM", "lot_from": "V1", "lot_to": "V9"}, "NM lots V1 to V9"),
        ({"material": "FLOUR", "lot_prefix": "V01"}, "FLOUR lots starting V01"),
    ],
)
def test_each_form_in_words(fields, words):
    assert parse_scope(**fields).describe() == words


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "a hold names one of: lot (any material), material + lot, gtin + lot, vendor or"),
        ({"material": "FLOUR"}, "got material (a single lot needs lot, with material or gtin)"),
        ({"gtin": "09501101530003", "material": "FLOUR", "lot": "L"}, "got material, gtin, lot"),
        ({"vendor": "NM", "lot": "L"}, "got vendor, lot"),
        ({"vendor": "NM", "lot_from": "A"}, "a range needs vendor or material (not *)"),
        ({"lot_from": "A", "lot_to": "B"}, "a range needs vendor or material"),
        ({"vendor": "NM", "material": "F", "lot_prefix": "A"}, "got material, vendor, lot_prefix"),
        ({"vendor": "NM", "lot_prefix": "A", "lot": "A1"}, "got vendor, lot, lot_prefix"),
        ({"material": "*", "lot_prefix": "A"}, "a lot range needs a vendor or a material, not"),
        (
            {"vendor": "NM", "lot_from": "V0100", "lot_to": "V99"},
            "lot_from 'V0100' comes after lot_to 'V99'; give the lower lot first",
        ),
        ({"gtin": "09501101530004", "lot": "L"}, "'gtin': Invalid GTIN check digit"),
    ],
)
def test_anything_but_exactly_one_form_is_refused(fields, message):
    with pytest.raises(ScopeError) as refused:
        parse_scope(**fields)
    assert message in str(refused.value)
    assert refused.value.code == "bad_request"


def test_scopes_are_checked_against_master_data(example: Config):
    materials = example.materials
    typo = parse_scope(material="FLOR", lot="L")
    with pytest.raises(ScopeError, match=r"unknown material 'FLOR'.*did you mean 'FLOUR'\?"):
        check_scope(typo, materials)
    stranger = parse_scope(gtin="04006381333931", lot="L")
    with pytest.raises(ScopeError, match="unknown GTIN '04006381333931'; a hold on it would"):
        check_scope(stranger, materials)
    vendor = parse_scope(vendor="Nothern Mills", lot_prefix="V")
    with pytest.raises(ScopeError, match="did you mean 'Northern Mills'") as refused:
        check_scope(vendor, materials)
    assert refused.value.code == "unknown_vendor"
    spelled = check_scope(parse_scope(vendor="northern MILLS", lot_prefix="V"), materials)
    assert spelled.vendor == "Northern Mills"
    assert check_scope(parse_scope(lot="L"), materials) == HoldScope("*", lot="L")


@pytest.mark.parametrize(
    ("scope", "matches"),
    [
        (HoldScope("*", lot="V0100"), True),
        (HoldScope("FLOUR", lot="V0100"), True),
        (HoldScope("SUGAR", lot="V0100"), False),
        (HoldScope("FLOUR", lot="V100"), False),  # lots are compared exactly
        (HoldScope(gtin="09501101530003", lot="V0100"), True),
        (HoldScope(gtin="09501101530010", lot="V0100"), False),
        (HoldScope(vendor="northern mills", lot_from="V0099", lot_to="V0100"), True),
        (HoldScope(vendor="Northern Mills", lot_from="V0101", lot_to="V0200"), False),
        (HoldScope(vendor="Sweet & Co", lot_from="V0001", lot_to="V0200"), False),
        (HoldScope(material="FLOUR", lot_from="V9", lot_to="V101"), True),  # numerically
        (HoldScope(material="FLOUR", lot_prefix="V01"), True),
        (HoldScope(material="FLOUR", lot_prefix="V02"), False),
        (HoldScope(vendor="Northern Mills", lot_prefix="v01"), False),
    ],
)
def test_matching(scope: HoldScope, matches: bool):
    assert scope.matches(FLOUR) is matches


def test_a_gtin_hold_needs_the_gtin_on_the_scan():
    vendor_label = HeldItem("FLOUR", "Northern Mills", None, "V0100")
    assert not HoldScope(gtin="09501101530003", lot="V0100").matches(vendor_label)


def test_default_ids_are_stable_per_scope():
    one = parse_scope(material="FLOUR", lot="L1")
    assert one.default_id() == parse_scope(material="FLOUR", lot="L1").default_id()
    assert one.default_id() != parse_scope(material="*", lot="L1").default_id()
    assert one.default_id().startswith("H-") and len(one.default_id()) == 10


@pytest.mark.parametrize(
    ("lower", "higher"),
    [("V0099", "V0100"), ("V99", "V100"), ("V99", "V099"), ("A-1", "A1"), ("L", "L0"), ("", "0")],
)
def test_range_order_examples(lower: str, higher: str):
    assert lot_key(lower) < lot_key(higher)


@given(LOTS, LOTS)
def test_range_order_is_total_and_strict(a: str, b: str):
    """Distinct lots never tie, so the order is a strict total order (keys are tuples)."""
    assert (lot_key(a) == lot_key(b)) == (a == b)


@st.composite
def same_shape(draw: st.DrawFn) -> tuple[str, str]:
    """Two lots of the same length with digits in the same places."""
    pairs = draw(st.lists(st.one_of(st.tuples(DIGITS, DIGITS), st.tuples(OTHERS, OTHERS))))
    return "".join(a for a, _ in pairs), "".join(b for _, b in pairs)


@given(same_shape())
def test_lots_of_the_same_shape_compare_character_by_character(pair: tuple[str, str]):
    a, b = pair
    assert (lot_key(a) < lot_key(b)) == (a < b)


@given(
    st.text(OTHERS, max_size=4),
    st.integers(0, 10**6),
    st.integers(0, 10**6),
    st.integers(0, 8),
    st.text(OTHERS, max_size=3),
)
def test_digit_runs_compare_numerically(prefix: str, m: int, n: int, width: int, suffix: str):
    if m == n:
        return
    low, high = sorted((m, n))
    assert lot_key(f"{prefix}{low:0{width}d}{suffix}") < lot_key(
        f"{prefix}{high:0{width}d}{suffix}"
    )


@given(LOTS, LOTS, LOTS)
def test_a_range_holds_exactly_the_lots_between_its_ends(lot: str, a: str, b: str):
    low, high = sorted((a, b), key=lot_key)
    scope = parse_scope(material="FLOUR", lot_from=low, lot_to=high)
    item = HeldItem("FLOUR", "", None, lot)
    assert scope.matches(item) == (sorted((low, lot, high), key=lot_key)[1] == lot)
