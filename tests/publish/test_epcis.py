"""Events built by lotedge.core.epcis: exact URIs, and every one valid against GS1's schema."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from jsonschema import Draft7Validator
from pydantic import ValidationError

from lotedge.core import epcis
from lotedge.core.epcis_models import ObjectEvent
from lotedge.core.receiving import ReceiptReference, ReferenceKind
from tests import epcis_schema

from .samples import BREAD, FLOUR, NO_GLN, SALT, SITE, WHEN, consumption, output, receiving


@pytest.fixture(scope="module")
def validator() -> Draft7Validator:
    return epcis_schema.validator()


def assert_valid(validator: Draft7Validator, event: dict[str, Any]) -> None:
    assert epcis_schema.errors(validator, event) == []


def test_format_checks_are_on(validator):
    """Without jsonschema's format extras the schema accepts nonsense; make sure it does not."""
    bad = {**consumption(), "eventTime": "2026-11-25T13:05:07"}
    assert list(validator.iter_errors(bad))


@pytest.mark.parametrize(
    "event",
    [
        consumption(),
        consumption(NO_GLN),
        consumption(lot='A/1 "x"%&<>?#é'),
        consumption(material=SALT, gtin=None, quantity=None, uom=None),
        consumption(gtin="12345670", quantity=Decimal("2.5")),
        output(),
        output(NO_GLN),
        receiving(),
        receiving(NO_GLN, material=SALT, gtin=None, lot="R26329 0001", internal=True),
        receiving(reference=ReceiptReference(ReferenceKind.DESADV, "DN 77/1"), expiry=None),
        receiving(material=FLOUR.model_copy(update={"vendor_gln": "7038010000010"})),
    ],
    ids=[
        *("gs1", "no-gln", "odd-lot", "non-gs1", "gtin8-digital-link", "output", "output-no-gln"),
        *("receiving", "receiving-internal", "receiving-desadv", "receiving-vendor-gln"),
    ],
)
def test_every_event_validates_against_the_epcis_schema(validator, event):
    assert_valid(validator, event)
    assert_valid(validator, json.loads(epcis.encode(event)))


def test_consumption_event_fields():
    event = consumption()
    assert event["@context"] == [
        "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
        {"lotedge": "urn:lotedge:ns:"},
    ]
    assert event["eventTime"] == "2026-11-25T13:05:07.123+01:00"
    assert event["eventTimeZoneOffset"] == "+01:00"
    assert event["transformationID"] == "urn:lotedge:batch:PLANT1:L1:B1"
    assert event["bizStep"] == "commissioning"
    assert event["readPoint"] == {"id": "urn:epc:id:sgln:703801.000000.L1"}
    assert event["bizLocation"] == {"id": "urn:epc:id:sgln:703801.000000.0"}
    assert event["inputQuantityList"] == [
        {"epcClass": "urn:epc:class:lgtin:703801.0000006.L0042", "quantity": 25, "uom": "KGM"}
    ]
    assert (event["lotedge:material"], event["lotedge:vendor"]) == ("FLOUR", "Mill AS")


def test_non_gs1_material_and_site_without_gln():
    event = consumption(NO_GLN, material=SALT, gtin=None, lot="X 1/2", quantity=None, uom=None)
    assert event["inputQuantityList"] == [
        {"epcClass": "urn:lotedge:class:PLANT2:SALT%201%2F2:X%201%2F2"}
    ]
    assert event["readPoint"] == {"id": "urn:lotedge:loc:PLANT2:L-2"}
    assert event["bizLocation"] == {"id": "urn:lotedge:loc:PLANT2"}
    assert "lotedge:vendor" not in event


def test_gtin_without_known_company_prefix_uses_digital_link():
    assert epcis.lot_class(SITE, gtin="12345670", material_code="X", lot="A/B") == (
        "https://id.gs1.org/01/00000012345670/10/A%2FB"
    )


def test_output_event_fields():
    event = output()
    assert event["outputQuantityList"] == [
        {
            "epcClass": "urn:epc:class:lgtin:703801.0000012.26329L10001",
            "quantity": 480,
            "uom": "H87",
        }
    ]
    assert event["ilmd"] == {
        "cbvmda:lotNumber": "26329L10001",
        "cbvmda:itemExpirationDate": "2027-11-25",
        "lotedge:productionDate": "2026-11-25",
    }
    assert event["eventTimeZoneOffset"] == "+00:00"
    assert event["lotedge:product"] == BREAD.code


def test_batch_message():
    message = epcis.batch_message(
        SITE,
        kind="BatchStarted",
        batch_id="B1",
        product="BREAD",
        event_id="urn:uuid:00000000-0000-0000-0000-000000000007",
        when=WHEN,
        planned_qty=Decimal("500"),
        operator="kari",
    )
    assert message == {
        "type": "BatchStarted",
        "eventID": "urn:uuid:00000000-0000-0000-0000-000000000007",
        "eventTime": "2026-11-25T13:05:07.123+01:00",
        "eventTimeZoneOffset": "+01:00",
        "transformationID": "urn:lotedge:batch:PLANT1:L1:B1",
        "site": "PLANT1",
        "line": "L1",
        "batchID": "B1",
        "product": "BREAD",
        "details": {"planned_qty": 500, "operator": "kari"},
    }


def test_naive_time_is_refused():
    with pytest.raises(ValueError, match="has no UTC offset"):
        consumption(when=datetime(2026, 1, 1))


def test_bad_event_id_fails_our_model():
    with pytest.raises(ValidationError, match="eventID"):
        consumption(event_id="42")


def test_unknown_kind_fails_our_model():
    with pytest.raises(ValidationError, match="type"):
        epcis.batch_message(
            SITE,
            kind="Nope",
            batch_id="B",
            product="P",
            event_id=consumption()["eventID"],
            when=WHEN,
        )


RECEIVING_EXAMPLE = {
    "@context": [
        "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
        {"lotedge": "urn:lotedge:ns:"},
    ],
    "type": "ObjectEvent",
    "eventID": "urn:uuid:00000000-0000-0000-0000-000000000020",
    "eventTime": "2026-11-25T13:05:07.123+01:00",
    "eventTimeZoneOffset": "+01:00",
    "action": "ADD",
    "bizStep": "receiving",
    "disposition": "in_progress",
    "readPoint": {"id": "urn:epc:id:sgln:703801.000000.L1"},
    "bizLocation": {"id": "urn:epc:id:sgln:703801.000000.0"},
    "quantityList": [
        {"epcClass": "urn:epc:class:lgtin:703801.0000006.L0042", "quantity": 25, "uom": "KGM"}
    ],
    "bizTransactionList": [
        {"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:7038010000003:PO-4711"}
    ],
    "sourceList": [{"type": "owning_party", "source": "urn:lotedge:vendor:Mill%20AS"}],
    "ilmd": {"cbvmda:itemExpirationDate": "2027-05-31"},
    "lotedge:site": "PLANT1",
    "lotedge:line": "L1",
    "lotedge:material": "FLOUR",
    "lotedge:vendor": "Mill AS",
    "lotedge:receipt": "PO-4711",
    "lotedge:vendorLot": "L0042",
}


def test_receiving_event_fields():
    """The example in docs/events.md, field for field."""
    assert receiving() == RECEIVING_EXAMPLE


def test_receiving_internal_lot_without_gln_and_vendor():
    event = receiving(NO_GLN, material=SALT, gtin=None, lot="R26329 0001", internal=True)
    assert (
        event["quantityList"][0]["epcClass"]
        == "urn:lotedge:class:PLANT2:SALT%201%2F2:R26329%200001"
    )
    assert event["bizTransactionList"] == [
        {"type": "po", "bizTransaction": "urn:lotedge:bt:PLANT2:po:PO-4711"}
    ]
    assert event["lotedge:internalLot"] == "R26329 0001"
    assert "lotedge:vendorLot" not in event
    assert "sourceList" not in event and "lotedge:vendor" not in event


def test_delivery_note_is_issued_by_the_vendor():
    material = FLOUR.model_copy(update={"vendor_gln": "7038010000010"})
    event = receiving(material=material, reference=ReceiptReference(ReferenceKind.DESADV, "DN 7/1"))
    assert event["bizTransactionList"] == [
        {"type": "desadv", "bizTransaction": "urn:epcglobal:cbv:bt:7038010000010:DN%207%2F1"}
    ]
    assert event["sourceList"] == [
        {"type": "owning_party", "source": "urn:epc:id:pgln:703801.000001"}
    ]


def test_receipt_without_quantity_fails_our_model():
    with pytest.raises(ValidationError, match="receipt carries its quantity"):
        ObjectEvent.model_validate(
            {
                **RECEIVING_EXAMPLE,
                "quantityList": [{"epcClass": "urn:epc:class:lgtin:703801.0000006.L0042"}],
            }
        )
