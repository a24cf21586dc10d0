"""Holds and recalls issued from the store over a real Mosquitto: `lotedge hold LOT --forward`
sends hold.add for the lot and every lot downstream of it to every line the store has heard
from (fake lines here, subscribed to the command topics), reports which lines confirmed, and
releases; then the same with real agents, which refuse the held lots at the scanner."""

from __future__ import annotations

import json
import subprocess
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from lotedge.apps.broker import free_port
from lotedge.store.db import Database
from lotedge.store.ingest import Ingestor, IngestOutcome, Message
from lotedge.store.vendors import VendorReport
from lotedge.wire.identifiers import gtin_lot_class, gtin_lot_link
from tests.conftest import write_config
from tests.core.daemon_helpers import control_client, start_daemon
from tests.publish.helpers import Subscriber, agent_mqtt_toml

from .agent_events import consumption, event_id, output, payload, rejected_scan
from .helpers import StoreProcess, store_config, wait_until
from .test_answers import run_cli

T0 = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
EXPIRY = date(2049, 1, 31)
PREFIX = "lotedge/v1/PLANT1"
FLOUR_GTIN = "09501101530003"  # FLOUR in the example config
SUGAR_GTIN = "09501101530010"  # SUGAR there; here also the GTIN of our intermediate D1
BREAD_GTIN, PACK_GTIN = "20614141777772", "30614141777779"

# vendor lot V ─ B1@L1 ─▶ D1 ─ B2@L2 ─▶ BR1 ─ B3@L3 ─▶ P1      (three levels below V)
#            └ B4@L1 ─▶ D2                                    X ─ B5@L1 ─▶ Y (unrelated)
# (V, D1, D2 and X as Digital Links, as a line writes them when its biip lacks their prefix)
V = gtin_lot_link(FLOUR_GTIN, "25ABC")
D1, D2 = gtin_lot_link(SUGAR_GTIN, "D1"), gtin_lot_link(SUGAR_GTIN, "D2")
BR1, P1 = gtin_lot_class(BREAD_GTIN, "BR1"), gtin_lot_class(PACK_GTIN, "P1")
X, Y = gtin_lot_link(FLOUR_GTIN, "X9"), gtin_lot_class(BREAD_GTIN, "Y1")
MATERIAL = {V: "FLOUR", X: "FLOUR", D1: "SUGAR", BR1: "BREAD"}
GENEALOGY = [("B1", "L1", V, D1), ("B2", "L2", D1, BR1), ("B3", "L3", BR1, P1)]
GENEALOGY += [("B4", "L1", V, D2), ("B5", "L1", X, Y)]
DOWNSTREAM = {"25ABC", "D1", "D2", "BR1", "P1"}


def genealogy(batches: list[tuple[str, str, str, str]] = GENEALOGY) -> list[Message]:
    """The batches above as the lines publish them, plus a rejected scan from line L4 (so the
    store knows four lines: three from events, one from rejections)."""
    messages = []
    for n, (batch, line, source, made) in enumerate(batches):
        when = T0 + timedelta(minutes=10 * n)
        consume = consumption(
            source,
            5.0,
            line=line,
            batch=batch,
            material=MATERIAL[source],
            when=when,
            eid=event_id(batch, "in"),
        )
        produce = output(
            made,
            5.0,
            line=line,
            batch=batch,
            product="P",
            expiry=EXPIRY,
            when=when + timedelta(minutes=5),
            eid=event_id(batch, "out"),
        )
        for event in (consume, produce):
            messages.append(Message(payload(event), f"{PREFIX}/{line}/events"))
    if batches is GENEALOGY:
        scan = rejected_scan(eid=event_id("r"), when=T0, reason="expired")
        messages.append(Message(payload(scan), f"{PREFIX}/L4/rejections"))
    return messages


def store_db(db_url: str, messages: list[Message] | None = None) -> None:
    with Database(db_url) as db:
        db.create_schema()
        stored = Ingestor(db).ingest(messages or genealogy())
        assert set(stored) == {IngestOutcome.STORED}


class FakeLines:
    """Subscribes to every line's command requests, as the agents do; answers `ok` for the
    lines in `answering` and keeps quiet for the others (offline)."""

    def __init__(self, port: int, answering: set[str]) -> None:
        self.requests: list[tuple[str, str, dict[str, Any]]] = []
        self.answering = answering
        self._lock = threading.Lock()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"fake-lines-{uuid.uuid4().hex[:8]}",
            protocol=MQTTProtocolVersion.MQTTv311,
        )
        self.client.on_message = self._on_message
        subscribed = threading.Event()
        self.client.on_subscribe = lambda *_: subscribed.set()
        self.client.connect("127.0.0.1", port, 30)
        self.client.loop_start()
        self.client.subscribe(f"{PREFIX}/+/cmd/request/+", qos=1)
        assert subscribed.wait(10)
        status = json.dumps({"state": "offline"}).encode()
        self.client.publish(f"{PREFIX}/L4/status", status, qos=1, retain=True).wait_for_publish(10)

    def _on_message(self, client: mqtt.Client, _u: object, message: mqtt.MQTTMessage) -> None:
        line, op = message.topic.split("/")[-4], message.topic.split("/")[-1]
        body = json.loads(message.payload)
        with self._lock:
            self.requests.append((line, op, body))
        if line in self.answering:
            answer = {"status": "ok", "data": {}, "transaction": body["transaction"]}
            topic = f"{PREFIX}/{line}/cmd/response/{op}"
            client.publish(topic, json.dumps(answer).encode(), qos=1)

    def taken(self) -> list[tuple[str, str, dict[str, Any]]]:
        with self._lock:
            taken, self.requests = self.requests, []
        return taken

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def fake_lines(mosquitto: int) -> Iterator[FakeLines]:
    lines = FakeLines(mosquitto, answering={"L1", "L2", "L3"})
    yield lines
    lines.close()


def test_forward_hold_reaches_every_downstream_lot_on_every_line(
    db_url: str, mosquitto: int, fake_lines: FakeLines, tmp_path, capsys
):
    store_db(db_url)
    config = store_config(tmp_path, port=mosquitto, database_url=db_url, schema=None)
    hold = ("hold", "25ABC", "--forward", "--reason", "mould", "-c", str(config))
    code, out, _ = run_cli(capsys, *hold, "--timeout", "3")  # the issue's own words
    assert code == 4, out  # recorded and sent, but line L4 did not answer
    expected = {(line, lot) for line in ("L1", "L2", "L3", "L4") for lot in DOWNSTREAM}
    first = wait_for(fake_lines, len(expected))
    assert {(line, body["lot"]) for line, _, body in first} == expected
    assert len(first) == len(expected)  # once each
    assert {op for _, op, _ in first} == {"hold.add"}
    hold_id = result_id(out)
    assert all(
        body.keys() == {"hold_id", "material", "lot", "reason", "source", "transaction"}
        and (body["hold_id"], body["material"], body["reason"], body["source"])
        == (hold_id, "*", "mould", "store")
        and body["transaction"] == f"{hold_id}/{body['lot']}"
        for _, _, body in first
    )
    assert "5 lots: 25ABC D1 D2 BR1 P1" in out
    assert ["PLANT1/L1", "confirmed", "5", "of", "5"] in [line.split() for line in out.splitlines()]
    assert "PLANT1/L4" in out and "(its status: offline)" in out and "persistent session" in out

    # the same hold again: the record is reused, the commands carry the same transactions
    code, out, _ = run_cli(capsys, *hold, "--timeout", "3", "--json")
    result = json.loads(out)
    assert code == 4 and result["reused"] is True
    again = wait_for(fake_lines, len(expected))
    assert {(ln, b["lot"], b["transaction"]) for ln, _, b in again} == {
        (ln, b["lot"], b["transaction"]) for ln, _, b in first
    }
    confirmed = {line["line"]: sorted(line["confirmed"]) for line in result["lines"]}
    assert confirmed == {
        **{f"PLANT1/L{n}": sorted(DOWNSTREAM) for n in (1, 2, 3)},
        "PLANT1/L4": [],
    }

    # a recall of D1 alone (no --forward), then the release of the hold: D1 stays held
    code, out, _ = run_cli(
        capsys, "hold", "D1", "--recall", "--reason", "recall", "-c", str(config)
    )
    assert {(line, body["lot"]) for line, _, body in wait_for(fake_lines, 4)} == {
        (line, "D1") for line in ("L1", "L2", "L3", "L4")
    }
    code, out, _ = run_cli(
        capsys, "store", "hold", "25ABC", "--release", "-c", str(config), "--timeout", "1"
    )
    assert code == 4 and "still refused at the lines, under another active hold: D1" in out
    released = wait_for(fake_lines, 20)  # every lot of the hold: the recall has its own id
    assert {(line, op, body["lot"]) for line, op, body in released} == {
        (line, "hold.remove", lot) for line in ("L1", "L2", "L3", "L4") for lot in DOWNSTREAM
    }
    assert all(
        body.keys() == {"hold_id", "material", "lot", "transaction"} and body["hold_id"] == hold_id
        for _, _, body in released
    )
    code, out, _ = run_cli(capsys, "store", "holds", "--active", "--json", "--db", db_url)
    assert [(h["kind"], h["lot"], h["lots"]) for h in json.loads(out)["holds"]] == [
        ("recall", "D1", 1)
    ]
    # L4 never confirmed: the release run again sends the same commands (same transactions)
    release = ("hold", "25ABC", "--release", "-c", str(config), "--timeout", "1")
    code, out, _ = run_cli(capsys, *release)
    assert code == 4 and "(already released: sent again): 5 lots" in out
    resent = wait_for(fake_lines, 20)
    assert sorted((ln, b["lot"], b["transaction"]) for ln, _, b in resent) == sorted(
        (ln, b["lot"], b["transaction"]) for ln, _, b in released
    )
    code, out, _ = run_cli(capsys, "store", "holds", "--active", "--json", "--db", db_url)
    assert len(json.loads(out)["holds"]) == 1  # still only the recall
    code, _, err = run_cli(capsys, "hold", "X9", "--release", "-c", str(config))
    assert code == 1 and "no hold of X9 to release" in err


def test_hold_without_reason_or_broker_says_so(db_url: str, tmp_path, capsys):
    store_db(db_url)
    port = free_port()
    config = store_config(tmp_path, port=port, database_url=db_url, schema=None)
    code, _, err = run_cli(capsys, "hold", "25ABC", "--forward", "-c", str(config))
    assert code == 2 and "--reason" in err
    code, out, err = run_cli(capsys, "hold", "25ABC", "--reason", "x", "-c", str(config))
    assert code == 4 and "commands not sent" in err and "the hold is recorded" in err
    code, out, _ = run_cli(capsys, "store", "holds", "--json", "--db", db_url)
    assert [h["lot"] for h in json.loads(out)["holds"]] == ["25ABC"]
    code, out, _ = run_cli(capsys, "store", "holds", "--db", db_url)
    hold_id = json.loads(run_cli(capsys, "store", "holds", "--json", "--db", db_url)[1])
    hold_id = hold_id["holds"][0]["hold_id"]
    assert out.startswith(f"{hold_id}  hold of 25ABC (1 lot): x (issued ")


def test_agent_hold_commands_keep_their_meaning(tmp_path, capsys):
    """`lotedge hold add MATERIAL LOT` is still the agent's: it talks to the control socket."""
    config = tmp_path / "missing.toml"
    code, _, err = run_cli(capsys, "hold", "add", "FLOUR", "L1", "--reason", "x", "-c", str(config))
    assert code == 2 and "run 'lotedge config check FILE'" in err  # the agent's loader said it


@pytest.mark.slow
def test_real_agents_refuse_the_held_lots(mosquitto: int, tmp_path: Path, capsys):
    """Two `lotedge run` agents (lines L1 and L2) on the broker; the store knows both from their
    topics. `lotedge hold 25ABC --forward` makes L1 refuse the vendor lot and L2 the
    intermediate D1 made from it; a recall of D1 keeps D1 refused after the hold's release, and
    its own release makes it acceptable again. A `lotedge store` process takes the agents'
    refusals and consumptions meanwhile: the vendor report counts them with the holds. (SQLite
    only: the backends are compared by the other tests.)"""
    db_url = f"sqlite:///{tmp_path / 'trace.db'}"
    store_db(db_url, genealogy(GENEALOGY[:2]))  # V ─ B1@L1 ─▶ D1 ─ B2@L2 ─▶ BR1
    agents, clients = [], {}
    status = Subscriber(mosquitto, f"{PREFIX}/+/status")
    store: StoreProcess | None = None
    try:
        for line in ("L1", "L2"):
            path = agent_config(tmp_path / line, line, mosquitto)
            agents.append(start_daemon(path))
            clients[line] = control_client(path)
        assert wait_until(
            lambda: (
                {t.split("/")[-2] for t, p, _ in status.messages if b"online" in p} == {"L1", "L2"}
            ),
            20,
        )
        config = store_config(tmp_path, port=mosquitto, database_url=db_url, schema=None)
        store = StoreProcess(config, "store-e2e")
        store.wait_for_log("subscribed to")
        hold = ("hold", "25ABC", "--forward", "--reason", "mould in silo 3", "-c", str(config))
        code, out, _ = run_cli(capsys, *hold, "--timeout", "20")
        assert code == 0, out
        assert "5 lots" not in out and "3 lots: 25ABC D1 BR1" in out
        clients["L1"].request("batch.start", product="BREAD")
        clients["L2"].request("batch.start", product="CAKE")
        for line, scan in (("L1", FLOUR_25ABC), ("L2", SUGAR_D1)):
            refused = clients[line].request("scan", data=scan)["data"]
            assert (refused["reason"], line) == ("on_hold", line)
            assert "mould in silo 3" in refused["message"]
        recall = ("hold", "D1", "--recall", "--reason", "recall 7", "-c", str(config))
        assert run_cli(capsys, *recall, "--timeout", "20")[0] == 0
        release = ("--release", "-c", str(config), "--timeout", "20")
        code, out, _ = run_cli(capsys, "hold", "25ABC", *release)
        assert code == 0, out
        assert clients["L1"].request("scan", data=FLOUR_25ABC)["data"]["reason"] == "accepted"
        refused = clients["L2"].request("scan", data=SUGAR_D1)["data"]  # the recall holds it
        assert refused["reason"] == "on_hold" and "recall 7" in refused["message"]
        assert run_cli(capsys, "hold", "D1", "--recall", *release)[0] == 0
        assert clients["L2"].request("scan", data=SUGAR_D1)["data"]["reason"] == "accepted"
        with Database(db_url) as db:  # 3 refusals, 2 consumptions
            assert wait_until(lambda: count(db, "rejections") == 3, 20)
            assert wait_until(lambda: count(db, "events") == 4 + 2, 20)
            report = {e["vendor"]: e for e in VendorReport(db).vendors()}
        assert store.stop()["dead_lettered"] == 0
        mills, sweet = report["Northern Mills"], report["Sweet & Co"]  # the example's vendors
        assert mills["rejected"]["line"]["by_reason"] == {"on_hold": 1}
        assert sweet["rejected"]["line"]["by_reason"] == {"on_hold": 2}
        assert (mills["held_lots"], mills["recalled_lots"]) == (1, 0)
        assert (sweet["held_lots"], sweet["recalled_lots"]) == (1, 1)
    finally:
        shut_down(store, status, agents)


def shut_down(
    store: StoreProcess | None, status: Subscriber, agents: list[subprocess.Popen[bytes]]
) -> None:
    """The end of a test with real agents: store killed (if not stopped), agents stopped."""
    if store is not None:
        store.kill()
    status.close()
    for agent in agents:
        agent.terminate()
        agent.wait(20)


FLOUR_25ABC = "]C10109501101530003174901311025ABC"
SUGAR_D1 = "]C101095011015300101749013110D1"


def agent_config(directory: Path, line: str, port: int, extra: str = "") -> Path:
    directory.mkdir()
    replace = {'line = "L1"': f'line = "{line}"', 'device_id = "edge-l1"': f'device_id = "{line}"'}
    return write_config(directory, extra=agent_mqtt_toml(port) + extra, replace=replace)


def count(db: Database, table: str) -> int:
    row = db.fetchone(f"SELECT COUNT(*) FROM {table}")
    assert row is not None
    return row[0]


def result_id(out: str) -> str:
    """The hold id `lotedge hold` printed first: `hold S-... : n lots: ...`."""
    kind, hold_id = out.split(":")[0].split()[:2]
    assert kind in ("hold", "recall") and hold_id.startswith("S-"), out
    return hold_id


def wait_for(lines: FakeLines, count: int) -> list[tuple[str, str, dict[str, Any]]]:
    """The requests the fake lines got, once `count` have come (QoS 1 may repeat one)."""
    got: list[tuple[str, str, dict[str, Any]]] = []

    def enough() -> bool:
        got.extend(lines.taken())
        return len(got) >= count

    assert wait_until(enough, 20), got
    return got
