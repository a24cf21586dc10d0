"""Parsing and checking single events: what is kept, what is dead-lettered and why."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lotedge.core import epcis
from lotedge.masterdata.items import Material
from lotedge.store.classes import parse_class
from lotedge.store.events import ParsedEvent, RejectCode, Rejection, parse_event
from lotedge.store.schema import BACKENDS, SchemaValidator
from lotedge.wire.identifiers import gtin_lot_class
from tests.wire.strategies import gtins, lots

from . import agent_events

WHEN = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
FLOUR = gtin_lot_class("00614141777778", "LOT 42/A")


def consumption() -> dict:
    return agent_events.consumption(
        FLOUR,
        25.0,
        line="L1",
        batch="B1",
        material="FLOUR",
        vendor="Mill Co",
        when=WHEN,
        eid="urn:uuid:6f1c0000-0000-4000-8000-000000000001",
    )


def test_consumption_event_reduced_to_genealogy_fields():
    event = parse_event(agent_events.payload(consumption()))
    assert isinstance(event, ParsedEvent)
    assert event.event_time == "2026-11-25T12:00:00.000000Z"
    assert event.transformation_id == "urn:lotedge:batch:PLANT1:L1:B1"
    (flow,) = event.flows
    assert (flow.direction, flow.quantity, flow.uom) == ("in", 25.0, "KGM")
    assert flow.lot.key == "gs1:00614141777778:LOT 42/A"
    assert (flow.attrs.material, flow.attrs.vendor) == ("FLOUR", "Mill Co")


def test_class_forms_of_one_lot_share_a_key():
    urn = parse_class("urn:epc:class:lgtin:0614141.077777.987")
    link = parse_class("https://id.gs1.org/01/00614141777778/10/987")
    assert urn.key == link.key == "gs1:00614141777778:987"
    assert link.gtin == "00614141777778"
    own = parse_class("urn:lotedge:class:PLANT1:SALT:S%2F7")
    assert (own.key, own.lot, own.material) == ("lotedge:PLANT1:SALT:S/7", "S/7", "SALT")
    every = parse_class("urn:epc:idpat:sgtin:4012345.098765.*")  # every instance of a GTIN
    assert (every.scheme, every.key) == ("gtin", "https://id.gs1.org/01/04012345987652")
    sscc = parse_class("https://example.com/00/106141412345678908")
    assert sscc.key == parse_class("urn:epc:id:sscc:0614141.1234567890").key
    assert parse_class("urn:example:other").scheme == "other"


@given(gtin=st.none() | gtins, material=lots, lot=lots)
def test_the_agents_event_of_any_lot_names_that_lot_at_the_store(gtin, material, lot):
    """Built by the agent (`core.epcis`), read by the store: the same lot, GTIN and material."""
    goods = Material(code=material, name="goods")
    event = epcis.consumption_event(
        agent_events.agent("PLANT1", "L1"),
        batch_id="B1",
        material=goods,
        gtin=gtin,
        lot=lot,
        quantity=None,
        uom=None,
        event_id=agent_events.event_id(gtin, material, lot),
        when=WHEN,
    )
    parsed = parse_event(agent_events.payload(event))
    assert isinstance(parsed, ParsedEvent)
    (flow,) = parsed.flows
    assert (flow.lot.lot, flow.lot.gtin) == (lot, gtin)
    assert flow.attrs.material == goods.code
    assert flow.lot.material == (None if gtin else goods.code)


def bad(mutate) -> bytes:
    event = consumption()
    mutate(event)
    return agent_events.payload(event)


@pytest.fixture(params=BACKENDS)
def any_validator(request, schema_path: Path) -> SchemaValidator:
    """The schema check with each backend (jsonschema-rs only when installed)."""
    if request.param == "jsonschema-rs":
        pytest.importorskip("jsonschema_rs", reason="jsonschema-rs is an optional speed-up")
    return SchemaValidator.load(schema_path, backend=request.param)


@pytest.mark.parametrize(
    ("payload", "code", "reason"),
    [
        (b"\xff\xfe{", RejectCode.NOT_UTF8, "payload is not UTF-8: invalid start byte at 0"),
        (b"{not json", RejectCode.NOT_JSON, "payload is not JSON: Expecting property name"),
        (
            bad(lambda e: e.pop("eventTime")),
            RejectCode.SCHEMA,
            '<event>: "eventTime" is a required property',
        ),
        (bad(lambda e: e.update(foo=1)), RejectCode.SCHEMA, '<event>: "foo" is not valid under'),
        (
            bad(lambda e: e["inputQuantityList"][0].update(quantity="10")),
            RejectCode.SCHEMA,
            'inputQuantityList/0/quantity: "10" is not of type "number"',
        ),
        (
            bad(lambda e: e.update(eventTime="2026-11-25T12:00:00")),
            RejectCode.SCHEMA,
            'eventTime: "2026-11-25T12:00:00" is not a "date-time"',
        ),
    ],
)
def test_schema_rejections_say_why(any_validator, payload, code, reason):
    rejection = parse_event(payload, any_validator)
    assert isinstance(rejection, Rejection)
    assert rejection.code == code
    # The backends differ only in quoting and in spacing inside JSON values.
    assert reason in rejection.reason.replace("'", '"').replace(", ", ",")


def test_schema_backends_agree(any_validator, schema_path: Path):
    validator = any_validator
    examples = sorted((schema_path.parent / "examples").glob("*.jsonld"))
    assert examples and all(
        validator.first_error(json.loads(p.read_text())) is None for p in examples
    )
    assert validator.first_error(consumption()) is None
    for mutate in (
        lambda e: e.update(foo=1),
        lambda e: e.update(action="ADD"),
        lambda e: e.update(bizStep="urn:epcglobal:cbv:bizstep:commissioning"),
        lambda e: e.update(transformationID="not a uri"),
        lambda e: e.pop("@context"),
    ):
        event = copy.deepcopy(consumption())
        mutate(event)
        assert validator.first_error(event) is not None, event


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda e: e.update(eventID=""), "eventID: must be a non-empty string when given"),
        (lambda e: e.update(type="Foo"), "type: 'Foo' is not an EPCIS event type"),
        (lambda e: e.update(eventTime="2026-11-25T12:00:00"), "eventTime: has no UTC offset"),
        (lambda e: e.update(eventTime="yesterday"), "eventTime: not an ISO 8601 date-time"),
        (lambda e: e.update(inputQuantityList={}), "inputQuantityList: expected a list"),
        (lambda e: e["inputQuantityList"].append(7), "inputQuantityList/1: expected an object"),
        (
            lambda e: e["inputQuantityList"][0].update(quantity=True),
            "inputQuantityList/0/quantity: expected a number, got True",
        ),
        (lambda e: e.update({"lotedge:vendor": "a\x00b"}), "lotedge:vendor: contains a NUL"),
        (lambda e: e.update({"lotedge:line": "\ud800"}), "lotedge:line: contains a lone surrogate"),
    ],
)
def test_structural_checks_without_schema(mutate, reason):
    event = consumption()
    mutate(event)
    rejection = parse_event(json.dumps(event).encode())
    assert isinstance(rejection, Rejection)
    assert rejection.code == RejectCode.STRUCTURE
    assert rejection.reason.startswith(reason)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ([1, 2], "expected an EPCIS event or document (a JSON object), got a list"),
        ("x", "expected an EPCIS event or document (a JSON object), got a string"),
        ({"type": "EPCISMasterDataDocument"}, "type 'EPCISMasterDataDocument': only EPCIS"),
        ({"type": "EPCISDocument", "epcisBody": {}}, "epcisBody/eventList: required"),
        (
            {"type": "EPCISDocument", "epcisBody": {"eventList": {}}},
            "epcisBody/eventList: expected",
        ),
        (
            {"type": "EPCISQueryDocument", "epcisBody": {"queryResults": {}}},
            "epcisBody/queryResults/resultsBody: required",
        ),
    ],
)
def test_what_is_no_epcis_event_or_document_says_why(value, reason):
    rejection = parse_event(json.dumps(value).encode())
    assert isinstance(rejection, Rejection) and rejection.code == RejectCode.NOT_EPCIS
    assert rejection.reason.startswith(reason)


@given(
    st.binary(max_size=300)
    | st.recursive(
        st.none() | st.booleans() | st.floats() | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
        ),
        max_leaves=20,
    ).map(lambda v: json.dumps(v).encode())
)
def test_any_payload_is_parsed_or_rejected_never_raises(payload):
    assert isinstance(parse_event(payload), ParsedEvent | Rejection)
