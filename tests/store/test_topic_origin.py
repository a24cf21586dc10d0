"""Issue 21, finding 4: the store checks an event's topic against its body. Through a real
`lotedge store` and Mosquitto, on each database: an event published on PLANT9/L9's topic that
says it is PLANT1/L1's is dead-lettered with both, and the rogue topic registers no line."""

from __future__ import annotations

import json

import pytest

from lotedge.store.db import Database

from .genealogy_data import bakery
from .helpers import StoreProcess, store_config, wait_until
from .test_mqtt_ingest import REJECTIONS, TOPIC, count, line_of, publish, rejected_f1

ROGUE = "lotedge/v1/PLANT9/L9/events"


def lines(url: str) -> set[tuple[str, str]]:
    with Database(url) as db:
        return {(site, line) for site, line in db.fetchall("SELECT site, line FROM lines")}


@pytest.mark.slow
def test_an_event_on_another_lines_topic_is_dead_lettered_and_registers_no_line(
    mosquitto, db_url, tmp_path
):
    [first, *rest] = [m.payload for m in bakery()]
    config = store_config(tmp_path, port=mosquitto, database_url=db_url, schema=None)
    store = StoreProcess(config, "store-origin")
    try:
        store.wait_for_log("subscribed to")
        publish(
            mosquitto,
            [(ROGUE, first)]
            + [(TOPIC.format(line=line_of(p)), p) for p in rest]
            + [(REJECTIONS, rejected_f1())],
        )
        assert wait_until(lambda: count(db_url, "events") == len(rest), 30), store.log
        assert wait_until(lambda: count(db_url, "dead_letters") == 1, 30), store.log
        assert wait_until(lambda: count(db_url, "rejections") == 1, 30), store.log
        store.stop()
    finally:
        store.kill()
    with Database(db_url) as db:
        dead = db.fetchall("SELECT source, code, reason, payload FROM dead_letters ORDER BY id")
    [(source, code, reason, payload)] = dead  # the rogue event; the rejected scan below
    assert (source, code) == (ROGUE, "wrong_line")
    assert reason == (
        f"published on {ROGUE} (site PLANT9, line L9) but the event says site PLANT1, line L1"
    )
    assert json.loads(bytes(payload)) == json.loads(first)

    assert ("PLANT9", "L9") not in lines(db_url)
    assert ("PLANT1", "L1") in lines(db_url)
