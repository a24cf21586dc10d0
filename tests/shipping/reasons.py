"""Reasons only the shipping dock gives; tests/shipping/test_packing.py reaches each of them."""

SHIPPING_REASONS = frozenset(
    {"pallet_opened", "pallet_already_open", "unknown_customer", "sscc_exhausted", "shipping_off"}
)
