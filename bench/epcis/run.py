"""EPCIS REST binding benchmark: capture throughput beside MQTT ingest, and query page latency.

* `capture`: the same events (the trace benchmark's genealogy, made by the agent's builders)
  stored twice, each into a fresh database: published one by one over MQTT (QoS 1, a private
  Mosquitto) to the store's subscriber, and posted to `POST /epcis/capture` as EPCISDocuments
  of 1,000 events, each capture job followed to its end. Events/s from the first message to
  the last event stored, and the ratio capture / MQTT (target >= 0.8).
* `query`: `GET /epcis/events` pages over HTTP on a store of `--events` events (1,000,000 by
  default; bulk-loaded through the ingest): the first page, deep pages through nextPageToken,
  eventType, EQ_bizStep, a time window and MATCH_anyEPCClass of a random lot. Median and p99
  per query (target p99 < 50 ms).

    .venv/bin/python -m bench.epcis.run capture [--events 20000]
    .venv/bin/python -m bench.epcis.run query [--events 1000000] [--pg URL]

PostgreSQL runs beside SQLite when --pg URL or LOTEDGE_TEST_PG_URL is given (scratch schemas,
dropped after).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from bench.common import percentile
from bench.trace.run import T0, family_events
from lotedge.config.store import StoreMqttConfig
from lotedge.masterdata.items import Material
from lotedge.store.db import Database, open_database
from lotedge.store.ingest import Ingestor, Message
from lotedge.store.subscriber import EventSubscriber
from tests.publish.broker import Mosquitto
from tests.store.epcis_http import Client, store_http
from tests.store.helpers import own_topic
from tests.store.vendor_data import receiving_event

DEPTH, WIDTH, PER_FAMILY = 10, 8, 10 * 8 * 4
FLOUR = Material(code="M0", name="flour", gtins=["00614141777778"], vendor="Vendor", uom="KGM")
DOCUMENT = 1000


def events(n: int) -> list[bytes]:
    """About `n` events: whole families of the trace benchmark's genealogy, and a goods receipt
    (an ObjectEvent) for each vendor lot."""
    rng, found = random.Random(7), []
    for family in range(max(1, n // (PER_FAMILY + WIDTH))):
        found += list(family_events(family, DEPTH, WIDTH, rng))
        for i in range(WIDTH):
            receipt = receiving_event(
                FLOUR, f"F{family}L0N{i}", eid=f"urn:uuid:{uuid.UUID(int=family * 100 + i)}",
                when=_when(family), reference=f"PO-{family}",
            )  # fmt: skip
            found.append(json.dumps(receipt).encode())
    return found


def _when(family: int) -> datetime:
    return T0 + timedelta(minutes=family)


def count(url: str) -> int:
    with Database(url) as db:
        row = db.fetchone("SELECT COUNT(*) FROM events")
        assert row is not None, "COUNT(*) returns a row"
        return int(row[0])


def mqtt_rate(url: str, payloads: list[bytes], broker: int) -> float:
    """Events/s of the store's MQTT path (publish to stored)."""
    config = StoreMqttConfig(
        port=broker, tls={"enabled": False}, shared_group="", session_expiry_seconds=0
    )
    db = open_database(url)
    subscriber = EventSubscriber(config, Ingestor(db), batch_size=500, client_id=None)
    stop = threading.Event()
    worker = threading.Thread(target=subscriber.run, args=(stop,))
    worker.start()
    assert subscriber.subscribed.wait(10)
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.max_inflight_messages_set(1000)
    client.connect("127.0.0.1", broker)
    client.loop_start()
    started = time.perf_counter()
    for body in payloads:
        client.publish(own_topic(body), body, qos=1)
    while count(url) < len(payloads):
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    client.loop_stop()
    client.disconnect()
    stop.set()
    worker.join()
    db.close()
    return len(payloads) / seconds


def capture_rate(url: str, payloads: list[bytes]) -> float:
    """Events/s of `POST /epcis/capture` with documents of 1,000 events (posted to stored)."""
    with store_http(url, capture_limit=DOCUMENT) as base:
        client = Client(base)
        documents = []
        for start in range(0, len(payloads), DOCUMENT):
            chunk = [json.loads(p) for p in payloads[start : start + DOCUMENT]]
            context = chunk[0]["@context"]
            for event in chunk:
                del event["@context"]
            documents.append(json.dumps({"@context": context, "type": "EPCISDocument",
                "schemaVersion": "2.0", "creationDate": "2026-01-01T00:00:00Z",
                "epcisBody": {"eventList": chunk}}).encode())  # fmt: skip
        started = time.perf_counter()
        jobs = [client.request("POST", "/epcis/capture", d).headers["Location"] for d in documents]
        for job in jobs:
            assert client.follow(job, timeout=600)["success"]
        seconds = time.perf_counter() - started
    assert count(url) == len(payloads)
    return len(payloads) / seconds


QUERIES = {
    "first page": lambda rng, lots: {},
    "eventType=ObjectEvent": lambda rng, lots: {"eventType": "ObjectEvent"},
    "EQ_bizStep=receiving": lambda rng, lots: {"EQ_bizStep": "receiving"},
    "time window (1 h)": lambda rng, lots: _window(rng),
    "MATCH_anyEPCClass": lambda rng, lots: {"MATCH_anyEPCClass": rng.choice(lots)},
}


def _window(rng: random.Random) -> dict[str, str]:
    """An hour within the events' times (a family a minute from T0)."""
    start = T0 + timedelta(minutes=rng.randrange(0, 3000))
    end = start + timedelta(hours=1)
    return {"GE_eventTime": start.isoformat(), "LT_eventTime": end.isoformat()}


def query_latencies(url: str, n: int, samples: int, per_page: int) -> dict[str, list[float]]:
    with open_database(url) as db:
        ingestor, pending = Ingestor(db), []
        for body in events(n):
            pending.append(Message(body, own_topic(body)))
            if len(pending) == 1000:
                ingestor.ingest(pending)
                pending = []
        ingestor.ingest(pending)
        db.execute("ANALYZE")
        lots = [r[0] for r in db.fetchall("SELECT epc_class FROM lots ORDER BY id LIMIT 5000")]
    rng, times = random.Random(3), dict[str, list[float]]()
    with store_http(url) as base:
        client = Client(base)
        for name, params in QUERIES.items():
            times[name] = []
            for _ in range(samples):
                asked = {**params(rng, lots), "perPage": str(per_page)}
                started = time.perf_counter()
                reply = client.request("GET", "/epcis/events", params=asked)
                times[name].append(time.perf_counter() - started)
                assert reply.status == 200, reply.body[:300]
        times["next pages (deep)"] = []
        token_params = {"perPage": str(per_page)}
        for _ in range(samples):  # walk on through the whole store, page after page
            started = time.perf_counter()
            reply = client.request("GET", "/epcis/events", params=token_params)
            times["next pages (deep)"].append(time.perf_counter() - started)
            link = reply.headers.get("Link")
            token = link.split("nextPageToken=")[1].split("&")[0].split(">")[0] if link else None
            token_params = {"perPage": str(per_page), **({"nextPageToken": token} if token else {})}
    return times


@contextmanager
def databases(pg: str | None, copies: int = 1) -> Iterator[list[tuple[str, list[str]]]]:
    """`copies` fresh databases of each kind: SQLite files, and PostgreSQL scratch schemas when
    `pg` is given (dropped after)."""
    schemas = [f"bench_{uuid.uuid4().hex[:8]}" for _ in range(copies)] if pg else []
    with tempfile.TemporaryDirectory() as tmp:
        found = [("SQLite", [f"sqlite:///{Path(tmp) / f'{n}.db'}" for n in range(copies)])]
        if pg:
            import psycopg

            from tests.store.conftest import pg_schema_url

            with psycopg.connect(pg, autocommit=True) as conn:
                for schema in schemas:
                    conn.execute(f'CREATE SCHEMA "{schema}"')
            found.append(("PostgreSQL", [pg_schema_url(pg, schema) for schema in schemas]))
        try:
            yield found
        finally:
            if pg:
                with psycopg.connect(pg, autocommit=True) as conn:
                    for schema in schemas:
                        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("capture", "query"))
    parser.add_argument("--events", type=int)
    parser.add_argument("--samples", type=int, default=200, help="requests per query")
    parser.add_argument("--per-page", type=int, default=100)
    parser.add_argument("--pg", default=os.environ.get("LOTEDGE_TEST_PG_URL"))
    args = parser.parse_args(argv)
    print(f"load average {os.getloadavg()[0]:.2f}", flush=True)
    if args.what == "capture":
        payloads = events(args.events or 20_000)
        broker = Mosquitto(Path(tempfile.mkdtemp()), None)
        broker.start()
        try:
            with databases(args.pg, copies=2) as found:
                for kind, (mqtt_url, capture_url) in found:
                    via_mqtt = mqtt_rate(mqtt_url, payloads, broker.port)
                    via_capture = capture_rate(capture_url, payloads)
                    print(
                        f"{kind}: {len(payloads):,} events; MQTT {via_mqtt:,.0f} events/s, "
                        f"capture {via_capture:,.0f} events/s, "
                        f"ratio {via_capture / via_mqtt:.2f}",
                        flush=True,
                    )
        finally:
            broker.stop()
        return 0
    with databases(args.pg) as found:
        for kind, (url,) in found:
            times = query_latencies(url, args.events or 1_000_000, args.samples, args.per_page)
            for name, samples in times.items():
                ms = sorted(s * 1000 for s in samples)
                median, p99 = ms[len(ms) // 2], percentile(ms, 99)
                print(f"{kind}: {name}: median {median:.1f} ms, p99 {p99:.1f} ms", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
