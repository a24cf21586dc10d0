"""Reasons only the shipping dock gives; tests/shipping/test_packing.py reaches each of them."""

SHIPPING_REASONS = frozenset(
    {
        "pallet_opened",
        "pallet_already_open",
        "no_open_pallet",
        "cases_added",
        "vendor_label",
        "not_our_product",
        "pallet_closed",
        "pallet_empty",
        "pallet_unpacked",
        "unknown_pallet",
        "pallet_state",
        "unknown_customer",
        "short_shelf_life",
        "sscc_exhausted",
        "shipping_off",
        "ship_to_set",
        "no_ship_to",
        "shipped",
        "shipment_voided",
    }
)
