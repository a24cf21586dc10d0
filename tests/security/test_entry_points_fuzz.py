"""Hypothesis at every entry point (issue 21): arbitrary JSON (any depth), numbers and strings
into control-socket lines, MQTT command payloads, the station's POSTs and events into the
store. The answer is always a reply (or a dead letter), never an exception, and each keeps
serving afterwards. Modest example counts: the bounds' own tests are elsewhere."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lotedge.agent.codec import COMMANDS, REMOTE_COMMANDS
from lotedge.agent.control import answer
from lotedge.agent.engine import Engine
from lotedge.config.loader import load_config
from lotedge.publish import commands
from lotedge.state.db import open_state
from lotedge.store.db import Database
from lotedge.store.ingest import Ingestor, IngestOutcome, Message
from tests.conftest import write_config
from tests.publish.broker import MOSQUITTO
from tests.security.conftest import Line

numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["1e400000", "-0", "NaN", "Infinity", "0x10", "1_000", "9" * 40, "1e-9"]),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=300))
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=30,
)
#: Arguments named as the operations name theirs, with any values.
arguments = st.dictionaries(
    st.sampled_from(sorted({f for c in COMMANDS.values() for f in c.fields} | {"x"})),
    json_values,
    max_size=6,
)
deep = st.integers(min_value=1, max_value=3000).map(lambda n: "[" * n + "]" * n)
STATION_OPS = ["batch.start", "batch.end", "label.reprint", "alert.ack"]
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    config = load_config(write_config(tmp_path_factory.mktemp("fuzz")))
    engine = Engine(config, open_state(config.state_dir))
    engine.start()
    yield engine
    engine.stop()


def _reply(answered: dict) -> None:
    assert answered["status"] in ("ok", "error"), answered
    if answered["status"] == "error":
        assert answered["code"] and isinstance(answered["error"], str)
        assert "Traceback" not in answered["error"]


@FUZZ
@given(op=st.sampled_from(sorted(COMMANDS)), args=arguments, raw=st.one_of(st.none(), deep))
def test_control_socket_lines_always_get_a_reply(engine: Engine, op: str, args: dict, raw):
    line = json.dumps({"op": op, "args": args}).encode() if raw is None else raw.encode()
    _reply(answer(line, engine.call))
    assert answer(b'{"op": "status"}', engine.call)["status"] == "ok"


@FUZZ
@given(op=st.sampled_from([*REMOTE_COMMANDS, "scan", "nope"]), args=arguments, raw=st.binary())
def test_mqtt_command_payloads_always_get_a_reply(engine: Engine, op: str, args: dict, raw):
    for payload in (json.dumps(args).encode(), raw):
        _reply(commands.handle(op, payload, engine.call))


@FUZZ
@given(body=json_values, raw=st.binary(max_size=200))
def test_events_into_the_store_are_stored_or_dead_lettered(
    store_db: Database, body: object, raw: bytes
):
    ingestor = Ingestor(store_db)
    for payload in (json.dumps(body).encode(), raw):
        [result] = ingestor.ingest_messages([Message(payload, "lotedge/v1/P/L/events")])
        assert result.events and all(
            e.outcome
            in (
                IngestOutcome.STORED,
                IngestOutcome.DEAD_LETTERED,
                IngestOutcome.DUPLICATE,
                IngestOutcome.RETRACTED,
            )
            for e in result.events
        )


@pytest.fixture(scope="module")
def store_db(tmp_path_factory: pytest.TempPathFactory) -> Database:
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('store') / 'trace.db'}")
    db.create_schema()
    yield db
    db.close()


@pytest.mark.skipif(MOSQUITTO is None, reason="mosquitto binary not installed")
@settings(max_examples=30, deadline=None)
@given(
    op=st.sampled_from(["batch.start", "batch.end", "label.reprint", "alert.ack"]), args=json_values
)
def test_station_posts_always_get_an_http_answer(line: Line, op: str, args: object):
    status, body = line.station.command(op, args)
    assert status in (200, 400, 409, 413), (status, body)
    assert "Traceback" not in json.dumps(body)
    line.control.request("batch.cancel")  # whatever it started
    assert line.station.state()["batch"] is None
