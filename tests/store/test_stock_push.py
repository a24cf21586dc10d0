"""`lotedge store lots push-stock` and `lotedge store expiring --publish` over a real Mosquitto:
the lots in stock reach two stand-in lines (plain MQTT clients answering as an agent does: one
knows every product, the other only BREAD) in pages, in order; the short-dated list is left
retained on the store's alert topic for whoever subscribes later."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from lotedge.apps.broker import free_port
from lotedge.config.store import StoreMqttConfig
from lotedge.store.db import Database
from lotedge.store.ingest import Ingestor, IngestOutcome, Message
from lotedge.store.line_commands import MAX_PAGE_LOTS
from lotedge.store.product_lots import product_lots
from lotedge.store.stock import expiring
from tests.publish.helpers import Subscriber

from . import stock_data
from .agent_events import payload
from .helpers import own_topic, store_config, wait_until
from .test_answers import run_cli

TODAY = date.today()
OP = "stock.lots"
ALERT_TOPIC = "lotedge/v1/store/alerts/short-dated"


class AnsweringLine:
    """A line's command topics, answered as its agent would: `ok` for a product its master
    data has (each page kept aside until the last swaps the list in; never whole for a product
    in `lost`, as when a page went missing), `unknown_product` otherwise; keeps every request,
    in arrival order."""

    def __init__(
        self, port: int, root: str, products: set[str], lost: frozenset[str] = frozenset()
    ) -> None:
        self.root, self.products, self.lost = root, products, lost
        self.requests: list[dict[str, Any]] = []
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=uuid.uuid4().hex)
        self.client.on_message = self._answer
        subscribed = threading.Event()
        self.client.on_subscribe = lambda *_: subscribed.set()
        self.client.connect("127.0.0.1", port, 30)
        self.client.subscribe(f"{root}/cmd/request/{OP}", qos=1)
        self.client.loop_start()
        assert subscribed.wait(10), "the line could not subscribe"

    def _answer(self, client: mqtt.Client, _u: object, message: mqtt.MQTTMessage) -> None:
        body = json.loads(message.payload)
        self.requests.append(body)
        if body["product"] in self.products:
            whole = body["page"] == body["pages"] and body["product"] not in self.lost
            answer = {"status": "ok", "data": {"product": body["product"], "complete": whole}}
        else:
            error = f"product {body['product']} is not in this line's master data"
            answer = {"status": "error", "code": "unknown_product", "error": error}
        answer["transaction"] = body["transaction"]
        client.publish(f"{self.root}/cmd/response/{OP}", json.dumps(answer), qos=1)

    def received(self, product: str) -> list[dict[str, Any]]:
        return [body for body in self.requests if body["product"] == product]

    def stop(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


@pytest.fixture
def stocked(db_url: str) -> str:
    """The generated dock, stored from the lines' own topics (so the store knows PLANT1/L1
    and PLANT1/DOCK), with more than one page of lots in stock for every product."""
    told = stock_data.story(1500, TODAY)
    with Database(db_url) as db:
        db.create_schema()
        messages = [Message(payload(e), own_topic(payload(e))) for e in told.events]
        assert set(Ingestor(db).ingest(messages)) == {IngestOutcome.STORED}
    return db_url


def test_push_stock_pages_each_product_to_every_line(mosquitto, stocked, tmp_path: Path, capsys):
    config = store_config(tmp_path, port=mosquitto, database_url=stocked, schema=None)
    dock = AnsweringLine(mosquitto, "lotedge/v1/PLANT1/DOCK", set(stock_data.PRODUCTS))
    l1 = AnsweringLine(mosquitto, "lotedge/v1/PLANT1/L1", {"BREAD"})
    with Database(stocked) as db:
        lists = product_lots(db).by_product
    assert all(MAX_PAGE_LOTS < len(lots) <= 2 * MAX_PAGE_LOTS for lots in lists.values())
    push = ("store", "lots", "push-stock", "-c", str(config), "--timeout", "20")
    try:
        code, out, _ = run_cli(capsys, *push)
        assert code == 0, out
        assert "lots in stock of 3 products:" in out
        assert "stock.lots (the whole list) sent for each product to 2 lines:" in out
        pages = "BREAD#1/2 BREAD#2/2 CAKE#1/2 CAKE#2/2 ROLLS#1/2 ROLLS#2/2"
        assert f"{'PLANT1/DOCK':<16} confirmed 6 of 6: {pages}" in out
        assert (
            f"{'PLANT1/L1':<16} confirmed 2 of 6: BREAD#1/2 BREAD#2/2; "
            "not used at this line: CAKE ROLLS"
        ) in out
        for line in (dock, l1):
            for product, lots in lists.items():
                received = line.received(product)
                assert [(body["page"], body["pages"]) for body in received] == [(1, 2), (2, 2)]
                assert len({body["list"] for body in received}) == 1  # the pages of one list
                assert [lot for body in received for lot in body["lots"]] == lots
        first = [body["transaction"] for body in dock.requests]

        code, out, _ = run_cli(capsys, *push, "--json")  # nothing changed: the same commands
        result = json.loads(out)
        assert code == 0 and result["op"] == OP and result["lots"] == lists
        assert [body["transaction"] for body in dock.requests[6:]] == first
        assert [(r["line"], r["not_used"]) for r in result["lines"]] == [
            ("PLANT1/DOCK", []),
            ("PLANT1/L1", ["CAKE", "ROLLS"]),
        ]

        code, out, _ = run_cli(capsys, *push, "--product", "CAKE", "--line", "PLANT1/L1")
        assert code == 0 and f"{'PLANT1/L1':<16} confirmed 0 of 2: -; not used" in out
        code, _, err = run_cli(capsys, *push, "--line", "PLANT1/L9")
        assert code == 1 and "PLANT1/DOCK, PLANT1/L1" in err
    finally:
        dock.stop()
        l1.stop()


def test_a_list_a_line_keeps_aside_is_not_confirmed(mosquitto, stocked, tmp_path: Path, capsys):
    """Every page answered `ok`, but CAKE's only kept aside (a page of it went missing): the
    push says so and exits 4, so the timer's next run sends it again."""
    config = store_config(tmp_path, port=mosquitto, database_url=stocked, schema=None)
    dock = AnsweringLine(
        mosquitto, "lotedge/v1/PLANT1/DOCK", set(stock_data.PRODUCTS), frozenset({"CAKE"})
    )
    l1 = AnsweringLine(mosquitto, "lotedge/v1/PLANT1/L1", {"BREAD"})
    push = ("store", "lots", "push-stock", "-c", str(config), "--timeout", "20")
    try:
        code, out, _ = run_cli(capsys, *push)
        assert code == 4, out
        assert (
            f"{'PLANT1/DOCK':<16} pages kept aside, the list not whole there: CAKE (the line "
            "keeps its earlier list); run this again"
        ) in out
        assert f"{'PLANT1/L1':<16} confirmed 2 of 6" in out  # BREAD whole there
        code, out, _ = run_cli(capsys, *push, "--json")
        swapped = {r["line"]: r["not_swapped_in"] for r in json.loads(out)["lines"]}
        assert code == 4 and swapped == {"PLANT1/DOCK": ["CAKE"], "PLANT1/L1": []}
    finally:
        dock.stop()
        l1.stop()


def test_push_stock_without_a_broker_says_so(stocked, tmp_path: Path, capsys):
    config = store_config(tmp_path, port=free_port(), database_url=stocked, schema=None)
    code, out, err = run_cli(capsys, "store", "lots", "push-stock", "-c", str(config))
    assert code == 4 and "lots in stock of 3 products:" in out
    assert "commands not sent" in err and "run this again" in err


def test_the_short_dated_alert_is_retained_for_a_later_subscriber(
    mosquitto, stocked, tmp_path: Path, capsys
):
    config = store_config(tmp_path, port=mosquitto, database_url=stocked, schema=None)
    publish = ("store", "expiring", "--within", "14d", "--publish", "-c", str(config))
    code, out, err = run_cli(capsys, *publish, "--format", "json")
    assert code == 0, err
    assert f"short-dated alert published (retained) on {ALERT_TOPIC}" in err
    printed = json.loads(out)
    asked = date.fromisoformat(printed["today"])  # the day the command ran (midnight may pass)
    assert asked - TODAY in (timedelta(0), timedelta(days=1))
    with Database(stocked) as db:
        short = [s.lot for s in expiring(db, asked, 14)]
    assert short and [lot["lot"] for lot in printed["lots"]] == short
    later = Subscriber(mosquitto, ALERT_TOPIC)  # subscribes after: gets the retained message
    try:
        assert wait_until(lambda: bool(later.messages), 10)
        [(topic, body, retained)] = later.messages
    finally:
        later.client.loop_stop()
        later.client.disconnect()
    alert = json.loads(body)
    assert topic == ALERT_TOPIC and retained
    generated = datetime.fromisoformat(alert.pop("generated_at"))
    assert generated.utcoffset() == timedelta(0)
    assert alert == printed and alert["within_days"] == 14


def test_the_alert_without_a_broker_still_prints_the_list(stocked, tmp_path: Path, capsys):
    config = store_config(tmp_path, port=free_port(), database_url=stocked, schema=None)
    code, out, err = run_cli(capsys, "store", "expiring", "--publish", "-c", str(config))
    assert code == 4 and out.startswith("gtin") and "on_hand" in out.splitlines()[0]
    assert "short-dated alert not published" in err and "run this again" in err


def test_the_alert_topic_is_derived_and_kept_apart_from_the_filters():
    assert StoreMqttConfig().short_dated_alert_topic == ALERT_TOPIC
    derived = StoreMqttConfig(topic_filter="plant/a/+/+/events").short_dated_alert_topic
    assert derived == "plant/a/store/alerts/short-dated"
    broad = StoreMqttConfig(topic_filter="lotedge/v1/#")  # loads: alerts are not published
    with pytest.raises(ValueError, match="matches topic_filter 'lotedge/v1/#'"):
        _ = broad.short_dated_alert_topic
    for bad in ("lotedge/v1/+/L1/events", "alerts/#", "alerts//x", "lotedge/v1/P/L/events"):
        with pytest.raises(ValueError, match="short_dated_topic"):
            StoreMqttConfig(short_dated_topic=bad)
    chosen = StoreMqttConfig(topic_filter="lotedge/v1/#", short_dated_topic="plant/short-dated")
    assert chosen.short_dated_alert_topic == "plant/short-dated"
