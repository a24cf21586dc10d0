"""Real broker, real store processes: publish with paho -> Mosquitto -> `lotedge store` -> trace."""

from __future__ import annotations

import json
import urllib.request
from datetime import date, timedelta

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from lotedge.masterdata.items import Material
from lotedge.store.db import Database
from lotedge.store.query import TraceQueries
from tests.publish.broker import free_port

from .agent_events import event_id, payload, rejected_scan
from .genealogy_data import T0, bakery, numbered_events
from .helpers import TOKEN, StoreProcess, store_config, wait_until
from .vendor_data import receiving_event

TOPIC = "lotedge/v1/PLANT1/{line}/events"


def publish(port: int, payloads: list[tuple[str, bytes]]) -> None:
    """Publish with QoS 1 and wait for every PUBACK."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.connect("127.0.0.1", port)
    client.loop_start()
    try:
        infos = [client.publish(topic, body, qos=1) for topic, body in payloads]
        for info in infos:
            info.wait_for_publish(timeout=20)
            assert info.is_published()
    finally:
        client.disconnect()
        client.loop_stop()


_COUNT = {
    "events": "SELECT COUNT(*) FROM events",
    "dead_letters": "SELECT COUNT(*) FROM dead_letters",
    "rejections": "SELECT COUNT(*) FROM rejections",
}


def count(url: str, table: str) -> int:
    with Database(url) as db:
        row = db.fetchone(_COUNT[table])
    assert row is not None
    return row[0]


REJECTIONS = "lotedge/v1/PLANT1/L1/rejections"


def received_f1() -> bytes:
    """The goods receipt of the bakery's flour lot F1."""
    flour = Material(code="FLOUR", name="Flour", gtins=["00614141777778"], vendor="Mill Co")
    event = receiving_event(
        flour,
        "F1",
        eid=event_id("received", "F1"),
        when=T0 - timedelta(days=2),
        reference="PO-4711",
        quantity=500.0,
        expiry=date(2027, 1, 31),
    )
    return payload(event)


def rejected_f1() -> bytes:
    """A scan of F1 refused at line L1 (the payload names the lot, not the vendor)."""
    scan = rejected_scan(
        eid=event_id("rejected", "F1"),
        when=T0,
        reason="expired",
        material="FLOUR",
        gtin="00614141777778",
        lot="F1",
    )
    return payload(scan)


def line_of(payload: bytes) -> str:
    return json.loads(payload).get("lotedge:line", "L1")


@pytest.mark.slow
def test_end_to_end_publish_store_trace(mosquitto, db_url, tmp_path):
    api_port = free_port()
    config = store_config(
        tmp_path, port=mosquitto, database_url=db_url, schema=None, api_port=api_port
    )
    store = StoreProcess(config, "store-e2e")
    try:
        store.wait_for_log("subscribed to $share/lotedge-store/lotedge/v1/+/+/events")
        messages = [m.payload for m in bakery()] + [received_f1()]
        bad = b'{"type": "TransformationEvent", "eventID": "urn:uuid:x"}'
        # The duplicate and then the bad event on one topic (ordered): once the bad one is
        # stored, so is the duplicate.
        last = TOPIC.format(line=line_of(messages[0]))
        publish(
            mosquitto,
            [(TOPIC.format(line=line_of(p)), p) for p in messages]
            + [(last, messages[0]), (last, bad), (REJECTIONS, rejected_f1())],
        )
        assert wait_until(lambda: count(db_url, "events") == len(messages), 30)
        assert wait_until(lambda: count(db_url, "dead_letters") == 1, 30)
        assert wait_until(lambda: count(db_url, "rejections") == 1, 30)
        request = urllib.request.Request(
            f"http://127.0.0.1:{api_port}/v1/trace/forward?lot=F1",
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            lots = {lot["lot"] for lot in json.load(response)["lots"]}
        assert lots == {"F1", "D1", "D2", "BR1", "P1"}
        request = urllib.request.Request(
            f"http://127.0.0.1:{api_port}/v1/vendors/Mill%20Co?format=json",
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            (mill,) = json.load(response)["vendors"]
        assert (mill["receipts"], mill["rejected"]["line"]["by_reason"]) == (1, {"expired": 1})
        counts = store.stop()
    finally:
        store.kill()
    assert counts == {"stored": len(messages) + 1, "duplicate": 1, "dead_lettered": 1} | {
        "conflict": 0,
        "retracted": 0,
    }
    with Database(db_url) as db:
        trace = TraceQueries(db)
        assert trace.trace(trace.resolve("P1"), "backward").depth.keys() >= {
            trace.resolve("F1").id,
            trace.resolve("S 1").id,
        }


@pytest.mark.slow
def test_two_stores_on_a_shared_subscription_store_each_event_once(mosquitto, db_url, tmp_path):
    config = store_config(tmp_path, port=mosquitto, database_url=db_url, schema=None)
    stores = [StoreProcess(config, f"store-{n}") for n in (1, 2)]
    try:
        for store in stores:
            store.wait_for_log("subscribed to $share/")
        events = numbered_events("shared", 300)
        publish(mosquitto, [(TOPIC.format(line=line_of(p)), p) for p in events])
        stored = wait_until(lambda: count(db_url, "events") == len(events), 30)
        assert stored, (count(db_url, "events"), [s.log for s in stores])
        counts = [store.stop() for store in stores]
    finally:
        for store in stores:
            store.kill()
    assert [c["duplicate"] for c in counts] == [0, 0], counts
    assert [c["dead_lettered"] for c in counts] == [0, 0], counts
    assert sum(c["stored"] for c in counts) == len(events), counts
    assert all(c["stored"] > 0 for c in counts), counts  # the broker split the load


@pytest.mark.slow
def test_store_killed_mid_stream_loses_nothing_it_acknowledged(mosquitto, db_url, tmp_path):
    """kill -9 while storing; the persistent session brings back everything not acknowledged."""
    config = store_config(tmp_path, port=mosquitto, database_url=db_url, schema=None)
    events = numbered_events("kill", 2000)
    first = StoreProcess(config, "store-persistent")
    try:
        first.wait_for_log("subscribed to")
        publish(mosquitto, [(TOPIC.format(line=line_of(p)), p) for p in events])
        assert wait_until(lambda: count(db_url, "events") > 0, 30)
    finally:
        first.kill()
    second = StoreProcess(config, "store-persistent")
    try:
        second.wait_for_log("subscribed to")
        assert wait_until(lambda: count(db_url, "events") == len(events), 60)
        counts = second.stop()
    finally:
        second.kill()
    assert counts["dead_lettered"] == 0
    assert count(db_url, "events") == len(events)


@pytest.mark.slow
def test_agent_outbox_publisher_to_store(mosquitto, db_url, tmp_path):
    """The agent's own events (core.epcis) from its outbox, sent by its Publisher."""
    from decimal import Decimal

    from lotedge.core import epcis
    from lotedge.publish.publisher import Publisher
    from lotedge.state import db as state
    from lotedge.state import outbox
    from tests.publish.helpers import plain_config
    from tests.publish.samples import BREAD, FLOUR, SALT, SITE, WHEN, consumption, output

    mqtt_config = plain_config(mosquitto)
    filter_ = f"{mqtt_config.topic_prefix}/+/+/events"
    config = store_config(
        tmp_path, port=mosquitto, database_url=db_url, schema=None, topic_filter=filter_
    )
    events = [
        consumption(lot="F 7/1", n=1),
        consumption(material=SALT, gtin=None, lot="S 1/2", quantity=Decimal("0.5"), n=2),
        output(lot="26329L10001", event_id="urn:uuid:00000000-0000-0000-0000-000000000003"),
    ]
    state.open_state(tmp_path / "state").close()
    state_path = tmp_path / "state" / state.STATE_FILE
    conn = state.connect(state_path)
    with state.transaction(conn):
        for event in events:
            payload = epcis.encode(event)
            outbox.enqueue(
                conn,
                topic="events",
                payload=payload,
                event_id=event["eventID"],
                created_at=WHEN.timestamp(),
            )
    conn.close()
    store = StoreProcess(config, "store-agent")
    publisher = Publisher(mqtt_config, SITE, state_path)
    try:
        store.wait_for_log(f"subscribed to $share/lotedge-store/{filter_}")
        publisher.start()
        assert wait_until(lambda: count(db_url, "events") == len(events), 30)
        assert store.stop() == dict.fromkeys(
            ("duplicate", "conflict", "retracted", "dead_lettered"), 0
        ) | {"stored": 3}
    finally:
        publisher.stop()
        store.kill()
    with Database(db_url) as database:
        queries = TraceQueries(database)
        back = queries.trace(queries.resolve("26329L10001"), "backward").to_json()
    sources = {(lot["lot"], lot["gtin"], lot["material"], lot["vendor"]) for lot in back["lots"]}
    assert sources == {
        ("26329L10001", BREAD.gtin, None, None),
        ("F 7/1", FLOUR.gtins[0], "FLOUR", "Mill AS"),
        ("S 1/2", None, "SALT 1/2", None),
    }
    assert back["batches"][0]["line"] == SITE.line
