"""The wire's identifiers: every lot class built parses back to the same lot (property), the
escaping rules character by character, and the forms older agents wrote still read the same."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given

from lotedge.core.lots import GS1_CSET82
from lotedge.store.classes import parse_class
from lotedge.wire import keys
from lotedge.wire.escaping import epc_escape, link_escape
from lotedge.wire.gs1 import gtin_14, join_gtin, split_gtin
from lotedge.wire.identifiers import (
    GtinLot,
    OwnLot,
    gtin_lot_class,
    gtin_lot_link,
    lgtin_urn,
    own_lot_class,
    parse_lot_class,
)

from .strategies import codes, gtins, lots

#: An escaped EPC URI value: set 82's characters that stay, and %XX.
EPC_ESCAPED = re.compile(r"^(?:[A-Za-z0-9!'()*+,\-.:;=_]|%[0-9A-F]{2})+$")
#: An escaped Digital Link path value: RFC 3986 unreserved characters, and %XX.
LINK_ESCAPED = re.compile(r"^(?:[A-Za-z0-9\-._~]|%[0-9A-F]{2})+$")


@given(gtin=gtins, lot=lots)
@example(gtin="09501101530003", lot=".")
def test_a_gs1_lot_class_parses_back_to_its_gtin_and_lot(gtin, lot):
    epc_class = gtin_lot_class(gtin, lot)
    assert parse_lot_class(epc_class) == GtinLot(gtin, lot)
    assert parse_lot_class(gtin_lot_link(gtin, lot)) == GtinLot(gtin, lot)
    urn = lgtin_urn(gtin, lot)
    assert epc_class == (urn or gtin_lot_link(gtin, lot))
    if urn is not None:
        assert EPC_ESCAPED.match(urn.split(".", 2)[2])  # the lot: after prefix and item
    assert LINK_ESCAPED.match(gtin_lot_link(gtin, lot).rsplit("/", 1)[1])


@given(site=codes, material=lots, lot=lots)
def test_an_own_lot_class_parses_back_to_its_site_material_and_lot(site, material, lot):
    assert parse_lot_class(own_lot_class(site, material, lot)) == OwnLot(site, material, lot)


@given(gtin=gtins)
def test_split_and_join_of_a_gtin_are_inverse(gtin):
    parts = split_gtin(gtin)
    if parts is not None:
        assert len(parts[0]) + len(parts[1]) == 13
        assert join_gtin(*parts) == gtin


def test_epc_escaping_keeps_set_82_but_seven_characters():
    escaped = {char: epc_escape(char) for char in sorted(GS1_CSET82)}
    changed = {char: code for char, code in escaped.items() if code != char}
    assert changed == {
        '"': "%22",
        "%": "%25",
        "&": "%26",
        "/": "%2F",
        "<": "%3C",
        ">": "%3E",
        "?": "%3F",
    }
    assert epc_escape("a b~é") == "a%20b%7E%C3%A9"  # outside set 82: UTF-8 bytes


def test_digital_link_escaping_keeps_only_unreserved_characters():
    assert link_escape("A-1._~") == "A-1._~"
    assert link_escape("!'()*+,:;=/ ") == "%21%27%28%29%2A%2B%2C%3A%3B%3D%2F%20"


@pytest.mark.parametrize(
    ("older", "now"),
    [
        # an older agent left `~` as it is in EPC URIs
        ("urn:epc:class:lgtin:0614141.077777.A~1", "urn:epc:class:lgtin:0614141.077777.A%7E1"),
        # and left set 82's sub-delimiters as they are in a Digital Link's lot
        (
            "https://id.gs1.org/01/00000012345670/10/A(1)+B",
            "https://id.gs1.org/01/00000012345670/10/A%281%29%2BB",
        ),
        # and left `:` as it is in a material code (the store's key is the same either way)
        ("urn:lotedge:class:P1:A:B:L1", "urn:lotedge:class:P1:A%3AB:L1"),
    ],
)
def test_forms_older_agents_wrote_read_the_same(older, now):
    assert parse_lot_class(older) is not None
    assert parse_class(older).key == parse_class(now).key


@pytest.mark.parametrize(
    "uri",
    [
        "urn:epc:class:lgtin:0614141.077777.A%00",  # NUL
        "urn:epc:class:lgtin:0614141.077777.A%FF",  # not UTF-8
        "urn:epc:class:lgtin:0614141.07777.A",  # 12 digits, not 13
        "urn:epc:class:lgtin:061414\u0661.077777.A",  # a digit, but not an ASCII one
        "https://id.gs1.org/01/00614141777779/10/A",  # wrong check digit
        "https://id.gs1.org/01/0614141777778/10/A",  # 13 digits in a Digital Link
        "ftp://id.gs1.org/01/00614141777778/10/A",
        "urn:lotedge:class:P1:SALT",  # no lot
        "urn:epc:idpat:sgtin:4012345.098765.*",
    ],
)
def test_what_is_not_a_lot_class_is_none(uri):
    assert parse_lot_class(uri) is None


def test_gtin_14_and_the_company_prefix():
    assert gtin_14("614141777778") == gtin_14(" 00614141777778 ") == "00614141777778"
    assert gtin_14("00614141777779") is None and gtin_14("0061414177777\u00b2") is None
    assert split_gtin("12345670") is None  # GTIN-8: no company prefix in biip's table
    assert gtin_lot_class("12345670", "A") == "https://id.gs1.org/01/00000012345670/10/A"
    assert join_gtin("0614141", "") is None and join_gtin("061414a", "077777") is None


def test_every_event_gets_a_context_of_its_own():
    first, second = keys.context(), keys.context()
    assert first == second == [keys.EPCIS_CONTEXT, {"lotedge": "urn:lotedge:ns:"}]
    assert first is not second
