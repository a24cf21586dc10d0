"""Forwarding (`[store.forward]`): every stored event reaches another lotedge store through its
EPCIS capture interface, in documents no larger than the peer's capture limit, each capture job
followed to its end; nothing is lost while the peer is down. The peer is a real store (its HTTP
service in-process for the quick tests, a `lotedge store` process for the end-to-end one)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from lotedge.config.store import StoreForwardConfig
from lotedge.store.db import Database
from lotedge.store.forward import Forwarder, PeerUnavailable
from lotedge.store.ingest import Ingestor, Message
from tests.publish.broker import free_port

from . import partner_events as wms
from .epcis_http import TOKEN, Client, store_http
from .genealogy_data import bakery, numbered_events
from .helpers import StoreProcess, own_topic, store_config, wait_until
from .test_mqtt_ingest import publish

CONFLICTING = {"eventID": "urn:uuid:5e1d0000-0000-4000-8000-000000000001"}


def forwarder(source: Database, url: str, **settings: object) -> Forwarder:
    config = StoreForwardConfig(url=url, retry_min_seconds=0.05, poll_seconds=0.02, **settings)
    return Forwarder(config, source, TOKEN, Path("."))


def outbox(db: Database) -> int:
    return db.fetchone("SELECT COUNT(*) FROM forward_outbox")[0]


def stored(db_url: str) -> dict[str, str]:
    with Database(db_url) as db:
        return dict(db.fetchall("SELECT event_id, body FROM events"))


@pytest.fixture
def source(db: Database) -> Database:
    """A store with forwarding on, holding the bakery's events."""
    Ingestor(db, forward=True).ingest(bakery())
    return db


def test_the_outbox_reaches_the_peer_in_documents_of_its_capture_limit(source, tmp_path):
    peer_url = f"sqlite:///{tmp_path / 'peer.db'}"
    with Database(peer_url) as peer:
        peer.create_schema()
    with store_http(peer_url, capture_limit=4) as base:
        sender = forwarder(source, f"{base}/epcis", batch_size=500)
        sizes = []
        while outbox(source):
            sizes.append(sender.forward_once())
        jobs = Client(base).request("GET", "/epcis/capture", params={"perPage": "100"}).json()
    assert sender.batch == 4 and max(sizes) == 4 and sum(sizes) == len(bakery())
    assert all(job["success"] and sum(job["counts"].values()) <= 4 for job in jobs)
    ours = {e: json.loads(b) for e, b in source.fetchall("SELECT event_id, body FROM events")}
    theirs = {e: json.loads(b) for e, b in stored(peer_url).items()}
    assert theirs == ours  # every event, whole, @context and all


def test_a_peer_that_is_down_loses_nothing(source, tmp_path):
    peer_url = f"sqlite:///{tmp_path / 'peer.db'}"
    with Database(peer_url) as peer:
        peer.create_schema()
    port = free_port()
    sender = forwarder(source, f"http://127.0.0.1:{port}/epcis")
    with pytest.raises(PeerUnavailable, match="refused"):
        sender.forward_once()
    assert outbox(source) == len(bakery())
    stop = threading.Event()
    running = threading.Thread(target=sender.run, args=(stop,))
    running.start()  # retrying with backoff while the peer is down
    try:
        with store_http(peer_url) as base:
            sender.capture_url = f"{base}/epcis/capture"  # the peer came back (on a new port)
            assert wait_until(lambda: outbox(source) == 0, 30)
    finally:
        stop.set()
        running.join()
    assert len(stored(peer_url)) == len(bakery())


def test_an_event_the_peer_refuses_is_dead_lettered_and_blocks_nothing(source, tmp_path):
    peer_url = f"sqlite:///{tmp_path / 'peer.db'}"
    ours = {
        **CONFLICTING,
        **wms.pack(
            wms.sscc(5), ["urn:epc:class:lgtin:952012.0000001.A"], "2026-11-26T08:00:00+01:00"
        ),
    }
    theirs = {**ours, "action": "OBSERVE"}
    with Database(peer_url) as peer:
        peer.create_schema()
        Ingestor(peer).ingest([Message(wms.bare(theirs))])
    Ingestor(source, forward=True).ingest([Message(wms.bare(ours))])
    with store_http(peer_url) as base:
        sender = forwarder(source, f"{base}/epcis")
        while outbox(source):
            sender.forward_once()
    (row,) = source.fetchall("SELECT source, code, reason, payload FROM dead_letters")
    assert row[:2] == (f"{base}/epcis/capture", "forwarding")
    assert (
        "is stored with other content" in row[2]
        and bytes(row[3]).decode() == CONFLICTING["eventID"]
    )
    assert len(stored(peer_url)) == len(bakery()) + 1


@pytest.mark.slow
def test_two_store_processes_forward_across_the_peers_downtime(mosquitto, tmp_path):
    """`lotedge store` A takes events from MQTT and forwards them to store B's /epcis/capture.
    B is down at first, comes up, goes down while more events arrive, and comes back: B ends
    with every event once."""
    peer_port, a_db, b_db = (
        free_port(),
        f"sqlite:///{tmp_path / 'a.db'}",
        f"sqlite:///{tmp_path / 'b.db'}",
    )
    forward = f"""
[store.forward]
url = "http://127.0.0.1:{peer_port}/epcis"
token = {{ env = "LOTEDGE_TEST_TOKEN" }}
batch_size = 25
retry_min_seconds = 0.2
retry_max_seconds = 1
poll_seconds = 0.05
"""
    a_config = store_config(
        tmp_path, port=mosquitto, database_url=a_db, schema=None, extra=forward, name="a.toml"
    )
    b_config = store_config(
        tmp_path,
        port=mosquitto,
        database_url=b_db,
        schema=None,
        api_port=peer_port,
        topic_filter="nobody/+/+/events",  # B takes events from A only
        name="b.toml",
    )
    first, later = numbered_events("fw1", 60), numbered_events("fw2", 40)
    a = StoreProcess(a_config, "store-a")
    b: StoreProcess | None = None
    try:
        a.wait_for_log("subscribed to")
        publish(mosquitto, [(own_topic(p), p) for p in first])
        a.wait_for_log("forwarding to http://127.0.0.1:", 30)  # the peer is down: retrying
        b = StoreProcess(b_config, "store-b")
        assert wait_until(lambda: _count(b_db) == len(first), 60)
        b.stop()
        b = None
        publish(mosquitto, [(own_topic(p), p) for p in later])
        assert wait_until(lambda: _count(a_db) == len(first) + len(later), 30)
        b = StoreProcess(b_config, "store-b")
        assert wait_until(lambda: _count(b_db) == len(first) + len(later), 60)
        assert wait_until(lambda: _count(a_db, "forward_outbox") == 0, 30)
        a.stop()
    finally:
        a.kill()
        if b is not None:
            b.kill()
    assert stored(a_db).keys() == stored(b_db).keys()


def _count(db_url: str, table: str = "events") -> int:
    try:
        with Database(db_url) as db:
            return db.fetchone(f"SELECT COUNT(*) FROM {table}")[0]
    except Exception:  # not created yet
        return 0
