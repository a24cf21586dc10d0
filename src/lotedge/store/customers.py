"""Who a shipment went to: a shipping event's destinations resolved against the customers of
the store's master data (`[[customers]]`).

A destination names a customer by its GLN (`urn:epc:id:pgln:...` as owning party,
`urn:epc:id:sgln:...` as location, or their Digital Links `/417/`, `/414/`) or, for a customer
without GLN, by our code (`urn:lotedge:customer:<code>`). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from lotedge.masterdata.customers import Customer
from lotedge.wire.epc import parse_epc
from lotedge.wire.identifiers import customer_code

_GLN_SCHEMES = ("pgln", "sgln")
_PREFERRED = ("owning_party", "location")
"""Destination types looked at first, in this order (then any other)."""


@dataclass(frozen=True)
class ShipTo:
    """A shipment's customer as far as it is known: the code and name from the master data, the
    GLN from the event (or the master data). Each may be None (a GLN we have no customer for)."""

    code: str | None
    name: str | None
    gln: str | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class CustomerBook:
    """The customers, by code and by GLN.

    >>> book = CustomerBook([Customer(code="C1", name="Bakery Shop", gln="9520000000011")])
    >>> book.ship_to([("owning_party", "urn:epc:id:pgln:952000.000001")])
    ShipTo(code='C1', name='Bakery Shop', gln='9520000000011')
    >>> book.ship_to([("owning_party", "urn:lotedge:customer:C9")])
    ShipTo(code='C9', name=None, gln=None)
    """

    def __init__(self, customers: Iterable[Customer] = ()) -> None:
        self._by_code = {c.code: c for c in customers}
        self._by_gln = {c.gln: c for c in self._by_code.values() if c.gln}

    def __len__(self) -> int:
        return len(self._by_code)

    def customer(self, code: str | None) -> Customer | None:
        """The customer with this code (None: not in the master data)."""
        return self._by_code.get(code or "")

    def ship_to(self, destinations: Iterable[tuple[str, str]]) -> ShipTo | None:
        """The customer of a shipment's destinations ((CBV type, identifier) pairs): the first
        one the master data knows (owning party first, then location, then any other), else
        what the first destination naming a customer code or GLN says; None when none does."""
        ordered = sorted(
            destinations,
            key=lambda d: _PREFERRED.index(d[0]) if d[0] in _PREFERRED else len(_PREFERRED),
        )
        found = [_named(uri) for _kind, uri in ordered]
        for code, gln in found:
            customer = self._by_code.get(code or "") or self._by_gln.get(gln or "")
            if customer is not None:
                return ShipTo(customer.code, customer.name, customer.gln or gln)
        for code, gln in found:
            if code or gln:
                return ShipTo(code, None, gln)
        return None


def _named(uri: str) -> tuple[str | None, str | None]:
    """The customer code or the GLN an identifier names (one of them, or neither)."""
    code = customer_code(uri)
    if code is not None:
        return code, None
    epc = parse_epc(uri)
    if epc is not None and epc.scheme in _GLN_SCHEMES:
        return None, epc.key
    return None, None
