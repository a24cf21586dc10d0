"""Broker-free parts: the MQTT config rules, topic layout and the command table."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from lotedge.agent import codec, control
from lotedge.agent.requests import (
    AlertAck,
    CancelBatch,
    EndBatch,
    HoldAdd,
    HoldList,
    HoldRemove,
    LotsClose,
    LotsList,
    LotsOpen,
    Once,
    ReceiveUnlabelled,
    Reply,
    Reprint,
    ScanRequest,
    SetMode,
    SetReference,
    StartBatch,
    Status,
)
from lotedge.config.base import SecretRef
from lotedge.config.mqtt import MqttConfig, TlsConfig
from lotedge.core.holds import HoldScope
from lotedge.masterdata import suggestions
from lotedge.publish import commands
from lotedge.wire.topics import TopicError, Topics

from .samples import SITE


def test_plain_tcp_to_a_remote_broker_is_refused():
    with pytest.raises(ValidationError, match=r"plain TCP to broker\.example would send"):
        MqttConfig(host="broker.example", tls=TlsConfig(enabled=False))
    assert MqttConfig(host="::1", tls=TlsConfig(enabled=False)).effective_port == 1883
    assert MqttConfig(host="localhost", tls=TlsConfig(enabled=False)).effective_port == 1883
    allowed = MqttConfig(host="10.0.0.5", tls=TlsConfig(enabled=False), allow_plain_tcp=True)
    assert allowed.effective_port == 1883


def test_tls_is_on_and_verified_by_default():
    config = MqttConfig(host="broker.example")
    assert (config.tls.enabled, config.tls.verify, config.effective_port) == (True, True, 8883)


def test_config_rejects_half_settings_and_unknown_keys():
    with pytest.raises(ValidationError, match="give both cert_file and key_file"):
        TlsConfig(cert_file="c.pem")
    with pytest.raises(ValidationError, match="password is set but username is not"):
        MqttConfig(password=SecretRef(env="X"))
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        MqttConfig.model_validate({"hots": "x"})
    with pytest.raises(ValidationError, match="topic_prefix"):
        MqttConfig(topic_prefix="a/#")


def test_topics():
    topics = Topics.for_agent("lotedge/v1/", SITE)
    assert topics.of("events") == "lotedge/v1/PLANT1/L1/events"
    assert topics.status == "lotedge/v1/PLANT1/L1/status"
    assert topics.requests == "lotedge/v1/PLANT1/L1/cmd/request/#"
    assert topics.response("batch.end") == "lotedge/v1/PLANT1/L1/cmd/response/batch.end"
    assert topics.command_name("lotedge/v1/PLANT1/L1/cmd/request/batch.end") == "batch.end"
    assert topics.command_name("lotedge/v1/PLANT1/L1/events") is None
    for bad in ("cmd/+", "#", "a//b"):
        with pytest.raises(TopicError, match="cannot publish to"):
            topics.of(bad)


@pytest.mark.parametrize(
    ("name", "body", "expected"),
    [
        (
            "batch.start",
            {"product": "BREAD", "planned_qty": 500},
            StartBatch("BREAD", Decimal(500)),
        ),
        ("batch.end", {"qty": "480.5"}, EndBatch(Decimal("480.5"))),
        ("batch.cancel", {}, CancelBatch()),
        ("status", {}, Status()),
        (
            "hold.add",
            {"material": "F", "lot": "L", "reason": "r"},
            HoldAdd(HoldScope(material="F", lot="L"), "r", source="remote"),
        ),
        (
            "hold.add",
            {"vendor": "V", "lot_from": "A9", "lot_to": "A10", "reason": "r", "hold_id": "R1"},
            HoldAdd(HoldScope(vendor="V", lot_from="A9", lot_to="A10"), "r", "R1", "remote"),
        ),
        ("hold.remove", {"material": "F", "lot": "L"}, HoldRemove(HoldScope("F", lot="L"))),
        ("hold.remove", {"hold_id": "R1"}, HoldRemove(hold_id="R1")),
        (
            "hold.remove",
            {"hold_id": "R1", "material": "*", "lot": "L"},
            HoldRemove(HoldScope("*", lot="L"), "R1"),
        ),
        ("hold.list", {}, HoldList()),
        ("label.reprint", {"lot": "L", "copies": 2}, Reprint("L", 2)),
        ("alert.ack", {"id": 3, "operator": "Ann"}, AlertAck(3, "Ann")),
        ("mode.set", {"mode": "receiving"}, SetMode("receiving")),
        ("receive.ref", {"ref": "DN-1", "type": "desadv"}, SetReference("DN-1", "desadv")),
        (
            "lots.open",
            {"material": "F", "lots": [{"lot": "A", "expiry": "2027-01-31"}, {"lot": "B"}]},
            LotsOpen("F", (("A", date(2027, 1, 31)), ("B", None))),
        ),
        ("lots.close", {"material": "F", "lot": "A"}, LotsClose("F", "A")),
        ("lots.list", {}, LotsList()),
    ],
)
def test_command_table(name, body, expected):
    """MQTT commands are the control socket's operations: same names, same arguments."""
    once = Once(expected, f"mqtt:{name}:7")  # a retry with transaction 7 is not applied twice
    assert commands.parse(name, json.dumps({**body, "transaction": 7}).encode()) == (once, 7)
    assert commands.parse(name, json.dumps(body).encode()) == (expected, None)
    assert codec.request_from_json(name, body, remote=True) == expected


#: Operations for whoever stands at the line, never from the network.
LOCAL_ONLY = (
    "scan", "receive.unlabelled", "weigh.skip", "scale.tare", "scale.zero", "scale.reread",
)  # fmt: skip


def test_one_command_table():
    assert list(codec.REMOTE_COMMANDS) == [op for op in codec.COMMANDS if op not in LOCAL_ONLY]
    assert set(codec.COMMANDS) - set(codec.REMOTE_COMMANDS) == set(LOCAL_ONLY)
    unlabelled = codec.request_from_json("receive.unlabelled", {"material": "F", "quantity": 2})
    assert unlabelled == ReceiveUnlabelled("F", Decimal(2))
    local = codec.request_from_json("scan", {"data": "X"})
    assert isinstance(local, ScanRequest)


@pytest.mark.parametrize(
    ("name", "payload", "code", "message"),
    [
        ("fly", b"{}", "unknown_command", "unknown operation 'fly' (known: batch.start, "),
        ("scan", b'{"data": "X"}', "unknown_command", "unknown operation 'scan'"),
        ("start_batch", b"{}", "unknown_command", "unknown operation 'start_batch'"),
        ("status", b"{nope", "bad_json", "request is not JSON"),
        ("status", b"[1]", "bad_json", "request must be a JSON object"),
        (
            "label.reprint",
            b'{"lot": "L", "copy": 2}',
            "bad_request",
            "label.reprint: unknown argument(s) copy; expected: lot, copies",
        ),
        ("batch.end", b"{}", "bad_request", "batch.end: 'qty' is required"),
        ("label.reprint", b'{"lot": "L", "copies": 0}', "bad_request", "label.reprint: 'copies'"),
        ("mode.set", b'{"mode": "dance"}', "bad_request", "mode.set: 'mode' must be one of"),
        (
            "lots.open",
            b'{"material": "F", "lots": [{"lot": "A", "expiry": "31.01.2027"}]}',
            "bad_request",
            "lots.open: 'expiry' must be a date YYYY-MM-DD",
        ),
        ("lots.open", b'{"material": "F", "lots": "A"}', "bad_request", "lots.open: 'lots' must"),
        ("receive.unlabelled", b"{}", "unknown_command", "unknown operation 'receive.unlabelled'"),
    ],
)
def test_bad_requests_get_an_error_answer(name, payload, code, message):
    answer = commands.handle(name, payload, lambda r: pytest.fail("must not be called"))
    assert (answer["status"], answer["code"]) == ("error", code)
    assert answer["error"].startswith(message)


def test_control_socket_answers_use_the_same_codes():
    def never(request):
        pytest.fail("must not be called")

    unknown = control.answer(b'{"op": "start_batch", "args": {}}', never)
    assert (unknown["code"], unknown["error"]) == (
        "unknown_command",
        "unknown operation 'start_batch' (known: "
        + ", ".join(sorted(codec.COMMANDS)[: suggestions.LISTED])
        + f" and {len(codec.COMMANDS) - suggestions.LISTED} more)",
    )
    typo = control.answer(b'{"op": "label.reprint", "args": {"lot": "L", "copy": 2}}', never)
    assert typo["code"] == "bad_request"
    assert typo["error"].startswith("label.reprint: unknown argument(s) copy")


def test_answers_echo_the_transaction_even_on_errors():
    bad = commands.handle("batch.end", b'{"transaction": "t9"}', lambda r: Reply(ok=True))
    assert bad["transaction"] == "t9"

    def boom(request):
        raise RuntimeError("engine gone")

    failed = commands.handle("status", b'{"transaction": 1}', boom)
    assert failed == {
        "status": "error",
        "data": {},
        "error": "status failed: engine gone",
        "code": "internal",
        "transaction": 1,
    }
    ok = commands.handle("status", b"", lambda r: Reply(ok=True, data={"batch": None}))
    assert ok == {"status": "ok", "data": {"batch": None}}
