"""What the agents emit names things by standard identifiers: the demo's master data (GLNs of
GS1's prefix for examples, 952) gives events without a single `urn:lotedge:` identifier; a
batch is its UUID URN; a best-before date (AI 15) is `bestBeforeDate`; `config check` says
which settings would write lotedge's own URNs, and refuses units that are not Rec 20 codes."""

from __future__ import annotations

import json
import re
import tomllib
import uuid
from datetime import date
from decimal import Decimal

import pytest

from lotedge.apps.demo.script import MASTER_DATA, SITE_GLN
from lotedge.cli.main import main
from lotedge.core import epcis
from lotedge.core.receiving import Receipt, ReceiptContext, decide_receipt
from lotedge.core.scan import RawScan, parse_scan
from lotedge.masterdata.identity import Identity
from lotedge.masterdata.items import Material, Product
from lotedge.wire import keys
from tests.conftest import EXAMPLE_CONFIG, write_config

from .samples import PURCHASE_ORDER, WHEN

DEMO = Identity(site="DEMO", line="L1", device_id="demo-edge", site_gln=SITE_GLN)
BATCH = str(uuid.UUID(int=7))


def demo_master_data() -> tuple[list[Material], list[Product]]:
    data = tomllib.loads(MASTER_DATA)
    return [Material(**m) for m in data["materials"]], [Product(**p) for p in data["products"]]


def identifiers(event: dict) -> list[str]:
    """The lotedge URNs an event names (its @context's namespace is no identifier)."""
    named = {k: v for k, v in event.items() if k != "@context"}
    return re.findall(r"urn:lotedge:[^\"]*", json.dumps(named))


def test_the_demos_events_name_everything_by_gs1_identifiers():
    materials, products = demo_master_data()
    events = []
    for n, material in enumerate(materials):
        events.append(epcis.consumption_event(
            DEMO, batch_id=BATCH, material=material, gtin=None, lot=f"V{n}", quantity=Decimal(1),
            uom="KGM", event_id=f"urn:uuid:{uuid.UUID(int=n)}", when=WHEN,
        ))  # fmt: skip
        for internal in (False, True):
            receipt = Receipt(material, f"R{n}", internal, None, Decimal(1), "KGM",
                              date(2027, 1, 1), PURCHASE_ORDER, WHEN)  # fmt: skip
            events.append(
                epcis.receiving_event(
                    DEMO, receipt, event_id=f"urn:uuid:{uuid.UUID(int=9)}", when=WHEN
                )
            )
    for product in products:
        events.append(epcis.output_event(
            DEMO, batch_id=BATCH, product=product, lot="L1", quantity=Decimal(5),
            produced=date(2026, 11, 25), expiry=date(2026, 12, 2),
            event_id=f"urn:uuid:{uuid.UUID(int=8)}", when=WHEN,
        ))  # fmt: skip
    assert [identifiers(e) for e in events] == [[]] * len(events)
    assert {e["transformationID"] for e in events if "transformationID" in e} == {
        f"urn:uuid:{BATCH}"
    }
    assert epcis.private_identifiers(DEMO, materials) == []


def test_a_best_before_date_is_written_as_such():
    flour = Material(
        code="FLOUR", name="Flour", gtins=["09501101530003"], uom="KGM", default_quantity=25
    )
    for ai, key in (("15", keys.BEST_BEFORE), ("17", keys.EXPIRY)):
        raw = RawScan(f"]d20109501101530003{ai}27123110LOT1".encode(), "test")
        scan = parse_scan(raw, [flour], "#LE:")
        receipt = decide_receipt(scan, ReceiptContext(WHEN, [flour], PURCHASE_ORDER))
        assert isinstance(receipt, Receipt), receipt
        assert receipt.best_before is (ai == "15")
        event = epcis.receiving_event(DEMO, receipt, event_id="urn:uuid:" + BATCH, when=WHEN)
        assert event["ilmd"] == {key: "2027-12-31"}
        assert (event["action"], event["disposition"]) == ("ADD", "in_progress")


def test_config_check_names_what_would_be_private_and_refuses_non_rec20_units(tmp_path, capsys):
    assert main(["config", "check", str(EXAMPLE_CONFIG)]) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if "warning:" in line]
    # the two the example keeps on purpose (docs/events.md#standard-identifiers)
    assert len(warnings) == 2 and "material YEAST has no GTIN" in warnings[0]
    assert "customer CORNER has no gln" in warnings[1]
    path = write_config(
        tmp_path,
        replace={
            'site_gln = "9520123450007"': "",
            'uom = "KGM"                  #': 'uom = "KG"  #',
        },
    )
    assert main(["config", "check", str(path)]) == 1
    err = capsys.readouterr().err
    assert "'KG' is not a UN/ECE Rec 20 unit code: write KGM (kilogram)" in err


@pytest.mark.parametrize(("unit", "meant"), [("PCS", "H87"), ("kg", "KGM"), ("L", "LTR")])
def test_units_are_rec20_codes(unit, meant):
    with pytest.raises(ValueError, match=f"write {meant}"):
        Product(code="P", name="p", gtin="09501101530102", unit=unit)


def test_a_batch_running_across_an_upgrade_is_one_batch_at_the_store():
    from lotedge.store.events import parse_event

    old = epcis.consumption_event(
        DEMO, batch_id=BATCH, material=demo_master_data()[0][0], gtin="09501101530003", lot="V",
        quantity=None, uom=None, event_id="urn:uuid:" + str(uuid.UUID(int=3)), when=WHEN,
    )  # fmt: skip
    new = dict(old, eventID="urn:uuid:" + str(uuid.UUID(int=4)))
    old["transformationID"] = f"urn:lotedge:batch:DEMO:L1:{BATCH}"
    batches = {parse_event(json.dumps(e).encode()).batch for e in (old, new)}
    assert batches == {f"urn:uuid:{BATCH}"}
