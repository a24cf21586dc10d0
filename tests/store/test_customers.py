"""A shipment's destinations resolved to a customer of the master data, by GLN or by code."""

from __future__ import annotations

from lotedge.masterdata.customers import Customer
from lotedge.store.customers import CustomerBook, ShipTo
from lotedge.wire.identifiers import customer_code, gln_location, gln_party, own_customer

SHOP = Customer(code="C1", name="Corner Bakery", gln="9520000000011")
KIOSK = Customer(code="K-2", name="Kiosk")
BOOK = CustomerBook([SHOP, KIOSK])


def test_a_customer_by_its_party_or_location_gln_in_any_form():
    known = ShipTo("C1", "Corner Bakery", "9520000000011")
    for destination in (
        ("owning_party", gln_party(SHOP.gln or "")),
        ("location", gln_location(SHOP.gln or "", None)),
        ("location", gln_location(SHOP.gln or "", "DOOR3")),
        ("owning_party", "https://id.gs1.org/417/9520000000011"),
        ("location", "https://example.com/414/9520000000011/254/DOOR3"),
    ):
        assert BOOK.ship_to([destination]) == known, destination


def test_a_customer_without_gln_by_its_code():
    assert BOOK.ship_to([("owning_party", own_customer("K-2"))]) == ShipTo("K-2", "Kiosk", None)
    assert customer_code(own_customer("K/2 ü")) == "K/2 ü"  # another system's code: escaped


def test_the_master_data_wins_over_the_order_of_destinations():
    """An unknown owning party and a known location: the known customer, with its own GLN."""
    other = gln_party("9520000000028")
    found = BOOK.ship_to(
        [("owning_party", other), ("location", gln_location("9520000000011", None))]
    )
    assert found == ShipTo("C1", "Corner Bakery", "9520000000011")


def test_unknown_customers_keep_what_the_event_says():
    assert BOOK.ship_to([("owning_party", gln_party("9520000000028"))]) == ShipTo(
        None, None, "9520000000028"
    )
    assert BOOK.ship_to([("owning_party", own_customer("NEW"))]) == ShipTo("NEW", None, None)
    assert BOOK.ship_to([("location", "urn:example:dock:7")]) is None
    assert BOOK.ship_to([]) is None
