"""Issue 21, finding 1: one bad event never stops the store. Through a real `lotedge store`,
Mosquitto and each database: a value no database keeps is refused at validation (the same on
SQLite and PostgreSQL); an event the database itself refuses is dead-lettered with the
database's reason while the rest of its batch is stored; a query with such a value is a 400."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from lotedge.store.db import Database
from tests.publish.broker import free_port

from .genealogy_data import bakery
from .helpers import TOKEN, StoreProcess, store_config, wait_until
from .test_mqtt_ingest import TOPIC, count, line_of, publish

#: The database refuses this event (a trigger stands in for any value a backend rejects).
POISON_ID = "urn:uuid:00000000-0000-4000-8000-00000000dead"
TRIGGERS = {
    "sqlite": [
        "CREATE TRIGGER poison BEFORE INSERT ON events WHEN NEW.event_id = '{id}'"
        " BEGIN SELECT RAISE(ABORT, 'poison refused by the database'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN IF NEW.event_id = '{id}' THEN"
        " RAISE EXCEPTION 'poison refused by the database' USING ERRCODE = 'check_violation';"
        " END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER poison BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION poison()",
    ],
}


def dead_letters(url: str) -> list[tuple[str, str]]:
    with Database(url) as db:
        return [(code, reason) for code, reason in db.fetchall(
            "SELECT code, reason FROM dead_letters ORDER BY id"
        )]  # fmt: skip


def with_class(payload: bytes, epc_class: str, event_id: str, **extra: str) -> bytes:
    event = json.loads(payload)
    event["inputQuantityList"][0]["epcClass"] = epc_class
    event["eventID"] = event_id
    return json.dumps({**event, **extra}).encode()


def run_store(tmp_path, mosquitto: int, db_url: str, api_port: int | None = None) -> StoreProcess:
    config = store_config(
        tmp_path, port=mosquitto, database_url=db_url, schema=None, api_port=api_port
    )
    store = StoreProcess(config, f"store-{tmp_path.name}")
    store.wait_for_log("subscribed to")
    return store


@pytest.mark.slow
def test_an_event_naming_a_nul_is_dead_lettered_and_the_rest_stored(mosquitto, db_url, tmp_path):
    messages = [m.payload for m in bakery()]
    nul = with_class(  # JSON's \u0000 in the material: PostgreSQL refuses it, SQLite keeps it
        messages[0],
        "urn:epc:class:lgtin:0614141.077777.N1",
        "urn:uuid:00000000-0000-4000-8000-000000000001",
        **{"lotedge:material": "FL\x00OUR"},
    )
    store = run_store(tmp_path, mosquitto, db_url)
    try:
        publish(mosquitto, [(TOPIC.format(line=line_of(p)), p) for p in [nul, *messages]])
        assert wait_until(lambda: count(db_url, "events") == len(messages), 30), store.log
        assert wait_until(lambda: count(db_url, "dead_letters") == 1, 30)
        counts = store.stop()
    finally:
        store.kill()
    [(code, reason)] = dead_letters(db_url)
    assert code in ("structure", "unstorable")  # refused while reading, before any database
    assert "lotedge:material: contains a NUL character" in reason
    assert counts["stored"] == len(messages) and counts["dead_lettered"] == 1


@pytest.mark.slow
def test_an_event_the_database_refuses_is_dead_lettered_with_its_reason(
    mosquitto, db_url, tmp_path
):
    messages = [m.payload for m in bakery()]
    poison = with_class(messages[0], "urn:epc:class:lgtin:0614141.077777.P9", POISON_ID)
    with Database(db_url) as db:
        db.create_schema()
        backend = "sqlite" if db_url.startswith("sqlite") else "postgresql"
        with db.transaction():
            for statement in TRIGGERS[backend]:
                db.execute(statement.format(id=POISON_ID))
    store = run_store(tmp_path, mosquitto, db_url)
    try:
        # one batch: the poison among good events, all published before the store takes them
        publish(mosquitto, [(TOPIC.format(line=line_of(p)), p) for p in [*messages, poison]])
        assert wait_until(lambda: count(db_url, "events") == len(messages), 30), store.log
        assert wait_until(lambda: count(db_url, "dead_letters") == 1, 30)
        # and the store goes on storing
        later = with_class(messages[0], "urn:epc:class:lgtin:0614141.077777.L8", "urn:uuid:8")
        publish(mosquitto, [(TOPIC.format(line=line_of(later)), later)])
        assert wait_until(lambda: count(db_url, "events") == len(messages) + 1, 30)
        store.stop()
    finally:
        store.kill()
    [(code, reason)] = dead_letters(db_url)
    assert code == "database"
    assert reason.startswith("the database refused it: ") and "poison refused" in reason


@pytest.mark.slow
def test_queries_with_a_nul_are_a_400_not_a_500(mosquitto, bakery_url, tmp_path):
    api_port = free_port()
    store = run_store(tmp_path, mosquitto, bakery_url, api_port)
    try:
        for query in (
            "/v1/recall?lot=A%00B",
            "/v1/lots?lot=A%00B",
            "/v1/vendors/A%00B",
            "/epcis/events?MATCH_anyEPCClass=A%00B",
            "/epcis/events/A%00B",
        ):
            request = urllib.request.Request(
                f"http://127.0.0.1:{api_port}{query}",
                headers={"Authorization": f"Bearer {TOKEN}"},
            )
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=10)
            assert refused.value.code == 400, query
            assert b"contains a NUL character" in refused.value.read(), query
        store.stop()
    finally:
        store.kill()
