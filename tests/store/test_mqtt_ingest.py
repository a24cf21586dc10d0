"""Real broker, real store processes: publish with paho -> Mosquitto -> `lotedge store` -> trace."""

from __future__ import annotations

import json
import urllib.request

import paho.mqtt.client as mqtt
import pytest
from conftest import TOKEN, StoreProcess, free_port, store_config, wait_until
from genealogy_data import bakery, numbered_events
from paho.mqtt.enums import CallbackAPIVersion

from lotedge.store.db import Database
from lotedge.store.query import TraceQueries

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
}


def count(url: str, table: str) -> int:
    with Database(url) as db:
        row = db.fetchone(_COUNT[table])
    assert row is not None
    return row[0]


def line_of(payload: bytes) -> str:
    return json.loads(payload).get("lotedge:line", "L1")


@pytest.mark.slow
def test_end_to_end_publish_store_trace(mosquitto, db_url, schema_path, tmp_path):
    api_port = free_port()
    config = store_config(
        tmp_path, port=mosquitto, database_url=db_url, schema=schema_path, api_port=api_port
    )
    store = StoreProcess(config, "store-e2e")
    try:
        store.wait_for_log("subscribed to $share/lotedge-store/lotedge/v1/+/+/events")
        messages = [m.payload for m in bakery()]
        bad = b'{"type": "TransformationEvent", "eventID": "urn:uuid:x"}'
        # The duplicate and then the bad event on one topic (ordered): once the bad one is
        # stored, so is the duplicate.
        last = TOPIC.format(line=line_of(messages[0]))
        publish(
            mosquitto,
            [(TOPIC.format(line=line_of(p)), p) for p in messages]
            + [(last, messages[0]), (last, bad)],
        )
        assert wait_until(lambda: count(db_url, "events") == len(messages), 30)
        assert wait_until(lambda: count(db_url, "dead_letters") == 1, 30)
        request = urllib.request.Request(
            f"http://127.0.0.1:{api_port}/v1/trace/forward?lot=F1",
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            lots = {lot["lot"] for lot in json.load(response)["lots"]}
        assert lots == {"F1", "D1", "D2", "BR1", "P1"}
        counts = store.stop()
    finally:
        store.kill()
    assert counts == {"stored": len(messages), "duplicate": 1, "dead_lettered": 1}
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
        assert wait_until(lambda: count(db_url, "events") == len(events), 30)
        counts = [store.stop() for store in stores]
    finally:
        for store in stores:
            store.kill()
    assert [c["duplicate"] for c in counts] == [0, 0]
    assert [c["dead_lettered"] for c in counts] == [0, 0]
    assert sum(c["stored"] for c in counts) == len(events)
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
