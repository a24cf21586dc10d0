"""EPC URIs and GS1 Digital Links of one object parse to one `Epc`, and each form built from an
`Epc` parses back to it (property, every scheme, any company prefix length)."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lotedge.wire.epc import SCHEMES, Epc, parse_epc
from lotedge.wire.gs1 import with_check_digit

from .strategies import lots

serials = lots.filter(lambda s: s != "0")


@st.composite
def epcs(draw: st.DrawFn) -> tuple[Epc, int]:
    """An object of any scheme and the length of its company prefix."""
    spec = SCHEMES[draw(st.sampled_from(sorted(SCHEMES)))]
    prefix_length = draw(st.integers(6, 12))
    if spec.alphanumeric:  # GIAI: company prefix and an asset reference
        prefix = draw(st.text(string.digits, min_size=prefix_length, max_size=prefix_length))
        return Epc(spec.name, prefix + draw(serials)), prefix_length
    digits = draw(
        st.text(string.digits, min_size=spec.reference_digits, max_size=spec.reference_digits)
    )
    key = with_check_digit(digits)
    key = "0" + key if spec.ai == "8003" else key
    qualifier = draw(serials) if spec.qualifier else None
    if spec.name == "sgln":
        qualifier = draw(st.none() | serials)
    return Epc(spec.name, key, qualifier), prefix_length


@given(epcs())
def test_the_urn_and_the_digital_link_of_an_object_parse_back_to_it(case):
    epc, prefix_length = case
    urn = epc.urn(prefix_length)
    assert urn is not None
    assert parse_epc(urn) == epc
    assert parse_epc(epc.link) == epc
    assert parse_epc(epc.link.replace("https://id.gs1.org", "https://example.com/p")) == epc


@pytest.mark.parametrize(
    ("uri", "link"),
    [
        ("urn:epc:id:sgtin:0614141.107346.2017", "https://id.gs1.org/01/10614141073464/21/2017"),
        ("urn:epc:id:sscc:0614141.1234567890", "https://id.gs1.org/00/106141412345678908"),
        ("urn:epc:id:sgln:0614141.00777.0", "https://id.gs1.org/414/0614141007776"),
        ("urn:epc:id:sgln:952005385.011.ts4711", "https://id.gs1.org/414/9520053850113/254/ts4711"),
        ("urn:epc:id:pgln:4012345.00225", "https://id.gs1.org/417/4012345002256"),
        ("urn:epc:id:grai:0614141.12345.400", "https://id.gs1.org/8003/00614141123452400"),
        ("urn:epc:id:giai:952005385.w2", "https://id.gs1.org/8004/952005385w2"),
        ("urn:epc:id:gsrn:0614141.0000010253", "https://id.gs1.org/8018/061414100000102534"),
        ("urn:epc:id:gdti:0614141.12345.400", "https://id.gs1.org/253/0614141123452400"),
        (
            "urn:epc:class:lgtin:4012345.012345.998877",
            "https://id.gs1.org/01/04012345123456/10/998877",
        ),
        ("urn:epc:idpat:sgtin:4012345.066666.*", "https://id.gs1.org/01/04012345666663"),
        # Digital Links: any host, short names, query dropped, lot dropped beside a serial
        (
            "https://example.com/gtin/614141073467/lot/L1/ser/A%2F7?x=1",
            "https://id.gs1.org/01/00614141073467/21/A%2F7",
        ),
        (
            "https://id.gs1.org/01/10614141073464/22/v2/10/L1",
            "https://id.gs1.org/01/10614141073464/10/L1",
        ),
        (
            "http://resolver.example/sscc/106141412345678908",
            "https://id.gs1.org/00/106141412345678908",
        ),
    ],
)
def test_gs1_examples_identifiers_in_both_forms(uri, link):
    assert parse_epc(uri).link == link
    assert parse_epc(link) == parse_epc(uri)


@pytest.mark.parametrize(
    "uri",
    [
        "urn:epc:id:sgtin:0614141.107346",  # no serial
        "urn:epc:id:sscc:0614141.123456789",  # 16 digits
        "urn:epc:id:sgtin:0614141.10734x.1",
        "urn:epc:id:sgtin:06141.1073466.1",  # company prefix shorter than 6
        "urn:epc:id:lgtin:0614141.107346.1",  # a class in the id namespace
        "urn:epc:idpat:sgtin:0614141.107346.7",
        "urn:epc:id:sgtin:0614141.107346.%FF",  # not UTF-8
        "https://id.gs1.org/00/106141412345678907",  # check digit
        "https://id.gs1.org/01/10614141073464/99/x",  # unknown qualifier
        "https://id.gs1.org/414/9520053850113/21/1",
        "urn:lotedge:class:P:M:L",
        "urn:uuid:1",
        "mailto:a@b",
    ],
)
def test_what_is_not_an_epc(uri):
    assert parse_epc(uri) is None
