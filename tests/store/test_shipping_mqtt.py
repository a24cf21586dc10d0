"""End to end over a real Mosquitto, on SQLite and PostgreSQL: the line's and the dock's events
(vendor lot -> batches -> pallets -> customers, an unpack before dispatch, voided dispatches)
published with paho, stored by a `lotedge store` process (GS1's schema accepting every dock event
is the conformance test beside it, so this one runs without GS1's file), and the recall
asked of `lotedge recall -c store.toml` and of the HTTP API: it names the customers with their
SSCCs and quantities, and not the pallet unpacked before dispatch nor the voided dispatches."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request

import pytest

from lotedge.store.shipments import sscc_of
from tests.publish.broker import free_port

from . import shipping_data as story
from .helpers import TOKEN, StoreProcess, store_config, wait_until
from .test_mqtt_ingest import count, line_of, publish

TOPIC = "lotedge/v1/PLANT1/{line}/events"
JSON = ("--format", "json")


def customers_toml() -> str:
    """The story's customers as `[[customers]]` tables."""
    tables = []
    for customer in story.CUSTOMERS:
        gln = f'gln = "{customer.gln}"\n' if customer.gln else ""
        tables.append(f'[[customers]]\ncode = "{customer.code}"\nname = "{customer.name}"\n{gln}')
    return "\n" + "\n".join(tables)


def test_the_schema_accepts_every_dock_event(validator):
    for event in story.events():
        assert validator.first_error(event) is None, event


@pytest.mark.slow
def test_vendor_lot_to_customers_over_mqtt(mosquitto, db_url, tmp_path):
    api_port = free_port()
    config = store_config(
        tmp_path,
        port=mosquitto,
        database_url=db_url,
        schema=None,
        api_port=api_port,
        extra=customers_toml(),
    )
    store = StoreProcess(config, "store-shipping")
    payloads = story.payloads()
    try:
        store.wait_for_log("subscribed to $share/lotedge-store/lotedge/v1/+/+/events")
        publish(mosquitto, [(TOPIC.format(line=line_of(p)), p) for p in payloads])
        assert wait_until(lambda: count(db_url, "events") == len(payloads), 30)
        request = urllib.request.Request(
            f"http://127.0.0.1:{api_port}/v1/recall?lot=NM2611A&format=json",
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            from_api = json.load(response)["shipments"]
        counts = store.stop()
    finally:
        store.kill()
    assert counts["stored"] == len(payloads) and counts["dead_lettered"] == 0
    recall = subprocess.run(
        [sys.executable, "-m", "lotedge.cli.main", "recall", "NM2611A", "-c", str(config), *JSON],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    from_cli = json.loads(recall.stdout)["shipments"]
    assert from_cli == from_api
    names = {c.code: c.name for c in story.CUSTOMERS}
    assert [
        (s["customer"]["code"], s["customer"]["name"], s["sscc"], _quantities(s)) for s in from_cli
    ] == [
        (code, names[code], sscc_of(unit), {lot: float(q) for lot, q in lots.items()})
        for unit, code, lots, _ in story.SHIPPED
    ]
    shipped_units = {s["unit"] for s in from_cli}
    assert story.PAL3 not in shipped_units and story.PAL4 not in shipped_units


def _quantities(shipment: dict) -> dict[str, float]:
    return {lot["lot"]: lot["quantity"] for lot in shipment["lots"]}
