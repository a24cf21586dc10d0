"""Competing store instances on one MQTT 5 shared subscription, on PostgreSQL: each event
stored once, a kill -9 loses nothing, and where Mosquitto sends a killed store's events."""

from __future__ import annotations

import threading

import pytest

from lotedge.store.db import Database
from tests.publish.broker import private_mosquitto

from .genealogy_data import numbered_events
from .helpers import StoreProcess, store_config, wait_until
from .test_mqtt_ingest import TOPIC, count, line_of, publish

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def settled(url: str, quiet: float = 1.5, timeout: float = 30) -> int:
    """The event count once it has not changed for `quiet` seconds (bounded by `timeout`)."""
    last = [count(url, "events"), 0]

    def unchanged() -> bool:
        now = count(url, "events")
        last[1] = last[1] + 1 if now == last[0] else 0
        last[0] = now
        return last[1] * 0.05 >= quiet

    wait_until(unchanged, timeout)
    return last[0]


def conflicts_and_dead_letters(url: str) -> tuple[int, int]:
    with Database(url) as db:
        (conflicts,) = db.fetchone("SELECT COUNT(*) FROM conflicts") or (0,)
    return conflicts, count(url, "dead_letters")


def test_three_stores_one_killed_mid_stream_store_each_event_once(mosquitto, pg_url, tmp_path):
    """kill -9 of one of three instances while the lines publish; it comes back under its
    client id. Every event is in the database once; the survivors' counts show no resends
    stored twice."""
    config = store_config(tmp_path, port=mosquitto, database_url=pg_url, schema=None)
    events = numbered_events("competing", 3000)
    stores = {n: StoreProcess(config, f"store-{n}") for n in (1, 2, 3)}
    sender = threading.Thread(
        target=publish, args=(mosquitto, [(TOPIC.format(line=line_of(p)), p) for p in events])
    )
    try:
        for store in stores.values():
            store.wait_for_log("subscribed to $share/lotedge-store/")
        sender.start()
        assert wait_until(lambda: count(pg_url, "events") > 300, 60)
        stores[2].kill()
        killed_at = count(pg_url, "events")
        stores[2] = StoreProcess(config, "store-2")
        sender.join(60)
        assert wait_until(lambda: count(pg_url, "events") == len(events), 90), (
            count(pg_url, "events"),
            stores[2].log,
        )
        counts = {n: store.stop() for n, store in stores.items()}
    finally:
        sender.join(60)
        for store in stores.values():
            store.kill()
    assert killed_at < len(events)  # the kill was mid-stream
    assert count(pg_url, "events") == len(events)
    assert conflicts_and_dead_letters(pg_url) == (0, 0)
    # The killed instance stored some events before it died (its counts died with it): the
    # survivors and its successor stored the rest, each once.
    stored_after = sum(c["stored"] for c in counts.values())
    assert 0 < stored_after <= len(events), counts
    assert all(c["stored"] > 0 for c in counts.values()), counts


def test_mosquitto_sends_a_killed_stores_events_to_it_after_restart_not_to_a_sibling(
    mosquitto, pg_url, tmp_path
):
    """Mosquitto 2.0: what it sent a store and had not had acknowledged stays in that store's
    persistent session (so do new events of its share while it is down) and goes to the same
    client id when it is back; the sibling in the group never gets it."""
    config = store_config(tmp_path, port=mosquitto, database_url=pg_url, schema=None)
    events = numbered_events("redelivery", 400)
    a, b = StoreProcess(config, "store-a"), StoreProcess(config, "store-b")
    try:
        for store in (a, b):
            store.wait_for_log("subscribed to $share/lotedge-store/")
        a.pause()  # it receives its share and acknowledges none of it
        publish(mosquitto, [(TOPIC.format(line=line_of(p)), p) for p in events])
        a.kill()
        sibling_stored = settled(pg_url)
        assert 0 < sibling_stored < len(events), "the sibling took the killed store's events"
        a = StoreProcess(config, "store-a")
        assert wait_until(lambda: count(pg_url, "events") == len(events), 60), a.log
        counts_a, counts_b = a.stop(), b.stop()
    finally:
        a.kill()
        b.kill()
    assert counts_a["stored"] == len(events) - sibling_stored, counts_a
    assert counts_b["stored"] == sibling_stored, counts_b
    assert counts_a["duplicate"] == counts_b["duplicate"] == 0


def test_a_stopped_store_keeps_its_share_one_that_left_gives_it_to_the_group(
    mosquitto, pg_url, tmp_path
):
    """SIGTERM keeps the subscription in the session (the only store loses nothing over a
    restart); `--leave` unsubscribes and ends the session, so the others take every event."""
    config = store_config(tmp_path, port=mosquitto, database_url=pg_url, schema=None)
    stayer, leaver = StoreProcess(config, "store-stays"), StoreProcess(config, "store-leaves")
    try:
        for store in (stayer, leaver):
            store.wait_for_log("subscribed to $share/lotedge-store/")
        assert leaver.stop() == dict.fromkeys(
            ("stored", "duplicate", "conflict", "retracted", "dead_lettered"), 0
        )
        first = numbered_events("kept", 100)
        publish(mosquitto, [(TOPIC.format(line=line_of(p)), p) for p in first])
        half = settled(pg_url)
        assert 0 < half < len(first)  # the stopped store's share waits in its session
        leaver = StoreProcess(config, "store-leaves", "--leave")
        leaver.wait_for_log("subscribed to $share/lotedge-store/")
        assert wait_until(lambda: count(pg_url, "events") == len(first), 30)
        assert leaver.stop()["stored"] == len(first) - half
        second = numbered_events("after-leaving", 100)
        publish(mosquitto, [(TOPIC.format(line=line_of(p)), p) for p in second])
        assert wait_until(lambda: count(pg_url, "events") == len(first) + len(second), 30)
        assert stayer.stop()["stored"] == half + len(second)
    finally:
        stayer.kill()
        leaver.kill()


@pytest.mark.parametrize(("group", "kept"), [("", True), ("lotedge-store", False)])
def test_over_a_mosquitto_restart_a_plain_subscription_is_kept_a_shared_one_is_not(
    pg_url, tmp_path, group, kept
):
    """Mosquitto 2.0 restores a persistent session over its own restart with its plain
    subscriptions but without its shared ones: events published after the restart and before
    the stores subscribe again are dropped (docs/operations.md). The bench/fleet soak measured
    it; this pins the broker behaviour the deployment advice rests on."""
    config = store_config(tmp_path, port=0, database_url=pg_url, schema=None)
    with private_mosquitto(tmp_path / "mosquitto") as broker:
        config.write_text(
            config.read_text()
            .replace("port = 0", f"port = {broker.port}")
            .replace("[store.mqtt]\n", f'[store.mqtt]\nshared_group = "{group}"\n')
        )
        store = StoreProcess(config, "store-over-restart")
        try:
            store.wait_for_log("subscribed to")
            store.stop()  # the session keeps the subscription
            broker.stop()
            broker.start()
            events = numbered_events(f"restart-{group}", 50)
            publish(broker.port, [(TOPIC.format(line=line_of(p)), p) for p in events])
            store = StoreProcess(config, "store-over-restart")
            store.wait_for_log("subscribed to")
            if kept:
                assert wait_until(lambda: count(pg_url, "events") == len(events), 30)
            else:
                assert settled(pg_url) == 0
            assert store.stop()["stored"] == (len(events) if kept else 0)
        finally:
            store.kill()
