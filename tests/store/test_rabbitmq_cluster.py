"""A three-node RabbitMQ cluster on loopback, started by the test: agents publish over MQTT
(3.1.1, the plugin's only version) with failover_hosts, two store instances consume one quorum
queue over AMQP, a node is stopped hard mid-stream. Nothing lost, nothing stored twice, and a
hold still goes out to every line over MQTT."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from lotedge.agent.requests import Reply, Request
from lotedge.config.loader import load_config
from lotedge.config.store import StoreConfig
from lotedge.masterdata.identity import Identity
from lotedge.mqtt.session import ConnectFailed
from lotedge.publish.publisher import Publisher
from lotedge.state import db as state
from lotedge.state import outbox
from lotedge.store.db import Database
from lotedge.store.line_commands import (
    Line,
    LineCommand,
    LineOutcome,
    known_lines,
    send_to_lines,
)
from tests.publish.helpers import plain_config
from tests.publish.samples import SITE
from tests.rabbitmq import Node, rabbit_cluster

from .genealogy_data import numbered_events
from .helpers import StoreProcess, store_config, wait_until
from .test_competing_stores import conflicts_and_dead_letters
from .test_mqtt_ingest import count

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
PER_LINE = 600


def others(nodes: list[Node], first: int, port: str) -> list[str]:
    """failover_hosts: the other nodes' `port` ('mqtt_port' or 'amqp_port'), in turn."""
    ring = nodes[first + 1 :] + nodes[:first]
    return [f"127.0.0.1:{getattr(n, port)}" for n in ring]


def store_toml(directory: Path, nodes: list[Node], first: int, prefix: str, db_url: str) -> Path:
    """A store consuming over AMQP from node `first` (then the others), holds over MQTT."""
    amqp = f"""
[store.amqp]
port = {nodes[first].amqp_port}
failover_hosts = {others(nodes, first, "amqp_port")}
reconnect_min_seconds = 0.2
reconnect_max_seconds = 1
connect_timeout_seconds = 3
[store.amqp.tls]
enabled = false
"""
    path = store_config(
        directory,
        port=nodes[first].mqtt_port,
        database_url=db_url,
        schema=None,
        topic_filter=f"{prefix}/+/+/events",
        extra=amqp,
        name=f"store{first}.toml",
    )
    text = path.read_text().replace(
        "[store.mqtt]\n",
        f'[store.mqtt]\nprotocol = "3.1.1"\nrejections_topic_filter = ""\n'
        f"failover_hosts = {others(nodes, first, 'mqtt_port')}\n",
    )
    path.write_text(text)
    return path


def agent_outbox(directory: Path, tag: str, identity: Identity) -> Path:
    """A state database whose outbox holds PER_LINE events of `identity`'s line (the store
    dead-letters an event that names another line than its topic's)."""
    state.open_state(directory).close()
    path = directory / state.STATE_FILE
    conn = state.connect(path)
    with state.transaction(conn):
        for n, body in enumerate(numbered_events(tag, PER_LINE)):
            event = {
                **json.loads(body),
                "lotedge:site": identity.site,
                "lotedge:line": identity.line,
            }
            payload = json.dumps(event).encode()
            outbox.enqueue(
                conn, topic="events", payload=payload, event_id=f"{tag}-{n}", created_at=0
            )
    conn.close()
    return path


def test_cluster_node_killed_mid_stream_loses_nothing_stores_nothing_twice(pg_url, tmp_path):
    with rabbit_cluster(tmp_path / "rabbit") as cluster:
        nodes = cluster.nodes
        prefix = f"fleet{tmp_path.name[-6:]}".replace("_", "")
        held: list[Request] = []

        def call(request: Request) -> Reply:
            held.append(request)
            return Reply(ok=True, data={"held": 1})

        agents = []
        for i in range(3):  # one line per node; MQTT 'auto': 5 is refused, 3.1.1 is used
            config = plain_config(
                nodes[i].mqtt_port,
                topic_prefix=prefix,
                failover_hosts=others(nodes, i, "mqtt_port"),
                session_expiry_seconds=600,
            )
            identity = SITE.model_copy(update={"line": f"L{i}", "device_id": f"edge{i}"})
            path = agent_outbox(tmp_path / f"agent{i}", f"line{i}", identity)
            agents.append(Publisher(config, identity, path, call=call))
        stores = [
            StoreProcess(store_toml(tmp_path, nodes, i, prefix, pg_url), f"store-{i}")
            for i in (0, 1)
        ]
        total = 3 * PER_LINE
        try:
            for store in stores:
                store.wait_for_log("consuming lotedge-store", timeout=60)
            for agent in agents:
                agent.start()
            assert wait_until(lambda: count(pg_url, "events") > total // 4, 60)
            cluster.kill(nodes[0])  # the queue's first leader, agent 0's and store 0's node
            killed_at = count(pg_url, "events")
            assert wait_until(lambda: count(pg_url, "events") == total, 90), (
                count(pg_url, "events"),
                [a.status() for a in agents],
                [s.log[-5:] for s in stores],
            )
            assert all(a.status().broker != f"127.0.0.1:{nodes[0].mqtt_port}" for a in agents)
            store_config_1 = load_config(tmp_path / "store1.toml").store
            assert store_config_1 is not None
            with Database(pg_url) as db:
                lines = known_lines(db)
            hold = LineCommand("LOT-9", {"material": "*", "lot": "LOT-9", "reason": "t"}, "h-1")
            answers = _send_until_acknowledged(store_config_1, tmp_path, lines, hold)
            counts = [store.stop() for store in stores]
        finally:
            for agent in agents:
                agent.stop()
            for store in stores:
                store.kill()
    assert killed_at < total  # the node died mid-stream
    assert count(pg_url, "events") == total
    assert conflicts_and_dead_letters(pg_url) == (0, 0)
    # Every event inserted once by one of the two stores; redeliveries count as duplicates.
    assert sum(c["stored"] for c in counts) == total, counts
    assert sorted(a.line.name for a in answers) == ["PLANT1/L0", "PLANT1/L1", "PLANT1/L2"]
    assert [a.answered for a in answers] == [1, 1, 1], [a.to_json() for a in answers]
    assert len(held) == 3


def _send_until_acknowledged(
    config: StoreConfig, base_dir: Path, lines: list[Line], hold: LineCommand
) -> list[LineOutcome]:
    """The hold sent as `lotedge hold` would, again while the broker does not acknowledge it:
    after a node's death a loaded cluster may take longer than one try to elect the new leaders
    of the queues the command is routed to. Sending again is safe: the lines answer a
    transaction they have seen from their command log, without applying it twice."""
    deadline = time.monotonic() + 120
    while True:
        try:
            return send_to_lines(config, base_dir, "hold.add", lines, [hold], 20)
        except ConnectFailed:
            if time.monotonic() > deadline:
                raise
